# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The I/O side of cluster_ip_discovery: read a Redis Cluster's topology from every node and wait.

Private to dualstack.redis: not a public API, may change in any release.

One *poll* asks the given node, then every node it names, for the topology (CLUSTER SHARDS, falling
back to CLUSTER SLOTS, then CLUSTER NODES). Each answer is a *view*; a node counts as converged only
when every view reports it on the wanted family, because a client may bootstrap from any node.
A ``Probe`` keeps one connection per node for the whole run (a new one only when the node's announced
address changes, which also proves the new address answers).
"""

import datetime
import time
import traceback

from ansible_collections.dualstack.redis.plugins.module_utils import _cluster_topology as ct

try:
    import redis
    from redis import exceptions as redis_errors
    from redis.backoff import NoBackoff
    from redis.retry import Retry
except ImportError:  # the module reports it with missing_required_lib()
    redis = None
    REDIS_IMPORT_ERROR = traceback.format_exc()
else:
    REDIS_IMPORT_ERROR = None

ARGUMENT_SPEC = dict(
    host=dict(type="str", required=True),
    port=dict(type="int", default=6379),
    username=dict(type="str"),
    password=dict(type="str", no_log=True),
    tls=dict(type="bool", default=False),
    validate_certs=dict(type="bool", default=True),
    ca_certs=dict(type="path"),
    client_cert_file=dict(type="path"),
    client_key_file=dict(type="path"),
    connect_timeout=dict(type="float", default=5.0),
    family=dict(type="str", required=True, choices=["ipv4", "ipv6"]),
    wait=dict(type="bool", default=True),
    timeout=dict(type="int", default=300),
    interval=dict(type="float", default=2.0),
    all_nodes=dict(type="bool", default=True),
)

RESOLVER_HINT = (
    "The cluster announces its nodes by hostname (as ElastiCache does with TLS): clients resolve those names "
    "themselves, so the address family they connect over is decided by each client host's resolver "
    "(gai.conf on Linux, prefix policies on Windows, Java's flags), not by IP discovery. "
    "Run the dualstack.redis.protocol_preference role on the client hosts to choose it."
)

# Tried in this order; a server that does not know a subcommand answers "unknown subcommand".
COMMANDS = (("SHARDS", ct.nodes_from_shards), ("SLOTS", ct.nodes_from_slots), ("NODES", ct.nodes_from_nodes))


class ProbeError(Exception):
    """A node that cannot be read. ``kind``: unreachable, tls, auth, not_cluster or protocol."""

    def __init__(self, kind, msg):
        super().__init__(msg)
        self.kind = kind


def argument_problems(params):
    """Input errors the argument spec cannot express, as a list of sentences."""
    problems = []
    if not 1 <= params["port"] <= 65535:
        problems.append("port must be between 1 and 65535, got %d" % params["port"])
    if params["timeout"] < 0:
        problems.append("timeout must be 0 or more seconds, got %d" % params["timeout"])
    if params["interval"] <= 0:
        problems.append("interval must be more than 0 seconds, got %s" % params["interval"])
    if params["connect_timeout"] <= 0:
        problems.append("connect_timeout must be more than 0 seconds, got %s" % params["connect_timeout"])
    if not params["tls"]:
        given = [name for name in ("ca_certs", "client_cert_file", "client_key_file") if params.get(name)]
        if given:
            problems.append("%s only apply with tls: true" % ", ".join(given))
    if bool(params.get("client_cert_file")) != bool(params.get("client_key_file")):
        problems.append("client_cert_file and client_key_file go together")
    return problems


def connect_kwargs(params):
    """redis.Redis() keyword arguments from the module's parameters."""
    kwargs = dict(
        username=params.get("username") or None,
        password=params.get("password") or None,
        socket_connect_timeout=params["connect_timeout"],
        socket_timeout=params["connect_timeout"],
        # The wait loop is the retry: one failed attempt must not turn into several slow ones.
        retry=Retry(NoBackoff(), 0),
        single_connection_client=True,
        client_name="dualstack.redis.cluster_ip_discovery",
    )
    if params["tls"]:
        kwargs.update(
            ssl=True,
            ssl_cert_reqs="required" if params["validate_certs"] else "none",
            ssl_check_hostname=params["validate_certs"],
            ssl_ca_certs=params.get("ca_certs"),
            ssl_certfile=params.get("client_cert_file"),
            ssl_keyfile=params.get("client_key_file"),
        )
    return kwargs


