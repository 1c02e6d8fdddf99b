"""ifupdown's interfaces(5) files: parsing, includes and the edits (no I/O but a temporary directory)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.dualstack.redis.plugins.module_utils._net.persist import ifupdown

TEXT = """# comment
auto eth0
allow-hotplug eth1
iface eth0 inet static
    address 10.0.0.11/24
    address 10.0.0.99/24
    # a comment inside
    post-up echo a \\
        b
iface eth0 inet6 static
\taddress fd00::11
\tnetmask 64
mapping eth2
    script /bin/true
source /etc/network/extra
source-directory parts
"""


def test_parse_stanzas_options_and_includes():
    stanzas, includes = ifupdown.parse(TEXT)
    assert [(s.name, s.family, s.method) for s in stanzas] == [("eth0", "inet", "static"), ("eth0", "inet6", "static")]
    # only the first address counts (ifupdown ignores the others)
    assert stanzas[0].address() == "10.0.0.11/24" and stanzas[0].values("address") == ["10.0.0.11/24", "10.0.0.99/24"]
    assert stanzas[0].values("post-up") == ["echo a b"]
    assert (stanzas[0].start, stanzas[0].end) == (3, 9)
    assert ifupdown.prefix_of(stanzas[0]) == 24 and ifupdown.prefix_of(stanzas[1]) == 64
    # options of "mapping" are not an iface stanza's
    assert "script" not in [key for s in stanzas for key, _v, _l, _c in s.options]
    assert [(k, a) for k, a, _line in includes] == [("source", "/etc/network/extra"), ("source-directory", "parts")]


def test_included_paths(tmp_path):
    parts = tmp_path / "interfaces.d"
    parts.mkdir()
    for name in ("b", "a", "c.bak", ".hidden", "ok_1-x"):
        (parts / name).write_text("")
    main = str(tmp_path / "interfaces")
    glob = ifupdown.included_paths("source", "interfaces.d/*", main, __import__("os").listdir, __import__("os").path.isdir)
    assert glob == [str(parts / n) for n in ("a", "b", "c.bak", "ok_1-x")]
    run_parts = ifupdown.included_paths("source-directory", str(parts), main, __import__("os").listdir, __import__("os").path.isdir)
    assert run_parts == [str(parts / n) for n in ("a", "b", "ok_1-x")]  # run-parts names only
    assert ifupdown.included_paths("source", "/nowhere/x", main, lambda p: [], lambda p: False) == ["/nowhere/x"]
    assert ifupdown.included_paths("source-directory", "/nowhere", main, lambda p: [], lambda p: False) == []


def test_a_marked_stanza_is_recognised_and_removed_with_its_marker():
    stanza = ifupdown.parse(TEXT)[0][0]
    added = ifupdown.insert_after(TEXT, stanza, ifupdown.stanza_block("eth0", "inet", "10.0.0.21/24"))
    mine = [s for s in ifupdown.parse(added)[0] if s.marked]
    assert len(mine) == 1 and mine[0].address() == "10.0.0.21/24"
    assert ifupdown.remove_stanza(added, mine[0]) == TEXT


def test_a_file_without_a_final_newline():
    text = "iface eth0 inet static\n    address 10.0.0.11/24"
    stanza = ifupdown.parse(text)[0][0]
    added = ifupdown.insert_after(text, stanza, ifupdown.stanza_block("eth0", "inet", "10.0.0.21/24"))
    assert added.startswith(text + "\n\n# Added by") and ifupdown.parse(added)[0][1].address() == "10.0.0.21/24"


WORDS = ["iface", "eth0", "inet", "inet6", "static", "dhcp", "address", "10.0.0.11/24", "fd00::1/64", "auto", "source",
         "mapping", "#", "\\", "gateway", "netmask", "255.255.255.0", ifupdown.MARKER]


@given(st.lists(st.lists(st.sampled_from(WORDS), max_size=5).map(" ".join), max_size=12),
       st.sampled_from(["\n", "\r\n"]))
def test_parse_never_fails_and_insert_then_remove_is_the_identity(lines, end):
    text = end.join(lines)
    stanzas, _includes = ifupdown.parse(text)
    for stanza in stanzas:
        if stanza.marked:
            continue
        added = ifupdown.insert_after(text, stanza, ifupdown.stanza_block(stanza.name, "inet", "192.0.2.77/24"))
        mine = [s for s in ifupdown.parse(added)[0] if s.marked and s.address() == "192.0.2.77/24"]
        assert len(mine) == 1
        removed = ifupdown.remove_stanza(added, mine[0])
        # the identity, but for the newline insert_after adds to a file that did not end with one
        assert removed == text or (not text.endswith("\n") and removed == text + "\n")


@pytest.mark.parametrize("line, expected", [
    ("ip addr add 10.0.0.2/24 dev eth0", ("add", "10.0.0.2/24", "eth0")),
    ("/sbin/ip -4 address add 10.0.0.2/24 dev $IFACE label eth0:1", ("add", "10.0.0.2/24", "eth0")),
    ("ip -f inet a a local 10.0.0.2/24 dev ${IFACE} noprefixroute", ("add", "10.0.0.2/24", "eth0")),
    ("ip addr replace 10.0.0.2/24 dev eth0:3", ("add", "10.0.0.2/24", "eth0")),
    ("ip -6 addr del fd00::2/64 dev eth0", ("del", "fd00::2/64", "eth0")),
    ("ip addr add 10.0.0.2/24 dev eth0 || true", None),
    ("ip addr add 10.0.0.2/24", None),
    ("ip route add 10.0.0.0/8 via 10.0.0.1", None),
    ("ip addr change 10.0.0.2/24 dev eth0", None),
    ("sh -c 'ip addr add 10.0.0.2/24 dev eth0'", None),
    ("ip addr add 10.0.0.2/24 10.0.0.3/24 dev eth0", None),
])
def test_ip_command(line, expected):
    assert ifupdown.ip_command(line, "eth0") == expected


def test_autoconf_in_force():
    stanzas = ifupdown.parse("iface eth0 inet6 auto\niface eth0 inet6 static\n address fd00::1/64\n autoconf 1\n"
                             "iface eth0 inet6 static\n address fd00::2/64\n")[0]
    assert ifupdown.autoconf_after(stanzas[:1], "0") == "1"
    assert ifupdown.autoconf_after(stanzas[:2], "0") == "1"
    assert ifupdown.autoconf_after(stanzas, "1") == "0"
    assert ifupdown.autoconf_after([], "1") == "1"


def test_an_added_stanza_takes_the_line_ends_of_the_one_it_follows():
    text = "iface eth0 inet static\r\n address 10.0.0.1/24\r\n"
    stanza = ifupdown.parse(text)[0][0]
    block = ifupdown.stanza_block("eth0", "inet", "10.0.0.2/24", end=ifupdown.line_end(text, stanza))
    added = ifupdown.insert_after(text, stanza, block)
    assert added == text + "\r\n" + ifupdown.MARKER + "\r\niface eth0 inet static\r\n    address 10.0.0.2/24\r\n"
    mine = [s for s in ifupdown.parse(added)[0] if s.marked]
    assert len(mine) == 1 and ifupdown.remove_stanza(added, mine[0]) == text
