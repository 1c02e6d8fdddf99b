"""netplan's YAML: the device id, its addresses, this collection's file and the removal of one list item."""

import yaml
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.dualstack.redis.plugins.module_utils._net.persist import netplan


def test_netplan_id_from_networkd_or_networkmanager():
    assert netplan.netplan_id("/run/systemd/network/10-netplan-eth0.network") == "eth0"
    assert netplan.netplan_id("/run/systemd/network/10-netplan-bond0.100.network") == "bond0.100"
    assert netplan.netplan_id(None, "netplan-enp1s0") == "enp1s0"
    assert netplan.netplan_id("/etc/systemd/network/10-eth0.network", "Wired connection 1") is None


def test_device_and_addresses_in_any_device_type():
    doc = yaml.safe_load("network:\n  bonds:\n    bond0:\n      addresses: [10.0.0.1/24, {'10.0.0.2/24': {label: x}}, 7]\n")
    assert netplan.device(doc, "bond0")[0] == "bonds"
    assert netplan.addresses(doc, "bond0") == ["10.0.0.1/24", "10.0.0.2/24"]
    assert netplan.addresses(doc, "eth0") == [] and netplan.device(None, "eth0") == (None, None)
    assert netplan.addresses({"network": "x"}, "eth0") == []


def test_dropin_parses_back_and_quotes_the_id():
    restated = [("10.0.0.11/24", "99-admin.yaml"), ({"fd00::12/64": {"lifetime": 0}}, "99-admin.yaml")]
    text = netplan.render([("ethernets", 'we"ird', restated, ["10.0.0.21/24", "fd00::21/64"]), ("bonds", "bond0", [], ["10.1.0.1/8"]),
                           ("ethernets", "gone", [], [])])
    doc = yaml.safe_load(text)
    assert doc == {"network": {"version": 2, "ethernets": {'we"ird': {"addresses": [
        "10.0.0.11/24", {"fd00::12/64": {"lifetime": 0}}, "10.0.0.21/24", "fd00::21/64"]}}, "bonds": {"bond0": {"addresses": ["10.1.0.1/8"]}}}}
    # what this collection added, read back: the restated copies are not its own
    assert netplan.read_mine(text, yaml) == {("ethernets", 'we"ird'): ["10.0.0.21/24", "fd00::21/64"], ("bonds", "bond0"): ["10.1.0.1/8"]}
    assert netplan.render([("ethernets", "eth0", restated, [])]) is None


def test_read_mine_of_a_file_in_another_shape_counts_every_item():
    text = "network:\n  ethernets:\n    eth0: {addresses: [10.0.0.21/24]}\n"
    assert netplan.read_mine(text, yaml) == {("ethernets", "eth0"): ["10.0.0.21/24"]}


def test_read_mine_of_a_block_scalar_with_device_like_lines():
    # found by make fuzz (target netplan): lines inside a block scalar that look like a device key, one of them a
    # YAML flow sequence (unhashable) and one with an escape YAML refuses; the file itself is valid YAML
    for line in ("    [a]:", '    "\\q":'):
        text = "network:\n  ethernets:\n    eth0: {addresses: [10.0.0.21/24]}\nnote: |\n%s\n    - b\n" % line
        assert netplan.read_mine(text, yaml) == {("ethernets", "eth0"): ["10.0.0.21/24"]}


def test_rendered_addresses():
    network = "[Match]\nName=eth0\n\n[Network]\nAddress=10.0.0.1/24\nAddress=fd00::1/64\n\n[Address]\nAddress=fd00::2/64\nPreferredLifetime=0\n"
    assert netplan.rendered_addresses(network, True) == ["10.0.0.1/24", "fd00::1/64", "fd00::2/64"]
    keyfile = "[ipv4]\nmethod=manual\naddress2=10.0.0.2/24\naddress1=10.0.0.1/24,10.0.0.254\n[ipv6]\naddress1=fd00::1/64\n"
    assert netplan.rendered_addresses(keyfile, False) == ["10.0.0.1/24", "10.0.0.2/24", "fd00::1/64"]


ADDRESSES = st.lists(st.sampled_from(["10.0.0.11/24", "10.0.0.12/24", "110.0.0.11/24", "fd00::11/64", "fd00::111/64"]),
                     min_size=1, max_size=4, unique=True)


def render(style, values):
    quote = {"plain": "%s", "double": '"%s"', "single": "'%s'"}
    if style[0] == "block":
        items = "".join("        - %s%s\n" % (quote[style[1]] % v, "  # note" if i == 0 else "") for i, v in enumerate(values))
        return "network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses:\n" + items + "      dhcp4: false\n"
    return "network: {ethernets: {eth0: {addresses: [%s], dhcp4: false}}}\n" % ", ".join(quote[style[1]] % v for v in values)


@given(st.tuples(st.sampled_from(["block", "flow"]), st.sampled_from(["plain", "double", "single"])), ADDRESSES, st.data())
def test_one_candidate_removes_exactly_the_item(style, values, data):
    text = render(style, values)
    doc = yaml.safe_load(text)
    gone = data.draw(st.sampled_from(values))
    wanted = netplan.without(doc, "eth0", lambda value: value == gone)
    good = [c for c in netplan.removal_candidates(text, gone) if _parses_to(c, wanted)]
    assert good, text
    # the kept edit only took characters out (and said "[]" where a block list became empty)
    assert _subsequence(good[0].replace("addresses: []", "addresses:"), text)


def _parses_to(text, wanted):
    try:
        return yaml.safe_load(text) == wanted
    except yaml.YAMLError:
        return False


def _subsequence(small, big):
    chars = iter(big)
    return all(char in chars for char in small)