def _where(host, port):
    return "[%s]:%s" % (host, port) if ":" in host else "%s:%s" % (host, port)


def classify(exc, host, port):
    """A redis-py exception -> ProbeError with a message that says what to check."""
    where = _where(host, port)
    text = str(exc)
    # AuthorizationError is not in every redis-py release the module supports
    auth_errors = (redis_errors.AuthenticationError, getattr(redis_errors, "AuthorizationError", redis_errors.AuthenticationError))
    if isinstance(exc, auth_errors) or text.startswith(("NOAUTH", "WRONGPASS")):
        return ProbeError("auth", "authentication failed at %s: %s (check username and password)" % (where, text))
    if isinstance(exc, getattr(redis_errors, "NoPermissionError", ())) or text.startswith("NOPERM"):
        return ProbeError("auth", "the user may not read the cluster topology at %s: %s "
                                  "(it needs CLUSTER SHARDS/SLOTS/NODES and CLUSTER MYID)" % (where, text))
    if "cluster support disabled" in text:
        return ProbeError("not_cluster", "%s is not a cluster-mode Redis (cluster support disabled): IP discovery "
                                         "applies to Redis Cluster and cluster-mode-enabled ElastiCache" % where)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text or "hostname mismatch" in text.lower():
        return ProbeError("tls", "TLS with %s failed, the server certificate was not accepted: %s (give ca_certs the CA "
                                 "that signed it, or set validate_certs: false)" % (where, text))
    if isinstance(exc, (redis_errors.ConnectionError, redis_errors.TimeoutError, OSError)):
        return ProbeError("unreachable", "cannot reach %s: %s" % (where, text))
    return ProbeError("protocol", "%s answered with an error: %s" % (where, text))


def _unknown_command(exc):
    text = str(exc).lower()
    return "unknown subcommand" in text or "unknown command" in text


class Probe:
    """Reads views; ``factory`` builds a client (redis.Redis, or a fake in unit tests)."""

    def __init__(self, kwargs, factory=None):
        self.kwargs = kwargs
        self.factory = factory or redis.Redis
        self.clients = {}  # key -> dict(address, client, myid, command)
        self.connections = 0

    def _entry(self, key, host, port):
        entry = self.clients.get(key)
        if entry is not None and entry["address"] == (host, port):
            return entry
        if entry is not None:
            self._close(entry)
        self.clients.pop(key, None)
        self.connections += 1
        entry = dict(address=(host, port), client=self.factory(host=host, port=port, **self.kwargs), myid=None, command=0)
        self.clients[key] = entry
        return entry

    @staticmethod
    def _close(entry):
        try:
            entry["client"].close()
        except Exception:  # pylint: disable=broad-except
            pass

    def close(self):
        for entry in self.clients.values():
            self._close(entry)
        self.clients = {}

    def read(self, host, port, key=None):
        """One view: dict(view, myid, command, nodes). Raises ProbeError."""
        key = key or _where(host, port)
        try:
            # redis-py connects (and authenticates) when a single-connection client is made
            entry = self._entry(key, host, port)
            client = entry["client"]
            if entry["myid"] is None:
                entry["myid"] = ct.text(client.execute_command("CLUSTER", "MYID"))
            while True:
                name, reader = COMMANDS[entry["command"]]
                try:
                    reply = client.execute_command("CLUSTER", name)
                    break
                except redis_errors.ResponseError as exc:
                    if not _unknown_command(exc) or entry["command"] + 1 == len(COMMANDS):
                        raise
                    entry["command"] += 1
        except (redis_errors.RedisError, OSError) as exc:
            raise classify(exc, host, port) from None
        try:
            nodes = reader(reply)
        except ct.TopologyError as exc:
            raise ProbeError("protocol", "cannot read CLUSTER %s from %s: %s" % (name, _where(host, port), exc)) from None
        return dict(view=_where(host, port), myid=entry["myid"], command=name, nodes=nodes)


