"""Stand-in for the ElastiCache query API, in front of a real Redis Cluster on loopback.

What it reproduces (from the ElastiCache API reference and the AWS documentation on IP discovery):
- The query protocol botocore speaks (form-encoded POST, ``Action`` and ``Version=2015-02-02``, XML replies
  wrapped in ``<ActionResponse><ActionResult>`` and ``<ErrorResponse>`` errors with the API's fault codes) for
  DescribeReplicationGroups, ModifyReplicationGroup, DescribeCacheClusters and ModifyCacheCluster, so the
  real botocore client serializes and parses every call.
- Replication groups and cache clusters with ``IpDiscovery``, ``NetworkType`` (fixed at creation; a Modify
  that asks for a family the network type does not allow fails with InvalidParameterCombination),
  ``Status``/``CacheClusterStatus``, ``ConfigurationEndpoint`` and ``ReplicationGroupId`` on member clusters.
- IP discovery taking time to propagate: a Modify of ``IpDiscovery`` with ApplyImmediately answers at once
  with status ``modifying``; then, in the background, each node of the Redis Cluster behind the group
  switches the address it announces (CONFIG SET cluster-announce-ip 127.0.0.1 or ::1, or the addresses
  ``--announce-ipv4``/``--announce-ipv6`` give, as the cluster's nodes were started with), ``--gap`` seconds
  apart, and the group returns to ``available`` with the new value. A Modify in any other status fails with
  InvalidReplicationGroupState. ApplyImmediately=false records nothing (the change would wait for the
  maintenance window, which never comes here).
- The engine, where the API puts it: a replication group reports ``Engine`` (valkey, redis or memcached) and
  ``MemberClusters`` but no ``EngineVersion``; its member cache clusters (one per node of the Redis Cluster
  behind it, named ``ID-000N-001`` as ElastiCache names them, each with ``ReplicationGroupId``) answer
  DescribeCacheClusters with ``Engine`` and ``EngineVersion``; a cache cluster of its own reports both. Valkey 8.0
  by default, as ElastiCache's default engine is now Valkey (the exact patch string AWS reports is not modelled:
  the version is whatever the command line gives, "8.0" by default). A Modify of a group moves its members to
  ``modifying`` and back, with the new ``IpDiscovery``.
- Every call is appended to ``calls.jsonl`` in the state directory, so tests can check what was asked.

Which engines support IPv6 and IP discovery, as AWS documents it (the module under test enforces this; the
stand-in only records the engine):
- ElastiCache user guide, "Choosing a network type"
  (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/network-type.html): Valkey 7.2 onward, Redis OSS 6.2
  onward, Memcached 1.6.6 onward.
- API reference, ``IpDiscovery`` of ModifyReplicationGroup / ModifyCacheCluster
  (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyReplicationGroup.html, the same text
  in botocore's service model): Valkey 7.2 and above, Redis OSS 6.2 to 7.1, Memcached 1.6.6 and above.
A Modify is NOT refused here for the engine or its version. On AWS an engine without IPv6 support cannot have a
dual_stack or ipv6 network type (the network type is chosen at creation, with the engine), so the answer AWS gives
to IpDiscovery=ipv6 on such an engine is the network-type refusal modelled above (InvalidParameterCombination);
we have no record of the API's own wording for a version-based refusal, so none is invented. The command line
accepts any engine with any network type, on purpose: tests can build a resource AWS could not (say dual_stack on
Redis OSS 5.0.6) and check that the module refuses it by itself, before any Modify reaches the stand-in.

What it does not reproduce: authentication and request signatures (any credentials are accepted), IAM,
pagination, every other field and action of the API (engine upgrades included), TLS clusters (hostname
endpoints), replica nodes (one member cluster per node given), and real propagation times (minutes on AWS,
``--gap`` seconds here).

Run: python elasticache_api.py --state DIR --cluster PORTS_JSON --group ID:NETWORK_TYPE:IP_DISCOVERY[:ENGINE[:VERSION]]
     [--cache-cluster ID:NETWORK_TYPE:IP_DISCOVERY[:GROUP[:ENGINE[:VERSION]]]] [--gap 1.0] [--password PW]
     [--announce-ipv4 127.0.0.1] [--announce-ipv6 ::1]
ENGINE defaults to valkey and VERSION to 8.0 (a group's explicit member: the group's); leave GROUP empty for a
cache cluster of its own with an engine (``sessions:dual_stack:ipv4::memcached:1.6.22``). A --cache-cluster whose
GROUP is a --group is added to that group's members.
It writes its pid to DIR/pid and the port it listens on (127.0.0.1) to DIR/port, and serves until killed.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

import redis

NS = "http://elasticache.amazonaws.com/doc/2015-02-02/"
ANNOUNCE = {"ipv4": "127.0.0.1", "ipv6": "::1"}
ALLOWED = {"ipv4": ("ipv4",), "ipv6": ("ipv6",), "dual_stack": ("ipv4", "ipv6")}
LIST_ITEMS = {"MemberClusters": "ClusterId"}  # botocore's ClusterIdList: <MemberClusters><ClusterId>..
DEFAULT_ENGINE = ("valkey", "8.0")  # ElastiCache's default engine for new clusters is Valkey


class Fault(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


class State:
    """The resources, guarded by one lock; every change is written to DIR/state.json."""

    def __init__(self, directory, ports, password, gap, announce=None):
        self.directory, self.ports, self.password, self.gap = directory, ports, password, gap
        self.announce = dict(ANNOUNCE, **(announce or {}))  # family -> the address the nodes announce for it
        self.lock = threading.Lock()
        self.groups, self.clusters = {}, {}

    def save(self):
        path = os.path.join(self.directory, "state.json")
        with open(path + ".tmp", "w", encoding="utf-8") as handle:
            json.dump(dict(replication_groups=self.groups, cache_clusters=self.clusters), handle, indent=1)
        os.replace(path + ".tmp", path)

    def record(self, action, params):
        with open(os.path.join(self.directory, "calls.jsonl"), "a", encoding="utf-8") as handle:
            handle.write(json.dumps(dict(action=action, params=params, at=time.time())) + "\n")

    # --- propagation to the real nodes -----------------------------------------------------------
    def propagate(self, kind, resource_id, family):
        for index, port in enumerate(self.ports):
            if index:
                time.sleep(self.gap)
            with redis.Redis(host="127.0.0.1", port=port, password=self.password, socket_timeout=5) as client:
                client.config_set("cluster-announce-ip", self.announce[family])
        time.sleep(self.gap)
        with self.lock:
            table = self.groups if kind == "group" else self.clusters
            table[resource_id]["IpDiscovery"] = family
            table[resource_id]["Status" if kind == "group" else "CacheClusterStatus"] = "available"
            for member in self.members(kind, resource_id):
                member["IpDiscovery"] = family
                member["CacheClusterStatus"] = "available"
            self.save()

    def members(self, kind, resource_id):
        """A group's member cache clusters (those the stand-in has), else nothing."""
        if kind != "group":
            return []
        return [self.clusters[i] for i in self.groups[resource_id].get("MemberClusters", []) if i in self.clusters]


