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
answering node's ID), ``command`` (``SHARDS``, ``SLOTS`` or ``NODES``), ``nodes`` (node dicts), ``over``
(the family it was read over, ``ipv4``/``ipv6``, None when unknown)).
``merge()`` and ``state()`` combine the views of one poll into one entry per node: a node counts as
converged only when every view reports it on the wanted family, because a client may bootstrap from
any node. A cluster that answers *per family* (the same node, asked over IPv4 and over IPv6 in the same
poll, reports another node on IPv4 to the first and on IPv6 to the second: Valkey 8's
``cluster-announce-client-ipv4``/``-ipv6``) is judged on the views read over the wanted family only: what
clients that connect over that family get. No wait can change what the other family's clients get.
"""

import ipaddress

FAMILIES = ("ipv4", "ipv6")
OTHER = {"ipv4": "ipv6", "ipv6": "ipv4"}

from ansible_collections.dualstack.redis.plugins.module_utils._text import is_digits

RESOLVER_HINT = (
    "The cluster announces its nodes by hostname (as ElastiCache does with TLS): clients resolve those names "
    "themselves, so the address family they connect over is decided by each client host's resolver "
    "(gai.conf on Linux, prefix policies on Windows, Java's flags), not by IP discovery. "
    "Run the dualstack.redis.protocol_preference role on the client hosts to choose it."
)

PER_FAMILY_HINT = (
    "The cluster gives each address family's clients their own addresses (Valkey 8+ with cluster-announce-client-ipv4 "
    "and cluster-announce-client-ipv6): a client gets the family it connected over, so which family clients use is "
    "decided by how they reach the first node, i.e. by each client host's resolver for a name with both address "
    "families (gai.conf on Linux, prefix policies on Windows, Java's flags). Run the dualstack.redis.protocol_preference "
    "role on the client hosts to choose it."
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


def pairs(value):
    """A RESP2 flat key/value list or a dict (CONFIG GET's reply) as a dict with text keys."""
    return _pairs(value)


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


def merge(views, wanted, only_over=None):
    """Views -> one node dict per node ID, as the node announces itself (or as the first view reports it,
    when it did not answer), with ``family`` (``mixed`` when views disagree), ``endpoint_type``,
    ``reported`` (what each view said about it) and ``converged`` (every view reports it on ``wanted``; with
    ``only_over``, every view read over that family, and at least one).
    Masters first, then by port."""
    merged = {}
    for view in views:
        for node in view["nodes"]:
            entry = merged.setdefault(node["id"], dict(own=None, first=node, reports=[]))
            if node["id"] == view["myid"]:
                entry["own"] = node
            entry["reports"].append(dict(view=view["view"], ip=node["ip"], endpoint=node["endpoint"], family=node["family"],
                                         over=view.get("over")))
    nodes = []
    for entry in merged.values():
        node = dict(entry["own"] or entry["first"])
        families = sorted({report["family"] for report in entry["reports"]})
        node["family"] = families[0] if len(families) == 1 else "mixed"
        node["endpoint_type"] = "hostname" if node["endpoint"] and family(node["endpoint"]) == "hostname" else "ip"
        node["reported"] = entry["reports"]
        counted = [r for r in entry["reports"] if r["over"] == only_over] if only_over else entry["reports"]
        node["converged"] = bool(counted) and all(report["family"] == wanted for report in counted)
        nodes.append(node)
    return sorted(nodes, key=lambda n: (n["role"] != "master", n["port"], n["id"] or ""))


def per_family(views):
    """Whether some node, read over IPv4 and over IPv6 in the same poll, reported a node on IPv4 to the first
    and on IPv6 to the second: the cluster gives each family's clients that family's addresses."""
    seen = {}
    for view in views:
        if view.get("over") in FAMILIES:
            seen.setdefault(view["myid"], {})[view["over"]] = {node["id"]: node["family"] for node in view["nodes"]}
    for by_over in seen.values():
        if len(by_over) == 2:
            for node_id, reported in by_over["ipv4"].items():
                if reported == "ipv4" and by_over["ipv6"].get(node_id) == "ipv6":
                    return True
    return False


def state(views, unreachable, wanted, announced=None):
    """One poll's views and the nodes that did not answer (dicts of ``id``, ``address``, ``error``, ``over``, and
    ``entry`` for one of two ways in that did not answer while the other did) -> what a wait loop decides on, and
    what cluster_ip_discovery returns about the poll. ``announced``: {family: address} the given node says it
    announces to each family's clients (Valkey 8's settings; empty when unknown)."""
    announced = announced or {}
    split = per_family(views)
    # Split: judged by what clients that connect over the wanted family get.
    nodes = merge(views, wanted, only_over=wanted if split else None)
    families = sorted({report["family"] for node in nodes for report in node["reported"]})
    over_wanted = [view for view in views if view.get("over") == wanted]
    blocking = [entry for entry in unreachable if not entry.get("entry")]
    if split:
        blocking = [entry for entry in blocking if entry.get("over") in (wanted, None)]
    clients_get = {}
    for over in FAMILIES:
        got = sorted({node["family"] for view in views if view.get("over") == over for node in view["nodes"]})
        if got:
            clients_get[over] = got
    other = OTHER[wanted]
    cannot = None
    if not over_wanted and (split or announced.get(wanted)):
        reason = ("the cluster answers each family with its own addresses (clients that connect over %s get %s)"
                  % (other, ", ".join(clients_get.get(other, ["?"]))) if split else
                  "the given node announces %s to clients that connect over %s (cluster-announce-client-%s)"
                  % (announced[wanted], wanted, wanted))
        tried = [entry["address"] for entry in unreachable if entry.get("over") == wanted]
        cannot = ("%s, and no node could be read over %s from here%s: waiting cannot change what %s clients get. "
                  "Give a host that answers over %s (an %s address, or a name with one)"
                  % (reason, wanted, " (%s did not answer)" % ", ".join(tried) if tried else "", other, wanted,
                     "IPv6" if wanted == "ipv6" else "IPv4"))
    return dict(
        nodes=nodes,
        families=families,
        converged=bool(nodes) and not blocking and all(node["converged"] for node in nodes) and not cannot,
        unreachable=unreachable,
        commands=sorted({view["command"] for view in views}),
        hostname_endpoints=any(node["endpoint_type"] == "hostname" for node in nodes),
        # No view gives an address for any node: the family is the client resolver's choice.
        hostnames_only=bool(nodes) and families == ["hostname"],
        per_family=split,
        clients_get=clients_get,
        read_over=sorted({view["over"] for view in views if view.get("over")}),
        announced=dict(announced),
        cannot_converge=cannot,
    )


def other_clients(result, wanted):
    """What clients of the family other than ``wanted`` get, as text (``ipv4``, or ``not read``)."""
    other = OTHER[wanted]
    got = result["clients_get"].get(other)
    return "%s over %s" % (", ".join(got), other) if got else "not read over %s" % other


def describe_laggards(result, wanted):
    """The nodes of a ``state()`` keeping the cluster from converging, one phrase each."""
    parts = []
    for node in result["nodes"]:
        if node["converged"]:
            continue
        reports = [r for r in node["reported"] if r.get("over") == wanted] if result.get("per_family") else node["reported"]
        others = [r for r in reports if r["family"] != wanted]
        addresses = sorted({r["ip"] or r["endpoint"] or "?" for r in others})
        parts.append("%s %s %s (reported as %s by %d of %d views)" % (
            node["role"], (node["id"] or "?")[:8], where(node["endpoint"] or node["ip"] or "?", node["port"]),
            ", ".join(addresses), len(others), len(reports)))
    for entry in result["unreachable"]:
        if entry.get("entry") or (result.get("per_family") and entry.get("over") not in (wanted, None)):
            continue
        parts.append("%s %s did not answer: %s" % ((entry["id"] or "?")[:8], entry["address"] or "", entry["error"]))
    return "; ".join(parts)
