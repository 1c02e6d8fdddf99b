"""Benchmark: re_node_info over the REST API from the controller, against rladmin over SSH on a node.

On the `re_rest` molecule scenario's three stand-in nodes (created and prepared first, not timed), in one run:
- floor: ansible.builtin.ping on node 1 over SSH (pipelining, one persistent connection), as the operator's
  connection to a node costs;
- rladmin: dualstack.redis.re_node_info on node 1 over the same SSH connection (the module runs there, runs
  rladmin status nodes);
- REST: dualstack.redis.re_node_info on the controller (local connection) with api_url pointing at node 1's
  API (HTTPS with the lab's CA, basic auth): GET /v1/nodes and GET /v1/nodes/status.
Each is 12 tasks in one play; the first of each opens connections and is left out; the figures are medians.
Prints the medians and the ratios REST/rladmin and each/floor. No target (issue 16 asks for the ratio).
Needs the lab (make lab) and root.
"""

import json
import os
import statistics
import subprocess
import sys

from molecule_lab import prepared, stamp

SCENARIO = "re_rest"
REPEAT = 12


def playbook(hosts, task, connection_vars):
    lines = ["- hosts: %s" % hosts, "  gather_facts: false", "  vars: %s" % json.dumps(connection_vars), "  tasks:"]
    lines += ["    - %s" % json.dumps(task)] * REPEAT
    return "\n".join(lines) + "\n"


def durations(env, inventory, path, text):
    with open(path, "w") as handle:
        handle.write(text)
    run = subprocess.run(["ansible-playbook", "-i", inventory, path], env=env, capture_output=True, text=True, check=False, timeout=600)
    if run.returncode != 0:
        sys.exit("%s failed:\n%s%s" % (os.path.basename(path), run.stdout[-3000:], run.stderr[-2000:]))
    tasks = json.loads(run.stdout)["plays"][0]["tasks"]
    return [stamp(t["task"]["duration"]["end"]) - stamp(t["task"]["duration"]["start"]) for t in tasks[1:]]


def main():
    with prepared(SCENARIO) as (ephemeral, env):
        env.update(RE_API_USERNAME="admin@rest.lab", RE_API_PASSWORD="dslab-rest-Secret:1")
        inventory = os.path.join(ephemeral, "inventory")
        ssh = {"ansible_connection": "ssh", "ansible_host": "198.18.42.11", "ansible_user": "root",
               "ansible_ssh_private_key_file": os.path.join(ephemeral, "lab_ssh_key")}
        floor = durations(env, inventory, os.path.join(ephemeral, "bench_floor.yml"),
                          playbook("rest1", {"ansible.builtin.ping": {}}, ssh))
        rladmin = durations(env, inventory, os.path.join(ephemeral, "bench_rladmin.yml"),
                            playbook("rest1", {"dualstack.redis.re_node_info": {"transport": "rladmin"}}, ssh))
        rest = durations(env, inventory, os.path.join(ephemeral, "bench_rest.yml"),
                         playbook("localhost", {"dualstack.redis.re_node_info": {
                             "api_url": "https://198.18.42.11:9443", "ca_path": os.path.join(ephemeral, "tls", "ca.crt")}},
                             {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}))
    f, r, a = statistics.median(floor), statistics.median(rladmin), statistics.median(rest)
    print("re_rest benchmark: re_node_info on a 3-node stand-in cluster, medians of %d tasks each" % (REPEAT - 1))
    print("  floor (ping over SSH)      %.3f s" % f)
    print("  rladmin over SSH on node 1 %.3f s = %.2fx the floor" % (r, r / f))
    print("  REST from the controller   %.3f s = %.2fx the floor, %.2fx rladmin over SSH" % (a, a / f, a / r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
