"""Unit tests for the gai.conf model: parsing as glibc does, effective tables, findings, planning."""

import textwrap

import pytest
import rfc3484

from ansible_collections.dualstack.redis.plugins.module_utils import _gai_conf as gc
from ansible_collections.dualstack.redis.plugins.module_utils import _policy_table as pt

# Debian 12's /etc/gai.conf, abridged: every line commented out.
DEBIAN_DEFAULT = textwrap.dedent(
    """\
    # Configuration for getaddrinfo(3).
    #
    # So far only configuration for the destination address sorting is needed.
    # RFC 3484 governs the sorting.  But the RFC also says that system
    # administrators should be able to overwrite the defaults.
    #
    #reload  <yes|no>
    #label   <mask>   <value>
    #
    #label ::1/128       0
    #label ::/0          1
    #label ::ffff:0:0/96 4
    #
    #precedence  ::1/128       50
    #precedence  ::/0          40
    #precedence  2002::/16     30
    #precedence ::/96          20
    #precedence ::ffff:0:0/96  10
    #
    #    For sites which prefer IPv4 connections change the last line to
    #
    #precedence ::ffff:0:0/96  100
    #
    #scopev4 ::ffff:169.254.0.0/112  2
    #scopev4 ::ffff:127.0.0.0/104    2
    #scopev4 ::ffff:0.0.0.0/96       14
    """
)

DEFAULTS_RESTATED = textwrap.dedent(
    """\
    precedence ::1/128 50
    precedence ::/0 40
    precedence 2002::/16 30
    precedence ::/96 20
    precedence ::ffff:0:0/96 10
    """
)

# The client of protocol-preference.md's measurements: its own IPv4 and IPv6 source addresses.
SOURCES = {4: "192.0.2.2", 6: "fd00::2"}
DUAL = ["172.31.5.5", "fd00::5"]
OTHER = ["192.0.2.77", "fd00::77"]


def first(text, destinations):
    conf = gc.GaiConf(text)
    return rfc3484.order(destinations, SOURCES, conf.effective("precedence"), conf.effective("label"))[0]


# Every row of the measured table in protocol-preference.md: (file, first for dual.test, first for other.test).
MEASURED = [
    pytest.param("", "fd00::5", "fd00::77", id="empty-glibc-defaults"),
    pytest.param("precendence ::ffff:0:0/96 100\n", "fd00::5", "fd00::77", id="misspelled-keyword-no-effect"),
    pytest.param(
        DEFAULTS_RESTATED + "precedence ::ffff:172.31.0.0/112 100\nlabel ::ffff:172.31.0.0/112 8\n",
        "fd00::5",
        "fd00::77",
        id="vendor-guide-label-trap-no-effect",
    ),
    pytest.param("precedence ::ffff:172.31.0.0/112 100\n", "172.31.5.5", "192.0.2.77", id="one-row-side-effect"),
    pytest.param(DEFAULTS_RESTATED + "precedence ::ffff:172.31.0.0/112 100\n", "172.31.5.5", "fd00::77", id="defaults-restated-correct"),
]


@pytest.mark.parametrize("text, dual_first, other_first", MEASURED)
def test_measured_table_rows(text, dual_first, other_first):
    # The resolver returned IPv4 before IPv6 in the measurement; rule 10 keeps that order on ties.
    assert first(text, DUAL) == dual_first
    assert first(text, OTHER) == other_first


def test_what_the_module_writes_gives_the_correct_row():
    rows = pt.wanted_rows("system", pt.normalize_networks([{"prefix": "172.31.0.0/16"}]))
    text = gc.plan(DEBIAN_DEFAULT, rows)[0]
    assert first(text, DUAL) == "172.31.5.5"
    assert first(text, OTHER) == "fd00::77"


def test_prefer_ipv4_puts_ipv4_first_everywhere():
    text = gc.plan("", pt.wanted_rows("ipv4", []))[0]
    assert first(text, DUAL) == "172.31.5.5"
    assert first(text, OTHER) == "192.0.2.77"


def test_debian_default_file_is_all_comments():
    conf = gc.GaiConf(DEBIAN_DEFAULT)
    assert {line.kind for line in conf.lines} == {"comment"}
    assert conf.effective("precedence") == sorted(pt.GLIBC_PRECEDENCE, key=lambda r: -pt.prefix_key(r.prefix)[1])
    assert conf.findings() == []


