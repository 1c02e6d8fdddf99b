"""The REST API's node replies read, updates planned and errors explained (_re/rest.py), on the reference's own
examples (https://redis.io/docs/latest/operate/rs/references/rest-api/requests/nodes/ and nodes/status/)."""

import json

import pytest

from ansible_collections.dualstack.redis.plugins.module_utils._re import nodes as re_nodes
from ansible_collections.dualstack.redis.plugins.module_utils._re import rest


def plan_update(nodes, node_id, internal=None, external=None, state="exact"):
    """(PUT body, predicted node): the neutral plan, then the REST transport's body."""
    change = re_nodes.plan(nodes, node_id, internal, external, state)
    return rest.body(change), change.predicted


# GET /v1/nodes as the reference shows it (first element verbatim, second as a down node with external addresses).
NODES = json.loads("""[
 {"uid": 1, "status": "active", "uptime": 262735, "total_memory": 6260334592, "software_version": "0.90.0-1",
  "ephemeral_storage_size": 20639797248, "persistent_storage_path": "/var/opt/redislabs/persist",
  "persistent_storage_size": 20639797248, "os_version": "Ubuntu 14.04.2 LTS",
  "ephemeral_storage_path": "/var/opt/redislabs/tmp", "architecture": "x86_64", "shard_count": 23,
  "public_addr": "", "cores": 4, "rack_id": "", "supported_database_versions": [
   {"db_type": "memcached", "version": "1.4.17"}, {"db_type": "redis", "version": "2.6.16"}],
  "shard_list": [1, 3, 4], "addr": "10.0.3.61"},
 {"uid": 2, "status": "down", "addr": "10.0.3.62", "external_addr": ["203.0.113.62", "2001:db8::62"],
  "shard_count": 0, "max_redis_servers": 100, "software_version": "7.4.6-22", "cores": 8}
]""")
# GET /v1/nodes/status as the reference shows it (node 1 abridged).
STATUS = json.loads("""{
 "1": {"cores": 8, "hostname": "3d99db1fdf4b", "master_shards": [], "node_status": "active", "role": "master",
       "slave_shards": [], "software_version": "7.4.6-22", "total_memory": 6219673600},
 "2": {"hostname": "fc7a3d332458", "role": "slave"}
}""")


def test_nodes_have_the_keys_rladmin_gives():
    nodes = rest.nodes_from_rest(NODES, STATUS)
    first, second = nodes
    assert first == {
        "id": 1, "role": "master", "address": "10.0.3.61", "external_addresses": [], "hostname": "3d99db1fdf4b",
        "shards": "23", "cores": 4, "version": "0.90.0-1", "status": "OK", "ok": True, "connected": False,
        "rest_status": "active",
    }
    assert second["external_addresses"] == ["203.0.113.62", "2001:db8::62"]
    assert (second["status"], second["ok"], second["shards"], second["role"]) == ("DOWN", False, "0/100", "slave")


def test_nodes_sorted_and_status_missing_is_none():
    nodes = rest.nodes_from_rest(list(reversed(NODES)), {})
    assert [n["id"] for n in nodes] == [1, 2]
    assert nodes[0]["role"] is None and nodes[0]["hostname"] is None


@pytest.mark.parametrize("reply, status, expect", [
    ({"nodes": []}, {}, "not a list of nodes"),
    ([], [], "not an object keyed by node id"),
    (["node"], {}, "is \"node\", not an object"),
    ([{"uid": "1", "addr": "10.0.0.1", "status": "active"}], {}, "field 'uid' is \"1\", expected an integer"),
    ([{"uid": True, "addr": "10.0.0.1", "status": "active"}], {}, "field 'uid' is true, expected an integer"),
    ([{"uid": 1, "status": "active"}], {}, "node 1: field 'addr' is null, expected a string"),
    ([{"uid": 1, "addr": "10.0.0.1", "status": "active", "external_addr": "10.1.1.1"}], {}, "external_addr is \"10.1.1.1\""),
    ([{"uid": 1, "addr": "a", "status": "active"}, {"uid": 1, "addr": "b", "status": "active"}], {}, "lists a node id twice"),
])
def test_unreadable_replies_are_named(reply, status, expect):
    with pytest.raises(re_nodes.ReError) as caught:
        rest.nodes_from_rest(reply, status)
    assert expect in str(caught.value)


