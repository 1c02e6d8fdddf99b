# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a Redis client on this host ends up using: the logic of the module redis_endpoint_info.

Private to dualstack.redis: not a public API, may change in any release. Python 3.6+, standard library only.

``argument_spec()`` is the collection's shared Redis connection options (``_redis.redis_argument_spec()``, the
doc fragment ``dualstack.redis._redis``) with this module's old names kept as aliases, plus ``cluster``.
``problems(params)`` checks the options before anything is resolved or connected (the shared checks, with the
messages every Redis module gives, and this module's own). ``observe(params)`` turns them into the connection
settings every Redis module uses (``_redis.redis_connect_kwargs()``, applied here to the standard library's
sockets and ssl), resolves the host with this host's getaddrinfo, connects as a client does (the first address
that answers), authenticates, asks the server which address it saw (CLIENT INFO, else CLIENT ID and CLIENT
LIST) and, for a cluster, reads the topology (CLUSTER SHARDS, else SLOTS, else NODES) and resolves each node
announced by name in this host's order. Failures raise EndpointError with one line that says what happened.
"""

import ssl

from ansible_collections.dualstack.redis.plugins.module_utils import _client_view as cv
from ansible_collections.dualstack.redis.plugins.module_utils import _cluster_topology as ct
from ansible_collections.dualstack.redis.plugins.module_utils import _redis as rd
from ansible_collections.dualstack.redis.plugins.module_utils import _resp as resp

# The names this module first gave two of its connection options, accepted still as aliases of the shared ones:
# shared name -> old name (host, port, username, password, tls and validate_certs were the shared names already).
OLD_NAMES = {"ca_certs": "ca_path", "connect_timeout": "timeout"}


class EndpointError(Exception):
    """One line for the user; ``kind`` says which failure (refused, timeout, auth, tls, protocol, ...)."""

    def __init__(self, kind, msg):
        super(EndpointError, self).__init__(msg)
        self.kind = kind


def argument_spec():
    """The module's argument spec: the shared connection options, the old names as aliases, and ``cluster``."""
    spec = rd.redis_argument_spec()
    for name, old in OLD_NAMES.items():
        spec[name]["aliases"] = spec[name].get("aliases", []) + [old]
    spec.update(cluster=dict(type="raw", default="auto"))
    return spec


def problems(params):
    """What is wrong with the options, as sentences (empty when nothing is)."""
    out = []
    host = params["host"]
    if not host or not host.strip() or any(c in host for c in "\x00\r\n\t /"):
        out.append("host must be a host name or an address, got %r" % host)
    out.extend(rd.connection_problems(params))
    if params["username"] and not params["password"]:
        out.append("username needs password")
    return out


def _fail(exc, host, port, tls):
    if isinstance(exc, resp.ReplyError):
        return EndpointError("server", "%s answered: %s" % (ct.where(host, port), exc))
    hint = ""
    if exc.kind in ("closed", "timeout", "protocol") and not tls:
        hint = " (if this port takes TLS only, set tls: true)"
    return EndpointError(exc.kind, str(exc) + hint)


def tls_context(kwargs):
    """The ssl.SSLContext for the TLS settings of ``redis_connect_kwargs()`` (what redis-py would be given), or None
    without TLS. RespError (kind ``tls``) when a CA or the client certificate cannot be loaded."""
    if not kwargs.get("ssl"):
        return None
    context = resp.tls_context(kwargs.get("ssl_ca_certs"), kwargs["ssl_cert_reqs"] != "none")
    if not kwargs["ssl_check_hostname"]:
        context.check_hostname = False
    if kwargs.get("ssl_certfile"):
        try:
            context.load_cert_chain(kwargs["ssl_certfile"], kwargs.get("ssl_keyfile"))
        except (OSError, ssl.SSLError) as exc:
            raise resp.RespError("tls", "cannot load the client certificate %s with the key %s: %s"
                                 % (kwargs["ssl_certfile"], kwargs.get("ssl_keyfile"), exc))
    return context


def _authenticate(conn, kwargs, at):
    if not kwargs["password"]:
        return
    args = ["AUTH"] + ([kwargs["username"]] if kwargs["username"] else []) + [kwargs["password"]]
    try:
        conn.command(*args)
    except resp.ReplyError as exc:
        who = "user %s" % kwargs["username"] if kwargs["username"] else "the default user"
        raise EndpointError("auth", "authentication as %s failed at %s: %s" % (who, at, exc))


