"""ip_address and ip_address_info against a real kernel, in a network namespace per test (conftest.py)."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest
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
    """The kernel refuses an IPv6 address on an interface with IPv6 disabled: the task fails, changed false, and
    commands holds the ip command that ran."""
    netns.sh("sysctl", "-q", "-w", "net.ipv6.conf.peer0.disable_ipv6=1")
    result = netns.module("ip_address", {"address": "fd00:201::5", "interface": "peer0", "prefix_length": 64})
    assert result.get("failed") and result["changed"] is False
    assert result["commands"] == [["ip", "addr", "add", "fd00:201::5/64", "dev", "peer0"]]
    assert "ip addr add fd00:201::5/64 dev peer0' failed" in result["msg"]


@pytest.mark.parametrize("check_mode", [False, True])
def test_an_interface_that_is_not_there_is_refused_before_any_command(netns, check_mode):
    before = netns.addresses()
    result = netns.module("ip_address", {"address": "198.18.201.5", "interface": "nosuch0", "prefix_length": 24,
                                         "_ansible_check_mode": check_mode})
    assert result.get("failed") and result["changed"] is False and result["commands"] == []
    assert result["msg"].startswith("interface nosuch0 is not on this host (") and "nosuch0" in result["msg"][30:]
    assert netns.addresses() == before


def test_info_reads_the_namespace(netns):
    result = netns.module("ip_address_info", {"address": "FD00:200::11"})
    assert not result.get("failed") and not result["changed"]
    assert result["bound"] and result["interface"] == IFACE and result["prefix_length"] == 64
    assert set(result["up_addresses"]) >= {PRIMARY, SECONDARY, "fd00:200::11", "127.0.0.1", "::1"}


# IPv6 duplicate address detection, as the kernel does it: an address another host on the link already
# holds (peer0, moved into a namespace of its own, added with nodad) fails DAD; a fresh one stays tentative
# for about a second.
TAKEN = "fd00:200::99"


@pytest.fixture
def taken_by_peer(netns):
    other = netns.name + "-peer"
    subprocess.run(["ip", "netns", "add", other], check=True, timeout=30)
    try:
        netns.sh("ip", "link", "set", "peer0", "netns", other)
        for argv in (["link", "set", "peer0", "up"], ["addr", "add", TAKEN + "/64", "dev", "peer0", "nodad"]):
            subprocess.run(["ip", "-n", other] + argv, check=True, timeout=30)
        yield TAKEN
    finally:
        subprocess.run(["ip", "netns", "del", other], check=False, timeout=30)


def _dad_flags(netns, address):
    data = json.loads(netns.sh("ip", "-j", "addr", "show", "dev", IFACE))
    entry = next(a for a in data[0]["addr_info"] if a["local"] == address)
    return {flag for flag in ("tentative", "dadfailed") if entry.get(flag)}


def test_present_fails_when_duplicate_address_detection_fails(netns, taken_by_peer):
    result = netns.module("ip_address", {"address": TAKEN, "interface": IFACE, "prefix_length": 64})
    assert result.get("failed") and result["changed"] is True
    assert result["commands"] == [["ip", "addr", "add", TAKEN + "/64", "dev", IFACE]]
    assert result["dad"] == "dadfailed" and result["bound"] is False and TAKEN not in result["up_addresses"]
    assert "failed IPv6 duplicate address detection on %s" % IFACE in result["msg"]
    assert _dad_flags(netns, TAKEN) >= {"dadfailed"}
    info = netns.module("ip_address_info", {"address": TAKEN})
    assert info["bound"] is False and info["dad"] == "dadfailed" and info["interface"] == IFACE
    again = netns.module("ip_address", {"address": TAKEN, "interface": IFACE, "prefix_length": 64})
    assert again.get("failed") and again["changed"] is False and again["commands"] == [] and again["dad"] == "dadfailed"


def test_present_waits_until_the_new_ipv6_address_is_usable(netns):
    result = netns.module("ip_address", {"address": "fd00:200::31", "interface": IFACE, "prefix_length": 64})
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] and result["bound"] and result["dad"] is None
    assert _dad_flags(netns, "fd00:200::31") == set()  # without the wait it would still be tentative here


def test_dad_timeout_zero_reports_a_tentative_address_as_not_bound(netns):
    result = netns.module("ip_address", {"address": "fd00:200::32", "interface": IFACE, "prefix_length": 64, "dad_timeout": 0})
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] and result["bound"] is False and result["dad"] == "tentative"
    assert "fd00:200::32" not in result["up_addresses"]


def test_the_redis_enterprise_standin_does_not_count_tentative_or_dadfailed_addresses(netns, taken_by_peer):
    """The stand-in's agent keeps a node DOWN while its internal address is not usable; read on a real kernel."""
    standin = os.path.join(os.path.dirname(__file__), "..", "standins", "redis_enterprise")
    netns.sh("ip", "addr", "add", TAKEN + "/64", "dev", IFACE)
    for _attempt in range(50):  # DAD fails after about a second; bounded at 5 s
        if "dadfailed" in _dad_flags(netns, TAKEN):
            break
        time.sleep(0.1)
    netns.sh("ip", "addr", "add", "fd00:200::33/64", "dev", IFACE)  # tentative for about a second
    script = "import sys; sys.path.insert(0, %r); import re_standin; print(' '.join(sorted(map(str, re_standin.bound_up_addresses()))))"
    seen = netns.sh("python3", "-c", script % standin).split()
    assert "fd00:200::33" not in seen and "fd00:200::11" in seen and PRIMARY in seen
    assert _dad_flags(netns, TAKEN) >= {"dadfailed"} and TAKEN not in seen
    assert _dad_flags(netns, "fd00:200::33") == {"tentative"}  # still, after the stand-in read it
