"""Unit tests for reading netsh prefix-policy output and planning netsh commands."""

import pytest

from ansible_collections.dualstack.redis.plugins.plugin_utils import _netsh as netsh
from ansible_collections.dualstack.redis.plugins.module_utils import _policy_table as pt

ENGLISH = """Querying active state...

Precedence  Label  Prefix
----------  -----  --------------------------------
        50      0  ::1/128
        40      1  ::/0
        35      4  ::ffff:0:0/96
        30      2  2002::/16
         5      5  2001::/32
         3     13  fc00::/7
         1     11  fec0::/10
         1     12  3ffe::/16
         1      3  ::/96

"""

GERMAN = """Aktiver Status wird abgefragt...

Rangfolge   Bezeichnung  Präfix
----------  -----  --------------------------------
       100      4  ::ffff:172.31.0.0/112
        50      0  ::1/128
"""


def test_parse_english_default_table():
    assert netsh.parse_prefix_policies(ENGLISH) == list(pt.WINDOWS_DEFAULT)


@pytest.mark.parametrize("transform", [
    lambda t: t.replace("\n", "\r\n"),
    lambda t: "\n\n\n" + t.replace("\n", "\n\n"),
    lambda t: t.replace("::ffff:0:0/96", "::FFFF:0:0/96"),
])
def test_parse_survives_crlf_blank_lines_and_case(transform):
    assert netsh.parse_prefix_policies(transform(ENGLISH)) == list(pt.WINDOWS_DEFAULT)


def test_parse_translated_headers_by_shape():
    assert netsh.parse_prefix_policies(GERMAN) == [pt.PolicyRow("::ffff:172.31.0.0/112", 100, 4), pt.PolicyRow("::1/128", 50, 0)]


@pytest.mark.parametrize("text", [
    "The following command was not found: interface ipv6 show prefixpolicies store=active.\n",
    "",
    "Precedence  Label  Prefix\n        50      0  ::1/128\n",  # no separator: not netsh's table
])
def test_parse_refuses_output_without_a_table(text):
    """Planning from such output as an empty table would add all nine default rows."""
    with pytest.raises(netsh.NetshError, match="no prefix-policy table"):
        netsh.parse_prefix_policies(text)


@pytest.mark.parametrize("line", ["  10  20", "foo 1 2 ::/0", "   7   8  fd00::/8 extra", "Ok."])
def test_parse_refuses_any_other_line_after_the_separator(line):
    text = "Precedence  Label  Prefix\n----------  -----  ------\n        50      0  ::1/128\n%s\n" % line
    with pytest.raises(netsh.NetshError, match="not a prefix-policy row"):
        netsh.parse_prefix_policies(text)


def test_parse_an_empty_table_and_crlf():
    assert netsh.parse_prefix_policies("Querying active state...\r\n\r\nPrecedence  Label  Prefix\r\n----------  -----  ----\r\n\r\n") == []


def test_parse_rejects_a_non_ipv6_prefix_in_row_shape():
    with pytest.raises(netsh.NetshError, match="not IPv6"):
        netsh.parse_prefix_policies("P L X\n--- --- ---\n   10    4  10.0.0.0/8\n")


DEFAULTS = {"active": list(pt.WINDOWS_DEFAULT), "persistent": list(pt.WINDOWS_DEFAULT)}


def test_plan_nothing_when_tables_are_right():
    assert netsh.plan(DEFAULTS, list(pt.WINDOWS_DEFAULT), [], "persistent") == []


def test_plan_set_for_changed_row_add_for_missing_row():
    wanted = pt.wanted_rows("ipv4", [("::ffff:172.31.0.0/112", 100)], pt.WINDOWS_DEFAULT)
    assert netsh.plan(DEFAULTS, wanted, [], "persistent") == [
        "netsh interface ipv6 set prefixpolicy prefix=::ffff:0:0/96 precedence=100 label=4 store=persistent",
        "netsh interface ipv6 add prefixpolicy prefix=::ffff:172.31.0.0/112 precedence=100 label=4 store=persistent",
    ]


def test_plan_store_active_touches_active_only():
    wanted = pt.wanted_rows("ipv4", [], pt.WINDOWS_DEFAULT)
    assert netsh.plan(DEFAULTS, wanted, [], "active") == [
        "netsh interface ipv6 set prefixpolicy prefix=::ffff:0:0/96 precedence=100 label=4 store=active"]


def test_plan_persistent_also_fixes_rows_only_the_active_table_lacks():
    tables = {"active": [r for r in pt.WINDOWS_DEFAULT if r.prefix != "fc00::/7"], "persistent": list(pt.WINDOWS_DEFAULT)}
    wanted = list(pt.WINDOWS_DEFAULT)
    assert netsh.plan(tables, wanted, [], "persistent") == [
        "netsh interface ipv6 add prefixpolicy prefix=fc00::/7 precedence=3 label=13 store=active"]


def test_plan_absent_deletes_network_rows_and_restores_defaults():
    tables = {store: pt.wanted_rows("ipv4", [("fd00:10::/64", 45)], pt.WINDOWS_DEFAULT) for store in netsh.STORES}
    remove = [pt.PolicyRow("fd00:10::/64", 45, None)]
    assert netsh.plan(tables, list(pt.WINDOWS_DEFAULT), remove, "persistent") == [
        "netsh interface ipv6 set prefixpolicy prefix=::ffff:0:0/96 precedence=35 label=4 store=persistent",
        "netsh interface ipv6 delete prefixpolicy prefix=fd00:10::/64 store=persistent",
    ]


def test_plan_rows_it_does_not_manage_are_left_alone():
    extra = pt.PolicyRow("2001:db8::/32", 7, 20)
    tables = {store: list(pt.WINDOWS_DEFAULT) + [extra] for store in netsh.STORES}
    assert netsh.plan(tables, list(pt.WINDOWS_DEFAULT), [], "persistent") == []


def test_plan_rejects_unknown_store():
    with pytest.raises(netsh.NetshError, match="store must be"):
        netsh.plan(DEFAULTS, [], [], "registry")


def test_command_refuses_unsafe_prefix():
    with pytest.raises(netsh.NetshError, match="refusing"):
        netsh.command("add", pt.PolicyRow("::/0 & calc", 1, 1), "active")


def test_mismatches_say_what_differs():
    rows = [pt.PolicyRow("::/0", 40, 1), pt.PolicyRow("fd00::/8", 1, 1)]
    wanted = [pt.PolicyRow("::/0", 41, 1), pt.PolicyRow("::1/128", 50, 0)]
    assert netsh.mismatches(rows, wanted, [pt.PolicyRow("fd00::/8", 0, None)]) == [
        "::/0 has precedence 40 label 1, not 41 and 1", "::1/128 is missing", "fd00::/8 is still there"]


def test_apply_steps_then_plan_again_is_empty():
    wanted = pt.wanted_rows("ipv6", [("::ffff:10.0.0.0/104", 90)], pt.WINDOWS_DEFAULT)
    table = netsh.index(pt.WINDOWS_DEFAULT)
    after = netsh.apply_steps(table, netsh.diff_store(table, wanted, []))
    assert netsh.diff_store(after, wanted, []) == []


def test_render_table_round_trips_through_the_parser():
    assert netsh.parse_prefix_policies(netsh.render_table(pt.WINDOWS_DEFAULT)) == list(pt.WINDOWS_DEFAULT)
