"""Unit tests for the policy-table model (prefixes, defaults, wanted tables)."""

import pytest

from ansible_collections.dualstack.redis.plugins.module_utils import _policy_table as pt


@pytest.mark.parametrize(
    "value, expected",
    [
        ("172.31.0.0/16", "::ffff:172.31.0.0/112"),
        ("0.0.0.0/0", "::ffff:0:0/96"),
        ("198.18.20.128/25", "::ffff:198.18.20.128/121"),
        ("10.1.2.3/32", "::ffff:10.1.2.3/128"),
        ("::ffff:172.31.0.0/112", "::ffff:172.31.0.0/112"),
        ("::FFFF:0:0/96", "::ffff:0:0/96"),
        ("::ffff:0.0.0.0/96", "::ffff:0:0/96"),
        ("FD00:10::/64", "fd00:10::/64"),
        ("2001:0db8:0000::/32", "2001:db8::/32"),
        ("::/0", "::/0"),
        (" fd00::/8 ", "fd00::/8"),
    ],
)
def test_normalize_prefix_accepts_and_canonicalises(value, expected):
    assert pt.normalize_prefix(value) == expected


@pytest.mark.parametrize(
    "value, fragments",
    [
        # The form a well-known vendor guide publishes; glibc drops such a line.
        ("::ffff:172.31.0.0:0/112", ["not an IPv6 prefix", "for 172.31.0.0/16 write '172.31.0.0/16' or '::ffff:172.31.0.0/112'"]),
        ("172.31.5.0/16", ["host bits set", "'172.31.0.0/16'"]),
        ("fd00:10::1/64", ["host bits set", "'fd00:10::/64'"]),
        ("::ffff:172.31.5.0/112", ["host bits set", "'::ffff:172.31.0.0/112'"]),
        ("172.31.0.0/112", ["IPv6 prefix length", "for 172.31.0.0/16 write '172.31.0.0/16' or '::ffff:172.31.0.0/112'"]),
        ("172.31.0.0/40", ["IPv6 prefix length", "'a.b.c.d/n'"]),
        ("::ffff:172.31.0.0/16", ["IPv4 length", "first 16 bits", "'172.31.0.0/16' or '::ffff:172.31.0.0/112'"]),
        ("172.31.0.0", ["no prefix length", "'172.31.0.0/32'"]),
        ("fd00::5", ["no prefix length", "'fd00::5/128'"]),
        ("fd00::/129", ["over 128"]),
        ("fd00::/x", ["invalid prefix length"]),
        ("redis.example.com/24", ["neither an IPv4 network nor an IPv6 prefix"]),
        ("fe80::%eth0/64", ["zone index"]),
    ],
)
def test_normalize_prefix_rejects_with_the_correct_form(value, fragments):
    with pytest.raises(pt.PolicyError) as err:
        pt.normalize_prefix(value, "networks[0].prefix")
    message = str(err.value)
    assert message.startswith("networks[0].prefix '%s'" % value.strip())
    for fragment in fragments:
        assert fragment in message


def test_normalize_prefix_rejects_non_strings():
    with pytest.raises(pt.PolicyError, match="must be a string"):
        pt.normalize_prefix(172)


@pytest.mark.parametrize(
    "value, expected",
    [("172.31.0.0/16", "::ffff:172.31.0.0/112"), ("192.0.2.7", "::ffff:192.0.2.7/128"), ("0.0.0.0/0", "::ffff:0:0/96")],
)
def test_ipv4_mapped(value, expected):
    assert pt.ipv4_mapped(value) == expected


@pytest.mark.parametrize("value", ["fd00::/8", "::ffff:172.31.0.0/112", None, 3, "172.31.0.0/33"])
def test_ipv4_mapped_rejects_anything_else(value):
    with pytest.raises(pt.PolicyError):
        pt.ipv4_mapped(value)


@pytest.mark.parametrize("value", [0, 40, 100])
def test_validate_precedence_accepts_range(value):
    assert pt.validate_precedence(value) == value


