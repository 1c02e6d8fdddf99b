"""Reading CLUSTER SHARDS / SLOTS / NODES replies in the shapes redis-py returns them, and combining the
views of every node into one result per node. No server and no redis-py needed."""

import pytest

from ansible_collections.dualstack.redis.plugins.module_utils import _cluster_topology as ct

# RESP2 CLUSTER SHARDS as redis-py returns it without decoding: flat key/value lists of bytes.
SHARDS_RAW = [
    [b"slots", [0, 5460], b"nodes", [
        [b"id", b"a" * 40, b"port", 7000, b"ip", b"127.0.0.1", b"endpoint", b"127.0.0.1", b"role", b"master",
         b"replication-offset", 98, b"health", b"online"],
        [b"id", b"d" * 40, b"port", 7003, b"ip", b"::1", b"endpoint", b"::1", b"role", b"replica",
         b"replication-offset", 98, b"health", b"online"]]],
    [b"slots", [5461, 16383], b"nodes", [
        [b"id", b"b" * 40, b"port", 7001, b"ip", b"127.0.0.1", b"endpoint", b"node-b.example", b"hostname",
         b"node-b.example", b"role", b"master", b"replication-offset", 7, b"health", b"online"]]],
]

# The same as redis-py's parsed cluster_shards() with decode_responses=True.
SHARDS_PARSED = [
    {"slots": [0, 5460], "nodes": [{"id": "a" * 40, "port": 7000, "ip": "127.0.0.1", "endpoint": "127.0.0.1", "role": "master"}]},
]

# Redis 7 CLUSTER SLOTS: [start, end, [endpoint, port, id, [metadata]], ...].
SLOTS = [
    [0, 5460, [b"127.0.0.1", 7000, b"a" * 40, []], [b"::1", 7003, b"d" * 40, []]],
    [5461, 10922, [b"node-c.example", 7002, b"c" * 40, [b"ip", b"127.0.0.1", b"hostname", b"node-c.example"]]],
    [10923, 16383, [b"::1", 7001, b"b" * 40, []]],
]

NODES = (
    "aaaa 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460\n"
    "dddd ::1:7003@17003 slave aaaa 0 1700000000000 1 connected\n"
    "bbbb ::1:7001@17001,node-b.example master - 0 1700000000000 2 connected 5461-16383\n"
    "eeee :0@0 master,noaddr - 0 0 0 disconnected\n"
)


def test_shards_raw_bytes():
    nodes = ct.nodes_from_shards(SHARDS_RAW)
    assert [(n["ip"], n["port"], n["role"], n["family"]) for n in nodes] == [
        ("127.0.0.1", 7000, "master", "ipv4"), ("::1", 7003, "replica", "ipv6"), ("127.0.0.1", 7001, "master", "ipv4")]
    assert nodes[2]["hostname"] == "node-b.example" and nodes[2]["endpoint"] == "node-b.example"
    assert nodes[0]["id"] == "a" * 40


def test_shards_parsed_dicts():
    assert ct.nodes_from_shards(SHARDS_PARSED)[0]["family"] == "ipv4"


def test_slots_first_is_master_each_node_once():
    nodes = ct.nodes_from_slots(SLOTS)
    by_port = {n["port"]: n for n in nodes}
    assert by_port[7000]["role"] == "master" and by_port[7003]["role"] == "replica"
    assert by_port[7002]["ip"] == "127.0.0.1" and by_port[7002]["hostname"] == "node-c.example" and by_port[7002]["family"] == "ipv4"
    assert by_port[7001]["family"] == "ipv6"
    assert len(nodes) == 4


def test_slots_hostname_only_node():
    nodes = ct.nodes_from_slots([[0, 16383, [b"cache-0001.example", 6379, b"f" * 40, [b"hostname", b"cache-0001.example"]]]])
    assert nodes[0]["ip"] is None and nodes[0]["family"] == "hostname"


def test_nodes_text_ipv6_without_brackets_and_noaddr_skipped():
    nodes = ct.nodes_from_nodes(NODES)
    assert [(n["id"], n["ip"], n["port"], n["role"], n["family"]) for n in nodes] == [
        ("aaaa", "127.0.0.1", 7000, "master", "ipv4"), ("dddd", "::1", 7003, "replica", "ipv6"),
        ("bbbb", "::1", 7001, "master", "ipv6")]
    assert nodes[2]["hostname"] == "node-b.example"


@pytest.mark.parametrize("reply, wanted, converged, families", [
    (SLOTS, "ipv6", False, ["ipv4", "ipv6"]),
    ([[0, 16383, [b"::1", 7000, b"a", []], [b"::1", 7001, b"b", []]]], "ipv6", True, ["ipv6"]),
    ([], "ipv6", False, []),
])
def test_summarize(reply, wanted, converged, families):
    summary = ct.summarize(ct.nodes_from_slots(reply), wanted)
    assert summary["converged"] is converged and summary["families"] == families
    assert all(n["family"] != wanted for n in summary["others"])


