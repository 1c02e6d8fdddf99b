"""The change_report filter and its builder (plugin_utils/_change_report.py).

The role-level proof (the report of a real run on the lab, in the demo and in an ansible-runner job's artifacts) is in
the internal_address, internal_address_faults and full_lab scenarios and tests/awx/run_jobs.py.
"""

import json
import re

import pytest
from ansible.errors import AnsibleFilterError
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.dualstack.redis.plugins.filter.change_report import FilterModule, change_report
from ansible_collections.dualstack.redis.plugins.plugin_utils import _change_report as cr

SECRET = "s3cret-Pa55"


def raw(*times, noise=True):
    """A raw task's result as Ansible registers it over SSH with a tty: CRLF, and ssh's own line."""
    lines = ["dualstack-time=%s" % t for t in times]
    if noise:
        lines.append("Shared connection to 198.18.50.11 closed.")
    return {"changed": True, "rc": 0, "stdout": "\r\n".join(lines) + "\r\n", "stdout_lines": lines}


def info(at, ok=True, address="198.18.50.111"):
    return {"changed": False, "checked_at": at, "nodes": [{"id": 1, "ok": ok, "address": address}]}


def step(node, old, new, action="change", interrupted_at=None):
    return {"node": node, "old": old, "new": new, "action": action, "interrupted_at": interrupted_at}


def changed_entry(host="re1", node=1, base="2026-12-04T10:00:0"):
    """A node changed from start to end; times 1 s apart, the seen-down and rejoin reads in Python's format."""
    return {
        "host": host, "step": step(node, "198.18.50.11", "198.18.50.111"),
        "recorded": raw(base + "0.000000000+00:00"),
        "stopped": raw(base + "1.500000000+00:00", base + "2.250000000+00:00"),
        "seen_down": info(base + "4.000000+00:00", ok=False),
        "started": raw(base + "6.000000000+00:00"),
        "rejoined": info(base + "9.500000+00:00"),
        "unrecorded": raw(base + "9.900000000+00:00"),
    }


NODES_BEFORE = [
    {"id": 2, "role": "slave", "address": "198.18.50.12", "external_addresses": [], "status": "OK", "ok": True},
    {"id": 1, "role": "master", "address": "198.18.50.11", "external_addresses": ["2001:db8::11"], "status": "OK",
     "ok": True, "hostname": "re1", "shards": "2/100"},
]


def test_filter_is_registered():
    assert FilterModule().filters() == {"change_report": change_report}


def test_time_parsing():
    utc = cr.parse_time("2026-12-04T10:00:01.123456789+00:00")
    assert (utc.second, utc.microsecond) == (1, 123456)
    assert cr.parse_time("2026-12-04T11:00:01+01:00") == cr.parse_time("2026-12-04T10:00:01Z")
    assert cr.parse_time("2026-12-04T10:00:01.N+00:00") == cr.parse_time("2026-12-04T10:00:01Z")  # a date without %N
    for bad in ("", "yesterday", "2026-02-30T10:00:00Z", None, True, "2026-12-04 10:00:00"):
        assert cr.parse_time(bad) is None
    assert cr.time_marks("x\r\ndualstack-time=2026-12-04T10:00:01Z\r\ndualstack-time=bogus\n") == [
        cr.parse_time("2026-12-04T10:00:01Z")]
    assert cr.time_marks(None) == []


