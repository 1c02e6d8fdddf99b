"""A REST-only AWX job template, run through ansible-runner: set_external_addresses over the REST API.

As docs/awx.md sets it up: the project playbook docs/awx-project/set_external_addresses.yml, the survey answer
``external_address_transport: rest`` (and the lists to set) in env/extravars, and the custom "Redis Enterprise
REST API" credential's injector putting RE_API_URL, RE_API_USERNAME and RE_API_PASSWORD into the job's
environment. The job's inventory names the nodes at an address where nothing listens (127.0.0.1, port 9, over
SSH), so any task that connected to a node would fail the job as unreachable: the job must run on the
controller only. Like run_jobs.py: a check run that changes nothing, the real run that changes the cluster, a
re-run that changes nothing, runner status and artifacts, and the password nowhere in the artifacts.

    run_rest_job.py --base DIR --report FILE --url URL --ca CA --user U --password P --state CMD \
        --nodes ID=ADDR,ADDR ...

``--nodes`` gives each node's list (host variables of the job's inventory). ``--state`` is a command that
prints the cluster's nodes (here: rladmin on a node, through podman), compared before and after each run. Writes a JSON report; exits 1 on any problem.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from run_jobs import check, private_data_dir, run_job  # noqa: E402


def unreachable_inventory(directory, wanted):
    """The nodes with their ids and external address lists (host variables, as an AWX inventory holds them),
    where SSH to any of them fails at once (nothing listens on 127.0.0.1 port 9)."""
    os.makedirs(directory, exist_ok=True)
    hosts = {"re%d" % node_id: {"ansible_host": "127.0.0.1", "ansible_port": 9, "ansible_connection": "ssh",
                                "redis_enterprise_node_id": node_id, "external_address_list": addresses}
             for node_id, addresses in wanted.items()}
    with open(os.path.join(directory, "hosts.yml"), "w", encoding="utf-8") as handle:
        yaml.safe_dump({"redis_enterprise": {"hosts": hosts}}, handle)
    return directory


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--state", required=True, help="a shell command printing the cluster's nodes")
    parser.add_argument("--nodes", nargs="+", required=True, help="ID=ADDRESS[,ADDRESS...]: the external addresses to set")
    args = parser.parse_args(argv)

    wanted = {int(spec.split("=", 1)[0]): [a for a in spec.split("=", 1)[1].split(",") if a] for spec in args.nodes}
    os.makedirs(args.base, exist_ok=True)
    inventory = unreachable_inventory(tempfile.mkdtemp(prefix="inventory-", dir=args.base), wanted)
    # The survey's answers.
    extravars = {"external_address_transport": "rest", "external_address_api_ca_path": args.ca}
    credential_env = {"RE_API_URL": args.url, "RE_API_USERNAME": args.user, "RE_API_PASSWORD": args.password}
    pdd = private_data_dir(args.base, "set-external-addresses-rest", extravars, inventory, credential_env)

    def state():
        return subprocess.run(args.state, shell=True, capture_output=True, text=True, timeout=60, check=False).stdout

    problems, runs = [], {}
    before = state()
    for kind, cmdline in (("check", "--check --diff"), ("run", "--diff"), ("rerun", "--diff")):
        result = runs[kind] = run_job(pdd, "set_external_addresses.yml", cmdline, "rest-%s" % kind, secrets=(args.password,))
        where = "REST job (%s)" % kind
        check(problems, result["status"] == "successful" and result["rc"] == 0,
              "%s: status %s rc %s; failed tasks: %s" % (where, result["status"], result["rc"], result["failed_tasks"]))
        check(problems, all(result["artifacts"].values()) and result["stats"] is not None, "%s: artifacts missing" % where)
        check(problems, not result["leaked"], "%s: the API password is in %s" % (where, result["leaked"]))
        check(problems, not (result["stats"] or {}).get("dark"), "%s: unreachable hosts %s" % (where, (result["stats"] or {}).get("dark")))
        after = state()
        if kind == "check":
            check(problems, after == before, "%s: check mode changed the cluster" % where)
        elif kind == "run":
            check(problems, after != before and result["changed"], "%s: the job changed nothing" % where)
        else:
            check(problems, result["changed"] == 0, "%s: the re-run changed %s" % (where, (result["stats"] or {}).get("changed")))
    with open(args.report, "w", encoding="utf-8") as handle:
        json.dump(dict(runs=runs, problems=problems, final_state=state()), handle, indent=1)
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