@pytest.mark.parametrize("value, match", [(-1, "outside 0..100"), (101, "outside 0..100"), (True, "integer"), ("50", "integer")])
def test_validate_precedence_rejects(value, match):
    with pytest.raises(pt.PolicyError, match=match):
        pt.validate_precedence(value, "networks[1].precedence")


def test_normalize_networks_maps_and_defaults():
    got = pt.normalize_networks([{"prefix": "172.31.0.0/16"}, {"prefix": "fd00:10::/64", "precedence": 45}])
    assert got == [("::ffff:172.31.0.0/112", 100), ("fd00:10::/64", 45)]


@pytest.mark.parametrize(
    "networks, match",
    [
        ([{"prefix": "172.31.0.0/16"}, {"prefix": "::ffff:172.31.0.0/112"}], r"networks\[1\]\.prefix .* same network as networks\[0\]"),
        ([{"prefix": "10.0.0.0/8", "precedence": 200}], r"networks\[0\]\.precedence 200 is outside"),
        ([{"prefix": "10.0.0.0/8", "weight": 3}], r"unknown key\(s\) weight"),
        (["10.0.0.0/8"], r"must be a dictionary"),
        ([{"precedence": 3}], r"networks\[0\]\.prefix is required"),
        ([{"prefix": "10.0.0.0/8"}, {"prefix": "10.0.0.1/8"}], r"networks\[1\]\.prefix '10.0.0.1/8' has host bits"),
    ],
)
def test_normalize_networks_rejects(networks, match):
    with pytest.raises(pt.PolicyError, match=match):
        pt.normalize_networks(networks)


def _table(rows):
    return {row.prefix: row.precedence for row in rows}


def test_wanted_rows_system_is_glibc_defaults():
    assert pt.wanted_rows("system", []) == list(pt.GLIBC_PRECEDENCE)


def test_wanted_rows_ipv4_raises_all_of_ipv4_and_restates_every_default():
    table = _table(pt.wanted_rows("ipv4", []))
    assert table == {"::1/128": 50, "::/0": 40, "2002::/16": 30, "::/96": 20, "::ffff:0:0/96": 100}


def test_wanted_rows_ipv6_on_glibc_keeps_defaults():
    assert _table(pt.wanted_rows("ipv6", [])) == _table(pt.GLIBC_PRECEDENCE)


def test_wanted_rows_ipv6_on_windows_puts_ipv4_below_ula():
    rows = pt.wanted_rows("ipv6", [], pt.WINDOWS_DEFAULT)
    table = _table(rows)
    assert table["::ffff:0:0/96"] < table["fc00::/7"] < table["::/0"]
    assert {row.prefix: row.label for row in rows} == {row.prefix: row.label for row in pt.WINDOWS_DEFAULT}


def test_wanted_rows_networks_on_top_with_safe_labels():
    rows = pt.wanted_rows("system", [("::ffff:172.31.0.0/112", 100), ("fd00:10::/64", 45), ("::/0", 42)], pt.WINDOWS_DEFAULT)
    by_prefix = {row.prefix: row for row in rows}
    # An IPv4 network row carries the IPv4 label, so rule 5 cannot undo its precedence.
    assert by_prefix["::ffff:172.31.0.0/112"] == pt.PolicyRow("::ffff:172.31.0.0/112", 100, 4)
    assert by_prefix["fd00:10::/64"] == pt.PolicyRow("fd00:10::/64", 45, 1)
    # A network that is a default row replaces that row's precedence only.
    assert by_prefix["::/0"] == pt.PolicyRow("::/0", 42, 1)
    assert len(rows) == len(pt.WINDOWS_DEFAULT) + 2


def test_wanted_rows_rejects_unknown_prefer():
    with pytest.raises(pt.PolicyError, match="prefer must be one of"):
        pt.wanted_rows("both", [])


@pytest.mark.parametrize(
    "address, expected",
    [("172.31.5.5", 100), ("192.0.2.1", 10), ("::1", 50), ("fd00::5", 40), ("2002::1", 30)],
)
def test_lookup_most_specific_prefix_wins(address, expected):
    rows = list(pt.GLIBC_PRECEDENCE) + [pt.PolicyRow("::ffff:172.31.0.0/112", 100, None)]
    assert pt.lookup(rows, address) == expected
