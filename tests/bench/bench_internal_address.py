"""Benchmark: the rolling internal-address change on the 3-node Redis Enterprise stand-in lab.

Runs dualstack.redis.change_internal_addresses three times on the `internal_address` molecule scenario's
containers (created and prepared first, not timed) with the ansible.posix.json callback: to the new
addresses, back to the old ones (a second inventory source reaches the nodes at the new addresses and asks
for the old ones), and to the new ones again. The figures are the medians of the three runs (each run's are
printed too). Everything is a ratio to a floor measured in the same run, never a number of seconds (the
machines are shared and noisy): the floor is one ansible.builtin.ping task on the same nodes over the same
SSH connection settings (the median of 9). Per node it reports:

- the role's own overhead (the node's whole time minus the time it spent waiting for the stand-in: to see the
  node down after its services stopped, and OK again after they started) divided by the cost of the module
  calls it made at that floor: overhead / (calls x floor), target at most 1.3 for every node, the first one
  included (issue 26); and the number of calls: each task result for the node that ran something on a host
  (a module or a delegated module; not raw, whose commands are counted apart and cost a fraction of a module call;
  not set_fact, assert, include, meta and the like, not a skipped task; every attempt of a retried one), the
  waits left out;
- how soon after the node reported OK (the stand-in's own record of the rejoin) the role noticed, as a ratio
  to one poll (internal_address_poll_interval, 1 s) plus one call at the floor; target at most 1.5.
Exit status 1 when a target is missed. Needs the lab (make lab) and root.
"""
import json
import os
import subprocess
import sys
import statistics
import time

import yaml

from molecule_lab import ROOT, prepared, stamp

SCENARIO = "internal_address"
WAITS = ("Wait until the cluster sees the node down", "Wait until the node is OK at")
TARGET_CALL_RATIO = 1.3
TARGET_NOTICE_RATIO = 1.5
POLL_INTERVAL = 1.0
# Actions that run on the controller only: no module call on a host.
CONTROLLER_ONLY = {"ansible.builtin." + name for name in (
    "set_fact", "assert", "include_tasks", "import_tasks", "include_role", "import_role", "debug", "meta", "fail",
    "pause", "include_vars", "add_host", "group_by", "set_stats")}
FLOOR_PLAYBOOK = """- hosts: all
  gather_facts: false
  tasks:
""" + "    - ansible.builtin.ping:\n" * 10


def change(env, inventories, control_dir):
    """One run of the playbook, as an operator's separate run: its own SSH control sockets. (JSON report, seconds)."""
    start = time.time()
    command = ["ansible-playbook"] + [arg for inventory in inventories for arg in ("-i", inventory)]
    os.makedirs(control_dir)
    proc = subprocess.run(command + ["dualstack.redis.change_internal_addresses"], env=dict(env, ANSIBLE_SSH_CONTROL_PATH_DIR=control_dir),
                          capture_output=True, text=True, check=False, timeout=600)
    if proc.returncode != 0:
        sys.exit("the change failed:\n" + proc.stdout[-3000:] + proc.stderr[-2000:])
    return json.loads(proc.stdout), time.time() - start


def back_inventory(ephemeral):
    """An inventory source, given after molecule's: each node reached at its new address and sent back to its old one.

    A directory with host_vars, as molecule's is: host_vars files win over variables in an inventory file.
    """
    with open(os.path.join(ROOT, "molecule", SCENARIO, "molecule.yml")) as handle:
        host_vars = yaml.safe_load(handle)["provisioner"]["inventory"]["host_vars"]
    path = os.path.join(ephemeral, "bench_back")
    os.makedirs(os.path.join(path, "host_vars"))
    with open(os.path.join(path, "hosts.yml"), "w") as handle:
        yaml.safe_dump({"all": {"hosts": {host: None for host in host_vars}}}, handle)
    for host, values in host_vars.items():
        with open(os.path.join(path, "host_vars", host + ".yml"), "w") as handle:
            yaml.safe_dump({"ansible_host": values["internal_address_new"], "internal_address_new": values["ansible_host"]}, handle)
    return path


