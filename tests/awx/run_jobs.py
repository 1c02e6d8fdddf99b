"""Run every playbook of the collection as an AWX/Tower job template would, through ansible-runner.

For each job (the project playbooks in docs/awx-project, the lab's inventory copied into the job's private
data directory, the survey answers in env/extravars), against the full_lab molecule scenario:
  1. a check run (--check --diff): must succeed and leave the lab exactly as it was;
  2. the real run (--diff): must succeed and change what the job is for;
  3. a re-run: must succeed and report no change on any host;
and for every run: runner status "successful", rc 0, the artifacts AWX reads (status, rc, stdout, job
events ending in playbook_on_stats), no secret from the survey anywhere in the artifacts, and for the jobs that
leave one, the change report (set_stats) in the stats event's artifact_data, saying what that run did.
Writes a JSON report (--report) and exits 1 when any check fails.

Run from the scenario's converge (it needs MOLECULE_INVENTORY_FILE and MOLECULE_EPHEMERAL_DIRECTORY).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys

import ansible_runner
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "cluster"))

from redis_cluster import RedisCluster  # noqa: E402

SECRET = "dslab-cluster-secret"

# name, project playbook, survey answers (extravars), the part of the lab the job changes
JOBS = [
    ("change-internal-addresses", "change_internal_addresses.yml", {}, "re_nodes"),
    ("set-external-addresses", "set_external_addresses.yml", {}, "re_nodes"),
    ("protocol-preference", "protocol_preference.yml", {}, "clients"),
    ("ip-discovery", "ip_discovery.yml", {"ip_discovery_family": "ipv6", "ip_discovery_password": SECRET}, "cluster"),
]


def podman(*argv):
    return subprocess.run(["podman", "exec"] + list(argv), capture_output=True, text=True, timeout=60, check=False).stdout


def snapshot(ephemeral):
    """The lab's state, in the parts the jobs change."""
    cluster = RedisCluster.load(os.path.join(ephemeral, "redis-cluster"))
    elasticache = load_json(os.path.join(ephemeral, "elasticache", "state.json"))["replication_groups"]["orders"]
    return {
        "re_nodes": podman("re1", "/opt/redislabs/bin/rladmin", "status", "nodes"),
        "clients": podman("lin1", "cat", "/etc/gai.conf") + podman("win1", "netsh", "interface", "ipv6", "show", "prefixpolicies"),
        "cluster": json.dumps([sorted(cluster.announced(port).items()) for port in cluster.ports])
        + elasticache.get("IpDiscovery", ""),
    }


def private_data_dir(base, name, extravars, inventory_dir, credential_env=None):
    """A job's private data directory, laid out as AWX lays it out for ansible-runner; ``credential_env`` is what
    a credential's injector puts into the job's environment."""
    pdd = os.path.join(base, name)
    shutil.rmtree(pdd, ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "docs", "awx-project"), os.path.join(pdd, "project"))
    shutil.copytree(inventory_dir, os.path.join(pdd, "inventory"), symlinks=False)
    os.makedirs(os.path.join(pdd, "env"))
    with open(os.path.join(pdd, "env", "extravars"), "w", encoding="utf-8") as handle:
        yaml.safe_dump(extravars, handle)
    envvars = {
        "ANSIBLE_COLLECTIONS_PATH": os.path.join(ROOT, ".build", "collections"),
        "ANSIBLE_PYTHON_INTERPRETER": "/usr/bin/python3",
        "ANSIBLE_NOCOLOR": "1",
    }
    envvars.update(credential_env or {})
    with open(os.path.join(pdd, "env", "envvars"), "w", encoding="utf-8") as handle:
        yaml.safe_dump(envvars, handle)
    return pdd