def test_unreadable_replies():
    with pytest.raises(ct.TopologyError):
        ct.nodes_from_slots([[0, 5460]])
    with pytest.raises(ct.TopologyError):
        ct.nodes_from_shards([[b"slots"]])


# --- combining views ----------------------------------------------------------------------------

A, B, C = "a" * 40, "b" * 40, "c" * 40


def node(node_id, ip, port, endpoint=None, role="master"):
    """A node dict as the readers return it; ip None for a node announced by name only."""
    endpoint = endpoint or ip
    return dict(id=node_id, ip=ip, port=port, role=role, endpoint=endpoint, hostname=None,
                family=ct.family(ip) if ip else "hostname")


def view(myid, port, *nodes):
    return dict(view="127.0.0.1:%d" % port, myid=myid, command="SHARDS", nodes=list(nodes))


def test_where_brackets_ipv6_only():
    assert ct.where("::1", 7000) == "[::1]:7000"
    assert ct.where("10.0.5.11", 6379) == "10.0.5.11:6379"
    assert ct.where("node-a.cache.example", 6379) == "node-a.cache.example:6379"


def test_a_node_converges_only_when_every_view_agrees():
    views = [
        view(A, 7000, node(A, "::1", 7000), node(B, "::1", 7001), node(C, "::1", 7002)),
        view(B, 7001, node(A, "::1", 7000), node(B, "::1", 7001), node(C, "127.0.0.1", 7002)),
        view(C, 7002, node(A, "127.0.0.1", 7000), node(B, "::1", 7001), node(C, "::1", 7002)),
    ]
    result = ct.state(views, [], "ipv6")
    by_id = {n["id"]: n for n in result["nodes"]}
    assert by_id[A]["family"] == "mixed" and not by_id[A]["converged"]
    assert by_id[B]["family"] == "ipv6" and by_id[B]["converged"]
    assert by_id[C]["ip"] == "::1"  # as it announces itself, not as the first view reports it
    assert [r["family"] for r in by_id[C]["reported"]] == ["ipv6", "ipv4", "ipv6"]
    assert result["families"] == ["ipv4", "ipv6"] and not result["converged"]
    text = ct.describe_laggards(result, "ipv6")
    assert "master aaaaaaaa [::1]:7000 (reported as 127.0.0.1 by 1 of 3 views)" in text
    assert "cccccccc" in text and "bbbbbbbb" not in text


def test_every_view_agreeing_converges_and_masters_come_first():
    nodes = (node(B, "::1", 7001, role="replica"), node(A, "::1", 7000), node(C, "::1", 7002))
    result = ct.state([view(A, 7000, *nodes), view(B, 7001, *nodes)], [], "ipv6")
    assert result["converged"] and result["families"] == ["ipv6"] and result["commands"] == ["SHARDS"]
    assert [(n["id"], n["role"]) for n in result["nodes"]] == [(A, "master"), (C, "master"), (B, "replica")]
    assert ct.describe_laggards(result, "ipv6") == ""


def test_a_node_that_did_not_answer_blocks_convergence_and_is_named():
    nodes = (node(A, "::1", 7000), node(C, "::1", 7002))
    unreachable = [dict(id=C, address="[::1]:7002", error="cannot reach [::1]:7002: Connection refused")]
    result = ct.state([view(A, 7000, *nodes)], unreachable, "ipv6")
    assert all(n["converged"] for n in result["nodes"]) and not result["converged"]
    assert ct.describe_laggards(result, "ipv6") == "cccccccc [::1]:7002 did not answer: cannot reach [::1]:7002: Connection refused"


def test_the_given_node_lost_leaves_nothing_to_converge():
    lost = [dict(id=None, address="127.0.0.1:7000", error="cannot reach 127.0.0.1:7000: Connection reset")]
    result = ct.state([], lost, "ipv6")
    assert result["nodes"] == [] and not result["converged"] and not result["hostnames_only"]
    assert ct.describe_laggards(result, "ipv6").startswith("? 127.0.0.1:7000 did not answer")


def test_hostname_endpoints_and_hostnames_only():
    named = node(A, None, 6379, endpoint="node-a.cache.example")
    result = ct.state([view(A, 6379, named)], [], "ipv6")
    assert result["hostnames_only"] and result["hostname_endpoints"] and not result["converged"]
    assert result["nodes"][0]["endpoint_type"] == "hostname" and result["families"] == ["hostname"]
    # an address in the view too: clients are still told the name, but the family is known
    both = node(A, "::1", 6379, endpoint="node-a.cache.example")
    result = ct.state([view(A, 6379, both)], [], "ipv6")
    assert result["hostname_endpoints"] and not result["hostnames_only"] and result["converged"]


# --- views read over each family -----------------------------------------------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

