"""Pre-flight planning of a rolling internal-address change."""

import json
import os

import pytest
import yaml
from collection_tree import ROOT

from ansible_collections.dualstack.redis.plugins.filter.internal_address_plan import FilterModule
from ansible_collections.dualstack.redis.plugins.plugin_utils._internal_address import STAGES, plan_internal_addresses


def node(node_id, address, ok=True, external=None):
    return {"id": node_id, "address": address, "ok": ok, "status": "OK" if ok else "DOWN, last seen 9s ago",
            "external_addresses": external or []}


NODES = [node(1, "10.0.0.11", external=["10.0.0.11", "2001:db8::11"]), node(2, "10.0.0.12"), node(3, "10.0.0.13")]


def request(host, new, node_id=None, connected="auto", journal=None):
    if connected == "auto":
        connected = int(host[-1])
    return {"host": host, "node": node_id, "connected": connected, "new": new, "journal": journal}


def record(node_id=2, old="10.0.0.12", new="10.0.1.12", external=()):
    return json.dumps({"node": node_id, "old": old, "new": new, "external_before": list(external)})


def test_plan_for_all_three_nodes():
    plan = plan_internal_addresses(NODES, [request("re1", "10.0.1.11"), request("re2", "10.0.1.12"), request("re3", "10.0.1.13")])
    assert plan["problems"] == []
    assert plan["hosts"]["re1"] == {"node": 1, "old": "10.0.0.11", "new": "10.0.1.11", "action": "change", "delegate": "re2",
                                    "external_before": ["10.0.0.11", "2001:db8::11"],
                                    "external_after": ["10.0.1.11", "2001:db8::11"], "node_ok": True,
                                    "cluster_address": "10.0.0.11"}
    assert plan["hosts"]["re2"]["delegate"] == "re1" and plan["hosts"]["re2"]["external_after"] is None
    assert plan["hosts"]["re3"]["delegate"] == "re1"


def test_resume_skips_nodes_already_at_their_new_address():
    nodes = [node(1, "10.0.1.11"), node(2, "10.0.0.12"), node(3, "10.0.0.13")]
    plan = plan_internal_addresses(nodes, [request("re1", "10.0.1.11"), request("re2", "10.0.1.12"), request("re3", None)])
    assert plan["problems"] == []
    assert [plan["hosts"][h]["action"] for h in ("re1", "re2", "re3")] == ["skip", "change", "none"]
    # Every host has a delegate, also those with nothing to do: ansible-core 2.19 templates a skipped task's
    # delegate_to before its condition and fails on an empty one (a re-run went through the rescue on every node).
    assert [plan["hosts"][h]["delegate"] for h in ("re1", "re2", "re3")] == ["re2", "re1", "re1"]
    alone = plan_internal_addresses(nodes, [request("re1", "10.0.1.11")])
    assert alone["problems"] == [] and alone["hosts"]["re1"]["delegate"] == "re1"


def test_explicit_node_id_and_delegate():
    plan = plan_internal_addresses(NODES, [request("a", "10.0.1.12", node_id=2, connected=None)], delegate="jump")
    assert plan["problems"] == [] and plan["hosts"]["a"]["node"] == 2 and plan["hosts"]["a"]["delegate"] == "jump"


