"""Properties of the REST API reply readers and the PUT planner (_re/rest.py), with hypothesis."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from strategies import addresses, hostile_text, ipv4, ipv6

from ansible_collections.dualstack.redis.plugins.module_utils._re import nodes as re_nodes
from ansible_collections.dualstack.redis.plugins.module_utils._re import rest


def plan_update(nodes, node_id, internal=None, external=None, state="exact"):
    """(PUT body, predicted node): the neutral plan, then the REST transport's body."""
    change = re_nodes.plan(nodes, node_id, internal, external, state)
    return rest.body(change), change.predicted


JSON_VALUES = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), hostile_text(max_size=4)),
                           lambda children: st.one_of(st.lists(children, max_size=3),
                                                      st.dictionaries(hostile_text(max_size=2), children, max_size=3)),
                           max_leaves=8)


@st.composite
def node_replies(draw):
    """GET /v1/nodes and GET /v1/nodes/status as the API could send them: well formed, or fields of any JSON type."""
    count = draw(st.integers(1, 4))
    nodes, status = [], {}
    for uid in range(1, count + 1):
        node = {"uid": uid, "addr": draw(ipv4()), "status": draw(st.sampled_from(rest.STATUSES)),
                "external_addr": draw(st.lists(st.one_of(ipv4(), ipv6()), max_size=3, unique=True))}
        for key in draw(st.lists(st.sampled_from(["uid", "addr", "status", "external_addr", "shard_count"]), max_size=2)):
            node[key] = draw(JSON_VALUES)  # a field of the wrong type, sometimes
        nodes.append(node)
        status[str(uid)] = {"role": "master" if uid == 1 else "slave", "hostname": "re-%d" % uid}
    return nodes, status


@given(node_replies())
def test_replies_are_read_or_refused_by_name(replies):
    nodes, status = replies
    try:
        read = rest.nodes_from_rest(nodes, status)
    except re_nodes.ReError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert [n["id"] for n in read] == sorted(n["id"] for n in read)
    for node in read:
        assert node["ok"] == (node["status"] == "OK") and node["connected"] is False


@given(JSON_VALUES, JSON_VALUES)
def test_any_json_is_read_or_refused(nodes, status):
    try:
        rest.nodes_from_rest(nodes, status)
    except re_nodes.ReError:
        pass


@given(node_replies(), st.one_of(st.none(), addresses()), st.one_of(st.none(), st.lists(addresses(), max_size=4)),
       st.sampled_from(["exact", "present", "absent"]))
def test_plan_then_replan_plans_nothing(replies, internal, external, state):
    try:
        nodes = rest.nodes_from_rest(*replies)
        node_id = nodes[-1]["id"]
        body, predicted = plan_update(nodes, node_id, internal, external, state)
    except re_nodes.ReError as exc:
        assert str(exc)
        return
    assert set(body) <= {"addr", "external_addr"}
    if "addr" in body:
        assert nodes[-1]["rest_status"] == "down" and body["addr"] == predicted["address"]
    json.dumps(body)  # what goes on the wire
    # The API applied the body: planning the same request again sends nothing.
    applied = [dict(n, address=predicted["address"], external_addresses=predicted["external_addresses"])
               if n["id"] == node_id else n for n in nodes]
    again, _node = plan_update(applied, node_id, internal, external, state)
    assert again == {}


ERROR_FIELDS = {"error_code": hostile_text(max_size=4), "description": hostile_text(max_size=6), "message": hostile_text(max_size=6)}
ERROR_BODIES = st.fixed_dictionaries({}, optional=ERROR_FIELDS)


@given(st.integers(100, 599), st.one_of(st.binary(max_size=40), JSON_VALUES.map(lambda v: json.dumps(v).encode()),
                                        ERROR_BODIES.map(lambda v: json.dumps(v).encode()),
                                        ERROR_BODIES.map(lambda v: json.dumps({"error": v}).encode())))
def test_error_replies_are_one_line(code, body):
    message = rest.error_message("PUT", "https://cluster:9443/v1/nodes/2", code, body, 2)
    assert message.startswith("PUT https://cluster:9443/v1/nodes/2: ")
    assert not any(c in message for c in "\r\n\f\v\x1c\x1d\x1e\x85\u2028\u2029")


LOCATION_WORDS = ["https://", "http://", "HTTPS://", "127.0.0.11", "[fd00::11]", "10.9.9.9", ":9443", ":443", ":1", "/v1/nodes",
                  "@", "user:pw@", "?x=1", "#f", "..", "//", "\\", "%2F", "cluster.lab", " ", "\t", "\r\n"]


@given(hostile_text(LOCATION_WORDS, max_size=12), st.booleans())
def test_a_redirect_is_followed_only_where_the_rule_allows(location, validate):
    """Whatever the Location, a redirect is refused with its Location named, or leads to https:// on the request's port,
    without credentials, to a known host (unless certificates are verified)."""
    from ansible_collections.dualstack.redis.plugins.module_utils._re import http
    client = http.Client(["https://127.0.0.12:9443"], "a", "b", validate_certs=False)
    client.validate_certs = validate
    client.learn(["127.0.0.11"])
    try:
        base, path, host, port = client._redirect("GET", "https://127.0.0.12:9443/v1/nodes", 307, location, 9443)
    except http.HttpError as exc:
        assert "nothing was sent there" in str(exc) and (location in str(exc) or not location)
        return
    assert base.startswith("https://") and port == 9443 and "@" not in base
    assert validate or host in ("127.0.0.11", "127.0.0.12")
    assert path.startswith("/")
