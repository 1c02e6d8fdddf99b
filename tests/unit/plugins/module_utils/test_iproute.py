"""Reading `ip -j addr show` and planning address changes, including the secondary-address trap."""

import pytest
from ip_samples import IP_JSON

from ansible_collections.dualstack.redis.plugins.module_utils import _iproute as iproute


def test_parse_and_up_addresses():
    addresses = iproute.parse_addresses(IP_JSON)
    assert iproute.find(addresses, "198.18.50.21") == {"interface": "eth0", "up": True, "address": "198.18.50.21",
                                                       "prefix_length": 24, "family": "ipv4", "secondary": True}
    assert iproute.up_addresses(addresses) == ["127.0.0.1", "::1", "198.18.50.11", "198.18.50.21", "fd00:50::11"]
    assert iproute.find(addresses, "10.9.9.9")["up"] is False
    assert iproute.find(addresses, "FD00:50:0::11")["interface"] == "eth0"


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