def test_a_changed_node_has_every_time_and_duration():
    report = change_report([changed_entry()], kind="internal_address", cluster_before=NODES_BEFORE,
                           cluster_after=[dict(NODES_BEFORE[1], address="198.18.50.111")],
                           run={"id": "42", "started": "2026-12-04T09:59:58+00:00", "check_mode": False})
    node = report["nodes"][0]
    assert node["outcome"] == "changed"
    assert node["times"] == {
        "started": "2026-12-04T10:00:00.000Z", "demoted": "2026-12-04T10:00:01.500Z",
        "services_down": "2026-12-04T10:00:02.250Z", "seen_down": "2026-12-04T10:00:04.000Z",
        "address_set": "2026-12-04T10:00:06.000Z", "rejoined": "2026-12-04T10:00:09.500Z",
        "done": "2026-12-04T10:00:09.900Z"}
    assert node["durations"] == {"demote": 1.5, "stop": 0.8, "down": 1.8, "address": 2.0, "rejoin": 3.5,
                                 "out_of_service": 8.0, "total": 9.9}
    assert report["summary"] == "1 node changed, 0 left as they were"
    assert report["run"] == {"id": "42", "started": "2026-12-04T09:59:58.000Z", "finished": None, "check_mode": False}
    # a naive time (Ansible's now(utc=true)) is UTC; an unreadable one is kept as text
    assert change_report([], kind="ip_discovery", run={"id": 7, "started": "2026-12-04T10:00:00.25",
                                                       "finished": "soon"})["run"] == {
        "id": "7", "started": "2026-12-04T10:00:00.250Z", "finished": "soon", "check_mode": False}
    # the cluster views: named fields only, sorted by id
    assert [n["id"] for n in report["cluster_before"]] == [1, 2]
    assert "hostname" not in report["cluster_before"][0] and "shards" not in report["cluster_before"][0]
    assert report["cluster_after"][0]["address"] == "198.18.50.111"
    md = report["markdown"]
    assert md.startswith("# Internal addresses of Redis Enterprise nodes: change report\n")
    assert "| 1 | re1 | 198.18.50.11 | 198.18.50.111 | changed | 10:00:01.500 | 10:00:04.000 | 10:00:06.000 | " \
           "10:00:09.500 | 8.0 | 9.9 |" in md
    assert "## Cluster before" in md and "| 1 | master | 198.18.50.11 | 2001:db8::11 | OK |" in md
    json.dumps(report)  # set_stats and the artifact need plain data


def test_skipped_resumed_not_reached_and_check_mode():
    resumed = changed_entry("re2", 2, "2026-12-04T10:01:0")
    resumed["step"] = step(2, "198.18.50.12", "198.18.50.112", "resume", "services_down")
    for key in ("recorded", "stopped"):
        resumed[key] = {"skipped": True, "changed": False}  # finish-only: nothing before the rejoin ran
    entries = [resumed, changed_entry(),
               {"host": "re3", "step": step(3, "198.18.50.13", "198.18.50.13", "skip")},
               {"host": "re4", "step": step(4, "198.18.50.14", None, "none")},
               {"host": "re5", "step": step(5, "198.18.50.15", "198.18.50.115")}]
    report = change_report(entries, kind="internal_address", run={"check_mode": False})
    assert [n["outcome"] for n in report["nodes"]] == [
        "resumed", "changed", "already at the new address", "left alone (no new address)", "not reached"]
    assert report["nodes"][0]["times"]["started"] is None and report["nodes"][0]["durations"]["total"] is None
    assert report["nodes"][0]["durations"]["rejoin"] == 3.5
    assert report["summary"] == "2 nodes changed, 3 left as they were"
    assert "an interrupted change was finished (its record said services_down)" in report["markdown"]
    assert "Not read." in report["markdown"]  # no cluster given
    # the table of durations lists the nodes that have times, and is left out when none has
    assert [line.split(" | ")[0] for line in report["markdown"].splitlines() if line.startswith("| ") and
            line.count("|") == 9 and not line.startswith("| Node")] == ["| 2", "| 1"]
    untimed = change_report(entries[2:4], kind="internal_address")["markdown"]
    assert "Per node, in seconds" not in untimed and "| 3 | re3 |" in untimed
    check = change_report([{"host": "re1", "step": step(1, "a", "b")}], kind="internal_address",
                          run={"check_mode": True})
    assert check["nodes"][0]["outcome"] == "would be changed"
    assert check["summary"] == "check mode: nothing was changed"


def test_a_failed_node_says_where_and_holds_no_secret():
    failed = changed_entry()
    for key in ("started", "unrecorded"):
        failed.pop(key)
    # the wait for the rejoin gave up: its last read is no rejoin
    failed["rejoined"] = dict(info("2026-12-04T10:00:15+00:00", ok=False), failed=True, attempts=15)
    failed["failure"] = {"task": "Wait until the node is OK at 198.18.50.111",
                         "message": "GET https://admin:%s@198.18.50.12:9443 timed out\nafter 900 s" % SECRET,
                         "stage": "cluster_updated", "rolled_back": True}
    report = change_report([failed, {"host": "re2", "step": step(2, "x", "y")}], kind="internal_address",
                           secrets=[SECRET, "", None, "abc"])
    node = report["nodes"][0]
    assert node["outcome"] == "rolled back"
    assert node["failure"]["message"] == "GET https://admin:********@198.18.50.12:9443 timed out after 900 s"
    assert report["nodes"][1]["outcome"] == "not reached"
    assert report["summary"] == "stopped at node 1 (re1): rolled back"
    assert SECRET not in json.dumps(report)
    assert "Rolled back to 198.18.50.11." in report["markdown"]
    assert node["durations"]["out_of_service"] is None  # it never rejoined at the new address
    assert node["times"]["rejoined"] is None and node["times"]["seen_down"] == "2026-12-04T10:00:04.000Z"


