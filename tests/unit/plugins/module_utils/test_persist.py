"""Which network stack manages an interface, and the systemd-networkd and NetworkManager edits (no I/O)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.dualstack.redis.plugins.module_utils import _persist as persist

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
    assert persist.networkd_addresses(NETWORK) == ["198.18.50.11/24", "fd00:50::11/64", "198.18.50.12/24"]
    assert persist.networkd_has(NETWORK, "FD00:50:0::11") and persist.networkd_has(NETWORK, "198.18.50.12")
    assert not persist.networkd_has(NETWORK, "198.18.50.1")  # a Gateway, not an address
    assert not persist.networkd_has("[Match]\nAddress=198.18.50.99/24\n", "198.18.50.99")  # not a section with addresses


def test_remove_a_network_line_keeps_every_other_byte():
    after, removed = persist.networkd_without(NETWORK, "198.18.50.11")
    assert removed == 1 and after == NETWORK.replace("Address=198.18.50.11/24\n", "")
    after, removed = persist.networkd_without(NETWORK, "fd00:50::11")
    assert removed == 1 and after == NETWORK.replace("Address = fd00:50::11/64\n", "")


def test_remove_a_whole_address_section():
    after, removed = persist.networkd_without(NETWORK, "198.18.50.12")
    assert removed == 1 and after == NETWORK.replace("[Address]\nAddress=198.18.50.12/24\nLabel=eth0:old\n\n", "")


def test_crlf_and_comments():
    text = "[Network]\r\n# Address=198.18.50.11/24\r\nAddress=198.18.50.11/24\r\n;Address=198.18.50.11/24\r\n"
    after, removed = persist.networkd_without(text, "198.18.50.11")
    assert removed == 1 and after == "[Network]\r\n# Address=198.18.50.11/24\r\n;Address=198.18.50.11/24\r\n"


def test_only_newline_ends_a_line():
    """A vertical tab or form feed inside a line does not make a new line (systemd splits at \\n only)."""
    text = "[Network]\nDescription=a\x0bAddress=198.18.50.11/24\nAddress=198.18.50.11/24\x0c\n"
    after, removed = persist.networkd_without(text, "198.18.50.11")
    assert removed == 1 and after == "[Network]\nDescription=a\x0bAddress=198.18.50.11/24\n"


def test_nothing_to_remove_changes_nothing():
    assert persist.networkd_without(NETWORK, "198.18.50.99") == (NETWORK, 0)
    assert persist.networkd_without("", "198.18.50.99") == ("", 0)


def test_dropin():
    text = persist.networkd_dropin(["198.18.50.21/24", "fd00:50::21/64"])
    assert text.startswith("# Managed by dualstack.redis") and persist.networkd_addresses(text) == ["198.18.50.21/24", "fd00:50::21/64"]
    assert persist.networkd_dropin([]) is None


@pytest.mark.parametrize("printed, expected", [
    ("198.18.50.11/24, 198.18.50.21/24\n", ["198.18.50.11/24", "198.18.50.21/24"]),
    ("fd00\\:50\\:\\:11/64, fd00\\:50\\:\\:21/64", ["fd00:50::11/64", "fd00:50::21/64"]),
    ("", []),
    ("\n", []),
])
def test_nm_split(printed, expected):
    assert persist.nm_split(printed) == expected


def test_nm_device_and_find():
    assert persist.nm_device("100 (connected)\nlab eth0\\: static\n") == ("100 (connected)", "lab eth0: static")
    assert persist.nm_find(["198.18.50.11/24", "fd00:50::11/64"], "fd00:50:0:0::11") == "fd00:50::11/64"
    assert persist.nm_find(["198.18.50.11/24"], "198.18.50.1") is None


# Property: adding our own Address= line anywhere in [Network] and removing it gives the file back, byte for byte.
lines = st.sampled_from(["Gateway=198.18.50.1", "# a comment", "DNS=198.18.50.1", "", "Address=198.18.50.11/24",
                         "Address=fd00:50::11/64", "[Route]", "[Network]", "Description=x\r"])


@given(st.lists(lines, max_size=8), st.lists(lines, max_size=8), st.sampled_from(["\n", "\r\n"]))
def test_add_then_remove_is_the_identity(before, after, end):
    head = "[Network]" + end + "".join(line + end for line in before if line != "[Route]" and line != "[Network]")
    tail = "".join(line + end for line in after)
    text = head + "Address=198.18.77.7/24" + end + tail
    original = head + tail
    out, removed = persist.networkd_without(text, "198.18.77.7")
    assert out == original and removed == 1