@pytest.mark.parametrize(
    "line, kind, prefix, value",
    [
        ("precedence ::ffff:0:0/96 100", "precedence", "::ffff:0:0/96", 100),
        ("  precedence\t::FFFF:0:0/96\t100   # comment", "precedence", "::ffff:0:0/96", 100),
        ("precedence fd00::5 7", "precedence", "fd00::5/128", 7),  # no length: /128
        ("precedence ::ffff:172.31.5.0/112 9 trailing words", "precedence", "::ffff:172.31.0.0/112", 9),
        ("label fc00::/7 6", "label", "fc00::/7", 6),
        ("reload yes", "reload", None, "yes"),
        ("scopev4 ::ffff:169.254.0.0/112 2", "scopev4", "::ffff:169.254.0.0/112", 2),
        ("# precedence ::/0 40", "comment", None, None),
        ("   ", "blank", None, None),
    ],
)
def test_parse_line_reads_like_glibc(line, kind, prefix, value):
    parsed = gc.parse_line(1, line)
    assert (parsed.kind, parsed.prefix, parsed.value) == (kind, prefix, value)


@pytest.mark.parametrize(
    "line, kind, problem",
    [
        ("precendence ::ffff:0:0/96 100", "unknown", "unknown keyword 'precendence' (did you mean 'precedence'?)"),
        ("lable ::/0 1", "unknown", "did you mean 'label'?"),
        ("sortlist 10.0.0.0", "unknown", "unknown keyword 'sortlist'"),
        ("precedence ::ffff:172.31.0.0:0/112 100", "invalid", "for 172.31.0.0/16 write '172.31.0.0/16' or '::ffff:172.31.0.0/112'"),
        ("precedence 172.31.0.0/16 100", "invalid", "write it as '::ffff:172.31.0.0/112'"),
        ("precedence ::/0 high", "invalid", "'high' is not an integer"),
        ("precedence ::/0 4294967296", "invalid", "is not an integer"),
        ("precedence ::/129 10", "invalid", "over 128"),
        ("label", "invalid", "without a prefix"),
        ("scopev4 ::ffff:10.0.0.0/16 2", "invalid", "not a valid scope row"),
    ],
)
def test_parse_line_flags_what_glibc_ignores(line, kind, problem):
    parsed = gc.parse_line(3, line)
    assert parsed.kind == kind
    assert problem in parsed.problem


def test_findings_name_line_and_reason():
    text = "precendence ::ffff:0:0/96 100\nprecedence ::/0 40\nprecedence ::/0 35\nlabel ::ffff:172.31.0.0/112 8\nlabel ::ffff:10.0.0.0/104 4\n"
    findings = gc.GaiConf(text).findings()
    assert len(findings) == 3
    assert findings[0].startswith("gai.conf line 1: unknown keyword 'precendence' (did you mean 'precedence'?)")
    assert "line 3: a second precedence row for ::/0 (first on line 2)" in findings[1]
    assert "line 4: label 8 for the IPv4 network 172.31.0.0/16" in findings[2]


def test_effective_adds_catch_all_only_when_missing():
    conf = gc.GaiConf("precedence ::ffff:172.31.0.0/112 100\n")
    assert conf.effective() == [pt.PolicyRow("::ffff:172.31.0.0/112", 100, None), pt.PolicyRow("::/0", 40, None)]
    conf = gc.GaiConf("precedence ::/0 7\nprecedence ::1/128 9\n")
    assert conf.effective() == [pt.PolicyRow("::1/128", 9, None), pt.PolicyRow("::/0", 7, None)]
    labels = gc.GaiConf("label ::ffff:172.31.0.0/112 8\n").effective("label")
    assert labels == [pt.PolicyRow("::ffff:172.31.0.0/112", None, 8), pt.PolicyRow("::/0", None, 1)]


def test_plan_appends_block_and_keeps_everything_else():
    rows = pt.wanted_rows("ipv4", [])
    text, notes = gc.plan(DEBIAN_DEFAULT, rows)
    assert text.startswith(DEBIAN_DEFAULT)
    assert notes == []
    block = text[len(DEBIAN_DEFAULT):].splitlines()
    assert block[0] == gc.BLOCK_BEGIN  # right after the last line: removing the block removes only its lines
    assert block[-1] == gc.BLOCK_END
    assert [line.split()[1:] for line in block if line.startswith("precedence")] == [
        ["::1/128", "50"], ["::/0", "40"], ["2002::/16", "30"], ["::/96", "20"], ["::ffff:0:0/96", "100"]]
    assert {r.prefix: r.precedence for r in gc.GaiConf(text).effective()} == {r.prefix: r.precedence for r in rows}


@pytest.mark.parametrize("start", ["", DEBIAN_DEFAULT, "reload no\n# mine\n", "precedence ::ffff:0:0/96 100\nlabel ::1/128 0\n"])
@pytest.mark.parametrize("prefer, networks", [("ipv4", []), ("system", [("::ffff:172.31.0.0/112", 100)]), ("ipv6", [("fd00::/8", 45)])])
def test_plan_round_trip_is_idempotent_and_absent_restores(start, prefer, networks):
    rows = pt.wanted_rows(prefer, networks)
    once = gc.plan(start, rows)[0]
    twice, notes = gc.plan(once, rows)
    assert twice == once
    assert notes == []
    # Parsing what we rendered gives back exactly the wanted table plus rows the user had for other prefixes.
    effective = {r.prefix: r.precedence for r in gc.GaiConf(once).effective()}
    for row in rows:
        assert effective[row.prefix] == row.precedence
    back = gc.plan(once, None)[0]
    assert back == start