def nodes(state1="active", state2="down"):
    return rest.nodes_from_rest([dict(NODES[0], status=state1), dict(NODES[1], status=state2)], STATUS)


def test_plan_sends_only_what_differs():
    body, predicted = plan_update(nodes(), 2, "10.0.3.72", ["2001:DB8::62", "203.0.113.62"])
    # The external list has the same addresses (order and case aside): only addr goes out.
    assert body == {"addr": "10.0.3.72"}
    assert predicted["address"] == "10.0.3.72"
    body, predicted = plan_update(nodes(), 1, None, ["2001:db8::1"], "present")
    assert body == {"external_addr": ["2001:db8::1"]} and predicted["external_addresses"] == ["2001:db8::1"]
    assert plan_update(nodes(), 2, "10.0.3.62", ["203.0.113.62"], "present")[0] == {}
    assert plan_update(nodes(), 2, None, [], "exact")[0] == {"external_addr": []}


@pytest.mark.parametrize("node_id, internal, expect", [
    (1, "10.0.3.99", "node 1 is up (status OK); its internal address can only change while it is down"),
    (2, "2001:db8::9", "would switch node 2 from IPv4 to IPv6"),
    (2, "10.0.3.61", "internal_address 10.0.3.61 is already node 1's internal address"),
    (2, "10.0.3.999", "'10.0.3.999' is not an IPv4 or IPv6 address"),
    (2, "127.0.0.1", "is a loopback address"),
    (5, "10.0.3.9", "node 5 is not in this cluster (nodes: 1, 2)"),
])
def test_plan_refuses_before_any_request(node_id, internal, expect):
    with pytest.raises(re_nodes.ReError) as caught:
        plan_update(nodes(), node_id, internal)
    assert expect in str(caught.value)


def test_provisioning_node_is_not_offline():
    with pytest.raises(re_nodes.ReError) as caught:
        plan_update(nodes(state2="provisioning"), 2, "10.0.3.72")
    assert "node 2 is up (status PROVISIONING)" in str(caught.value)


URL = "https://cluster.example.com:9443/v1/nodes/2"


@pytest.mark.parametrize("code, body, expect", [
    (401, b"", "401 Unauthorized: the REST API refused the credentials; check api_username and api_password"),
    (403, b'{"error_code": "insufficient_permissions", "description": "The user cannot access the specified URI"}',
     "403 Forbidden: user api_username lacks the permission for this request: The user cannot access the specified URI"),
    (404, b'{"error_code": "node_not_found", "description": "Node UID does not exist"}',
     "PUT %s: 404: the cluster has no node 2: Node UID does not exist" % URL),
    (406, b'{"error_code": "node_not_offline", "description": "Attempted to change node address while it is online"}',
     "406 node_not_offline: node 2 is up (status active); its internal address can only change while it is down"),
    (400, b'{"error_code": "bad_content", "message": "Bad content provided"}',
     "400 Bad Request: the API refused the request: Bad content provided"),
    (400, b"<html>\r\n<body>bad\fthing</body></html>", "400 Bad Request: the API refused the request: <html> <body>bad thing</body></html>"),
    (503, b'{"error_code": "x", "description": "The node is not responding"}', "503: the node answering is not responding or not a member"),
    (500, b'{"error": {"error_code": "internal_error", "message": "boom"}}', "HTTP 500 internal_error: boom"),
    (502, b"\xff\xfe not utf-8", "HTTP 502: \ufffd\ufffd not utf-8"),
])
def test_error_replies_become_one_line(code, body, expect):
    message = rest.error_message("PUT", URL, code, body, 2)
    assert expect in message
    assert "\n" not in message and "\r" not in message and "\f" not in message
