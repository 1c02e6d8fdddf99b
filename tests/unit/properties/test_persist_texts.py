"""The persistent stacks' parsers and planners on hostile text: no exception but the module's own refusal, every byte
outside an edit kept, an add followed by a remove giving the text back, a re-plan of a plan's result planning nothing.
The same parsers are held to what the real programs read in tests/netns/test_persist_oracles.py."""

from __future__ import annotations

import yaml
from hypothesis import given
from hypothesis import strategies as st
from strategies import hostile_text

from ansible_collections.dualstack.redis.plugins.module_utils._net.persist import ifupdown, netplan, networkd

NETWORKD_WORDS = ["[Network]", "[Address]", "[Match]", "Address=", "Address=10.0.0.1/24", "Address=fd00::1/64", "\\", "\\\\",
                  "#", ";", "=", "10.0.0.1", "DNS=", "Name=eth0"]
IFUPDOWN_WORDS = ["iface eth0 inet static", "iface eth0 inet6 auto", "iface eth0:1 inet static", "address 10.0.0.1/24",
                  "up ip addr add 10.0.0.2/24 dev $IFACE", "auto eth0", "source ", "mapping eth0", "\\", "#", "    "]


@given(hostile_text(NETWORKD_WORDS, max_size=40), st.sampled_from(["10.0.0.1", "fd00::1", "10.0.0.2"]))
def test_networkd_reads_anything_and_removes_only_what_it_names(text, address):
    found = networkd.addresses(text)
    after, removed = networkd.without(text, address)
    assert networkd.has(text, address) == (removed > 0)
    assert not networkd.has(after, address)
    # every physical line kept is a line of the original, in order: nothing else is rewritten
    lines = networkd.physical_lines(text)
    kept = networkd.physical_lines(after)
    position = 0
    for line in kept:
        while position < len(lines) and lines[position] != line:
            position += 1
        assert position < len(lines), (text, after)
        position += 1
    assert len(networkd.addresses(after)) <= len(found)


@given(hostile_text(NETWORKD_WORDS, max_size=30), st.sampled_from(["10.9.9.9/24", "fd00::99/64"]))
def test_networkd_dropin_add_then_remove(text, value):
    added = networkd.with_address(text or None, value)
    assert added.startswith(text or "")
    assert networkd.has(added, value.split("/")[0])
    after, removed = networkd.without(added, value.split("/")[0])
    assert removed >= 1 and not networkd.has(after, value.split("/")[0])


@given(hostile_text(IFUPDOWN_WORDS, max_size=40), st.sampled_from(["10.0.0.2", "fd00::2"]))
def test_ifupdown_parses_anything(text, address):
    stanzas, includes = ifupdown.parse(text)
    ifupdown.problems(text)
    for stanza in stanzas:
        ifupdown.prefix_of(stanza)
        for key, value, first, count in stanza.options:
            assert count >= 1 and first >= stanza.start
            ifupdown.ip_command(value, stanza.device())
            ifupdown.mentions(value, address)
    assert all(len(item) == 3 for item in includes)


@given(hostile_text(["ip", "addr", "address", "a", "add", "del", "dev", "eth0", "$IFACE", "10.0.0.2/24", "local", "-4", "label",
                     "||", ";", "`", "'"], max_size=12))
def test_ip_command_reads_or_declines(line):
    command = ifupdown.ip_command(line, "eth0")
    assert command is None or command[0] in ("add", "del") and ":" not in command[2]


@given(st.lists(st.tuples(st.sampled_from(["ethernets", "bonds", "vlans"]), st.sampled_from(["eth0", "e1", 'we"ird', "bond0.10"])),
                min_size=1, max_size=4, unique=True),
       st.lists(st.sampled_from(["10.0.0.1/24", "fd00::1/64", "10.0.0.2/24", {"fd00::3/64": {"lifetime": 0}}, {"10.0.0.4/24": {}}]),
                min_size=1, max_size=3),
       st.lists(st.sampled_from(["10.1.0.1/24", {"fd00:1::1/64": {"label": "x"}}]), max_size=2))
def test_netplan_file_reads_back_what_it_holds(devices, mine, restated):
    text = netplan.render([(kind, ident, [(entry, "99-x.yaml") for entry in restated], list(mine)) for kind, ident in devices])
    doc = yaml.safe_load(text)
    for kind, ident in devices:
        assert doc["network"][kind][ident]["addresses"] == list(restated) + list(mine)
    assert netplan.read_mine(text, yaml) == {(kind, ident): list(mine) for kind, ident in devices}
