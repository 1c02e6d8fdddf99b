"""Pre-flight planning of a rolling internal-address change."""

import pytest

from ansible_collections.dualstack.redis.plugins.filter.internal_address_plan import FilterModule
from ansible_collections.dualstack.redis.plugins.plugin_utils._internal_address import plan_internal_addresses


def node(node_id, address, ok=True, external=None):
    return {"id": node_id, "address": address, "ok": ok, "status": "OK" if ok else "DOWN, last seen 9s ago",
            "external_addresses": external or []}


NODES = [node(1, "10.0.0.11", external=["10.0.0.11", "2001:db8::11"]), node(2, "10.0.0.12"), node(3, "10.0.0.13")]


def request(host, new, node_id=None, connected="auto"):
    if connected == "auto":
        connected = int(host[-1])
    return {"host": host, "node": node_id, "connected": connected, "new": new}


def test_plan_for_all_three_nodes():
    plan = plan_internal_addresses(NODES, [request("re1", "10.0.1.11"), request("re2", "10.0.1.12"), request("re3", "10.0.1.13")])
    assert plan["problems"] == []
    assert plan["hosts"]["re1"] == {"node": 1, "old": "10.0.0.11", "new": "10.0.1.11", "action": "change", "delegate": "re2",
                                    "external_before": ["10.0.0.11", "2001:db8::11"],
                                    "external_after": ["10.0.1.11", "2001:db8::11"]}
    assert plan["hosts"]["re2"]["delegate"] == "re1" and plan["hosts"]["re2"]["external_after"] is None
    assert plan["hosts"]["re3"]["delegate"] == "re1"


def test_resume_skips_nodes_already_at_their_new_address():
    nodes = [node(1, "10.0.1.11"), node(2, "10.0.0.12"), node(3, "10.0.0.13")]
    plan = plan_internal_addresses(nodes, [request("re1", "10.0.1.11"), request("re2", "10.0.1.12"), request("re3", None)])
    assert plan["problems"] == []
    assert [plan["hosts"][h]["action"] for h in ("re1", "re2", "re3")] == ["skip", "change", "none"]


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
