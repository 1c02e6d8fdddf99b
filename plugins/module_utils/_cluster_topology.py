# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redis Cluster topology from CLUSTER SHARDS, CLUSTER SLOTS or CLUSTER NODES replies. No I/O.

Private to dualstack.redis: not a public API, may change in any release.

Replies may come as redis-py returns them: bytes or str, RESP2 flat key/value lists or already-parsed
dicts. Every reader returns the same node dicts: ``id``, ``ip``, ``port``, ``role`` (``master`` or
``replica``), ``endpoint``, ``hostname`` (or None) and ``family`` (``ipv4``, ``ipv6``, or ``hostname``
when the node is announced by name only, as ElastiCache does with TLS).
"""

import ipaddress


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


def nodes_from_shards(reply):
    """CLUSTER SHARDS (Redis 7+) -> node dicts."""
    nodes = []
    for shard in reply or []:
        for entry in _pairs(shard).get("nodes", []):
            info = {k: text(v) if isinstance(v, bytes) else v for k, v in _pairs(entry).items()}
            nodes.append(_node(info.get("id"), info.get("ip"), info.get("port", info.get("tls-port", 0)),
                               info.get("role"), info.get("endpoint"), info.get("hostname")))
    return nodes


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
        if "noaddr" in flags or not port.isdigit():
            continue
        role = "master" if "master" in flags else "replica"
        nodes.append(_node(fields[0], ip if family(ip) != "hostname" else None, port, role, ip, hostname))
    return nodes


def summarize(nodes, wanted):
    """What a wait loop needs: the families present, whether every node reports ``wanted``, and the others."""
    families = sorted({node["family"] for node in nodes})
    others = [node for node in nodes if node["family"] != wanted]
    return dict(families=families, converged=bool(nodes) and not others, others=others)