@pytest.mark.parametrize("nodes, requests, fragment", [
    (NODES, [request("re1", "10.0.1.5"), request("re2", "10.0.1.5")], "re1 and re2 both ask for 10.0.1.5"),
    (NODES, [request("re1", "fd00::11"), request("re2", None)], "is IPv6 but node 1's internal address 10.0.0.11 is IPv4"),
    (NODES, [request("re1", "10.0.0.12"), request("re2", None)], "re1: internal_address_new 10.0.0.12 is node 2's current internal address"),
    ([node(1, "10.0.0.11"), node(2, "10.0.0.12", ok=False)], [request("re1", "10.0.1.11"), request("re2", None)],
     "the cluster is not healthy: node 2 (DOWN, last seen 9s ago)"),
    (NODES, [request("re1", "10.0.1.300"), request("re2", None)], "'10.0.1.300' is not an IP address"),
    (NODES, [request("re1", "127.0.0.5"), request("re2", None)], "is a loopback address, which no node can be reached at"),
    (NODES, [request("re1", "10.0.1.11")], "no other node in the play to run rladmin from"),
    (NODES, [request("re9", "10.0.1.19", connected=9), request("re2", None)], "re9: node 9 is not in the cluster (nodes: 1, 2, 3)"),
    (NODES, [request("re1", "10.0.1.11", node_id=2), request("re2", None)], "redis_enterprise_node_id is 2 but rladmin there says it is node 1"),
    (NODES, [request("re1", None), request("x", None, node_id=1, connected=None)], "re1 and x are both node 1"),
    (NODES, [request("re1", "10.0.1.11", connected=None), request("re2", None)], "cannot tell which node it is"),
])
def test_every_reason_not_to_start(nodes, requests, fragment):
    problems = plan_internal_addresses(nodes, requests)["problems"]
    assert any(fragment in problem for problem in problems), problems


def test_all_problems_are_reported_together():
    nodes = [node(1, "10.0.0.11"), node(2, "10.0.0.12", ok=False), node(3, "10.0.0.13")]
    plan = plan_internal_addresses(nodes, [request("re1", "fd00::1"), request("re2", "10.0.0.13"), request("re3", "10.0.0.13")])
    assert len(plan["problems"]) >= 4


def test_filter_is_registered():
    assert FilterModule().filters()["internal_address_plan"](NODES, [request("re1", None), request("re2", None)])["problems"] == []


@pytest.mark.parametrize("given", ["1", " 1 ", 1])
def test_node_ids_given_as_strings_count_as_numbers(given):
    """-e redis_enterprise_node_id=1 and INI group vars give '1': the same node as rladmin's 1."""
    plan = plan_internal_addresses(NODES, [request("re1", "10.0.1.11", node_id=given), request("re2", None)])
    assert plan["problems"] == [] and plan["hosts"]["re1"]["node"] == 1


@pytest.mark.parametrize("given", ["one", "1.0", "\u0661", True, [1]])
def test_node_ids_that_are_not_whole_numbers_are_named(given):
    problems = plan_internal_addresses(NODES, [request("re1", "10.0.1.11", node_id=given), request("re2", None)])["problems"]
    assert problems == ["re1: redis_enterprise_node_id %r is not a node id (a whole number such as 2)" % (given,)]


@pytest.mark.parametrize("new, words", [
    ("255.255.255.255", "is a reserved address"),
    ("0.0.0.0", "is the unspecified address"),
    ("224.0.0.9", "is a multicast address"),
])
def test_unusable_new_addresses_follow_the_module_rule(new, words):
    problems = plan_internal_addresses(NODES, [request("re1", new), request("re2", None)])["problems"]
    assert len(problems) == 1 and words in problems[0]


def test_a_zone_indexed_new_address_is_refused_before_anything_changes():
    """Issue 29: Python 3.9+'s ipaddress parses fd00::11%eth0 and the plan took it; every module refuses it, so the run
    found out after the node was demoted and stopped. The plan refuses it (older Pythons: not an IP address)."""
    nodes = [dict(node, address=address) for node, address in zip(NODES, ("fd00::1", "fd00::2", "fd00::3"))]
    problems = plan_internal_addresses(nodes, [request("re1", "fd00::11%eth0"), request("re2", None)])["problems"]
    assert len(problems) == 1 and "fd00::11%eth0" in problems[0], problems
    assert "has a zone index (%eth0)" in problems[0] or "is not an IP address" in problems[0]


# --- an interrupted change, recorded on its node ---------------------------------------------------------