def load_json(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


# The change report a job leaves as its artifact (set_stats), what AWX shows under the job's artifacts, per run:
# a check of it (report -> problem or None).
def _internal_address_report(kind, report):
    outcomes = [node["outcome"] for node in report["nodes"]]
    if kind == "check":
        return None if report["run"]["check_mode"] and set(outcomes) == {"would be changed"} else "check run: %s" % outcomes
    if kind == "run":
        untimed = [node["host"] for node in report["nodes"] if None in node["times"].values()]
        return None if set(outcomes) == {"changed"} and not untimed and report["cluster_after"] else (
            "run: outcomes %s, untimed %s" % (outcomes, untimed))
    return None if set(outcomes) == {"already at the new address"} else "re-run: %s" % outcomes


def _ip_discovery_report(kind, report):
    (cluster,) = report["clusters"]
    elasticache, watch = cluster["elasticache"] or {}, cluster["watch"] or {}
    expected = {"check": ("ipv4", "ipv6"), "run": ("ipv4", "ipv6"), "rerun": ("ipv6", "ipv6")}[kind]
    if (elasticache.get("before"), elasticache.get("after")) != expected:
        return "%s: ElastiCache %s -> %s, expected %s" % (kind, elasticache.get("before"), elasticache.get("after"), expected)
    if kind != "check" and not (watch.get("converged") and watch.get("families") == ["ipv6"] and watch.get("nodes")):
        return "%s: the wait is not in the report as converged on ipv6: %s" % (kind, watch)
    return None


REPORTS = {"change-internal-addresses": ("internal_address_report", _internal_address_report),
           "ip-discovery": ("ip_discovery_report", _ip_discovery_report)}


def run_job(pdd, playbook, cmdline, ident, secrets=(SECRET,)):
    runner = ansible_runner.run(private_data_dir=pdd, playbook=playbook, cmdline=cmdline, ident=ident, quiet=True,
                                timeout=900)
    artifacts = runner.config.artifact_dir
    events = [load_json(path) for path in sorted(glob.glob(os.path.join(artifacts, "job_events", "*.json")))]
    stats = next((e["event_data"] for e in events if e.get("event") == "playbook_on_stats"), None)
    leaked = []
    for folder, _dirs, files in os.walk(artifacts):
        for name in files:
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as handle:
                text = handle.read()
                if name == "command" and folder == artifacts:
                    # ansible-runner's record of how it started the job, with the job's environment: where a
                    # credential's injector puts its values (AWX redacts them in the job's details). The
                    # command line and everything the playbook printed or sent as events are checked.
                    text = json.dumps(dict(json.loads(text), env=None))
                if any(secret in text for secret in secrets):
                    leaked.append(os.path.relpath(os.path.join(folder, name), artifacts))
    failed_tasks = ["%s: %s" % (e["event_data"].get("task"), e["event_data"].get("res", {}).get("msg"))
                    for e in events if e.get("event") == "runner_on_failed"]
    return dict(
        ident=ident, status=runner.status, rc=runner.rc,
        artifacts={name: os.path.exists(os.path.join(artifacts, name)) for name in ("status", "rc", "stdout", "job_events")},
        events=len(events), stats=stats, leaked=leaked, failed_tasks=failed_tasks,
        changed=sum((stats or {}).get("changed", {}).values()) if stats else None,
    )


def check(problems, condition, text):
    if not condition:
        problems.append(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="where the jobs' private data directories go")
    parser.add_argument("--report", required=True)
    args = parser.parse_args(argv)
    inventory_dir = os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"])
    ephemeral = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
    report, problems = [], []
    for name, playbook, extravars, part in JOBS:
        pdd = private_data_dir(args.base, name, extravars, inventory_dir)
        before = snapshot(ephemeral)
        runs = {}
        for kind, cmdline in (("check", "--check --diff"), ("run", "--diff"), ("rerun", "--diff")):
            runs[kind] = run_job(pdd, playbook, cmdline, "%s-%s" % (name, kind))
            result = runs[kind]
            where = "%s (%s)" % (name, kind)
            check(problems, result["status"] == "successful" and result["rc"] == 0,
                  "%s: status %s rc %s; failed tasks: %s" % (where, result["status"], result["rc"], result["failed_tasks"]))
            check(problems, all(result["artifacts"].values()) and result["stats"] is not None,
                  "%s: artifacts missing: %s" % (where, result["artifacts"]))
            check(problems, not result["leaked"], "%s: the survey's secret is in %s" % (where, result["leaked"]))
            if name in REPORTS:
                key, judge = REPORTS[name]
                artifact = ((result["stats"] or {}).get("artifact_data") or {}).get(key)
                check(problems, isinstance(artifact, dict) and artifact.get("markdown", "").startswith("# "),
                      "%s: no change report %s in the job's artifacts" % (where, key))
                if isinstance(artifact, dict):
                    problem = judge(kind, artifact)
                    check(problems, problem is None, "%s: change report: %s" % (where, problem))
            after = snapshot(ephemeral)
            if kind == "check":
                check(problems, after == before, "%s: check mode changed the lab: %s" % (
                    where, [k for k in before if before[k] != after[k]]))
            elif kind == "run":
                check(problems, after[part] != before[part], "%s: the job did not change %s" % (where, part))
                check(problems, result["changed"], "%s: reported no change" % where)
            else:
                check(problems, result["changed"] == 0, "%s: the re-run changed %s" % (where, (result["stats"] or {}).get("changed")))
        report.append(dict(job=name, playbook=playbook, runs=runs))
    with open(args.report, "w", encoding="utf-8") as handle:
        json.dump(dict(jobs=report, problems=problems), handle, indent=1)
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