def observe(probe, host, port, all_nodes):
    """One poll: the given node's view and, with ``all_nodes``, the view of every node named.

    Returns (views, unreachable). The given node failing raises ProbeError; another node failing to
    answer is listed in ``unreachable`` (it keeps the poll from converging), except for auth, TLS and
    not-cluster errors, which no waiting can fix.
    """
    views = [probe.read(host, port)]
    unreachable = []
    if not all_nodes:
        return views, unreachable
    asked = {views[0]["myid"]}
    queue = list(views[0]["nodes"])
    while queue:
        node = queue.pop(0)
        if node["id"] in asked:
            continue
        asked.add(node["id"])
        address = node["endpoint"] if node["endpoint"] and node["endpoint"] != "?" else node["ip"]
        if not address:
            unreachable.append(dict(id=node["id"], address=None, error="the node announces no address"))
            continue
        try:
            view = probe.read(address, node["port"], key=node["id"])
        except ProbeError as exc:
            if exc.kind in ("auth", "not_cluster", "tls"):
                raise
            unreachable.append(dict(id=node["id"], address=_where(address, node["port"]), error=str(exc)))
            continue
        views.append(view)
        queue.extend(view["nodes"])
    return views, unreachable


def merge(views, wanted):
    """Views -> one entry per node id, with what each view reported about it."""
    merged = {}
    for view in views:
        for node in view["nodes"]:
            entry = merged.setdefault(node["id"], dict(own=None, first=node, reports=[]))
            if node["id"] == view["myid"]:
                entry["own"] = node
            entry["reports"].append(dict(view=view["view"], ip=node["ip"], endpoint=node["endpoint"], family=node["family"]))
    nodes = []
    for entry in merged.values():
        node = dict(entry["own"] or entry["first"])
        families = sorted({report["family"] for report in entry["reports"]})
        node["family"] = families[0] if len(families) == 1 else "mixed"
        node["endpoint_type"] = "hostname" if node["endpoint"] and ct.family(node["endpoint"]) == "hostname" else "ip"
        node["reported"] = entry["reports"]
        node["converged"] = all(report["family"] == wanted for report in entry["reports"])
        nodes.append(node)
    return sorted(nodes, key=lambda n: (n["role"] != "master", n["port"], n["id"] or ""))


def state(views, unreachable, wanted):
    """What the loop decides on, and what the module returns about one poll."""
    nodes = merge(views, wanted)
    families = sorted({report["family"] for node in nodes for report in node["reported"]})
    return dict(
        nodes=nodes,
        families=families,
        converged=bool(nodes) and not unreachable and all(node["converged"] for node in nodes),
        unreachable=unreachable,
        commands=sorted({view["command"] for view in views}),
        hostname_endpoints=any(node["endpoint_type"] == "hostname" for node in nodes),
        # No view gives an address for any node: the family is the client resolver's choice.
        hostnames_only=bool(nodes) and families == ["hostname"],
    )


def describe_laggards(result, wanted):
    """The nodes keeping the cluster from converging, one phrase each."""
    parts = []
    for node in result["nodes"]:
        if node["converged"]:
            continue
        others = [r for r in node["reported"] if r["family"] != wanted]
        addresses = sorted({r["ip"] or r["endpoint"] or "?" for r in others})
        parts.append("%s %s %s (reported as %s by %d of %d views)" % (
            node["role"], (node["id"] or "?")[:8], _where(node["endpoint"] or node["ip"] or "?", node["port"]),
            ", ".join(addresses), len(others), len(node["reported"])))
    for entry in result["unreachable"]:
        parts.append("%s %s did not answer: %s" % ((entry["id"] or "?")[:8], entry["address"] or "", entry["error"]))
    return "; ".join(parts)


def watch(probe, params, clock=time.monotonic, sleep=time.sleep, now=None):
    """Poll until converged, or once without ``wait``; bounded by ``timeout``. Returns the result dict.

    Raises ProbeError when the given node cannot be read on the first poll, or for auth and
    not-cluster errors at any time. The caller decides what a non-converged result means.
    """
    now = now or (lambda: datetime.datetime.now(datetime.timezone.utc))
    wanted, wait, timeout, interval = params["family"], params["wait"], params["timeout"], params["interval"]
    start = clock()
    polls = 0
    while True:
        polls += 1
        try:
            views, unreachable = observe(probe, params["host"], params["port"], params["all_nodes"])
        except ProbeError as exc:
            if polls == 1 or exc.kind != "unreachable":
                raise
            views, unreachable = [], [dict(id=None, address=_where(params["host"], params["port"]), error=str(exc))]
        result = state(views, unreachable, wanted)
        result.update(checked_at=now().isoformat(), polls=polls)
        elapsed = clock() - start
        if result["converged"] or result["hostnames_only"] or not wait or elapsed >= timeout:
            result["elapsed"] = round(elapsed, 3)
            return result
        sleep(min(interval, max(timeout - elapsed, 0)))