@pytest.mark.parametrize("cluster_address", ["10.0.0.12", "10.0.1.12"])
def test_an_interrupted_node_may_be_down_and_is_resumed_from_its_record(cluster_address):
    nodes = [node(1, "10.0.0.11"), node(2, cluster_address, ok=False, external=["10.0.1.12"]), node(3, "10.0.0.13")]
    # rladmin failed on the stopped node (connected None); the record says which node it is.
    resumed = request("re2", "10.0.1.12", connected=None, journal=record(external=["10.0.0.12", "2001:db8::12"]))
    reqs = [request("re1", "10.0.1.11"), resumed, request("re3", None)]
    plan = plan_internal_addresses(nodes, reqs)
    assert plan["problems"] == []
    step = plan["hosts"]["re2"]
    assert step["action"] == "resume" and step["node"] == 2 and (step["old"], step["new"]) == ("10.0.0.12", "10.0.1.12")
    # external addresses as they were before the interrupted run, not as the cluster has them now
    assert step["external_before"] == ["10.0.0.12", "2001:db8::12"]
    assert step["external_after"] == ["10.0.1.12", "2001:db8::12"]
    assert step["node_ok"] is False and step["cluster_address"] == cluster_address and step["delegate"] == "re1"
    assert plan["hosts"]["re1"]["action"] == "change"


def test_the_new_address_may_be_left_out_when_resuming():
    nodes = [node(1, "10.0.0.11"), node(2, "10.0.0.12", ok=False)]
    plan = plan_internal_addresses(nodes, [request("re1", None), request("re2", None, connected=None, journal=record())])
    assert plan["problems"] == [] and plan["hosts"]["re2"]["action"] == "resume"


def test_a_finished_node_with_its_record_left_is_resumed_not_skipped():
    nodes = [node(1, "10.0.0.11"), node(2, "10.0.1.12"), node(3, "10.0.0.13")]
    plan = plan_internal_addresses(nodes, [request("re1", None), request("re2", "10.0.1.12", journal=record()), request("re3", None)])
    assert plan["problems"] == []
    assert plan["hosts"]["re2"]["action"] == "resume" and plan["hosts"]["re2"]["node_ok"] is True
    assert plan["hosts"]["re2"]["cluster_address"] == "10.0.1.12"


DOWN_2 = [node(1, "10.0.0.11"), node(2, "10.0.0.12", ok=False), node(3, "10.0.0.13")]
DOWN_2_AND_1 = [node(1, "10.0.0.11", ok=False), node(2, "10.0.0.12", ok=False), node(3, "10.0.0.13")]


@pytest.mark.parametrize("nodes, requests, fragment", [
    # only the node with the record may be down
    ([node(1, "10.0.0.11", ok=False), node(2, "10.0.0.12", ok=False), node(3, "10.0.0.13")],
     [request("re1", None, connected=None), request("re2", None, connected=None, journal=record()), request("re3", None)],
     "the cluster is not healthy: node 1 (DOWN"),
    # two records: two nodes out at once
    (DOWN_2_AND_1, [request("re1", None, journal=record(1, "10.0.0.11", "10.0.1.11")), request("re2", None, journal=record())],
     "interrupted changes are recorded on more than one node (re1, re2)"),
    (DOWN_2, [request("re1", None), request("re2", "10.0.1.99", journal=record())],
     "re2: internal_address_new is 10.0.1.99 but node 2's change to 10.0.1.12 was interrupted"),
    (NODES, [request("re1", None), request("re2", None, journal=record(old="10.0.0.50", new="10.0.1.50"))],
     "re2: node 2's internal address is 10.0.0.12, neither the old (10.0.0.50) nor the new (10.0.1.50)"),
    (DOWN_2, [request("re1", None), request("re2", None, node_id=3, connected=None, journal=record())],
     "re2: redis_enterprise_node_id is 3 but its record of an interrupted change is for node 2"),
    (NODES, [request("re1", None), request("re2", None, journal="{not json\r\n")], "re2: its record of an interrupted change cannot be used: not JSON"),
    (NODES, [request("re1", None), request("re2", None, journal="[]")], "not a JSON object"),
    (NODES, [request("re1", None), request("re2", None, journal=record(new="fd00::12"))], "two addresses of one family"),
    (NODES, [request("re1", None), request("re2", None, journal=json.dumps({"node": "2", "old": "10.0.0.12", "new": "10.0.1.12",
                                                                            "external_before": "10.0.0.12"}))],
     "external_before must be a list of addresses"),
    (NODES, [request("re1", None), request("re2", None, journal="")], "not JSON"),
])
def test_records_that_cannot_be_used(nodes, requests, fragment):
    problems = plan_internal_addresses(nodes, requests)["problems"]
    assert any(fragment in problem for problem in problems), problems


