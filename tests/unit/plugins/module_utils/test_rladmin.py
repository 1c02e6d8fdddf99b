"""Unit tests for reading rladmin output and planning node address commands.

The fixtures are written in the shapes published rladmin output takes (see the collection's
reference notes): invented values, real layouts.
"""

import pytest

from ansible_collections.dualstack.redis.plugins.module_utils._re import nodes as re_nodes
from ansible_collections.dualstack.redis.plugins.module_utils._re import rladmin as rl


def plan_internal_address(nodes, node_id, address):
    """The argv of the rladmin transport for the planned change of the internal address only ([] for none)."""
    commands = rl.change_commands(re_nodes.plan(nodes, node_id, address))
    return commands[0] if commands else []


def plan_external_addresses(node, wanted, state):
    """(argv lists, resulting list): the neutral target, then the rladmin transport's fewest calls."""
    target = re_nodes.external_target(node["external_addresses"], wanted, state)
    commands = rl.external_commands(node, target)
    return commands, (target if commands else node["external_addresses"])


# The reference example: uneven widths, a comma-joined external list, a blank cell, a DOWN status.
DEFAULT = """CLUSTER NODES:
NODE:ID ROLE   ADDRESS   EXTERNAL_ADDRESS  HOSTNAME  SHARDS CORES FREE_RAM      PROVISIONAL_RAM VERSION   STATUS
node:1  master 10.0.0.11 203.0.113.11      re-a      2/100  4     6.1GB/7.7GB   4.2GB/6.2GB     7.4.2-54  OK
*node:2 slave  10.0.0.12 203.0.113.12,2001:db8::12 re-b 2/100 4  6.0GB/7.7GB   4.2GB/6.2GB     7.4.2-54  OK
node:3  slave  10.0.0.13                   re-c      0/100  4     -/7.7GB       -/6.2GB         7.4.2-54  DOWN, last seen 12s ago
"""

# `extra all`, sorted by address descending, trailing spaces, a blank RACK-ID, header wider than rows.
EXTRA_ALL = (
    "CLUSTER NODES:\n"
    "NODE:ID     ROLE       ADDRESS       EXTERNAL_ADDRESS      HOSTNAME    MASTERS   SLAVES   OVERBOOKING_DEPTH   "
    "SHARDS   CORES   FREE_RAM        PROVISIONAL_RAM   VERSION     SHA      RACK-ID   STATUS\n"
    "node:3 slave 10.0.0.13  re-c 0 0 7.7GB 0/100 4 -/7.7GB -/6.2GB 7.4.2-54 a1b2c3 rack-3 DOWN, last seen 3s ago   \n"
    "*node:2 slave 10.0.0.12 10.1.0.7,10.1.0.8 re-b 1 1 6.9GB 2/100 4 6.0GB/7.7GB 4.2GB/6.2GB 7.4.2-54 a1b2c3  OK   \n"
    "node:1 master 10.0.0.11 fd00:1::11 re-a 1 1 6.9GB 2/100 4 6.1GB/7.7GB 4.2GB/6.2GB 7.4.2-54 a1b2c3 rack-1 OK\n"
)

# Newer rladmin prefixes the first line; issues_only may print a header without rows.
EMPTY = """Command Output: CLUSTER NODES:
NODE:ID ROLE ADDRESS EXTERNAL_ADDRESS HOSTNAME SHARDS CORES FREE_RAM PROVISIONAL_RAM VERSION STATUS
"""

# A hostname that looks like an address, a blank external cell, and an unknown FLASH column.
TRICKY = """CLUSTER NODES:
NODE:ID ROLE ADDRESS EXTERNAL_ADDRESS HOSTNAME SHARDS CORES FREE_RAM PROVISIONAL_RAM FLASH VERSION STATUS
node:4 slave 10.0.0.14  10.9.9.9 1/100 8 1GB/2GB 1GB/2GB 10GB/20GB 7.8.2-34 DOWN, last seen 1m 5s ago
node:5 slave 10.0.0.15 198.51.100.5 10.9.9.10 1/100 8 1GB/2GB 1GB/2GB -/20GB 7.8.2-34 OK
"""


def by_id(nodes):
    return {node["id"]: node for node in nodes}