def _value(tag, value):
    if isinstance(value, bool):
        return "<%s>%s</%s>" % (tag, "true" if value else "false", tag)
    if isinstance(value, dict):
        return "<%s>%s</%s>" % (tag, "".join(_value(k, v) for k, v in value.items()), tag)
    if isinstance(value, list):
        if tag in LIST_ITEMS:  # a list of plain values, each in the element the service model names
            value = [(LIST_ITEMS[tag], item) for item in value]
        return "<%s>%s</%s>" % (tag, "".join(_value(item_tag, item) for item_tag, item in value), tag)
    return "<%s>%s</%s>" % (tag, escape(str(value)), tag)


def respond(action, body):
    return ('<%sResponse xmlns="%s"><%sResult>%s</%sResult><ResponseMetadata><RequestId>%s</RequestId>'
            "</ResponseMetadata></%sResponse>" % (action, NS, action, body, action, uuid.uuid4(), action))


class Handler(BaseHTTPRequestHandler):
    state = None  # set by main()

    def log_message(self, *_args):  # quiet
        pass

    def do_POST(self):  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length") or 0)
        params = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode("utf-8")).items()}
        action = params.pop("Action", "")
        params.pop("Version", None)
        self.state.record(action, params)
        try:
            handler = getattr(self, "act_" + action, None)
            if handler is None:
                raise Fault("InvalidAction", "The action %s is not valid for this web service." % action)
            body, status = respond(action, handler(params)), 200
        except Fault as fault:
            body = ('<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>'
                    "<RequestId>%s</RequestId></ErrorResponse>" % (NS, fault.code, escape(fault.message), uuid.uuid4()))
            status = fault.status
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    # --- actions ---------------------------------------------------------------------------------
    def _group(self, group_id):
        if group_id not in self.state.groups:
            raise Fault("ReplicationGroupNotFoundFault", "ReplicationGroup %s not found." % group_id, 404)
        return self.state.groups[group_id]

    def _cluster(self, cluster_id):
        if cluster_id not in self.state.clusters:
            raise Fault("CacheClusterNotFound", "CacheCluster %s not found." % cluster_id, 404)
        return self.state.clusters[cluster_id]

    def act_DescribeReplicationGroups(self, params):  # noqa: N802
        with self.state.lock:
            ids = [params["ReplicationGroupId"]] if "ReplicationGroupId" in params else sorted(self.state.groups)
            groups = [("ReplicationGroup", self._group(i)) for i in ids]
            return _value("ReplicationGroups", groups)

    def act_DescribeCacheClusters(self, params):  # noqa: N802
        with self.state.lock:
            ids = [params["CacheClusterId"]] if "CacheClusterId" in params else sorted(self.state.clusters)
            return _value("CacheClusters", [("CacheCluster", self._cluster(i)) for i in ids])

    def _modify(self, kind, resource, resource_id, params):
        status_key = "Status" if kind == "group" else "CacheClusterStatus"
        wanted = params.get("IpDiscovery")
        if wanted is None or wanted == resource.get("IpDiscovery", "ipv4"):
            return
        if wanted not in ("ipv4", "ipv6"):
            raise Fault("InvalidParameterValue", "Invalid IpDiscovery value: %s" % wanted)
        if wanted not in ALLOWED[resource.get("NetworkType", "ipv4")]:
            raise Fault("InvalidParameterCombination", "IpDiscovery %s is not supported for NetworkType %s."
                        % (wanted, resource.get("NetworkType", "ipv4")))
        if resource[status_key] != "available":
            code = "InvalidReplicationGroupState" if kind == "group" else "InvalidCacheClusterState"
            raise Fault(code, "%s %s is not in available state." % ("Replication group" if kind == "group" else "Cache cluster", resource_id))
        if params.get("ApplyImmediately") != "true":
            return
        resource[status_key] = "modifying"
        for member in self.state.members(kind, resource_id):
            member["CacheClusterStatus"] = "modifying"
        self.state.save()
        threading.Thread(target=self.state.propagate, args=(kind, resource_id, wanted), daemon=True).start()

    def act_ModifyReplicationGroup(self, params):  # noqa: N802
        with self.state.lock:
            group = self._group(params.get("ReplicationGroupId", ""))
            self._modify("group", group, params["ReplicationGroupId"], params)
            return _value("ReplicationGroup", group)

    def act_ModifyCacheCluster(self, params):  # noqa: N802
        with self.state.lock:
            cluster = self._cluster(params.get("CacheClusterId", ""))
            if cluster.get("ReplicationGroupId"):
                raise Fault("InvalidParameterCombination", "Cache cluster %s is a member of a replication group."
                            % params["CacheClusterId"])
            self._modify("cluster", cluster, params["CacheClusterId"], params)
            return _value("CacheCluster", cluster)