def test_plan_disables_conflicting_user_rows_and_absent_puts_them_back():
    start = "# site policy\nprecedence ::ffff:0:0/96 90\nprecedence fd00:99::/32 12\n"
    text, notes = gc.plan(start, pt.wanted_rows("ipv4", []))
    assert gc.DISABLED_MARK + "precedence ::ffff:0:0/96 90" in text.splitlines()
    assert "precedence fd00:99::/32 12" in text.splitlines()  # a row for another prefix stays active
    assert notes == ["disabled line 2, which the managed table replaces: precedence ::ffff:0:0/96 90"]
    effective = {r.prefix: r.precedence for r in gc.GaiConf(text).effective()}
    assert effective["::ffff:0:0/96"] == 100 and effective["fd00:99::/32"] == 12
    back, notes = gc.plan(text, None)
    assert back == start
    assert notes == ["restored line 2: precedence ::ffff:0:0/96 90"]


def test_plan_rewrites_block_in_place():
    first_text = gc.plan("reload no\n", pt.wanted_rows("ipv4", []))[0]
    edited = first_text + "# after the block\n"
    second = gc.plan(edited, pt.wanted_rows("system", [("::ffff:10.0.0.0/104", 77)]))[0]
    lines = second.splitlines()
    assert lines[-1] == "# after the block"
    assert "precedence ::ffff:10.0.0.0/104 77" in " ".join(" ".join(line.split()) for line in lines)
    assert "precedence ::ffff:0:0/96 100" not in " ".join(" ".join(line.split()) for line in lines)


def test_plan_none_on_empty_file_stays_empty():
    assert gc.plan("", None) == ("", [])


@pytest.mark.parametrize(
    "text",
    [
        gc.BLOCK_BEGIN + "\nprecedence ::/0 40\n",
        "precedence ::/0 40\n" + gc.BLOCK_END + "\n",
        gc.BLOCK_END + "\n" + gc.BLOCK_BEGIN + "\n",
        gc.BLOCK_BEGIN + "\n" + gc.BLOCK_END + "\n" + gc.BLOCK_BEGIN + "\n" + gc.BLOCK_END + "\n",
    ],
)
def test_broken_markers_fail_before_any_change(text):
    with pytest.raises(pt.PolicyError, match="marker lines in the wrong shape"):
        gc.plan(text, pt.wanted_rows("ipv4", []))


@pytest.mark.parametrize("start", ["", DEBIAN_DEFAULT, "reload no\n# mine\n", "reload yes\nreload  yes # twice\n",
                                   "# no final newline\nreload yes"])
@pytest.mark.parametrize("rows", [None, pt.wanted_rows("ipv4", [])], ids=["no-rows", "ipv4"])
@pytest.mark.parametrize("reload", [True, False])
def test_plan_reload_decides_every_reload_line_and_undoes_cleanly(start, rows, reload):
    once, notes = gc.plan(start, rows, reload)
    conf = gc.GaiConf(once)
    assert conf.reload() is reload
    # Outside the block no active reload line is left; in it, only ours (when true).
    active = [line.text for line in conf.rows("reload")]
    assert active == (["reload yes"] if reload else [])
    assert all(note.startswith("disabled line") for note in notes)
    assert len(notes) == len(gc.GaiConf(start).rows("reload"))
    assert gc.plan(once, rows, reload) == (once, [])  # idempotent
    # No longer deciding reload (and no rows) gives the file back as it was, its own reload lines active again
    # (a last line without a newline keeps the one it got when a block was appended after it: documented).
    appended = bool(rows) or reload
    assert gc.plan(once, None, None)[0] == (start + "\n" if appended and start and not start.endswith("\n") else start)


def test_plan_reload_none_leaves_reload_lines_alone():
    start = "reload yes\n"
    text = gc.plan(start, pt.wanted_rows("ipv4", []), None)[0]
    assert text.startswith(start) and "reload" not in text[len(start):] and gc.GaiConf(text).reload() is True


@pytest.mark.parametrize("text, on", [("reload yes\n", True), ("reload YES\n", False), ("reload yes\nreload no\n", False),
                                      ("reload no\nreload yes\n", True), ("reload\n", False), ("", False)])
def test_reload_reads_like_glibc(text, on):
    """glibc: strcmp(value, "yes") == 0, the last line wins."""
    assert gc.GaiConf(text).reload() is on


def test_findings_name_a_reload_value_glibc_reads_as_no():
    found = gc.GaiConf("reload Yes\nreload no\n").findings()
    assert found == ["gai.conf line 1: glibc reads 'reload Yes' as 'reload no' (only a lowercase yes turns it on)"]