def test_default_layout():
    nodes = by_id(rl.parse_status_nodes(DEFAULT))
    assert set(nodes) == {1, 2, 3}
    assert nodes[1]["role"] == "master" and nodes[1]["external_addresses"] == ["203.0.113.11"]
    assert nodes[2]["connected"] and not nodes[1]["connected"]
    assert nodes[2]["external_addresses"] == ["203.0.113.12", "2001:db8::12"]
    assert nodes[2]["hostname"] == "re-b" and nodes[2]["shards"] == "2/100" and nodes[2]["cores"] == 4
    assert nodes[3]["external_addresses"] == [] and nodes[3]["hostname"] == "re-c"
    assert nodes[3]["status"] == "DOWN, last seen 12s ago" and not nodes[3]["ok"]
    assert nodes[3]["free_ram"] == "-/7.7GB" and nodes[3]["version"] == "7.4.2-54"
    assert re_nodes.master_id(list(nodes.values())) == 1


def test_extra_all_sorted_trailing_spaces_blank_rack():
    nodes = rl.parse_status_nodes(EXTRA_ALL)
    assert [node["id"] for node in nodes] == [3, 2, 1]
    by = by_id(nodes)
    assert by[3]["external_addresses"] == [] and by[3]["rack_id"] == "rack-3" and by[3]["status"] == "DOWN, last seen 3s ago"
    assert by[2]["external_addresses"] == ["10.1.0.7", "10.1.0.8"] and by[2]["rack_id"] == "" and by[2]["ok"]
    assert by[1]["external_addresses"] == ["fd00:1::11"] and by[1]["masters"] == 1 and by[1]["sha"] == "a1b2c3"
    assert by[1]["overbooking_depth"] == "6.9GB"


def test_header_without_rows_and_command_output_prefix():
    assert rl.parse_status_nodes(EMPTY) == []


def test_hostname_that_looks_like_an_address_and_unknown_column():
    by = by_id(rl.parse_status_nodes(TRICKY))
    assert by[4]["external_addresses"] == [] and by[4]["hostname"] == "10.9.9.9"
    assert by[4]["flash"] == "10GB/20GB" and by[4]["status"] == "DOWN, last seen 1m 5s ago"
    assert by[5]["external_addresses"] == ["198.51.100.5"] and by[5]["hostname"] == "10.9.9.10" and by[5]["flash"] == "-/20GB"


@pytest.mark.parametrize("text, match", [
    ("ERROR: Cannot connect to the cluster\n", "no 'NODE:ID' header"),
    ("NODE:ID ROLE ADDRESS HOSTNAME STATUS\nnode:1\n", "cannot read this rladmin status nodes row"),
    ("NODE:ID ROLE ADDRESS STATUS HOSTNAME\nnode:1 master 10.0.0.1 OK re\n", "expected STATUS"),
])
def test_unreadable_output_is_an_error_with_the_text(text, match):
    with pytest.raises(re_nodes.ReError, match=match):
        rl.parse_status_nodes(text)


def test_info_node_blocks():
    text = """Command Output: node:2
    address: 10.0.0.12
    external addresses: 203.0.113.12, 2001:db8::12
    recovery path: N/A
    quorum only: disabled
    max redis servers: 100
node:3
    address: 10.0.0.13
    external addresses: N/A
"""
    info = rl.parse_info_node(text)
    assert info[2]["address"] == "10.0.0.12"
    assert info[2]["external_addresses"] == ["203.0.113.12", "2001:db8::12"]
    assert info[2]["recovery_path"] == "N/A" and info[2]["max_redis_servers"] == "100"
    assert info[3]["external_addresses"] == []


def test_shards_and_endpoints_tables():
    shards = rl.parse_table("""SHARDS:
DB:ID  NAME  ID       NODE    ROLE    SLOTS    USED_MEMORY  STATUS
db:1   db1   redis:1  node:1  master  0-16383  2.1MB        OK
db:1   db1   redis:2  node:2  slave   0-16383  2.0MB        OK, syncing
""", "SHARDS")
    assert [(s["id"], s["node"], s["role"], s["status"]) for s in shards] == [
        ("redis:1", "node:1", "master", "OK"), ("redis:2", "node:2", "slave", "OK, syncing")]
    assert rl.parse_table("ENDPOINTS:\nDB:ID NAME ID NODE ROLE SSL\n", "ENDPOINTS") == []
    with pytest.raises(re_nodes.ReError, match="no SHARDS: section"):
        rl.parse_table("nothing\n", "SHARDS")


