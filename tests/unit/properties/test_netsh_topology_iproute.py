"""Properties of the netsh, CLUSTER reply and ip -j parsers and planners (hypothesis)."""

from __future__ import annotations

import ipaddress
import json

from hypothesis import given
from hypothesis import strategies as st
from strategies import addresses, hostile_text, ipv6

from ansible_collections.dualstack.redis.plugins.module_utils import _cluster_topology as ct
from ansible_collections.dualstack.redis.plugins.module_utils._net import iproute
from ansible_collections.dualstack.redis.plugins.module_utils import _policy_table as pt
from ansible_collections.dualstack.redis.plugins.plugin_utils import _netsh as netsh

NETSH_WORDS = ["Querying active state...", "Precedence  Label  Prefix", "----------  -----  ------", "        50      0  ::1/128",
               "  40  1  ::/0", "35 4 ::ffff:0:0/96", "10.0.0.0/8", "Ok.", "Element not found."]


@given(hostile_text(NETSH_WORDS, max_size=30))
def test_netsh_output_parses_or_is_refused(text):
    try:
        rows = netsh.parse_prefix_policies(text)
    except netsh.NetshError:
        return
    assert netsh.parse_prefix_policies(netsh.render_table(rows)) == rows


def rows():
    prefix = st.builds(lambda a, n: pt.format_prefix(ipaddress.IPv6Network((int(ipaddress.IPv6Address(a)), n), strict=False)),
                       ipv6(), st.integers(0, 128))
    row = st.builds(pt.PolicyRow, prefix, st.integers(0, 100), st.integers(0, 20))
    return st.lists(row, max_size=6, unique_by=lambda r: pt.prefix_key(r.prefix))


@given(rows(), rows(), st.sampled_from(pt.PREFER_CHOICES), st.sampled_from(netsh.STORES))
def test_netsh_plan_then_replan_plans_nothing(active, persistent, prefer, store):
    tables = {"active": active, "persistent": persistent}
    wanted = pt.wanted_rows(prefer, [], pt.WINDOWS_DEFAULT)
    commands = netsh.plan(tables, wanted, [], store)
    # what netsh leaves: persistent commands change both tables, active ones the running table only
    after = dict(tables)
    for name in netsh.STORES:
        steps = netsh.diff_store(netsh.index(tables[name]), wanted, [])
        if name == "persistent" and store == "active":
            continue
        after[name] = list(netsh.apply_steps(netsh.index(tables[name]), steps).values())
    assert netsh.plan(after, wanted, [], store) == []
    assert all(c.startswith("netsh interface ipv6 ") for c in commands)


def replies():
    words = ["id", "ip", "port", "nodes", "endpoint", "::1", "127.0.0.1"]
    leaf = st.one_of(st.none(), st.integers(-5, 70000), st.binary(max_size=12), hostile_text(words, 6))
    keys = leaf.filter(lambda v: isinstance(v, (str, bytes)))
    return st.recursive(leaf, lambda inner: st.one_of(st.lists(inner, max_size=6), st.dictionaries(keys, inner, max_size=4)),
                        max_leaves=25)


@given(replies())
def test_cluster_replies_read_or_are_refused(reply):
    for read in (ct.nodes_from_shards, ct.nodes_from_slots, ct.nodes_from_nodes):
        try:
            nodes = read(reply)
        except ct.TopologyError:
            continue
        for node in nodes:
            assert node["family"] in ("ipv4", "ipv6", "hostname") and isinstance(node["port"], int)


def ip_json():
    info = st.fixed_dictionaries({"local": addresses(), "prefixlen": st.one_of(st.integers(0, 128), st.text(max_size=2))},
                                 optional={"family": st.sampled_from(["inet", "inet6"]), "secondary": st.booleans()})
    interface = st.fixed_dictionaries({"ifname": st.sampled_from(["lo", "eth0", "eth0.100"]),
                                       "flags": st.sampled_from([["UP"], []]), "addr_info": st.lists(info, max_size=3)})
    return st.one_of(st.lists(interface, max_size=3).map(json.dumps), hostile_text(['[', ']', '{', '}', '"local"', ':'], 20))


@given(ip_json(), addresses(), st.sampled_from(["eth0", "eth0.100"]), st.integers(1, 128), st.lists(st.sampled_from(["0", "1"]), max_size=2))
def test_ip_plans_then_replans_nothing(text, address, interface, prefix_length, promote):
    try:
        bound = iproute.parse_addresses(text)
        address = iproute.normalize_address(address, "address")
        iproute.check_prefix_length(address, prefix_length)
        present = iproute.plan_present(bound, address, interface, prefix_length)
    except iproute.IprouteError:
        return
    added = iproute.predict(bound, present)
    assert iproute.plan_present(added, address, interface, prefix_length) == []
    absent, _promote = iproute.plan_absent(added, address, promote)
    removed = iproute.predict(added, absent)
    assert iproute.plan_absent(removed, address, promote) == ([], False)
    assert iproute.find(removed, address) is None
