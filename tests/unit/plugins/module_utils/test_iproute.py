"""Reading `ip -j addr show` and planning address changes, including the secondary-address trap."""

import json

import pytest
from ip_samples import IP_JSON

from ansible_collections.dualstack.redis.plugins.module_utils._net import iproute


def test_parse_and_up_addresses():
    addresses = iproute.parse_addresses(IP_JSON)
    assert iproute.find(addresses, "198.18.50.21") == {"interface": "eth0", "up": True, "address": "198.18.50.21",
                                                       "prefix_length": 24, "family": "ipv4", "secondary": True,
                                                       "tentative": False, "dadfailed": False, "noprefixroute": False}
    assert iproute.up_addresses(addresses) == ["127.0.0.1", "::1", "198.18.50.11", "198.18.50.21", "fd00:50::11"]
    assert iproute.find(addresses, "10.9.9.9")["up"] is False
    assert iproute.find(addresses, "FD00:50:0::11")["interface"] == "eth0"


def test_tentative_and_dadfailed_ipv6_addresses_are_not_usable():
    """As `ip -j` prints them on a real kernel (tests/netns reproduces both)."""
    text = json.dumps([{"ifname": "eth0", "flags": ["UP"], "addr_info": [
        {"family": "inet6", "local": "fd00:50::21", "prefixlen": 64, "tentative": True},
        {"family": "inet6", "local": "fd00:50::22", "prefixlen": 64, "tentative": True, "dadfailed": True},
        {"family": "inet6", "local": "fd00:50::23", "prefixlen": 64}]}])
    addresses = iproute.parse_addresses(text)
    assert iproute.up_addresses(addresses) == ["fd00:50::23"]
    assert [iproute.dad_state(addresses, a) for a in ("fd00:50::21", "fd00:50::22", "fd00:50::23", "fd00:50::99")] == [
        "tentative", "dadfailed", None, None]
    predicted = iproute.predict(addresses, [["ip", "addr", "add", "fd00:50::24/64", "dev", "eth0"]])
    assert "fd00:50::24" in iproute.up_addresses(predicted)


def test_unreadable_output():
    with pytest.raises(iproute.IprouteError):
        iproute.parse_addresses("not json")


def test_present_is_idempotent_and_refuses_another_interface():
    addresses = iproute.parse_addresses(IP_JSON)
    assert iproute.plan_present(addresses, "198.18.50.21", "eth0", 24) == []
    assert iproute.plan_present(addresses, "198.18.50.31", "eth0", 24) == [["ip", "addr", "add", "198.18.50.31/24", "dev", "eth0"]]
    with pytest.raises(iproute.IprouteError, match="already bound to eth0, not eth1"):
        iproute.plan_present(addresses, "198.18.50.21", "eth1", 24)


@pytest.mark.parametrize("promote, expected_promote", [(["0", "0"], True), (["1", "0"], False), (["0", "1"], False)])
def test_absent_of_a_primary_with_secondaries_promotes_first(promote, expected_promote):
    addresses = iproute.parse_addresses(IP_JSON)
    commands, needs = iproute.plan_absent(addresses, "198.18.50.11", promote)
    assert needs is expected_promote
    assert commands[-1] == ["ip", "addr", "del", "198.18.50.11/24", "dev", "eth0"]
    assert (commands[0] == ["sysctl", "-q", "-w", "net.ipv4.conf.eth0.promote_secondaries=1"]) is expected_promote


def test_absent_of_a_secondary_or_ipv6_or_missing():
    addresses = iproute.parse_addresses(IP_JSON)
    assert iproute.plan_absent(addresses, "198.18.50.21", ["0", "0"]) == ([["ip", "addr", "del", "198.18.50.21/24", "dev", "eth0"]], False)
    assert iproute.plan_absent(addresses, "fd00:50::11", []) == ([["ip", "addr", "del", "fd00:50::11/64", "dev", "eth0"]], False)
    assert iproute.plan_absent(addresses, "198.18.50.99", ["0", "0"]) == ([], False)


def _owned(addresses, address):
    return [dict(a, noprefixroute=True) if a["address"] == address else a for a in addresses]


ROUTE_TO_21 = ["ip", "route", "replace", "198.18.50.0/24", "dev", "eth0", "proto", "kernel", "scope", "link", "src", "198.18.50.21"]


