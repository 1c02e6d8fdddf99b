"""Properties of the rladmin parsers and planners and of the internal-address plan (hypothesis)."""

from __future__ import annotations

import ipaddress
import json

from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import addresses, hostile_text, ipv4, ipv6

from ansible_collections.dualstack.redis.plugins.module_utils._checks import address_problem
from ansible_collections.dualstack.redis.plugins.module_utils._re import nodes as re_nodes
from ansible_collections.dualstack.redis.plugins.module_utils._re import rladmin as rl
from ansible_collections.dualstack.redis.plugins.plugin_utils._internal_address import plan_internal_addresses

RLADMIN_WORDS = ["NODE:ID", "ROLE", "ADDRESS", "EXTERNAL_ADDRESS", "HOSTNAME", "SHARDS", "CORES", "FREE_RAM",
                 "PROVISIONAL_RAM", "VERSION", "STATUS", "node:1", "*node:2", "master", "slave", "10.0.0.11",
                 "2001:db8::1", "2/100", "6.1GB/7.7GB", "7.4.2-54", "OK", "DOWN, last seen 12s ago", "Command Output:",
                 "SHARDS:", "ENDPOINTS:", "DB:ID", "ID", "NODE"]


@given(hostile_text(RLADMIN_WORDS, max_size=60))
def test_rladmin_output_parses_or_is_refused_by_name(text):
    for parse in (rl.parse_status_nodes, lambda t: rl.parse_table(t, "SHARDS"), rl.parse_cluster_master):
        try:
            parse(text)
        except re_nodes.ReError:
            pass
    rl.parse_info_node(text)


def cell(value):
    return value or ""


@st.composite
def node_tables(draw):
    """Nodes, and rladmin's table of them with random column widths."""
    count = draw(st.integers(1, 5))
    nodes = []
    for node_id in range(1, count + 1):
        externals = draw(st.lists(st.one_of(ipv4(), ipv6()), max_size=3, unique=True))
        nodes.append(dict(id=node_id, role="master" if node_id == 1 else "slave", address=draw(st.one_of(ipv4(), ipv6())),
                          external_addresses=externals, hostname="re-%d" % node_id,
                          status=draw(st.sampled_from(["OK", "DOWN, last seen 12s ago"])),
                          connected=node_id == draw(st.integers(1, count))))
    header = ["NODE:ID", "ROLE", "ADDRESS", "EXTERNAL_ADDRESS", "HOSTNAME", "SHARDS", "STATUS"]
    rows = [["%snode:%d" % ("*" if n["connected"] else "", n["id"]), n["role"], n["address"], ",".join(n["external_addresses"]),
             n["hostname"], "0/100", n["status"]] for n in nodes]
    widths = [max(len(r[i]) for r in [header] + rows) + draw(st.integers(1, 3)) for i in range(len(header))]
    lines = ["".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in [header] + rows]
    return nodes, "CLUSTER NODES:\n" + "\n".join(lines) + "\n"


@given(node_tables())
def test_status_nodes_round_trip(table):
    nodes, text = table
    parsed = rl.parse_status_nodes(text)
    for node, got in zip(nodes, parsed):
        assert (got["id"], got["address"], got["external_addresses"], got["status"], got["ok"]) == (
            node["id"], node["address"], node["external_addresses"], node["status"], node["status"] == "OK")
    assert len(parsed) == len(nodes)


@given(node_tables(), st.lists(addresses(), max_size=4), st.sampled_from(re_nodes.EXTERNAL_STATES))
def test_external_plan_then_replan_plans_nothing(table, wanted, state):
    nodes = rl.parse_status_nodes(table[1])
    try:
        wanted = re_nodes.normalize_addresses(wanted, "external_addresses")
    except re_nodes.ReError:
        return  # refused: nothing is planned at all
    for address in wanted:
        assert address_problem(ipaddress.ip_address(address)) is None
    target = re_nodes.external_target(nodes[0]["external_addresses"], wanted, state)
    commands = rl.external_commands(nodes[0], target)
    assert all(isinstance(arg, str) for argv in commands for arg in argv)
    applied = dict(nodes[0], external_addresses=target)
    assert rl.external_commands(applied, re_nodes.external_target(target, wanted, state)) == []
    assert re_nodes.plan([applied], applied["id"], None, wanted, state).external is None


