"""Benchmark: the rolling internal-address change on the 3-node Redis Enterprise stand-in lab.

Runs dualstack.redis.change_internal_addresses once on the `internal_address` molecule scenario's
containers (created and prepared first, not timed) with the ansible.posix.json callback, then reports:

- per node, the role's own overhead: the node's whole time minus the time it spent waiting for the
  stand-in (to see the node down after its services stopped, and to see it OK again after they started);
  target under 6 s per node (issue 14), also printed as a ratio to the floor: one ansible.builtin.ping task
  on the same node over the same SSH connection settings, measured in the same run;
- how soon after the node reported OK (the stand-in's own record of the rejoin) the role noticed;
  target under 1.5 s.
Exit status 1 when a target is missed. Needs the lab (make lab) and root.
"""

import datetime
import glob
import json
import os
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCENARIO = "internal_address"
WAITS = ("Wait until the cluster sees the node down", "Wait until the node is OK at")
TARGET_OVERHEAD = 6.0
TARGET_NOTICE = 1.5
FLOOR_PLAYBOOK = """- hosts: all
  gather_facts: false
  tasks:
""" + "    - ansible.builtin.ping:\n" * 10


def molecule(*args):
    # from the project root: MOLECULE_GLOB (molecule/*/molecule.yml) is relative to it, and make bench runs from tests/bench
    subprocess.run(["molecule"] + list(args) + ["-s", SCENARIO], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   cwd=ROOT)


def stamp(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def main():
    molecule("destroy")
    try:
        molecule("create")
        molecule("prepare")
        ephemeral = sorted(glob.glob(os.path.expanduser("~/.ansible/tmp/molecule.*.%s" % SCENARIO)), key=os.path.getmtime)[-1]
        env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_CONFIG=os.path.join(ephemeral, "ansible.cfg"))
        floor_file = os.path.join(ephemeral, "bench_floor.yml")
        with open(floor_file, "w") as handle:
            handle.write(FLOOR_PLAYBOOK)
        floor_run = subprocess.run(["ansible-playbook", "-i", os.path.join(ephemeral, "inventory"), floor_file], env=env,
                                   capture_output=True, text=True, check=True)
        pings = [stamp(t["task"]["duration"]["end"]) - stamp(t["task"]["duration"]["start"])
                 for t in json.loads(floor_run.stdout)["plays"][0]["tasks"][1:]]  # the first one opens the connections
        floor = sorted(pings)[len(pings) // 2]
        start = time.time()
        proc = subprocess.run(["ansible-playbook", "-i", os.path.join(ephemeral, "inventory"), "dualstack.redis.change_internal_addresses"],
                              env=env, capture_output=True, text=True, check=False)
        total = time.time() - start
        if proc.returncode != 0:
            sys.exit("the change failed:\n" + proc.stdout[-3000:] + proc.stderr[-2000:])
        report = json.loads(proc.stdout)
        with open(os.path.join(ephemeral, "re-shared", "cluster.json")) as handle:
            joins = json.load(handle).get("joins", [])
    finally:
        molecule("destroy")

    per_host = {}
    # With serial: 1 every batch of the second play is a play of its own in the report.
    tasks = [task for play in report["plays"] if play["play"]["name"].startswith("Change the nodes") for task in play["tasks"]]
    slow = {}
    for task in tasks:
        begin, end = stamp(task["task"]["duration"]["start"]), stamp(task["task"]["duration"]["end"])
        for host in task["hosts"]:
            slow.setdefault(host, []).append((end - begin, task["task"]["name"]))
            entry = per_host.setdefault(host, {"start": begin, "end": end, "waiting": 0.0, "noticed": None})
            entry["start"], entry["end"] = min(entry["start"], begin), max(entry["end"], end)
            name = task["task"]["name"]
            # The included files' own tasks, not the include lines (whose names start the same).
            if task["hosts"][host].get("action") == "ansible.builtin.include_tasks":
                continue
            if any(wait in name for wait in WAITS):
                entry["waiting"] += end - begin
            if WAITS[1] in name:
                entry["noticed"] = end
    print("internal_address benchmark: 3-node change on the Redis Enterprise stand-in, %.1f s in all; floor: one ping task "
          "on the 3 nodes %.2f s (median of 9)" % (total, floor))
    missed = 0
    for host in sorted(per_host):
        entry = per_host[host]
        node = int(host[-1])
        joined = [j["at"] for j in joins if j["node"] == node and j["at"] <= entry["noticed"]]
        notice = entry["noticed"] - max(joined) if joined else float("nan")
        overhead = (entry["end"] - entry["start"]) - entry["waiting"]
        ok = overhead < TARGET_OVERHEAD and notice < TARGET_NOTICE
        missed += not ok
        print("  %s: %5.1f s in all, %5.1f s waiting for the stand-in, overhead %4.1f s = %.0fx the ping floor (target < %.0f s); "
              "noticed the rejoin %.2f s after it (target < %.1f s)  %s"
              % (host, entry["end"] - entry["start"], entry["waiting"], overhead, overhead / floor, TARGET_OVERHEAD, notice,
                 TARGET_NOTICE, "ok" if ok else "OVER TARGET"))
    if "--tasks" in sys.argv:
        for host in sorted(slow):
            print("  %s, slowest tasks: %s" % (host, "; ".join("%.2f s %s" % item for item in sorted(slow[host], reverse=True)[:12])))
            print("  %s, %d tasks, %.1f s in tasks of under 0.1 s" % (host, len(slow[host]), sum(d for d, _n in slow[host] if d < 0.1)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