@pytest.mark.parametrize("routes, expected", [
    # the old primary's route goes with it; the promoted noprefixroute address gets one with the same metric
    ('[{"dst": "198.18.50.0/24", "prefsrc": "198.18.50.11", "metric": 100}, {"dst": "default", "gateway": "198.18.50.1"}]',
     ROUTE_TO_21 + ["metric", "100"]),
    ('[{"dst": "198.18.50.0/24", "prefsrc": "198.18.50.11"}]', ROUTE_TO_21 + ["metric", "0"]),
    ("[]", ROUTE_TO_21 + ["metric", "0"]),
    # it has its own route already (NetworkManager added both): nothing to add
    ('[{"dst": "198.18.50.0/24", "prefsrc": "198.18.50.11", "metric": 100}, {"dst": "198.18.50.0/24", "prefsrc": "198.18.50.21", "metric": 100}]',
     None),
])
def test_absent_of_a_primary_routes_a_promoted_noprefixroute_address(routes, expected):
    addresses = _owned(iproute.parse_addresses(IP_JSON), "198.18.50.21")
    commands, _needs = iproute.plan_absent(addresses, "198.18.50.11", ["1", "0"], routes=iproute.parse_routes(routes))
    assert commands[0] == ["ip", "addr", "del", "198.18.50.11/24", "dev", "eth0"]
    assert commands[1:] == ([expected] if expected else [])


def test_absent_adds_no_route_for_a_plain_promoted_address_a_secondary_or_without_routes_read():
    addresses = iproute.parse_addresses(IP_JSON)
    assert iproute.plan_absent(addresses, "198.18.50.11", ["1", "0"], routes=[]) == (
        [["ip", "addr", "del", "198.18.50.11/24", "dev", "eth0"]], False)  # the kernel routes it
    owned = _owned(addresses, "198.18.50.21")
    assert iproute.plan_absent(owned, "198.18.50.11", ["1", "0"]) == ([["ip", "addr", "del", "198.18.50.11/24", "dev", "eth0"]], False)
    assert iproute.plan_absent(owned, "198.18.50.21", ["1", "0"], routes=[]) == (
        [["ip", "addr", "del", "198.18.50.21/24", "dev", "eth0"]], False)


def test_parse_routes_refuses_what_is_not_a_route_list():
    assert iproute.parse_routes("") == []
    with pytest.raises(iproute.IprouteError, match="not a list of routes"):
        iproute.parse_routes('{"dst": "default"}')
    with pytest.raises(iproute.IprouteError, match="cannot read"):
        iproute.parse_routes("[{")


ETH0 = ["198.18.50.11/24 dev eth0", "198.18.50.21/24 dev eth0", "fd00:50::11/64 dev eth0"]


def test_interface_lines_ipv4_first_in_address_order():
    addresses = iproute.parse_addresses(IP_JSON)
    assert iproute.interface_lines(addresses, "eth0") == ETH0
    assert iproute.interface_lines(addresses, "lo") == ["127.0.0.1/8 dev lo", "::1/128 dev lo"]
    assert iproute.interface_lines(addresses, "eth9") == []
    addresses.append(dict(addresses[2], address="198.18.50.3", secondary=True))   # 3 < 11 as numbers, not as text
    assert iproute.interface_lines(addresses, "eth0") == ["198.18.50.3/24 dev eth0"] + ETH0


def test_predict_follows_the_plan_and_leaves_the_input_alone():
    addresses = iproute.parse_addresses(IP_JSON)
    copy = [dict(a) for a in addresses]
    added = iproute.predict(addresses, iproute.plan_present(addresses, "198.18.50.31", "eth0", 24))
    assert iproute.find(added, "198.18.50.31") == {"interface": "eth0", "up": True, "address": "198.18.50.31",
                                                   "prefix_length": 24, "family": "ipv4", "secondary": True,
                                                   "tentative": False, "dadfailed": False, "noprefixroute": False}
    assert iproute.interface_lines(added, "eth0") == ETH0[:2] + ["198.18.50.31/24 dev eth0"] + ETH0[2:]
    on_down = iproute.predict(addresses, iproute.plan_present(addresses, "fd00:9::9", "eth1", 64))
    assert iproute.find(on_down, "fd00:9::9") == {"interface": "eth1", "up": False, "address": "fd00:9::9",
                                                  "prefix_length": 64, "family": "ipv6", "secondary": False,
                                                  "tentative": False, "dadfailed": False, "noprefixroute": False}
    commands, needs = iproute.plan_absent(addresses, "198.18.50.11", ["0", "0"])
    assert needs   # the sysctl in the plan changes no address; the secondary stays
    assert iproute.interface_lines(iproute.predict(addresses, commands), "eth0") == ETH0[1:]
    assert iproute.predict(addresses, []) == addresses
    assert addresses == copy


def test_promote_key_of_a_vlan_interface_uses_slashes():
    """sysctl swaps '.' and '/' in a key: eth0.100 must be written eth0/100 (checked against procps-ng's sysctl
    on a real interface by tests/netns)."""
    assert iproute.promote_key("eth0") == "net.ipv4.conf.eth0.promote_secondaries"
    assert iproute.promote_key("eth0.100") == "net.ipv4.conf.eth0/100.promote_secondaries"


@pytest.mark.parametrize("text", ['{"ifname": "eth0"}', '[1, 2]', '[{"addr_info": [{"local": "10.0.0.300"}]}]',
                                  '[{"addr_info": [{"local": "10.0.0.1", "prefixlen": "x"}]}]'])
def test_hostile_ip_output_is_an_iproute_error(text):
    with pytest.raises(iproute.IprouteError):
        iproute.parse_addresses(text)
