"""Properties of the policy-table and gai.conf code (hypothesis). The invariants (CONTRIBUTING.md):
no exception but the module's own escapes; refused input plans nothing; a re-plan of a plan's result plans
nothing; bytes outside the managed block survive unchanged."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import hostile_text, prefixes

from ansible_collections.dualstack.redis.plugins.module_utils import _gai_conf as gc
from ansible_collections.dualstack.redis.plugins.module_utils import _policy_table as pt

GAI_WORDS = ["precedence", "label", "scopev4", "reload", "yes", "::ffff:0:0/96", "::/0", "::1/128", "100", "40",
             "2147483648", "fd00::/8", "::ffff:172.31.0.0/112", "precendence"]
MARKERS = (gc.BLOCK_BEGIN, gc.BLOCK_END, gc.DISABLED_MARK.strip())


def networks():
    entry = st.fixed_dictionaries({"prefix": prefixes()}, optional={"precedence": st.one_of(st.integers(-5, 105), st.booleans(), st.text(max_size=3))})
    return st.lists(st.one_of(entry, st.text(max_size=3)), max_size=4)


@given(prefixes())
def test_normalize_prefix_returns_a_fixed_point_or_refuses(value):
    try:
        prefix = pt.normalize_prefix(value)
    except pt.PolicyError:
        return
    assert pt.normalize_prefix(prefix) == prefix


@given(networks(), st.sampled_from(pt.PREFER_CHOICES))
def test_networks_are_validated_whole_and_plans_are_full_tables(value, prefer):
    try:
        pairs = pt.normalize_networks(value)
    except pt.PolicyError:
        return
    rows = pt.wanted_rows(prefer, pairs)
    keys = [pt.prefix_key(row.prefix) for row in rows]
    assert len(keys) == len(set(keys))
    assert all(pt.PRECEDENCE_MIN <= row.precedence <= pt.PRECEDENCE_MAX for row in rows)
    assert {pt.prefix_key(prefix) for prefix, _precedence in pairs} <= set(keys)


def marker_free(text):
    return not any(marker in text for marker in MARKERS)


@given(hostile_text(GAI_WORDS))
def test_any_text_parses_and_nothing_managed_changes_nothing(text):
    conf = gc.GaiConf(text) if marker_free(text) else None
    assume(conf is not None)
    conf.effective("precedence")
    conf.effective("label")
    conf.findings()
    assert gc.plan(text, None) == (text, [])


@given(hostile_text(GAI_WORDS), st.sampled_from(pt.PREFER_CHOICES), networks())
def test_plan_is_idempotent_and_keeps_every_other_byte(text, prefer, value):
    assume(marker_free(text))
    try:
        rows = pt.wanted_rows(prefer, pt.normalize_networks(value))
    except pt.PolicyError:
        return
    new, _notes = gc.plan(text, rows)
    assert gc.plan(new, rows) == (new, [])
    # glibc sees exactly the wanted table: only \n ends a line, so nothing in the other lines adds a row
    effective = {row.prefix: row.precedence for row in gc.GaiConf(new).effective("precedence")}
    assert {row.prefix: row.precedence for row in rows}.items() <= effective.items()
    # removing the block gives the text back, the active lines it replaced included
    back, _notes = gc.plan(new, None)
    assert back in (text, text + "\n")
    kept = [line for line in text.split("\n") if not (gc.parse_line(0, line).kind == "precedence")]
    assert all(line in new.split("\n") for line in kept)
