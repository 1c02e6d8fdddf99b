# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The I/O side of cluster_ip_discovery: read a Redis Cluster's topology from every node and wait.

Private to dualstack.redis: not a public API, may change in any release.

One *poll* asks the given node, then every node it names, for the topology (CLUSTER SHARDS, falling
back to CLUSTER SLOTS, then CLUSTER NODES). Each answer is a *view*; _cluster_topology reads the replies
and combines the views of a poll (``state()``) without I/O. A ``Probe`` keeps one connection per node and
address family for the whole run (a new one only when the node's announced address changes, which also
proves the new address answers).

Each view is read *over* a family (the family of the address connected to) because a node may answer each
family differently: Valkey 8's ``cluster-announce-client-ipv4`` and ``cluster-announce-client-ipv6`` give
clients that came over IPv4 the IPv4 addresses and those that came over IPv6 the IPv6 ones. So a poll starts
from one address of each family where it has one (``entry_points()``: a name's addresses, or, for an address,
the other family's address the node announces, read with CONFIG GET where the user may), and reads every
node over every family it is announced on in some view.
"""

import datetime
import functools
import socket
import threading
import time
import traceback

from ansible_collections.dualstack.redis.plugins.module_utils import _checks as checks
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

# The family of a socket address family.
_FAMILY_OF = {socket.AF_INET: "ipv4", socket.AF_INET6: "ipv6"}

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
    problems.append(checks.seconds(params["timeout"], "timeout", 0, 86400))
    problems.append(checks.seconds(params["interval"], "interval", 0, 3600, exclusive_minimum=True))
    return [problem for problem in problems if problem]


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
    """Reads views; ``factory`` builds a client (redis.Redis, or a fake in unit tests).

    With a ``deadline`` (a ``clock()`` time), no socket operation waits past it: each one gets the
    connection's own timeout or the time left, whichever is shorter, and a read that would start after it
    raises ProbeError of kind ``deadline``.
    """

    def __init__(self, kwargs, factory=None, clock=time.monotonic):
        self.kwargs = kwargs
        self.factory = factory or redis.Redis
        self.clock = clock
        self.deadline = None
        self.clients = {}  # key -> dict(address, client, myid, command)
        self.connections = 0
        self.cut_short = False  # observe(): a read of this poll did not start, the deadline having passed

    def _budget(self, host, port):
        """Seconds the next socket operation may take."""
        limit = self.kwargs.get("socket_timeout")
        if self.deadline is None:
            return limit
        left = self.deadline - self.clock()
        if left <= 0:
            raise ProbeError("deadline", "%s was not read: the timeout was reached" % ct.where(host, port))
        return left if limit is None else min(limit, left)

    def _within(self, host, port, seconds, call):
        """``call()``'s result, or ProbeError of kind ``timeout`` when it takes more than ``seconds`` in all.

        redis-py's socket timeout bounds each read, not a reply: a server that trickles its reply one byte at a time
        would hold a read for ever. So the call runs in a daemon thread, given ``seconds`` (plus a moment) as a whole;
        one that outlives it is left behind (its connection is not used again, and the thread ends with the process)."""
        if seconds is None:
            return call()
        outcome = {}

        def run():
            try:
                outcome["value"] = call()
            except BaseException as exc:  # pylint: disable=broad-except
                outcome["error"] = exc

        worker = threading.Thread(target=run)
        worker.daemon = True
        worker.start()
        worker.join(seconds + 0.25)
        if worker.is_alive():
            raise ProbeError("timeout", "%s did not answer within %s s" % (ct.where(host, port), seconds))
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    @staticmethod
    def _limit(client, seconds):
        """Bound the next operations of a connected client (redis-py reads its socket's timeout)."""
        connection = getattr(client, "connection", None)
        if connection is None or seconds is None:
            return
        connection.socket_timeout = connection.socket_connect_timeout = seconds
        sock = getattr(connection, "_sock", None)
        if sock is not None:
            sock.settimeout(seconds)

    def _entry(self, key, host, port):
        entry = self.clients.get(key)
        if entry is not None and entry["address"] == (host, port):
            self._limit(entry["client"], self._budget(host, port))
            return entry
        if entry is not None:
            self._close(entry)
        self.clients.pop(key, None)
        budget = self._budget(host, port)
        self.connections += 1
        kwargs = dict(self.kwargs, host=host, port=port)
        if budget is not None:
            kwargs.update(socket_timeout=budget, socket_connect_timeout=budget)
        client = self._within(host, port, budget, functools.partial(self.factory, **kwargs))
        entry = dict(address=(host, port), client=client, myid=None, command=0)
        self.clients[key] = entry
        return entry

    @staticmethod
    def _close(entry):
        try:
            entry["client"].close()
        except Exception:  # pylint: disable=broad-except
            pass

    def _forget(self, key):
        """Close and drop the client of ``key`` (the next read connects afresh)."""
        entry = self.clients.pop(key, None)
        if entry is not None:
            self._close(entry)

    def close(self):
        for entry in self.clients.values():
            self._close(entry)
        self.clients = {}

    def announced_per_family(self, host, port, key=None):
        """{family: address} the node at ``host``/``port`` announces to clients of each family (Valkey 8+:
        CONFIG GET cluster-announce-client-ipv4/ipv6), only the values set. Empty where the server has no such
        setting (Redis OSS), where CONFIG is not allowed (ElastiCache, ACLs) or on any error: this only adds a
        place to read from, it never fails a poll. Only a node that does not answer within the time raises
        (ProbeError of kind ``timeout``, or ``unreachable`` when redis-py's socket timeout ran out first)."""
        key = key or ct.where(host, port)
        try:
            entry = self._entry(key, host, port)
            reply = self._within(host, port, self._budget(host, port),
                                 lambda: entry["client"].execute_command("CONFIG", "GET", "cluster-announce-client-ipv*"))
            pairs = ct.pairs(reply)
        except ProbeError as exc:
            self._forget(key)
            if exc.kind == "timeout":
                raise  # the node does not answer: reading its view would wait as long again
            return {}
        except (redis_errors.TimeoutError, socket.timeout) as exc:
            self._forget(key)
            raise classify(exc, host, port) from None  # (as above: a peer that takes the command and never answers)
        except (redis_errors.RedisError, OSError, ct.TopologyError):
            return {}
        found = {}
        for family in ct.FAMILIES:
            value = ct.text(pairs.get("cluster-announce-client-" + family))
            if isinstance(value, str) and ct.family(value) == family:
                found[family] = value
        return found

    def read(self, host, port, key=None):
        """One view: dict(view, myid, command, nodes, over). Raises ProbeError."""
        key = key or ct.where(host, port)
        try:
            # redis-py connects (and authenticates) when a single-connection client is made
            entry = self._entry(key, host, port)
            client = entry["client"]
            if entry["myid"] is None:
                budget = self._budget(host, port)
                entry["myid"] = ct.text(self._within(host, port, budget, lambda: client.execute_command("CLUSTER", "MYID")))
            while True:
                name, reader = COMMANDS[entry["command"]]
                budget = self._budget(host, port)
                self._limit(client, budget)
                try:
                    reply = self._within(host, port, budget, lambda: client.execute_command("CLUSTER", name))
                    break
                except redis_errors.ResponseError as exc:
                    if not _unknown_command(exc) or entry["command"] + 1 == len(COMMANDS):
                        raise
                    entry["command"] += 1
        except (redis_errors.RedisError, OSError) as exc:
            raise classify(exc, host, port) from None
        except ProbeError:
            self._forget(key)  # a call left behind may still hold its connection
            raise
        try:
            nodes = reader(reply)
        except ct.TopologyError as exc:
            raise ProbeError("protocol", "cannot read CLUSTER %s from %s: %s" % (name, ct.where(host, port), exc)) from None
        return dict(view=ct.where(host, port), myid=entry["myid"], command=name, nodes=nodes,
                    over=_over(host, entry["client"]))


def _over(host, client):
    """The family a view was read over: the address's, or, for a name (TLS), the connected socket's."""
    family = ct.family(host)
    if family != "hostname":
        return family
    sock = getattr(getattr(client, "connection", None), "_sock", None)
    return _FAMILY_OF.get(getattr(sock, "family", None))


def entry_points(host, port, tls=False, resolve=socket.getaddrinfo):
    """[(family, address)]: where a poll starts. An address is its own family's entry; a name gives its first
    address of each family, in getaddrinfo's order (the order clients on this host try them). With TLS a name
    stays a name (the certificate names it; the family is learnt from the connection), as does a name that does
    not resolve (the connection then says why)."""
    family = ct.family(host)
    if family != "hostname":
        return [(family, host)]
    if tls:
        return [(None, host)]
    try:
        infos = resolve(host, port, 0, socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return [(None, host)]
    found = []
    for info in infos:
        family = _FAMILY_OF.get(info[0])
        if family and family not in [f for f, _a in found]:
            found.append((family, info[4][0].split("%", 1)[0]))
    return found or [(None, host)]


def entry_key(family, address, port):
    """The Probe key of a way in (apart from the nodes' own keys, so a node reached both ways keeps each)."""
    return ("entry", family, ct.where(address, port))


def observe(probe, entries, port, all_nodes):
    """One poll from ``entries`` ([(family, address)]): each entry's view and, with ``all_nodes``, the view
    of every node named, read over each family some view announces it on (a node announced on both is read
    twice, once over each, on one connection per family kept across polls).

    Returns (views, unreachable). The given node failing (every entry) raises ProbeError; another node, or one
    entry of two, failing to answer is listed in ``unreachable`` (it keeps the poll from converging), except
    for auth, TLS and not-cluster errors, which no waiting can fix.
    """
    views, unreachable, first_error = [], [], None
    for family, address in entries:
        try:
            views.append(probe.read(address, port, key=entry_key(family, address, port)))
        except ProbeError as exc:
            if exc.kind in ("auth", "not_cluster", "tls") or len(entries) == 1:
                raise
            first_error = first_error or exc
            unreachable.append(dict(id=None, address=ct.where(address, port), error=str(exc), over=family, entry=True))
    if not views:
        raise first_error
    if not all_nodes:
        return views, unreachable
    # From one way in, each node is read once, where the views announce it; from one way in per family, each
    # node is read over each family it is announced on.
    both = len(entries) > 1

    def seen(node_id, over):
        return (node_id, over if both else None)

    asked = {seen(view["myid"], view["over"]) for view in views}
    queue = [node for view in views for node in view["nodes"]]
    while queue:
        node = queue.pop(0)
        address = node["endpoint"] if node["endpoint"] and node["endpoint"] != "?" else node["ip"]
        over = ct.family(address) if address else None
        over = over if over != "hostname" else None
        if seen(node["id"], over) in asked or (over is None and any(key[0] == node["id"] for key in asked)):
            continue
        asked.add(seen(node["id"], over))
        if not address:
            unreachable.append(dict(id=node["id"], address=None, error="the node announces no address", over=None))
            continue
        try:
            view = probe.read(address, node["port"], key=seen(node["id"], over))
        except ProbeError as exc:
            if exc.kind in ("auth", "not_cluster", "tls"):
                raise
            # deadline: the time ran out in the middle of this poll (watch() then answers with the last whole poll,
            # when there is one); unreachable, timeout or protocol: this node keeps the poll from converging
            probe.cut_short = probe.cut_short or exc.kind == "deadline"
            unreachable.append(dict(id=node["id"], address=ct.where(address, node["port"]), error=str(exc), over=over))
            continue
        asked.add(seen(view["myid"], view["over"]))
        views.append(view)
        queue.extend(view["nodes"])
    return views, unreachable


def watch(probe, params, clock=time.monotonic, sleep=time.sleep, now=None, resolve=None):
    """Poll until converged, or once without ``wait``; bounded by ``timeout``. Returns the result dict.

    Raises ProbeError when the given node cannot be read on the first poll, or for auth and
    not-cluster errors at any time. The caller decides what a non-converged result means.
    """
    now = now or (lambda: datetime.datetime.now(datetime.timezone.utc))
    wanted, wait, timeout, interval = params["family"], params["wait"], params["timeout"], params["interval"]
    port = params["port"]
    start = clock()
    if wait and timeout > 0:
        probe.clock, probe.deadline = clock, start + timeout
    entries = entry_points(params["host"], port, params.get("tls", False), resolve=resolve or socket.getaddrinfo)
    announced = {}
    if len(entries) == 1:
        # One way in: ask the node where it sends clients of each family, and read the other family's view there.
        family, address = entries[0]
        key = entry_key(family, address, port)
        announced = probe.announced_per_family(address, port, key=key)
        if family is None and key in probe.clients:
            family = _over(address, probe.clients[key]["client"])
        entries = entries + [(f, a) for f, a in sorted(announced.items()) if family and f != family][:1]
    polls = 0
    result = None
    while True:
        polls += 1
        probe.cut_short = False
        try:
            views, unreachable = observe(probe, entries, port, params["all_nodes"])
            if probe.cut_short and result is not None:
                raise ProbeError("deadline", "the time ran out in the middle of a poll")
        except ProbeError as exc:
            if exc.kind == "deadline" and result is not None:
                # The time ran out before this poll was whole: the last complete poll is the answer.
                result["elapsed"] = round(clock() - start, 3)
                return result
            if polls == 1 or exc.kind != "unreachable":
                raise
            views, unreachable = [], [dict(id=None, address=ct.where(params["host"], port), error=str(exc), over=None)]
        result = ct.state(views, unreachable, wanted, announced=announced)
        result.update(checked_at=now().isoformat(), polls=polls)
        elapsed = clock() - start
        done = result["converged"] or result["hostnames_only"] or result["cannot_converge"]
        if done or not wait or elapsed >= timeout:
            result["elapsed"] = round(elapsed, 3)
            return result
        sleep(min(interval, max(timeout - elapsed, 0)))