def test_cluster_master():
    assert rl.parse_cluster_master("Node 3 is the cluster master node\n") == 3
    with pytest.raises(re_nodes.ReError):
        rl.parse_cluster_master("")


NODES = rl.parse_status_nodes(DEFAULT)


def test_internal_address_same_is_no_command():
    assert plan_internal_address(NODES, 3, "10.0.0.13") == []


def test_internal_address_on_a_down_node():
    assert plan_internal_address(NODES, 3, " 10.0.0.23 ") == [rl.DEFAULT_RLADMIN, "-y", "node", "3", "addr", "set", "10.0.0.23"]


@pytest.mark.parametrize("node, address, match", [
    (3, "fd00::13", r"switch node 3 from IPv4 to IPv6"),
    (3, "10.0.0.11", r"already node 1's internal address"),
    (1, "10.0.0.21", r"node 1 is up \(status OK\).*demote it, disable and stop rlec_supervisor"),
    (2, "10.0.0.22", r"runs on node 2 itself.*run it on another node"),
    (9, "10.0.0.29", r"node 9 is not in this cluster \(nodes: 1, 2, 3\)"),
    (3, "10.0.0.300", r"internal_address '10.0.0.300' is not an IPv4 or IPv6 address"),
])
def test_internal_address_refusals(node, address, match):
    with pytest.raises(re_nodes.ReError, match=match):
        plan_internal_address(NODES, node, address)


def node_with(external):
    return {"id": 2, "external_addresses": external}


BASE = [rl.DEFAULT_RLADMIN, "-y", "node", "2", "external_addr"]


@pytest.mark.parametrize("current, wanted, state, commands, result", [
    (["203.0.113.12"], ["203.0.113.12"], "exact", [], ["203.0.113.12"]),
    ([], ["203.0.113.12"], "exact", [BASE + ["add", "203.0.113.12"]], ["203.0.113.12"]),
    (["203.0.113.12", "2001:db8::12"], ["203.0.113.12"], "exact", [BASE + ["remove", "2001:db8::12"]], ["203.0.113.12"]),
    (["203.0.113.12"], ["198.51.100.1", "2001:db8::1"], "exact", [BASE + ["set", "198.51.100.1", "2001:db8::1"]],
     ["198.51.100.1", "2001:db8::1"]),
    (["203.0.113.12", "2001:db8::12"], [], "exact",
     [BASE + ["remove", "203.0.113.12"], BASE + ["remove", "2001:db8::12"]], []),
    (["203.0.113.12"], ["203.0.113.12", "2001:db8::12"], "present", [BASE + ["add", "2001:db8::12"]],
     ["203.0.113.12", "2001:db8::12"]),
    (["203.0.113.12"], ["198.51.100.1", "198.51.100.2"], "present", [BASE + ["set", "203.0.113.12", "198.51.100.1", "198.51.100.2"]],
     ["203.0.113.12", "198.51.100.1", "198.51.100.2"]),
    (["203.0.113.12", "2001:db8::12", "198.51.100.1"], ["2001:db8::12", "198.51.100.1"], "absent",
     [BASE + ["set", "203.0.113.12"]], ["203.0.113.12"]),
    (["2001:DB8::12"], ["2001:db8::12"], "present", [], ["2001:DB8::12"]),
    ([], ["2001:db8::12"], "absent", [], []),
])
def test_external_address_plans_fewest_calls(current, wanted, state, commands, result):
    assert plan_external_addresses(node_with(current), wanted, state) == (commands, result)


def test_external_state_must_be_known():
    with pytest.raises(re_nodes.ReError, match="external_addresses_state must be one of exact, present, absent"):
        plan_external_addresses(node_with([]), [], "replace")


def test_normalize_addresses():
    assert re_nodes.normalize_addresses(["2001:DB8:0::12", " 198.51.100.1"], "external_addresses") == ["2001:db8::12", "198.51.100.1"]
    with pytest.raises(re_nodes.ReError, match=r"external_addresses\[1\] '2001:db8::0:12' repeats 2001:db8::12"):
        re_nodes.normalize_addresses(["2001:db8::12", "2001:db8::0:12"], "external_addresses")
    with pytest.raises(re_nodes.ReError, match=r"external_addresses\[0\] 're-a.example.com' is not an IPv4 or IPv6 address"):
        re_nodes.normalize_addresses(["re-a.example.com"], "external_addresses")