def per_node(report, joins):
    """{host: (overhead, notice, in all, waiting, module calls, raw commands, [(seconds, task name)])} for one run's report."""
    per_host, slow = {}, {}
    # With serial: 1 every batch of the change play is a play of its own in the report.
    tasks = [task for play in report["plays"] if play["play"]["name"].startswith("Change the nodes") for task in play["tasks"]]
    for task in tasks:
        begin, end = stamp(task["task"]["duration"]["start"]), stamp(task["task"]["duration"]["end"])
        for host, result in task["hosts"].items():
            slow.setdefault(host, []).append((end - begin, task["task"]["name"]))
            entry = per_host.setdefault(host, {"start": begin, "end": end, "waiting": 0.0, "noticed": None, "calls": 0, "raw": 0})
            entry["start"], entry["end"] = min(entry["start"], begin), max(entry["end"], end)
            name = task["task"]["name"]
            action = result.get("action", "")
            # The included files' own tasks, not the include lines (whose names start the same).
            if action == "ansible.builtin.include_tasks":
                continue
            if any(wait in name for wait in WAITS):
                entry["waiting"] += end - begin
            elif action == "ansible.builtin.raw" and not result.get("skipped"):
                entry["raw"] += 1
            elif action not in CONTROLLER_ONLY and not result.get("skipped"):
                entry["calls"] += result.get("attempts", 1)
            if WAITS[1] in name:
                entry["noticed"] = end
    result = {}
    for host, entry in per_host.items():
        node = int(host[-1])
        joined = [j["at"] for j in joins if j["node"] == node and j["at"] <= entry["noticed"]]
        notice = entry["noticed"] - max(joined) if joined else float("nan")
        in_all = entry["end"] - entry["start"]
        result[host] = (in_all - entry["waiting"], notice, in_all, entry["waiting"], entry["calls"], entry["raw"], slow[host])
    return result


def main():
    with prepared(SCENARIO) as (ephemeral, env):
        inventory = os.path.join(ephemeral, "inventory")
        floor_file = os.path.join(ephemeral, "bench_floor.yml")
        with open(floor_file, "w") as handle:
            handle.write(FLOOR_PLAYBOOK)
        floor_run = subprocess.run(["ansible-playbook", "-i", inventory, floor_file], env=env,
                                   capture_output=True, text=True, check=True)
        pings = [stamp(t["task"]["duration"]["end"]) - stamp(t["task"]["duration"]["start"])
                 for t in json.loads(floor_run.stdout)["plays"][0]["tasks"][1:]]  # the first one opens the connections
        floor = sorted(pings)[len(pings) // 2]
        back = back_inventory(ephemeral)
        runs = [change(env, sources, os.path.join(ephemeral, "cp%d" % number))
                for number, sources in enumerate(([inventory], [inventory, back], [inventory]))]
        with open(os.path.join(ephemeral, "re-shared", "cluster.json")) as handle:
            joins = json.load(handle).get("joins", [])

    results = [per_node(report, joins) for report, _seconds in runs]
    print("internal_address benchmark: 3-node change on the Redis Enterprise stand-in, 3 runs (there, back, there); "
          "floor: one ping task, median of 9; every figure a ratio to it (medians of the 3 runs)")
    missed = 0
    for host in sorted(results[0]):
        ratios = [result[host][0] / (result[host][4] * floor) for result in results]
        calls = [result[host][4] for result in results]
        notices = [result[host][1] / (POLL_INTERVAL + floor) for result in results]
        ratio, notice = statistics.median(ratios), statistics.median(notices)
        ok = ratio <= TARGET_CALL_RATIO and notice <= TARGET_NOTICE_RATIO
        missed += not ok
        raws = [result[host][5] for result in results]
        print("  %s: overhead / (calls x floor) %.2f (target <= %.1f; runs: %s), %s module calls and %s raw; noticed the rejoin "
              "after %.2f x (poll + floor) (target <= %.1f; runs: %s)  %s"
              % (host, ratio, TARGET_CALL_RATIO, ", ".join("%.2f" % r for r in ratios), "/".join(str(c) for c in calls),
                 "/".join(str(r) for r in raws),
                 notice, TARGET_NOTICE_RATIO, ", ".join("%.2f" % n for n in notices), "ok" if ok else "OVER TARGET"))
        if "--tasks" in sys.argv:
            _overhead, _notice, in_all, waiting, _calls, _raw, slow = results[-1][host]
            print("    last run: %.1f floors in all, %.1f waiting for the stand-in; every task in order (in floors): %s"
                  % (in_all / floor, waiting / floor, "; ".join("%.2f %s" % (d / floor, n) for d, n in slow)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