def test_a_stale_record_is_ignored_once_the_node_is_ok_at_its_old_address():
    """A failed run was reported and the node put back by hand: it is planned as any other, to any address."""
    plan = plan_internal_addresses(NODES, [request("re1", None), request("re2", "10.0.1.99", journal=record())])
    assert plan["problems"] == []
    assert plan["hosts"]["re2"]["action"] == "change" and plan["hosts"]["re2"]["new"] == "10.0.1.99"


# --- pre-flight's second pass: what each host found about itself ------------------------------------------

def check(host, **found):
    base = {"host": host, "read_error": None, "os_problem": None, "unit": "loaded", "service": "rlec_supervisor",
            "method": "networkd", "restart_method": "service", "hosts_file": None, "hosts_file_error": None}
    base.update(found)
    return base


THREE = [request("re1", "10.0.1.11"), request("re2", "10.0.1.12"), request("re3", None)]


def test_checks_that_find_nothing_give_the_report():
    """(over SSH, raw's stderr has "Shared connection to ... closed": not a problem)"""
    ssh = "Shared connection to 10.0.0.11 closed.\r\n"
    plan = plan_internal_addresses(NODES, THREE, checks=[check("re1", unit="loaded\r\n", unit_error=ssh),
                                                         check("re2", method="iproute2"), check("re3", unit=None)])
    assert plan["problems"] == []
    assert plan["report"] == [
        "re1 (node 1): change 10.0.0.11 -> 10.0.1.11 (networkd)",
        "re2 (node 2): change 10.0.0.12 -> 10.0.1.12 (iproute2)",
        "re3 (node 3): no new address given, left alone",
        "WARNING: re2: internal_address_os_method=iproute2 changes the address at run time only; the next reboot or network "
        "restart brings 10.0.0.12 back and the node would not rejoin. Put 10.0.1.12 in its network configuration before then."]


def test_without_checks_there_is_no_report():
    assert "report" not in plan_internal_addresses(NODES, THREE)


@pytest.mark.parametrize("found, expected", [
    ({"read_error": "rladmin: command not found"}, "re1: rladmin failed there: rladmin: command not found"),
    ({"os_problem": "no network stack manages eth0"}, "re1: no network stack manages eth0"),
    ({"unit": "not-found\n"}, "re1: systemd has no unit rlec_supervisor (internal_address_service) there: not-found"),
    ({"unit": "", "unit_error": "sh: 1: systemctl: not found\r\n"},
     "re1: systemd has no unit rlec_supervisor (internal_address_service) there: sh: 1: systemctl: not found"),
    ({"method": "iproute2", "restart_method": "reboot"},
     "re1: internal_address_os_method=iproute2 cannot go with internal_address_restart_method=reboot: the reboot would take the "
     "new address away"),
])
def test_each_thing_a_host_found_is_one_problem_naming_it(found, expected):
    plan = plan_internal_addresses(NODES, THREE, checks=[check("re1", **found), check("re2"), check("re3", unit=None)])
    assert plan["problems"] == [expected]


