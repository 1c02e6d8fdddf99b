"""_elasticache's engine rule: which engine versions IP discovery ipv6 is refused, warned about or allowed for.

The sources (the module's notes cite them): the ElastiCache user guide's "Choosing a network type" (IPv6 with
Valkey 7.2 onward, Redis OSS 6.2 onward, Memcached 1.6.6 onward) and the API reference's IpDiscovery text
(Valkey 7.2 and above, Redis OSS 6.2 to 7.1, Memcached 1.6.6 and above). Refused: what both rule out. Warned:
what only the API reference rules out, or what cannot be told. Version strings as ElastiCache reports them:
"7.1.0", "7.2.4", "8.0", the old style "6.x".
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.dualstack.redis.plugins.module_utils import _elasticache as ec

REFUSE, WARN, OK = "refuse", "warn", "ok"


def outcome(engine, version, wanted="ipv6"):
    refusal, warning = ec.engine_rule(engine, version, wanted)
    assert not (refusal and warning), (refusal, warning)
    return REFUSE if refusal else WARN if warning else OK


@pytest.mark.parametrize("engine, version, expected", [
    # Redis OSS: both sources need 6.2; only the API reference stops at 7.1.
    ("redis", "2.8.24", REFUSE),
    ("redis", "3.2.10", REFUSE),
    ("redis", "4.0.10", REFUSE),
    ("redis", "5.0.6", REFUSE),
    ("redis", "5.x", REFUSE),         # any 5.x: all ruled out
    ("redis", "6.0", REFUSE),
    ("redis", "6.0.5", REFUSE),
    ("redis", "6.1.99", REFUSE),
    ("redis", "6.x", WARN),           # the old style: 6.0 or 6.2, cannot tell
    ("redis", "6", WARN),
    ("redis", "6.2", OK),
    ("redis", "6.2.6", OK),
    ("redis", "7.0.7", OK),
    ("redis", "7.1", OK),
    ("redis", "7.1.0", OK),
    ("redis", "7", WARN),             # 7.0 and 7.1 are fine, 7.2 on only by the user guide
    ("redis", "7.x", WARN),
    ("redis", "7.2.4", WARN),         # only the API reference rules it out
    ("redis", "8.0.2", WARN),
    ("Redis", " 7.1.0 ", OK),         # case and spaces
    # Valkey: 7.2 and later by both sources.
    ("valkey", "7.0", REFUSE),
    ("valkey", "7.2", OK),
    ("valkey", "7.2.4", OK),
    ("valkey", "8.0", OK),
    ("valkey", "8.1.1", OK),
    ("valkey", "7.x", WARN),
    # Memcached: 1.6.6 and later by both sources.
    ("memcached", "1.4.34", REFUSE),
    ("memcached", "1.5.16", REFUSE),
    ("memcached", "1.6.2", REFUSE),
    ("memcached", "1.6.6", OK),
    ("memcached", "1.6.22", OK),
    ("memcached", "1.6.x", WARN),
    # Unknown: warn, never refuse.
    (None, "7.1.0", WARN),
    ("", "7.1.0", WARN),
    ("mysql", "8.0", WARN),
    ("redis", None, WARN),
    ("redis", "", WARN),
    ("redis", "latest", WARN),
    ("valkey", "\u0668.0", WARN),     # an Arabic-Indic 8: not an ASCII version
])
def test_rule_table(engine, version, expected):
    assert outcome(engine, version) == expected


@pytest.mark.parametrize("engine, version", [("redis", "5.0.6"), ("valkey", "7.0"), ("memcached", "1.5.16"),
                                             (None, None), ("mysql", "1")])
def test_ipv4_is_never_checked(engine, version):
    assert ec.engine_rule(engine, version, "ipv4") == (None, None)


def test_refusal_names_the_engine_the_version_and_what_is_needed():
    refusal, _warning = ec.engine_rule("redis", "5.0.6", "ipv6")
    assert refusal == ("the engine is Redis OSS 5.0.6, and IP discovery ipv6 needs Redis OSS 6.2 or later: both the "
                       "ElastiCache user guide (Choosing a network type) and the API reference (IpDiscovery) say so")
    refusal, _warning = ec.engine_rule("memcached", "1.6.2", "ipv6")
    assert "Memcached 1.6.2" in refusal and "Memcached 1.6.6 or later" in refusal


def test_warnings_say_which_source_and_why():
    _refusal, warning = ec.engine_rule("redis", "7.2.4", "ipv6")
    assert "Redis OSS 7.2.4" in warning and "user guide" in warning and "6.2 to 7.1" in warning
    _refusal, warning = ec.engine_rule("redis", "6.x", "ipv6")
    assert "Redis OSS 6.x" in warning and "does not tell" in warning and "6.2 or later" in warning
    _refusal, warning = ec.engine_rule("redis", None, "ipv6")
    assert warning.startswith("Redis OSS with no engine version: cannot check")
    _refusal, warning = ec.engine_rule(None, None, "ipv6")
    assert warning.startswith("the engine is not reported: cannot check")


@pytest.mark.parametrize("text, expected", [
    ("7.1.0", ((7, 1, 0, 0), (7, 1, 1, 0))),
    ("7.1", ((7, 1, 0, 0), (7, 2, 0, 0))),
    ("6.x", ((6, 0, 0, 0), (7, 0, 0, 0))),
    ("6.X", ((6, 0, 0, 0), (7, 0, 0, 0))),
    ("7.2.4", ((7, 2, 4, 0), (7, 2, 5, 0))),
    ("v8.0", ((8, 0, 0, 0), (8, 1, 0, 0))),
    ("7.2.0-rc1", ((7, 2, 0, 0), (7, 2, 1, 0))),
    ("", None), ("x", None), ("7..1", None), ("7.1.", None), ("6.2x", None), ("1.2.3.4.5", None), (None, None), (7.1, None),
])
def test_parse_version(text, expected):
    assert ec.parse_version(text) == expected


def test_assess_puts_engine_and_network_type_reasons_together():
    group = dict(ReplicationGroupId="legacy", Status="available", NetworkType="ipv4", IpDiscovery="ipv4")
    refusal, warnings = ec.assess("replication_group", "legacy", group, "ipv6", "redis", "5.0.6")
    assert refusal.startswith("replication group legacy: the engine is Redis OSS 5.0.6, and IP discovery ipv6 needs ")
    assert "; replication group legacy has network type ipv4" in refusal and warnings == []


def test_assess_a_member_cluster_is_only_told_to_use_its_group():
    member = dict(CacheClusterId="orders-0001-001", ReplicationGroupId="orders", CacheClusterStatus="available")
    refusal, warnings = ec.assess("cache_cluster", "orders-0001-001", member, "ipv6", "redis", "5.0.6")
    assert refusal.endswith("(use replication_group_id: orders)") and "5.0.6" not in refusal and warnings == []


def test_assess_says_why_the_version_is_unknown():
    group = dict(ReplicationGroupId="orders", NetworkType="dual_stack")
    refusal, warnings = ec.assess("replication_group", "orders", group, "ipv6", "valkey", None,
                                  "DescribeCacheClusters of member orders-0001-001: AccessDenied: no (HTTP 403)")
    assert refusal is None and len(warnings) == 1
    assert warnings[0].startswith("replication group orders: Valkey with no engine version: cannot check")
    assert warnings[0].endswith("(the version could not be read: DescribeCacheClusters of member orders-0001-001: "
                                "AccessDenied: no (HTTP 403))")


# --- properties ---------------------------------------------------------------------------------------------

ENGINE_NAMES = st.one_of(st.sampled_from(["redis", "valkey", "memcached", "Redis", " VALKEY ", "", "mysql"]),
                         st.none(), st.text(max_size=10), st.integers())
NUMBERS = st.integers(0, 10 ** 12).map(str)
VERSION_TEXTS = st.one_of(
    st.none(), st.integers(), st.text(max_size=20),
    st.lists(st.one_of(NUMBERS, st.sampled_from(["x", "X", "*", "", "-rc1", " "])), min_size=1, max_size=6).map(".".join),
)


@given(ENGINE_NAMES, VERSION_TEXTS, st.sampled_from(["ipv4", "ipv6", "dual_stack", None]))
def test_never_raises_and_never_both(engine, version, wanted):
    refusal, warning = ec.engine_rule(engine, version, wanted)
    assert refusal is None or isinstance(refusal, str)
    assert warning is None or isinstance(warning, str)
    assert not (refusal and warning)
    if wanted != "ipv6":
        assert (refusal, warning) == (None, None)
    if refusal:  # a refusal is for a known engine and a version that parses
        assert ec.parse_version(version) is not None


def _dotted(parts, patch_style):
    """A version tuple as ElastiCache may print it: "7.1", "7.1.0", or with the patch given."""
    major, minor, patch = parts
    return {"short": "%d.%d" % (major, minor), "zero": "%d.%d.0" % (major, minor),
            "patch": "%d.%d.%d" % (major, minor, patch)}[patch_style]


STYLES = st.sampled_from(["short", "zero", "patch"])
SUPPORTED = st.one_of(
    st.tuples(st.just("redis"), st.tuples(st.just(6), st.integers(2, 99), st.integers(0, 99))),
    st.tuples(st.just("redis"), st.tuples(st.just(7), st.integers(0, 1), st.integers(0, 99))),
    st.tuples(st.just("valkey"), st.tuples(st.just(7), st.integers(2, 99), st.integers(0, 99))),
    st.tuples(st.just("valkey"), st.tuples(st.integers(8, 99), st.integers(0, 99), st.integers(0, 99))),
    st.tuples(st.just("memcached"), st.tuples(st.just(1), st.just(6), st.integers(6, 99))),
    st.tuples(st.just("memcached"), st.tuples(st.just(1), st.integers(7, 99), st.integers(0, 99))),
    st.tuples(st.just("memcached"), st.tuples(st.integers(2, 99), st.integers(0, 99), st.integers(0, 99))),
)


@given(SUPPORTED, STYLES)
def test_never_refuses_a_version_both_sources_support(engine_parts, style):
    engine, parts = engine_parts
    if engine == "memcached" and style == "short" and parts[:2] == (1, 6):
        style = "patch"  # "1.6" is 1.6.0 to 1.6.x: not all of it supports IPv6
    assert ec.engine_rule(engine, _dotted(parts, style), "ipv6") == (None, None)


@given(st.tuples(st.integers(7, 99), st.integers(0, 99), st.integers(0, 99)).filter(lambda p: p[:2] >= (7, 2)), STYLES)
def test_redis_past_7_1_is_only_warned_about(parts, style):
    refusal, warning = ec.engine_rule("redis", _dotted(parts, style), "ipv6")
    assert refusal is None and "6.2 to 7.1" in warning


REDIS_BEFORE_6_2 = st.one_of(
    st.tuples(st.integers(0, 5), st.integers(0, 99), st.integers(0, 99)),
    st.tuples(st.just(6), st.integers(0, 1), st.integers(0, 99)),
)


@given(REDIS_BEFORE_6_2, st.sampled_from(["short", "zero", "patch", "major.x"]), st.sampled_from(["redis", "Redis", " redis"]))
def test_always_refuses_redis_before_6_2(parts, style, engine):
    if style == "major.x":
        if parts[0] >= 6:
            return  # "6.x" may be 6.2: warned about, checked in the table
        version = "%d.x" % parts[0]
    else:
        version = _dotted(parts, style)
    refusal, warning = ec.engine_rule(engine, version, "ipv6")
    assert warning is None
    assert refusal.startswith("the engine is Redis OSS %s, " % version) and "needs Redis OSS 6.2 or later" in refusal


@given(st.tuples(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99)), STYLES)
def test_parse_version_brackets_the_version(parts, style):
    low, high = ec.parse_version(_dotted(parts, style))
    assert low < high and low[:2] == parts[:2]
    if style == "patch":
        assert low[:3] == parts