def _server_saw(conn):
    try:
        return cv.seen(conn.command("CLIENT", "INFO"))
    except resp.ReplyError as exc:
        if exc.code in ("NOAUTH", "NOPERM"):
            raise
    # Before Redis 6.2: this connection's id, then its line in CLIENT LIST.
    return cv.seen(cv.own_line(conn.command("CLIENT", "LIST"), conn.command("CLIENT", "ID")))


def _cluster_enabled(conn):
    info = conn.command("INFO", "cluster")
    text = info.decode("utf-8", "replace") if isinstance(info, bytes) else ""
    return any(line.strip() == "cluster_enabled:1" for line in text.splitlines())


def _topology(conn, port):
    """(command, node dicts) from SHARDS, else SLOTS, else NODES (the first the server knows)."""
    readers = (("SHARDS", ct.nodes_from_shards), ("SLOTS", ct.nodes_from_slots), ("NODES", ct.nodes_from_nodes))
    last = None
    for command, read in readers:
        try:
            reply = conn.command("CLUSTER", command)
        except resp.ReplyError as exc:
            if exc.code in ("NOAUTH", "NOPERM"):
                raise
            last = exc
            continue
        try:
            nodes = read(reply)
        except ct.TopologyError as exc:
            raise EndpointError("protocol", "cannot read CLUSTER %s from %s: %s" % (command, ct.where(conn.address, port), exc))
        return command, nodes
    raise EndpointError("server", "%s knows none of CLUSTER SHARDS, SLOTS, NODES: %s" % (ct.where(conn.address, port), last))


def _entries(nodes, timeout):
    """The topology's entries; the nodes announced by a name are resolved together, all within ``timeout`` seconds
    (a name not resolved by then has ``resolve_error``)."""
    entries = []
    for node in nodes:
        endpoint = node["endpoint"] or node["ip"] or node["hostname"]
        entries.append(dict(id=node["id"], role=node["role"], endpoint=endpoint, port=node["port"], ip=node["ip"],
                            hostname=node["hostname"], family=ct.family(endpoint) if endpoint else "hostname"))
    named = [entry for entry in entries if entry["family"] == "hostname" and entry["endpoint"] and entry["endpoint"] != "?"]
    found = resp.resolve_many([(entry["endpoint"], entry["port"]) for entry in named], timeout)
    for entry in named:
        value = found[(entry["endpoint"], entry["port"])]
        if isinstance(value, resp.RespError):
            entry["resolved"], entry["resolve_error"] = [], str(value)
        else:
            entry["resolved"] = resp.reported(value)
    return entries


def observe(params, connect=None):
    """The module's result (without ``changed``), or EndpointError. ``connect`` is ``resp.connect`` unless given."""
    connect = connect or resp.connect
    kwargs = rd.redis_connect_kwargs(params)
    host, port = kwargs["host"], kwargs["port"]
    at = ct.where(host, port)
    try:
        resolved = resp.addresses(host, port, kwargs["socket_connect_timeout"])
        # One deadline for connecting (every address together), then the same for each reply: the shared options
        # give socket_connect_timeout and socket_timeout one value (connect_timeout).
        conn, attempts = connect(host, port, kwargs["socket_connect_timeout"], tls=tls_context(kwargs))
    except resp.RespError as exc:
        raise EndpointError(exc.kind, str(exc))
    result = dict(resolved=resolved, attempts=attempts,
                  connected=dict(address=conn.address, port=port, family=conn.family))
    try:
        _authenticate(conn, kwargs, at)
        try:
            result["server_saw"] = _server_saw(conn)
        except resp.ReplyError as exc:
            if exc.code == "NOAUTH":
                raise EndpointError("auth", "%s needs a password (give password, and username for an ACL user)" % at)
            raise
        except cv.ClientViewError as exc:
            raise EndpointError("protocol", "cannot read which address %s saw: %s" % (at, exc))
        cluster = params["cluster"]  # "auto", True or False (the module normalises it)
        enabled = _cluster_enabled(conn) if cluster is not False else False
        if cluster is True and not enabled:
            raise EndpointError("not_cluster", "%s is not a cluster node (cluster_enabled:0); use cluster: auto or false" % at)
        result["cluster"] = enabled
        if enabled:
            result["topology_command"], nodes = _topology(conn, port)
            result["topology"] = _entries(nodes, kwargs["socket_connect_timeout"])
    except (resp.RespError, resp.ReplyError) as exc:
        raise _fail(exc, host, port, params["tls"])
    finally:
        conn.close()
    return result
