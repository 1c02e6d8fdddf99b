# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redis Enterprise Software's REST API: read its node replies, plan node updates, explain its errors.

Private to dualstack.redis: not a public API, may change in any release.

No I/O. What it follows (Redis's REST API reference, https://redis.io/docs/latest/operate/rs/references/rest-api/):

- ``GET /v1/nodes``: a JSON array of node objects (``uid``, ``addr``, ``external_addr``, ``status`` one of
  ``active``, ``down``, ``provisioning``, ``decommissioning``, ``shard_count``, ``software_version``, ...);
- ``GET /v1/nodes/status``: an object keyed by node uid (a string) with ``hostname``, ``role``
  (``master``/``slave``: the node's cluster-management role) and ``node_status``;
- ``PUT /v1/nodes/<uid>``: ``addr`` only while the node is offline (otherwise an error with code
  ``node_not_offline``), ``external_addr`` the whole list; 406 "cannot be processed", 400 "bad content";
- errors carry ``error_code`` and ``description`` (some pages say ``message``); 401 bad or missing
  credentials, 403 a role without the permission, 404 no such node, 503 a node not in the cluster.

The node dicts it returns have the keys M(dualstack.redis.re_node_info) documents for rladmin, so a role
switches transport without changing what it reads.
"""

import json

from ansible_collections.dualstack.redis.plugins.module_utils import _rladmin as rl

STATUSES = ("active", "down", "provisioning", "decommissioning")


class RestError(ValueError):
    """A reply this module cannot read, a request it refuses, or an error reply explained; the message says which."""


def _field(obj, key, kind, where):
    value = obj.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise RestError("%s: field %r is %s, expected %s" % (where, key, json.dumps(value), "an integer" if kind is int else "a string"))
    return value


def node_from_rest(obj, status=None):
    """One node object (and its entry from /v1/nodes/status, when known) -> the node dict rladmin gives."""
    if not isinstance(obj, dict):
        raise RestError("a node in the reply is %s, not an object" % json.dumps(obj)[:80])
    uid = _field(obj, "uid", int, "node object")
    where = "node %d" % uid
    address = _field(obj, "addr", str, where)
    external = obj.get("external_addr") or []
    if not isinstance(external, list) or not all(isinstance(a, str) for a in external):
        raise RestError("%s: external_addr is %s, expected a list of addresses" % (where, json.dumps(external)))
    state = _field(obj, "status", str, where)
    status = status if isinstance(status, dict) else {}
    shards = obj.get("shard_count")
    limit = obj.get("max_redis_servers")
    node = {
        "id": uid,
        "role": status.get("role") if isinstance(status.get("role"), str) else None,
        "address": address,
        "external_addresses": list(external),
        "hostname": status.get("hostname") if isinstance(status.get("hostname"), str) else None,
        "shards": None if not isinstance(shards, int) else ("%d/%d" % (shards, limit) if isinstance(limit, int) else str(shards)),
        "cores": obj.get("cores") if isinstance(obj.get("cores"), int) else None,
        "version": obj.get("software_version") if isinstance(obj.get("software_version"), str) else None,
        # rladmin's words for the states it shows: OK for an active node, the API's state upper-cased otherwise.
        "status": "OK" if state == "active" else state.upper(),
        "ok": state == "active",
        # No node is "the one the module talks to" over the API: it is the cluster's.
        "connected": False,
        "rest_status": state,
    }
    return node


def nodes_from_rest(nodes_reply, status_reply):
    """``GET /v1/nodes`` and ``GET /v1/nodes/status`` (parsed JSON) -> node dicts sorted by id."""
    if not isinstance(nodes_reply, list):
        raise RestError("GET /v1/nodes replied %s, not a list of nodes" % json.dumps(nodes_reply)[:120])
    if not isinstance(status_reply, dict):
        raise RestError("GET /v1/nodes/status replied %s, not an object keyed by node id" % json.dumps(status_reply)[:120])
    nodes = []
    for obj in nodes_reply:
        uid = obj.get("uid") if isinstance(obj, dict) else None
        nodes.append(node_from_rest(obj, status_reply.get(str(uid))))
    ids = [n["id"] for n in nodes]
    if len(set(ids)) != len(ids):
        raise RestError("GET /v1/nodes lists a node id twice: %s" % ids)
    return sorted(nodes, key=lambda n: n["id"])


def plan_update(nodes, node_id, internal_address=None, external_addresses=None, state="exact"):
    """(body, predicted node) of the ``PUT /v1/nodes/<id>`` that makes the node so; body is {} when it already is.

    Only changed fields go into the body. Refuses (RestError) what the API or the cluster would refuse:
    an unknown node, an IPv4/IPv6 switch, another node's address, ``addr`` while the node is up.
    """
    try:
        node = rl.find_node(nodes, node_id)
        predicted = dict(node, external_addresses=list(node["external_addresses"]))
        body = {}
        if internal_address is not None:
            # rladmin's checks (family switch, another node's address) first, then the node's own state.
            as_down = [dict(n, ok=False) if n["id"] == node_id else n for n in nodes]
            argv = rl.plan_internal_address(as_down, node_id, internal_address)
            if argv:
                if node.get("rest_status", "down") != "down":
                    raise RestError(node_up_message(node_id, node["status"]))
                body["addr"] = argv[-1]
                predicted["address"] = argv[-1]
        if external_addresses is not None:
            wanted = rl.normalize_addresses(external_addresses, "external_addresses")
            calls, target = rl.plan_external_addresses(node, wanted, state)
            if calls:
                body["external_addr"] = target
                predicted["external_addresses"] = list(target)
    except rl.RladminError as exc:
        raise RestError(str(exc))
    return body, predicted


def differences(node, wanted):
    """rladmin's comparison: one phrase per address field in which ``node`` differs from ``wanted``."""
    return rl.differences(node, wanted)


def node_up_message(node_id, status):
    return ("node %d is up (status %s); its internal address can only change while it is down (demote it, disable "
            "and stop rlec_supervisor on it first)" % (node_id, status))


def error_message(method, url, code, body, node_id=None):
    """One line explaining an error reply: the HTTP code, the API's own error code and description."""
    detail = _error_detail(body)
    error_code = detail.get("error_code")
    text = detail.get("description") or detail.get("message") or detail.get("text") or ""
    request = "%s %s" % (method, url)
    if code == 401:
        return ("%s: 401 Unauthorized: the REST API refused the credentials; check api_username and api_password "
                "(or RE_API_USERNAME and RE_API_PASSWORD)" % request)
    if code == 403:
        return "%s: 403 Forbidden: user api_username lacks the permission for this request%s" % (request, _tail(text))
    if code == 404 and node_id is not None:
        return "%s: 404: the cluster has no node %s%s" % (request, node_id, _tail(text))
    if error_code == "node_not_offline" and node_id is not None:
        return "%s: %d node_not_offline: %s" % (request, code, node_up_message(node_id, "active"))
    if code == 400:
        return "%s: 400 Bad Request: the API refused the request: %s" % (request, text or error_code or "no description")
    if code == 503:
        return "%s: 503: the node answering is not responding or not a member of the cluster%s" % (request, _tail(text))
    return "%s: HTTP %s%s%s" % (request, code, " %s" % error_code if error_code else "", _tail(text))


def _tail(text):
    return ": %s" % text if text else ""


def _error_detail(body):
    """The error object in a reply body (JSON with error_code and description/message), else its text."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    body = (body or "").strip()
    try:
        parsed = json.loads(body) if body else {}
    except ValueError:
        return {"text": _one_line(body)}
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
        parsed = parsed["error"]
    if not isinstance(parsed, dict):
        return {"text": _one_line(json.dumps(parsed))}
    return {k: _one_line(str(v)) for k, v in parsed.items() if k in ("error_code", "description", "message") and v is not None}


def _one_line(text):
    """Every run of whitespace (line ends, form feeds, Unicode separators) as one space, at most 200 characters."""
    return " ".join(text.split())[:200]