def test_a_node_being_resumed_may_fail_rladmin():
    """Its services are stopped: rladmin fails there, and that is no reason to refuse."""
    nodes = [node(1, "10.0.0.11"), node(2, "10.0.0.12", ok=False), node(3, "10.0.0.13")]
    reqs = [request("re1", None), request("re2", None, connected=None, journal=record()), request("re3", None)]
    plan = plan_internal_addresses(nodes, reqs, checks=[check("re1"), check("re2", read_error="cannot connect"), check("re3")])
    assert plan["problems"] == []
    assert plan["report"][1] == ("re2 (node 2): finish the interrupted change 10.0.0.12 -> 10.0.1.12 first (networkd; the cluster "
                                 "has 10.0.0.12, node down; its record says no stage)")
    staged = json.dumps(dict(json.loads(record()), stage="services_down"))
    reqs[1] = request("re2", None, connected=None, journal=staged)
    plan = plan_internal_addresses(nodes, reqs, checks=[check("re1"), check("re2", read_error="cannot connect"), check("re3")])
    assert plan["hosts"]["re2"]["interrupted_at"] == "services_down"
    assert plan["report"][1].endswith("its record says services_down)")


@pytest.mark.parametrize("stage", ["", "Services_Down", 3, None, ["started"]])
def test_a_record_stage_that_is_not_one_is_no_stage(stage):
    nodes = [node(1, "10.0.0.11"), node(2, "10.0.0.12", ok=False)]
    journal = json.dumps(dict(json.loads(record()), stage=stage))
    plan = plan_internal_addresses(nodes, [request("re1", None), request("re2", None, connected=None, journal=journal)])
    assert plan["problems"] == [] and plan["hosts"]["re2"]["interrupted_at"] is None
    assert plan["resume"] == ["re2"]


V6 = [node(1, "fd00::11"), node(2, "fd00::12"), node(3, "fd00::13")]
V6_REQUESTS = [request("re1", "fd00:1::11"), request("re2", None), request("re3", None)]


@pytest.mark.parametrize("hosts_file, error, expected", [
    ("127.0.0.1 localhost\r\n::1\tip6-localhost LOCALHOST\r\n", None, None),
    ("0:0:0:0:0:0:0:1 localhost\n", None, None),
    ("127.0.0.1 localhost\n::1 ip6-localhost # localhost\n", None,
     're1: /etc/hosts does not map ::1 to localhost; Redis Enterprise on IPv6 needs a line such as "::1 localhost" there'),
    (None, "file not found", "re1: cannot read /etc/hosts (file not found), which must map ::1 to localhost for Redis Enterprise on IPv6"),
])
def test_an_ipv6_cluster_needs_localhost_at_1_on_every_node(hosts_file, error, expected):
    good = "::1 localhost\n"
    checks = [check("re1", hosts_file=hosts_file, hosts_file_error=error), check("re2", hosts_file=good), check("re3", hosts_file=good)]
    problems = plan_internal_addresses(V6, V6_REQUESTS, checks=checks)["problems"]
    assert problems == ([expected] if expected else [])


def test_an_ipv4_cluster_does_not_need_it():
    checks = [check("re1", hosts_file="127.0.0.1 localhost\n"), check("re2"), check("re3", unit=None)]
    assert plan_internal_addresses(NODES, THREE, checks=checks)["problems"] == []


def test_a_cluster_nobody_could_read_says_why_first():
    checks = [check("re1", read_error="rladmin: timed out after 30 s"), check("re2", read_error="rladmin: timed out after 30 s")]
    problems = plan_internal_addresses([], [request("re1", "10.0.1.11"), request("re2", None)], checks=checks)["problems"]
    assert problems[0] == "the cluster could not be read: rladmin: timed out after 30 s"


def test_the_planner_and_the_role_name_the_same_stages():
    """The record's stage is written by the role (vars/main.yml) and read by the planner (STAGES): one list, in order."""
    with open(os.path.join(ROOT, "roles", "internal_address", "vars", "main.yml"), encoding="utf-8") as handle:
        role_vars = yaml.safe_load(handle)
    assert tuple(role_vars["__internal_address_stages"]) == STAGES
    assert sorted(role_vars["__internal_address_stage_done"]) == sorted(STAGES)
