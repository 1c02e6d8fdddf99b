"""ip_address and ip_address_info against a real kernel, in a network namespace per test (conftest.py)."""

from __future__ import annotations

from conftest import IFACE

PRIMARY, SECONDARY = "198.18.200.11", "198.18.200.21"
PROMOTE = "net/ipv4/conf/%s/promote_secondaries" % IFACE


def test_removing_a_primary_keeps_its_secondary_on_a_vlan_named_interface(netns):
    """The kernel would drop the secondary with its primary unless promote_secondaries is 1 on the interface,
    whose sysctl key needs eth0/100 for eth0.100 (with the dotted key sysctl fails and nothing is removed)."""
    assert netns.sysctl(PROMOTE) == "0"
    result = netns.module("ip_address", {"address": PRIMARY, "state": "absent", "keep": SECONDARY})
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] and result["commands"][0] == [
        "sysctl", "-q", "-w", "net.ipv4.conf.eth0/100.promote_secondaries=1"]
    assert netns.sysctl(PROMOTE) == "1"
    addresses = netns.addresses()
    assert PRIMARY not in addresses and addresses[SECONDARY] == (24, False)  # promoted to primary
    again = netns.module("ip_address", {"address": PRIMARY, "state": "absent", "keep": SECONDARY})
    assert not again.get("failed") and not again["changed"] and again["commands"] == []


def test_add_like_then_again_changes_nothing(netns):
    result = netns.module("ip_address", {"address": "198.18.200.31", "like": PRIMARY})
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] and result["interface"] == IFACE and result["bound"]
    assert netns.addresses()["198.18.200.31"] == (24, True)
    again = netns.module("ip_address", {"address": "198.18.200.31", "like": PRIMARY})
    assert not again.get("failed") and not again["changed"]


def test_keep_not_bound_leaves_everything_in_place(netns):
    before = netns.addresses()
    result = netns.module("ip_address", {"address": PRIMARY, "state": "absent", "keep": "198.18.200.99"})
    assert result.get("failed") and result["changed"] is False
    assert result["msg"] == "keep 198.18.200.99 is not bound to an UP interface now; nothing was removed"
    assert netns.addresses() == before and netns.sysctl(PROMOTE) == "0"


def test_absent_from_another_interface_leaves_it(netns):
    before = netns.addresses()
    result = netns.module("ip_address", {"address": PRIMARY, "state": "absent", "interface": "peer0"})
    assert not result.get("failed") and not result["changed"]
    assert netns.addresses() == before


def test_a_failing_command_is_reported_with_what_ran(netns):
    """ip refuses to add an address to an interface that does not exist: the task fails, changed false."""
    result = netns.module("ip_address", {"address": "198.18.201.5", "interface": "nosuch0", "prefix_length": 24})
    assert result.get("failed") and result["changed"] is False
    assert result["commands"] == [["ip", "addr", "add", "198.18.201.5/24", "dev", "nosuch0"]]
    assert "nosuch0" in result["msg"]


def test_info_reads_the_namespace(netns):
    result = netns.module("ip_address_info", {"address": "FD00:200::11"})
    assert not result.get("failed") and not result["changed"]
    assert result["bound"] and result["interface"] == IFACE and result["prefix_length"] == 64
    assert set(result["up_addresses"]) >= {PRIMARY, SECONDARY, "fd00:200::11", "127.0.0.1", "::1"}
