"""Which network stack manages an interface, and the systemd-networkd and NetworkManager edits (no I/O). The same
texts go through the real systemd-networkd and nmcli in tests/netns/test_persist_oracles.py."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.dualstack.redis.plugins.module_utils._net.persist import common as persist
from ansible_collections.dualstack.redis.plugins.module_utils._net.persist import networkd, networkmanager

NETWORK = """# eth0, as the administrator wrote it
[Match]
Name=eth0

[Network]
Address=198.18.50.11/24
Address = fd00:50::11/64
Gateway=198.18.50.1

[Address]
Address=198.18.50.12/24
Label=eth0:old

[Route]
Gateway=198.18.50.254
"""


def test_detect_each_stack():
    networkd = {"ADMIN_STATE": "configured", "NETWORK_FILE": "/etc/systemd/network/10-eth0.network"}
    assert persist.detect(networkd, None, False) == ["networkd"]
    assert persist.detect(dict(networkd, NETWORK_FILE="/run/systemd/network/10-netplan-eth0.network"), None, False) == ["netplan"]
    assert persist.detect(dict(networkd, ADMIN_STATE="unmanaged"), None, False) == []
    assert persist.detect(None, ("100 (connected)", "eth0"), False) == ["networkmanager"]
    assert persist.detect(None, ("100 (connected)", "netplan-eth0"), False) == ["netplan"]
    assert persist.detect(None, ("10 (unmanaged)", ""), False) == []
    assert persist.detect(None, ("100 (connected (externally))", "eth0"), False) == []  # an in-memory connection
    assert persist.nm_external("100 (connected (externally))") and not persist.nm_external("100 (connected)")
    assert persist.detect(None, ("30 (disconnected)", ""), False) == []
    assert persist.detect(None, None, True) == ["ifupdown"]
    assert persist.detect(networkd, ("100 (connected)", "eth0"), True) == ["networkd", "networkmanager", "ifupdown"]


def test_key_values_of_a_networkd_link_state_file():
    text = "# This is private data. Do not parse.\nADMIN_STATE=configured\nOPER_STATE=routable\nNETWORK_FILE=/etc/systemd/network/10-eth0.network\n"
    assert persist.key_values(text)["NETWORK_FILE"] == "/etc/systemd/network/10-eth0.network"
    assert persist.key_values(text)["ADMIN_STATE"] == "configured"


def test_networkd_addresses_and_has():
    assert networkd.addresses(NETWORK) == ["198.18.50.11/24", "fd00:50::11/64", "198.18.50.12/24"]
    assert networkd.has(NETWORK, "FD00:50:0::11") and networkd.has(NETWORK, "198.18.50.12")
    assert not networkd.has(NETWORK, "198.18.50.1")  # a Gateway, not an address
    assert not networkd.has("[Match]\nAddress=198.18.50.99/24\n", "198.18.50.99")  # not a section with addresses


def test_remove_a_network_line_keeps_every_other_byte():
    after, removed = networkd.without(NETWORK, "198.18.50.11")
    assert removed == 1 and after == NETWORK.replace("Address=198.18.50.11/24\n", "")
    after, removed = networkd.without(NETWORK, "fd00:50::11")
    assert removed == 1 and after == NETWORK.replace("Address = fd00:50::11/64\n", "")


def test_remove_a_whole_address_section():
    after, removed = networkd.without(NETWORK, "198.18.50.12")
    assert removed == 1 and after == NETWORK.replace("[Address]\nAddress=198.18.50.12/24\nLabel=eth0:old\n\n", "")


def test_crlf_and_comments():
    text = "[Network]\r\n# Address=198.18.50.11/24\r\nAddress=198.18.50.11/24\r\n;Address=198.18.50.11/24\r\n"
    after, removed = networkd.without(text, "198.18.50.11")
    assert removed == 1 and after == "[Network]\r\n# Address=198.18.50.11/24\r\n;Address=198.18.50.11/24\r\n"


def test_what_ends_a_line():
    """A vertical tab or form feed inside a line does not make a new line; a lone CR does (systemd-networkd 252 read
    "Address=A\\rAddress=B" as two addresses: tests/netns)."""
    text = "[Network]\nDescription=a\x0bAddress=198.18.50.11/24\nAddress=198.18.50.11/24\x0c\n"
    after, removed = networkd.without(text, "198.18.50.11")
    assert removed == 1 and after == "[Network]\nDescription=a\x0bAddress=198.18.50.11/24\n"


def test_nothing_to_remove_changes_nothing():
    assert networkd.without(NETWORK, "198.18.50.99") == (NETWORK, 0)
    assert networkd.without("", "198.18.50.99") == ("", 0)


def test_dropin():
    text = networkd.with_address(networkd.with_address(None, "198.18.50.21/24"), "fd00:50::21/64")
    assert text.startswith("# Managed by dualstack.redis") and networkd.addresses(text) == ["198.18.50.21/24", "fd00:50::21/64"]
    assert text.count("[Network]") == 1
    # an administrator's section after ours: a [Network] header again, every byte before kept
    edited = text + "[Link]\nMTUBytes=1400"
    assert networkd.with_address(edited, "198.18.50.22/24") == edited + "\n[Network]\nAddress=198.18.50.22/24\n"
    emptied = networkd.without(networkd.without(text, "198.18.50.21")[0], "fd00:50::21")[0]
    assert networkd.emptied(emptied) and not networkd.emptied(text)


@pytest.mark.parametrize("printed, expected", [
    ("198.18.50.11/24, 198.18.50.21/24\n", ["198.18.50.11/24", "198.18.50.21/24"]),
    ("fd00\\:50\\:\\:11/64, fd00\\:50\\:\\:21/64", ["fd00:50::11/64", "fd00:50::21/64"]),
    ("", []),
    ("\n", []),
])
def test_nm_split(printed, expected):
    assert networkmanager.split(printed) == expected


def test_nm_device_and_find():
    host = persist.Host("/", run=lambda argv: "100 (connected)\nlab eth0\\: static\n", nmcli="/usr/bin/nmcli")
    assert host.nm_device("eth0") == ("100 (connected)", "lab eth0: static")
    assert networkmanager.find(["198.18.50.11/24", "fd00:50::11/64"], "fd00:50:0:0::11") == "fd00:50::11/64"
    assert networkmanager.find(["198.18.50.11/24"], "198.18.50.1") is None


# Property: adding our own Address= line anywhere in [Network] and removing it gives the file back, byte for byte.
lines = st.sampled_from(["Gateway=198.18.50.1", "# a comment", "DNS=198.18.50.1", "", "Address=198.18.50.11/24",
                         "Address=fd00:50::11/64", "[Route]", "[Network]", "Description=x\r"])


@given(st.lists(lines, max_size=8), st.lists(lines, max_size=8), st.sampled_from(["\n", "\r\n"]))
def test_add_then_remove_is_the_identity(before, after, end):
    head = "[Network]" + end + "".join(line + end for line in before if line != "[Route]" and line != "[Network]")
    tail = "".join(line + end for line in after)
    text = head + "Address=198.18.77.7/24" + end + tail
    original = head + tail
    out, removed = networkd.without(text, "198.18.77.7")
    assert out == original and removed == 1


def test_lone_cr_and_continuations_as_systemd_reads_them():
    text = "[Network]\rAddress=198.18.50.11/24\rAddress=\\\n# inside\n  198.18.50.12/24\nDNS=x\\\\\nAddress=198.18.50.13/24\n"
    assert networkd.addresses(text) == ["198.18.50.11/24", "198.18.50.12/24", "198.18.50.13/24"]
    after, removed = networkd.without(text, "198.18.50.12")
    assert removed == 1 and after == "[Network]\rAddress=198.18.50.11/24\rDNS=x\\\\\nAddress=198.18.50.13/24\n"


def test_match_names():
    assert networkd.match_names("[Match]\nName=e* !eth9\nName=ens5\n[Network]\nName=x\n") == (["e*", "!eth9", "ens5"], False)
    assert networkd.match_names("[Match]\nMACAddress=00:11:22:33:44:55\n")[1] is True


@pytest.mark.parametrize("family, method, takes", [
    ("ipv4", "manual", True), ("ipv4", "auto", True), ("ipv4", "shared", True), ("ipv4", "", True),
    ("ipv4", "disabled", False), ("ipv4", "link-local", False), ("ipv6", "ignore", False), ("ipv6", "dhcp", True),
])
def test_nm_methods(family, method, takes):
    assert (networkmanager.method_problem(family, method, "c", "x") is None) is takes