ADDRESS = {"ipv4": "127.0.0.1", "ipv6": "::1"}


def over(family, myid, port, *nodes):
    return dict(view(myid, port, *nodes), over=family)


def test_per_family_needs_the_same_node_to_answer_both_families_differently():
    v4 = over("ipv4", A, 7000, node(A, "127.0.0.1", 7000), node(B, "127.0.0.1", 7001))
    v6 = over("ipv6", A, 7000, node(A, "::1", 7000), node(B, "::1", 7001))
    assert ct.per_family([v4, v6]) and ct.per_family([v6, v4])
    # mid-switch: two different nodes disagree, each answering both families alike: not per family
    other = over("ipv6", B, 7001, node(A, "::1", 7000), node(B, "::1", 7001))
    assert not ct.per_family([v4, other])
    result = ct.state([v4, v6], [], "ipv6")
    assert result["per_family"] and result["converged"] and result["clients_get"] == {"ipv4": ["ipv4"], "ipv6": ["ipv6"]}
    assert result["cannot_converge"] is None and result["read_over"] == ["ipv4", "ipv6"]
    assert ct.other_clients(result, "ipv6") == "ipv4 over ipv4"


def test_per_family_is_judged_on_the_wanted_familys_views():
    v4 = over("ipv4", A, 7000, node(A, "127.0.0.1", 7000), node(B, "127.0.0.1", 7001))
    v6 = over("ipv6", A, 7000, node(A, "::1", 7000), node(B, "127.0.0.1", 7001))  # B not set for IPv6 yet
    result = ct.state([v4, v6], [], "ipv6")
    assert result["per_family"] and not result["converged"]
    by_id = {n["id"]: n for n in result["nodes"]}
    assert by_id[A]["converged"] and not by_id[B]["converged"]
    assert ct.describe_laggards(result, "ipv6") == "master bbbbbbbb 127.0.0.1:7001 (reported as 127.0.0.1 by 1 of 1 views)"
    # an IPv4 node that did not answer does not hold IPv6 clients back
    lost = [dict(id=B, address="127.0.0.1:7001", error="refused", over="ipv4")]
    v6_done = over("ipv6", A, 7000, node(A, "::1", 7000), node(B, "::1", 7001))
    assert ct.state([v4, v6_done], lost, "ipv6")["converged"]
    assert not ct.state([v4, v6_done], [dict(lost[0], over="ipv6")], "ipv6")["converged"]


def test_what_waiting_cannot_change_is_said():
    v4 = over("ipv4", A, 7000, node(A, "127.0.0.1", 7000))
    result = ct.state([v4], [dict(id=None, address="[::1]:7000", error="refused", over="ipv6", entry=True)], "ipv6",
                      announced={"ipv6": "::1"})
    assert not result["converged"]
    assert result["cannot_converge"].startswith("the given node announces ::1 to clients that connect over ipv6")
    assert "([::1]:7000 did not answer)" in result["cannot_converge"]
    # without the node saying so, nothing is known: an ordinary wait
    assert ct.state([v4], [], "ipv6")["cannot_converge"] is None
    # asked for the family that was read: nothing to refuse
    assert ct.state([v4], [], "ipv4", announced={"ipv6": "::1"})["converged"]


FAMILY = st.sampled_from(["ipv4", "ipv6"])


@st.composite
def polls(draw):
    """Views of up to three nodes, each read over one or both families, each reporting every node on a family."""
    ids = [A, B, C][:draw(st.integers(1, 3))]
    views = []
    for index, myid in enumerate(ids):
        for family in draw(st.lists(FAMILY, min_size=1, max_size=2, unique=True)):
            nodes = [node(i, ADDRESS[draw(FAMILY)], 7000 + n) for n, i in enumerate(ids)]
            views.append(over(family, myid, 7000 + index, *nodes))
    return views


@settings(max_examples=300, deadline=None)
@given(polls(), FAMILY, st.randoms(use_true_random=False))
def test_views_combine_whatever_the_order(views, wanted, rnd):
    result = ct.state(views, [], wanted)
    shuffled = list(views)
    rnd.shuffle(shuffled)
    again = ct.state(shuffled, [], wanted)
    assert (again["per_family"], again["converged"], again["clients_get"]) == (result["per_family"], result["converged"], result["clients_get"])
    if not result["per_family"]:  # as before: every report of every view counts
        assert result["converged"] == all(n["family"] == wanted for v in views for n in v["nodes"])
    else:  # only what the wanted family's clients get counts; never "cannot" when that view was read
        over_wanted = [v for v in views if v["over"] == wanted]
        assert result["converged"] == (bool(over_wanted) and all(n["family"] == wanted for v in over_wanted for n in v["nodes"]))
        assert (result["cannot_converge"] is None) == bool(over_wanted)
    assert result["converged"] is False or not ct.describe_laggards(result, wanted)
