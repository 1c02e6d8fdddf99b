# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redis Cluster topology from CLUSTER SHARDS, CLUSTER SLOTS or CLUSTER NODES replies, and what every
node's view says together. No I/O.

Private to dualstack.redis: not a public API, may change in any release.

Replies may come as redis-py returns them: bytes or str, RESP2 flat key/value lists or already-parsed
dicts. Every reader returns the same node dicts: ``id``, ``ip``, ``port``, ``role`` (``master`` or
``replica``), ``endpoint``, ``hostname`` (or None) and ``family`` (``ipv4``, ``ipv6``, or ``hostname``
when the node is announced by name only, as ElastiCache does with TLS).

A *view* is one node's reply, read: dict(``view`` (where it was read, see ``where()``), ``myid`` (the
answering node's ID), ``command`` (``SHARDS``, ``SLOTS`` or ``NODES``), ``nodes`` (node dicts)).
``merge()`` and ``state()`` combine the views of one poll into one entry per node: a node counts as
converged only when every view reports it on the wanted family, because a client may bootstrap from
any node.
"""

import ipaddress

from ansible_collections.dualstack.redis.plugins.module_utils._text import is_digits

RESOLVER_HINT = (
    "The cluster announces its nodes by hostname (as ElastiCache does with TLS): clients resolve those names "
    "themselves, so the address family they connect over is decided by each client host's resolver "
    "(gai.conf on Linux, prefix policies on Windows, Java's flags), not by IP discovery. "
    "Run the dualstack.redis.protocol_preference role on the client hosts to choose it."
)


class TopologyError(ValueError):
    """A reply this module cannot read; the message says which part."""


def text(value):
    """bytes as text (redis-py without decode_responses); anything else as it is."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _pairs(value):
    """A RESP2 flat list [k1, v1, k2, v2, ...] or a dict, as a dict with text keys."""
    if isinstance(value, dict):
        return {text(k): v for k, v in value.items()}
    if isinstance(value, (list, tuple)) and len(value) % 2 == 0:
        return {text(value[i]): value[i + 1] for i in range(0, len(value), 2)}
    raise TopologyError("expected a map or a flat key/value list, got %r" % (value,))


def where(host, port):
    """``host:port``, with an IPv6 address in brackets: ``[::1]:7000``."""
    return "[%s]:%s" % (host, port) if ":" in host else "%s:%s" % (host, port)


def family(address):
    """``ipv4``/``ipv6`` for an address, ``hostname`` for anything else (and for an empty value)."""
    try:
        return "ipv%d" % ipaddress.ip_address(text(address) or "").version
    except ValueError:
        return "hostname"


def _node(node_id, ip, port, role, endpoint, hostname):
    ip, endpoint, hostname = text(ip) or None, text(endpoint) or None, text(hostname) or None
    announced = ip or endpoint
    return dict(
        id=text(node_id), ip=ip, port=int(port), role="master" if text(role) == "master" else "replica",
        endpoint=endpoint, hostname=hostname, family=family(announced) if announced else "hostname",
    )


def _reader(read):
    """A reply reader that raises only TopologyError: a reply of another shape (a server or proxy that answers
    differently, a truncated reply) is named, not a traceback."""
    def wrapped(reply):
        try:
            return read(reply)
        except TopologyError:
            raise
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
            raise TopologyError("unexpected reply (%s: %s): %.200r" % (type(exc).__name__, exc, reply))
    wrapped.__name__, wrapped.__doc__ = read.__name__, read.__doc__
    return wrapped


@_reader
def nodes_from_shards(reply):
    """CLUSTER SHARDS (Redis 7+) -> node dicts."""
    nodes = []
    for shard in reply or []:
        for entry in _pairs(shard).get("nodes", []):
            info = {k: text(v) if isinstance(v, bytes) else v for k, v in _pairs(entry).items()}
            nodes.append(_node(info.get("id"), info.get("ip"), info.get("port", info.get("tls-port", 0)),
                               info.get("role"), info.get("endpoint"), info.get("hostname")))
    return nodes


@_reader
def nodes_from_slots(reply):
    """CLUSTER SLOTS -> node dicts (the first node of each range is its master), each node once."""
    nodes = {}
    for slot_range in reply or []:
        if len(slot_range) < 3:
            raise TopologyError("a CLUSTER SLOTS range without nodes: %r" % (slot_range,))
        for index, entry in enumerate(slot_range[2:]):
            endpoint, port, node_id = entry[0], entry[1], entry[2] if len(entry) > 2 else None
            meta = _pairs(entry[3]) if len(entry) > 3 and entry[3] else {}
            ip = meta.get("ip") or (endpoint if family(endpoint) != "hostname" else None)
            key = text(node_id) or "%s:%s" % (text(endpoint), port)
            nodes.setdefault(key, _node(node_id, ip, port, "master" if index == 0 else "replica", endpoint, meta.get("hostname")))
    return list(nodes.values())


@_reader
def nodes_from_nodes(reply):
    """CLUSTER NODES text -> node dicts. IPv6 addresses appear without brackets: the port is after the last colon."""
    nodes = []
    for line in text(reply or "").splitlines():
        fields = line.split()
        if len(fields) < 8:
            continue
        address, _sep, hostname = fields[1].partition(",")
        address = address.split("@", 1)[0]
        ip, _colon, port = address.rpartition(":")
        flags = fields[2].split(",")
        if "noaddr" in flags or not is_digits(port):
            continue
        role = "master" if "master" in flags else "replica"
        nodes.append(_node(fields[0], ip if family(ip) != "hostname" else None, port, role, ip, hostname))
    return nodes


def summarize(nodes, wanted):
    """What a wait loop needs: the families present, whether every node reports ``wanted``, and the others."""
    families = sorted({node["family"] for node in nodes})
    others = [node for node in nodes if node["family"] != wanted]
    return dict(families=families, converged=bool(nodes) and not others, others=others)


def merge(views, wanted):
    """Views -> one node dict per node ID, as the node announces itself (or as the first view reports it,
    when it did not answer), with ``family`` (``mixed`` when views disagree), ``endpoint_type``,
    ``reported`` (what each view said about it) and ``converged`` (every view reports it on ``wanted``).
    Masters first, then by port."""
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
        node["endpoint_type"] = "hostname" if node["endpoint"] and family(node["endpoint"]) == "hostname" else "ip"
        node["reported"] = entry["reports"]
        node["converged"] = all(report["family"] == wanted for report in entry["reports"])
        nodes.append(node)
    return sorted(nodes, key=lambda n: (n["role"] != "master", n["port"], n["id"] or ""))


def state(views, unreachable, wanted):
    """One poll's views and the nodes that did not answer (dicts of ``id``, ``address``, ``error``) -> what a
    wait loop decides on, and what cluster_ip_discovery returns about the poll."""
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
    """The nodes of a ``state()`` keeping the cluster from converging, one phrase each."""
    parts = []
    for node in result["nodes"]:
        if node["converged"]:
            continue
        others = [r for r in node["reported"] if r["family"] != wanted]
        addresses = sorted({r["ip"] or r["endpoint"] or "?" for r in others})
        parts.append("%s %s %s (reported as %s by %d of %d views)" % (
            node["role"], (node["id"] or "?")[:8], where(node["endpoint"] or node["ip"] or "?", node["port"]),
            ", ".join(addresses), len(others), len(node["reported"])))
    for entry in result["unreachable"]:
        parts.append("%s %s did not answer: %s" % ((entry["id"] or "?")[:8], entry["address"] or "", entry["error"]))
    return "; ".join(parts)
