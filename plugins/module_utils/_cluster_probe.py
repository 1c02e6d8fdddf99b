# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The I/O side of cluster_ip_discovery: read a Redis Cluster's topology from every node and wait.

Private to dualstack.redis: not a public API, may change in any release.

One *poll* asks the given node, then every node it names, for the topology (CLUSTER SHARDS, falling
back to CLUSTER SLOTS, then CLUSTER NODES). Each answer is a *view*; _cluster_topology reads the replies
and combines the views of a poll (``state()``) without I/O. A ``Probe`` keeps one connection per node for
the whole run (a new one only when the node's announced address changes, which also proves the new
address answers).
"""

import datetime
import time
import traceback

from ansible_collections.dualstack.redis.plugins.module_utils import _cluster_topology as ct
from ansible_collections.dualstack.redis.plugins.module_utils import _redis as rd

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

# Tried in this order; a server that does not know a subcommand answers "unknown subcommand".
COMMANDS = (("SHARDS", ct.nodes_from_shards), ("SLOTS", ct.nodes_from_slots), ("NODES", ct.nodes_from_nodes))


class ProbeError(Exception):
    """A node that cannot be read. ``kind``: unreachable, tls, auth, not_cluster or protocol."""

    def __init__(self, kind, msg):
        super().__init__(msg)
        self.kind = kind


def argument_problems(params):
    """Input errors the argument spec cannot express, as a list of sentences."""
    problems = rd.connection_problems(params)
    if params["timeout"] < 0:
        problems.append("timeout must be 0 or more seconds, got %d" % params["timeout"])
    if params["interval"] <= 0:
        problems.append("interval must be more than 0 seconds, got %s" % params["interval"])
    return problems


def connect_kwargs(params):
    """redis.Redis() keyword arguments from the module's parameters; Probe replaces host and port per node."""
    kwargs = rd.redis_connect_kwargs(params)
    kwargs.update(
        # The wait loop is the retry: one failed attempt must not turn into several slow ones.
        retry=Retry(NoBackoff(), 0),
        single_connection_client=True,
        client_name="dualstack.redis.cluster_ip_discovery",
    )
    return kwargs


def classify(exc, host, port):
    """A redis-py exception -> ProbeError with a message that says what to check."""
    where = ct.where(host, port)
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
        client = self.factory(**dict(self.kwargs, host=host, port=port))
        entry = dict(address=(host, port), client=client, myid=None, command=0)
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
        key = key or ct.where(host, port)
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
            raise ProbeError("protocol", "cannot read CLUSTER %s from %s: %s" % (name, ct.where(host, port), exc)) from None
        return dict(view=ct.where(host, port), myid=entry["myid"], command=name, nodes=nodes)


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
            unreachable.append(dict(id=node["id"], address=ct.where(address, node["port"]), error=str(exc)))
            continue
        views.append(view)
        queue.extend(view["nodes"])
    return views, unreachable


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
            views, unreachable = [], [dict(id=None, address=ct.where(params["host"], params["port"]), error=str(exc))]
        result = ct.state(views, unreachable, wanted)
        result.update(checked_at=now().isoformat(), polls=polls)
        elapsed = clock() - start
        if result["converged"] or result["hostnames_only"] or not wait or elapsed >= timeout:
            result["elapsed"] = round(elapsed, 3)
            return result
        sleep(min(interval, max(timeout - elapsed, 0)))
