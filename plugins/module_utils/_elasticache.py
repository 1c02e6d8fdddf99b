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
"""

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


def refusal(kind, resource_id, resource, wanted):
    """Why the change must not be attempted, or None."""
    current = settings(kind, resource)
    label = KINDS[kind]["label"]
    if kind == "cache_cluster" and resource.get("ReplicationGroupId"):
        return ("cache cluster %s belongs to replication group %s: IP discovery is set on the replication group "
                "(use replication_group_id: %s)" % (resource_id, resource["ReplicationGroupId"], resource["ReplicationGroupId"]))
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
