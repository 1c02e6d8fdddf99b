# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ElastiCache IP discovery: read the setting, decide, change it. Takes a boto3 ``elasticache`` client
(retries are the client's own: see _aws.client_config()).

Private to dualstack.redis: not a public API, may change in any release.

The AWS side, from the ElastiCache API: ``IpDiscovery`` (ipv4 | ipv6) is read from DescribeReplicationGroups
or DescribeCacheClusters and changed with ModifyReplicationGroup or ModifyCacheCluster. ``NetworkType``
(ipv4 | ipv6 | dual_stack) is chosen at creation and cannot change, and it bounds what IP discovery can be.
A resource created before IP discovery existed has neither field: it behaves as ipv4.

The engine, from two AWS pages that do not quite agree (engine_rule() decides from both):
- the ElastiCache user guide, "Choosing a network type" (USER_GUIDE): IPv6 is supported for Valkey 7.2 and
  onward, Redis OSS 6.2 and onward, and Memcached 1.6.6 onward; with Memcached and dual_stack, IP discovery
  chooses the family Auto Discovery returns;
- the API reference, the ``IpDiscovery`` parameter of ModifyReplicationGroup / ModifyCacheCluster (API_REFERENCE,
  the same text in botocore's service model): "IPv6 is supported for workloads using Valkey 7.2 and above, Redis
  OSS engine version 6.2 to 7.1 or Memcached engine version 1.6.6 and above".
A replication group reports ``Engine`` but not ``EngineVersion``: that is on its member cache clusters
(``MemberClusters``, read with DescribeCacheClusters). A cache cluster reports both.
"""

import re
import time

KINDS = {
    "replication_group": dict(
        label="replication group", id_param="ReplicationGroupId", describe="describe_replication_groups",
        list_key="ReplicationGroups", modify="modify_replication_group", result_key="ReplicationGroup",
        status_key="Status", not_found="ReplicationGroupNotFoundFault"),
    "cache_cluster": dict(
        label="cache cluster", id_param="CacheClusterId", describe="describe_cache_clusters",
        list_key="CacheClusters", modify="modify_cache_cluster", result_key="CacheCluster",
        status_key="CacheClusterStatus", not_found="CacheClusterNotFound"),
}

# What each network type lets IP discovery be.
ALLOWED = {"ipv4": ("ipv4",), "ipv6": ("ipv6",), "dual_stack": ("ipv4", "ipv6")}

USER_GUIDE = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/network-type.html"
API_REFERENCE = "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyReplicationGroup.html"

# The engine versions that support IPv6 and IP discovery, per engine (the API's Engine value) and per source:
# (first version, first version past the range or None), and how the source words the range.
ENGINES = {
    "valkey": dict(name="Valkey",
                   guide=((7, 2), None, "7.2 or later"), api=((7, 2), None, "7.2 or later")),
    "redis": dict(name="Redis OSS",
                  guide=((6, 2), None, "6.2 or later"), api=((6, 2), (7, 2), "6.2 to 7.1")),
    "memcached": dict(name="Memcached",
                      guide=((1, 6, 6), None, "1.6.6 or later"), api=((1, 6, 6), None, "1.6.6 or later")),
}

# An engine version as ElastiCache reports it: "7.1.0", "7.2.4", "8.0", "6.x" (the old style: any 6.x), with a
# pre-release or build suffix tolerated. ASCII digits only.
_VERSION = re.compile(r"[vV]?([0-9]{1,9}(?:\.[0-9]{1,9}){0,3})(?:\.[xX*])?(?:[-+][0-9A-Za-z.+-]*)?\Z")
_WIDTH = 4


def describe(client, kind, resource_id):
    """The resource as DescribeReplicationGroups / DescribeCacheClusters returns it."""
    spec = KINDS[kind]
    reply = getattr(client, spec["describe"])(**{spec["id_param"]: resource_id})
    items = reply.get(spec["list_key"]) or []
    if not items:
        raise LookupError("%s %s not found" % (spec["label"], resource_id))
    return items[0]


def settings(kind, resource):
    """The fields this collection cares about, with the API's defaults filled in."""
    return dict(
        ip_discovery=resource.get("IpDiscovery") or "ipv4",
        network_type=resource.get("NetworkType") or "ipv4",
        status=resource.get(KINDS[kind]["status_key"]),
    )


def read_engine(client, kind, resource):
    """``(engine, engine_version, member)``: the resource's engine and version, ``member`` the cache cluster the
    version was read from (None for a cache cluster, or a group without members). Reads one member cluster of a
    replication group (DescribeCacheClusters); its errors propagate (the caller decides what an unknown version
    means)."""
    if kind == "cache_cluster":
        return resource.get("Engine"), resource.get("EngineVersion"), None
    members = resource.get("MemberClusters") or []
    if not members:
        return resource.get("Engine"), None, None
    member = describe(client, "cache_cluster", members[0])
    return resource.get("Engine") or member.get("Engine"), member.get("EngineVersion"), members[0]


def parse_version(text):
    """``(low, high)``: the versions an engine version string can stand for, ``low`` included and ``high`` not,
    as tuples of the same width; None when ``text`` is not a version.

    "7.1.0" is 7.1.0 only, "7.1" any 7.1.x, "6.x" (and "6") any 6.x.y."""
    if not isinstance(text, str):
        return None
    match = _VERSION.match(text.strip())
    if not match:
        return None
    parts = [int(part) for part in match.group(1).split(".")]
    upper = parts[:-1] + [parts[-1] + 1]
    return _padded(parts), _padded(upper)


def _padded(parts):
    return tuple(list(parts) + [0] * (_WIDTH - len(parts)))


def _verdict(versions, source):
    """"allows", "rules out" or "cannot tell", for the range ``versions`` against a source's range."""
    low, high = versions
    first, past, _text = source
    first = _padded(first)
    past = _padded(past) if past else None
    if high <= first or (past is not None and low >= past):
        return "rules out"
    if low >= first and (past is None or high <= past):
        return "allows"
    return "cannot tell"


def _needs(spec):
    guide, api = spec["guide"][2], spec["api"][2]
    if guide == api:
        return "%s %s" % (spec["name"], guide)
    return "%s %s (the API reference: %s)" % (spec["name"], guide, api)


def engine_rule(engine, version, wanted):
    """``(refusal, warning)``, each a message or None: whether IP discovery ``wanted`` can be asked of an engine.

    Only ipv6 is checked: ipv4 is every engine's default, and a resource reporting ipv6 already supports it.
    Refused: a version both AWS sources rule out (ENGINES). Warned about: a version only the API reference rules
    out (Redis OSS 7.2 and later), a version that cannot tell (Redis OSS "6.x"), an engine or a version that is
    unknown or unreadable. Never raises."""
    if wanted != "ipv6":
        return None, None
    key = engine.strip().lower() if isinstance(engine, str) else engine
    spec = ENGINES.get(key) if isinstance(key, str) else None
    if spec is None:
        if key in (None, ""):
            what = "the engine is not reported"
        else:
            what = "the engine %r is not one this module knows (valkey, redis, memcached)" % (engine,)
        return None, ("%s: cannot check that it supports IP discovery ipv6 (Valkey 7.2 or later, Redis OSS 6.2 or "
                      "later, Memcached 1.6.6 or later); asking for it anyway" % what)
    needs = _needs(spec)
    versions = parse_version(version)
    if versions is None:
        blank = version is None or (isinstance(version, str) and not version.strip())
        what = "no engine version" if blank else "engine version %r" % (version,)
        return None, ("%s with %s: cannot check that it supports IP discovery ipv6, which needs %s; asking for it anyway"
                      % (spec["name"], what, needs))
    guide = _verdict(versions, spec["guide"])
    api = _verdict(versions, spec["api"])
    found = "%s %s" % (spec["name"], version.strip())
    if guide == api == "rules out":
        return ("the engine is %s, and IP discovery ipv6 needs %s %s: both the ElastiCache user guide "
                "(Choosing a network type) and the API reference (IpDiscovery) say so"
                % (found, spec["name"], spec["guide"][2])), None
    if guide == api == "allows":
        return None, None
    if guide == "allows" and api == "rules out":
        return None, ("the engine is %s: the ElastiCache user guide (Choosing a network type) supports IPv6 on "
                      "%s %s, but the API reference of IpDiscovery names %s %s only; asking for ipv6 anyway"
                      % (found, spec["name"], spec["guide"][2], spec["name"], spec["api"][2]))
    return None, ("the engine is %s: the version does not tell whether it supports IP discovery ipv6, which needs "
                  "%s; asking for it anyway" % (found, needs))


def assess(kind, resource_id, resource, wanted, engine, version, version_note=None):
    """``(refusal, warnings)`` for changing IP discovery to ``wanted``: the refusal a message or None, the
    warnings a list. ``version_note`` says why the version is unknown, when reading it failed."""
    label = KINDS[kind]["label"]
    member = _member_refusal(kind, resource_id, resource)
    if member:
        return member, []
    engine_problem, warning = engine_rule(engine, version, wanted)
    problems = [p for p in (engine_problem, refusal(kind, resource_id, resource, wanted)) if p]
    warnings = []
    if warning:
        warnings.append("%s %s: %s%s" % (label, resource_id, warning,
                                         " (the version could not be read: %s)" % version_note if version_note else ""))
    if not problems:
        return None, warnings
    if engine_problem:
        problems[0] = "%s %s: %s" % (label, resource_id, engine_problem)
    return "; ".join(problems), warnings


def _member_refusal(kind, resource_id, resource):
    if kind == "cache_cluster" and resource.get("ReplicationGroupId"):
        return ("cache cluster %s belongs to replication group %s: IP discovery is set on the replication group "
                "(use replication_group_id: %s)" % (resource_id, resource["ReplicationGroupId"], resource["ReplicationGroupId"]))
    return None


def refusal(kind, resource_id, resource, wanted):
    """Why the network type or the resource's place rules the change out, or None (the engine: engine_rule())."""
    current = settings(kind, resource)
    label = KINDS[kind]["label"]
    member = _member_refusal(kind, resource_id, resource)
    if member:
        return member
    allowed = ALLOWED.get(current["network_type"], ())
    if wanted not in allowed:
        return ("%s %s has network type %s, which allows IP discovery %s only; the network type is chosen when the "
                "cluster is created and cannot be changed: create a new cluster with network type dual_stack "
                "(or %s) to discover %s addresses"
                % (label, resource_id, current["network_type"], " or ".join(allowed) or "(none known)", wanted, wanted))
    return None


def modify(client, kind, resource_id, wanted, apply_immediately):
    """Ask for the change; returns the resource as the Modify call returns it."""
    spec = KINDS[kind]
    reply = getattr(client, spec["modify"])(
        IpDiscovery=wanted, ApplyImmediately=apply_immediately, **{spec["id_param"]: resource_id})
    return reply[spec["result_key"]]


def wait_applied(client, kind, resource_id, wanted, timeout, delay, clock=None, sleep=None):
    """Describe every ``delay`` s until the resource is available with ``wanted``; (resource, done) at the end.

    ``clock`` and ``sleep`` default to time.monotonic and time.sleep, looked up at each call."""
    clock = clock or time.monotonic
    sleep = sleep or time.sleep
    deadline = clock() + timeout
    while True:
        resource = describe(client, kind, resource_id)
        current = settings(kind, resource)
        if current["ip_discovery"] == wanted and current["status"] == "available":
            return resource, True
        remaining = deadline - clock()
        if remaining <= 0:
            return resource, False
        sleep(min(delay, remaining))