def _fields(spec, required, optional):
    """``spec`` split at ':' into ``required`` fields and up to ``optional`` more (missing or empty ones None)."""
    fields = spec.split(":")
    if not required <= len(fields) <= required + optional or not all(fields[:required]):
        raise SystemExit("bad resource spec %r: give %d to %d ':'-separated fields" % (spec, required, required + optional))
    fields += [""] * (required + optional - len(fields))
    return [field or None for field in fields]


def main(argv=None):
    parser = argparse.ArgumentParser(description="ElastiCache query API stand-in")
    parser.add_argument("--state", required=True)
    parser.add_argument("--cluster", required=True, help="JSON list of the Redis Cluster's ports")
    parser.add_argument("--group", action="append", default=[])
    parser.add_argument("--cache-cluster", action="append", default=[])
    parser.add_argument("--gap", type=float, default=1.0)
    parser.add_argument("--password")
    parser.add_argument("--announce-ipv4", default=ANNOUNCE["ipv4"])
    parser.add_argument("--announce-ipv6", default=ANNOUNCE["ipv6"])
    args = parser.parse_args(argv)
    os.makedirs(args.state, exist_ok=True)
    ports = json.loads(args.cluster)
    state = State(args.state, ports, args.password, args.gap, dict(ipv4=args.announce_ipv4, ipv6=args.announce_ipv6))
    for spec in args.group:
        group_id, network_type, ip_discovery, engine, version = _fields(spec, 3, 2)
        engine, version = engine or DEFAULT_ENGINE[0], version or DEFAULT_ENGINE[1]
        members = ["%s-%04d-001" % (group_id, number) for number in range(1, len(ports) + 1)]
        state.groups[group_id] = dict(
            ReplicationGroupId=group_id, Description="stand-in", Status="available", MemberClusters=members,
            ClusterEnabled=True, ConfigurationEndpoint=dict(Address="127.0.0.1", Port=ports[0]),
            TransitEncryptionEnabled=False, NetworkType=network_type, IpDiscovery=ip_discovery, Engine=engine)
        for member in members:
            state.clusters[member] = dict(
                CacheClusterId=member, CacheClusterStatus="available", Engine=engine, EngineVersion=version,
                NumCacheNodes=1, ReplicationGroupId=group_id, NetworkType=network_type, IpDiscovery=ip_discovery)
    for spec in args.cache_cluster:
        cluster_id, network_type, ip_discovery, group_id, engine, version = _fields(spec, 3, 3)
        group = state.groups.get(group_id) if group_id else None
        if group is not None and group["MemberClusters"]:
            first = state.clusters[group["MemberClusters"][0]]
            engine, version = engine or first["Engine"], version or first["EngineVersion"]
            if cluster_id not in group["MemberClusters"]:
                group["MemberClusters"].append(cluster_id)
        cluster = dict(CacheClusterId=cluster_id, CacheClusterStatus="available",
                       Engine=engine or DEFAULT_ENGINE[0], EngineVersion=version or DEFAULT_ENGINE[1],
                       NumCacheNodes=1, NetworkType=network_type, IpDiscovery=ip_discovery)
        if group_id:
            cluster["ReplicationGroupId"] = group_id
        state.clusters[cluster_id] = cluster
    state.save()
    with open(os.path.join(args.state, "pid"), "w", encoding="ascii") as handle:
        handle.write(str(os.getpid()))
    Handler.state = state
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(os.path.join(args.state, "port.tmp"), "w", encoding="utf-8") as handle:
        handle.write(str(server.server_address[1]))
    os.replace(os.path.join(args.state, "port.tmp"), os.path.join(args.state, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