def test_ip_discovery_report():
    elasticache = {"changed": True, "before": {"ip_discovery": "ipv4", "network_type": "dual_stack"},
                   "after": {"ip_discovery": "ipv6", "network_type": "dual_stack"}, "engine": "valkey",
                   "engine_version": "8.0", "replication_group": {"replication_group_id": "orders-cache",
                                                                  "auth_token": SECRET}}
    watch = {"changed": False, "converged": True, "families": ["ipv6"], "elapsed": 12.5, "polls": 4,
             "checked_at": "2026-12-04T10:05:00.5+00:00", "per_family": True, "hostname_endpoints": False,
             "clients_get": {"ipv4": ["ipv4"], "ipv6": ["ipv6"]},
             "nodes": [{"id": "a" * 40, "endpoint": "fd00::7", "port": 7000, "role": "master", "family": "ipv6",
                        "converged": True, "ip": "fd00::7"}],
             "commands": ["AUTH default %s" % SECRET]}
    report = change_report([{"host": "orders-cache", "family": "ipv6", "elasticache": elasticache, "watch": watch},
                            {"host": "sessions", "family": "ipv6", "elasticache": {"skipped": True}, "watch": {},
                             "failure": {"task": "Wait until every node reports", "message": "auth %s refused" % SECRET}}],
                           kind="ip_discovery", secrets=[SECRET])
    first = report["clusters"][0]
    assert first["elasticache"] == {"id": "orders-cache", "engine": "valkey", "engine_version": "8.0", "before": "ipv4",
                                    "after": "ipv6", "network_type": "dual_stack", "changed": True}
    assert first["watch"]["polls"] == 4 and first["watch"]["checked_at"] == "2026-12-04T10:05:00.500Z"
    assert report["clusters"][1]["elasticache"] is None and report["clusters"][1]["watch"] is None
    assert report["summary"] == "failed on sessions"
    assert SECRET not in json.dumps(report)
    assert "| orders-cache | ipv6 | ipv4 | ipv6 | 1 of 1 | ipv6 | 12.5 | 4 |" in report["markdown"]
    assert "Per family: ipv4 clients get ipv4; ipv6 clients get ipv6." in report["markdown"]
    unconverged = dict(watch, converged=False)
    entry = {"host": "orders-cache", "family": "ipv6", "elasticache": elasticache, "watch": unconverged}
    assert change_report([entry], kind="ip_discovery")["summary"] == "not every node on the asked family yet: orders-cache"
    assert change_report([entry], kind="ip_discovery", run={"check_mode": True})["summary"] == "check mode: nothing was changed"


@pytest.mark.parametrize("kwargs, message", [
    (dict(kind="nope"), "kind must be internal_address or ip_discovery"),
    (dict(kind="internal_address", secrets="pw"), "secrets must be a list"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(AnsibleFilterError, match=message):
        change_report([], **kwargs)


@pytest.mark.parametrize("entries", ["text", [1], {"host": "x"}])
def test_bad_entries(entries):
    with pytest.raises(AnsibleFilterError, match="change_report: "):
        change_report(entries, kind="internal_address")


def _pipes(line):
    return len(re.findall(r"(?<!\\)\|", line.replace("\\\\", "")))


odd_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=300, deadline=None)
@given(host=odd_text, status=odd_text, message=odd_text, secret=st.text(alphabet="QXZqxz#%~", min_size=6, max_size=12))
def test_any_text_keeps_the_tables_whole_and_the_secret_out(host, status, message, secret):
    """Host names, statuses and messages with pipes, backslashes, line breaks or control bytes never break a table
    row; a secret in a failed step's name or message appears nowhere in the report."""
    entry = changed_entry(host=host)
    entry["failure"] = {"task": "t" + secret, "message": message + secret + message, "stage": "started",
                        "rolled_back": False}
    before = [dict(NODES_BEFORE[0], status=status)]
    report = change_report([entry], kind="internal_address", cluster_before=before, secrets=[secret])
    markdown = report["markdown"]
    tables = [line for line in markdown.splitlines() if line.startswith("|")]
    assert len(tables) >= 6
    header_pipes = None
    for line in tables:
        if line.startswith("| Node |"):
            header_pipes = _pipes(line)
        elif not line.startswith("|---"):
            assert header_pipes is not None and _pipes(line) == header_pipes, line
    assert secret not in markdown
    assert secret not in json.dumps(report, ensure_ascii=False)