@given(node_tables(), addresses())
def test_internal_plan_refuses_or_plans_once(table, new):
    nodes = rl.parse_status_nodes(table[1])
    node = nodes[-1]
    try:
        argv = rl.change_commands(re_nodes.plan(nodes, node["id"], new))
    except re_nodes.ReError:
        return
    if not argv:
        return
    assert argv[-1] == re_nodes.normalize_address(new, "internal_address")
    moved = [dict(n, address=argv[-1]) if n["id"] == node["id"] else n for n in nodes]
    assert not re_nodes.plan(moved, node["id"], new).needed()


def journals():
    """A node's record of an interrupted change: well formed, or anything."""
    good = st.fixed_dictionaries({"node": st.one_of(st.integers(0, 6), st.sampled_from(["2", "x"])),
                                  "old": addresses(), "new": addresses(),
                                  "external_before": st.lists(addresses(), max_size=2)}).map(json.dumps)
    return st.one_of(good, hostile_text(["{", "}", '"node"', ":", "1", "[", "]", "10.0.0.1"], max_size=30))


def requests():
    node_ids = st.one_of(st.none(), st.integers(-1, 6), st.sampled_from(["1", " 2 ", "x", "1.0", "\u0661"]), st.booleans())
    request = st.fixed_dictionaries({"host": st.sampled_from(["re1", "re2", "re3", "re4"]), "node": node_ids,
                                     "connected": st.one_of(st.none(), st.integers(1, 4)),
                                     "new": st.one_of(st.none(), addresses()),
                                     "journal": st.one_of(st.none(), journals())})
    return st.lists(request, max_size=5)


@given(node_tables(), requests(), st.one_of(st.none(), st.just("jump")))
def test_internal_address_plan_never_raises_and_plans_only_valid_changes(table, reqs, delegate):
    nodes = rl.parse_status_nodes(table[1])
    assume(len({r["host"] for r in reqs}) == len(reqs))
    plan = plan_internal_addresses(nodes, reqs, delegate)
    changes = [step for step in plan["hosts"].values() if step["action"] == "change"]
    news = [step["new"] for step in changes]
    assert len(news) == len(set(news))
    for step in changes:
        new = ipaddress.ip_address(step["new"])
        assert address_problem(new) is None
        assert new.version == ipaddress.ip_address(step["old"]).version
        assert step["delegate"] is not None or plan["problems"]
    # The rolling rule: no plan without problems may start while a node other than the one being resumed is down,
    # and at most one node is resumed.
    resumed = [step["node"] for step in plan["hosts"].values() if step["action"] == "resume"]
    assert len(resumed) <= 1 or plan["problems"]
    if not plan["problems"]:
        assert all(n["ok"] or n["id"] in resumed for n in nodes)
    bad = [r for r in reqs if r["new"] not in (None, "") and r["host"] in plan["hosts"]
           and plan["hosts"][r["host"]]["new"] is None and plan["hosts"][r["host"]]["action"] == "none"]
    assert not bad or plan["problems"]


def host_checks():
    maybe_text = st.one_of(st.none(), hostile_text(["::1", "localhost", " ", "\t", "\r\n", "#", "loaded", "\x0c"], max_size=40))
    check = st.fixed_dictionaries({"host": st.sampled_from(["re1", "re2", "re3", "re4", "gone"]),
                                   "read_error": maybe_text, "os_problem": maybe_text, "unit": maybe_text, "unit_error": maybe_text,
                                   "service": st.sampled_from(["rlec_supervisor", ""]),
                                   "method": st.sampled_from(["iproute2", "networkd", None]),
                                   "restart_method": st.sampled_from(["service", "reboot"]),
                                   "hosts_file": maybe_text, "hosts_file_error": maybe_text})
    return st.lists(check, max_size=5)


@given(node_tables(), requests(), host_checks())
def test_host_checks_only_add_problems_and_report_every_planned_host(table, reqs, checks):
    """What the hosts found never removes a reason not to start, never changes a step, and every planned host has its
    line in the report."""
    nodes = rl.parse_status_nodes(table[1])
    assume(len({r["host"] for r in reqs}) == len(reqs))
    first = plan_internal_addresses(nodes, reqs)
    second = plan_internal_addresses(nodes, reqs, checks=checks)
    assert second["hosts"] == first["hosts"]
    if nodes:
        assert set(first["problems"]) <= set(second["problems"])
    else:
        assert len(second["problems"]) == 1 and second["problems"][0].startswith("the cluster could not be read")
    assert [line.split(" ", 1)[0] for line in second["report"] if not line.startswith("WARNING")] == list(first["hosts"])
    found = [c for c in checks if c["os_problem"] is not None]
    assert not found or second["problems"]