def test_demote_reasons():
    shards = [{"id": "redis:1", "node": "node:1", "role": "master"}, {"id": "redis:2", "node": "node:2", "role": "slave"}]
    endpoints = [{"id": "endpoint:1:1", "node": "node:2"}]
    assert re_nodes.demote_reasons(1, NODES, shards, endpoints) == ["node 1 is the cluster master", "node 1 holds primary shards redis:1"]
    assert re_nodes.demote_reasons(2, NODES, shards, endpoints) == ["node 2 holds endpoints endpoint:1:1"]
    assert re_nodes.demote_reasons(3, NODES, shards, endpoints) == []
    assert rl.demote_command(2, 30) == [rl.DEFAULT_RLADMIN, "-y", "node", "2", "enslave", "demote_node", "retry_timeout_seconds", "30"]


@pytest.mark.parametrize("rc, out, success, expected", [
    (0, "Updated successfully.\n", rl.SUCCESS_UPDATED, None),
    (0, "Performing enslave_node action on node:2: 100%\nOK\n", "OK", None),
    (0, "Performing enslave_node action on node:2: 40%\n", "OK", "did not reply 'OK'"),
    (1, "ERROR: node is not offline\n", rl.SUCCESS_UPDATED, "exited 1: ERROR: node is not offline"),
    (0, "", rl.SUCCESS_UPDATED, "did not reply 'Updated successfully.': no output"),
])
def test_check_reply(rc, out, success, expected):
    message = rl.check_reply(["rladmin", "node", "2"], rc, out, "", success)
    if expected is None:
        assert message is None
    else:
        assert expected in message and message.startswith("'rladmin node 2'")


# --- found by fuzzing (tests/fuzz, issue 29) --------------------------------------------------------------------------

@pytest.mark.parametrize("header, row", [
    # a header word no regex group may be named
    ("NODE:ID ROLE ADDRESS EXTERNAL_ADDRESS HOST/AME SHARDS STATUS", "*node:1 master 10.0.0.11 re-1 1/100 OK"),
    ("NODE:ID ROLE ADDRESS EXTERNAL_ADDRESS HOSTNAME 9LIVES STATUS", "*node:1 master 10.0.0.11 re-1 x OK"),
    ("NODE:ID ROLE ADDRESS EXTERNAL_ADDRESS HOSTNAME SHARDS (?P<x> STATUS", "*node:1 master 10.0.0.11 re-1 1/100 y OK"),
])
def test_an_unknown_header_word_is_a_column_whatever_its_bytes(header, row):
    """An unknown column's name became a regex group name: 'HOST/AME' raised re.error (a crash, not a refusal)."""
    nodes = rl.parse_status_nodes("CLUSTER NODES:\n%s\n%s\n" % (header, row))
    assert [(node["id"], node["address"], node["ok"]) for node in nodes] == [(1, "10.0.0.11", True)]


@pytest.mark.parametrize("header", ["NODE:ID ROLE ROLE ADDRESS STATUS", "NODE:ID ID ADDRESS STATUS"])
def test_a_column_named_twice_or_standing_for_a_known_one_is_no_crash(header):
    """A repeated column is refused by name; an unknown one named like a known cell (ID) never stands in for it."""
    text = "CLUSTER NODES:\n%s\n*node:1 master 10.0.0.11 OK\n" % header
    try:
        nodes = rl.parse_status_nodes(text)
    except re_nodes.ReError as exc:
        assert "twice" in str(exc) or "cannot read" in str(exc)
    else:
        assert nodes[0]["id"] == 1


def test_a_header_whose_first_word_runs_into_the_next_is_refused():
    """'NODE:ID' then a byte that is not white space (a non-UTF-8 byte read as a surrogate): no 'id' column. It was
    a KeyError; it is a refusal naming the column."""
    text = "CLUSTER NODES:\nNODE:ID\udc86ROLE ADDRESS STATUS\n*node:1 10.0.0.11 OK\n"
    with pytest.raises(re_nodes.ReError, match="the first column of rladmin status nodes is"):
        rl.parse_status_nodes(text)
