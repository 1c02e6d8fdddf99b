# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redis Enterprise Software's REST API: read its node replies, turn a node Change into a request, explain its
errors; and the transport that sends them (``Rest``, over _re/http.py: several endpoints, redirects, deadlines).

Private to dualstack.redis: not a public API, may change in any release.

What it follows (Redis's REST API reference, https://redis.io/docs/latest/operate/rs/references/rest-api/):

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


from ansible_collections.dualstack.redis.plugins.module_utils import _checks as checks
from ansible_collections.dualstack.redis.plugins.module_utils._re import http
from ansible_collections.dualstack.redis.plugins.module_utils._re.nodes import ReError, ReFailed, node_up_message

STATUSES = ("active", "down", "provisioning", "decommissioning")


def _field(obj, key, kind, where):
    value = obj.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ReError("%s: field %r is %s, expected %s" % (where, key, json.dumps(value), "an integer" if kind is int else "a string"))
    return value


def node_from_rest(obj, status=None):
    """One node object (and its entry from /v1/nodes/status, when known) -> the node dict rladmin gives."""
    if not isinstance(obj, dict):
        raise ReError("a node in the reply is %s, not an object" % json.dumps(obj)[:80])
    uid = _field(obj, "uid", int, "node object")
    where = "node %d" % uid
    address = _field(obj, "addr", str, where)
    external = obj.get("external_addr") or []
    if not isinstance(external, list) or not all(isinstance(a, str) for a in external):
        raise ReError("%s: external_addr is %s, expected a list of addresses" % (where, json.dumps(external)))
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
        raise ReError("GET /v1/nodes replied %s, not a list of nodes" % json.dumps(nodes_reply)[:120])
    if not isinstance(status_reply, dict):
        raise ReError("GET /v1/nodes/status replied %s, not an object keyed by node id" % json.dumps(status_reply)[:120])
    nodes = []
    for obj in nodes_reply:
        uid = obj.get("uid") if isinstance(obj, dict) else None
        nodes.append(node_from_rest(obj, status_reply.get(str(uid))))
    ids = [n["id"] for n in nodes]
    if len(set(ids)) != len(ids):
        raise ReError("GET /v1/nodes lists a node id twice: %s" % ids)
    return sorted(nodes, key=lambda n: n["id"])


def body(change):
    """The ``PUT /v1/nodes/<uid>`` body of a nodes.Change: only what changes (``addr``, ``external_addr`` as the whole
    new list)."""
    found = {}
    if change.address is not None:
        found["addr"] = change.address
    if change.external is not None:
        found["external_addr"] = list(change.external)
    return found


def error_message(method, url, code, payload, node_id=None, location=None):
    """One line explaining an error reply: the HTTP code, the API's own error code and description."""
    detail = _error_detail(payload)
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
    if 300 <= code < 400:
        return ("%s: HTTP %s to %s: not followed (only a 307 or 308 to a node of the cluster is)%s"
                % (request, code, location or "no Location", _tail(text)))
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


class Rest(object):
    """The cluster's REST API as a transport of nodes.update(): the options checked on creation (raises ReError),
    then GET /v1/nodes (+ status) and one PUT /v1/nodes/<uid> per change."""

    kind = "rest"

    def __init__(self, params):
        problem = checks.seconds(params["api_timeout"], "api_timeout", 1, 3600)
        if not problem and not (params["api_username"] and params["api_password"]):
            problem = ("the REST API is used (transport rest, or api_url set): give api_username and api_password "
                       "(or RE_API_USERNAME and RE_API_PASSWORD in the environment)")
        if problem:
            raise ReError(problem)
        try:
            self.client = http.Client(params["api_url"] or [], params["api_username"], params["api_password"],
                                      params["validate_certs"], params["ca_path"], params["api_timeout"],
                                      params.get("api_tls_name"))
        except ValueError as exc:
            raise ReError(str(exc))

    @property
    def endpoint(self):
        """The ``https://host:port`` that served the last request (after redirects), or None."""
        return self.client.served_by

    def url(self, path):
        return self.client.bases[self.client.preferred][0] + path

    def call(self, method, path, payload=None, node_id=None):
        """One request; the parsed JSON reply (None for an empty body). Raises ReFailed with one clear line."""
        try:
            reply = self.client.request(method, path, payload)
            if 200 <= reply.status < 300:
                return reply.json()
        except http.HttpError as exc:
            raise ReFailed(str(exc))
        raise ReFailed(error_message(method, reply.url, reply.status, reply.body, node_id, reply.headers.get("location")))

    def nodes(self):
        """Every node, as rladmin's parser returns them (sorted by id)."""
        try:
            found = nodes_from_rest(self.call("GET", "/v1/nodes"), self.call("GET", "/v1/nodes/status"))
        except ReError as exc:
            raise ReFailed(str(exc))
        self.learn(found)
        return found

    def node(self, node_id):
        """One node (GET /v1/nodes/<id> and its status)."""
        obj = self.call("GET", "/v1/nodes/%d" % node_id, node_id=node_id)
        status = self.call("GET", "/v1/nodes/%d/status" % node_id, node_id=node_id)
        try:
            return node_from_rest(obj, status)
        except ReError as exc:
            raise ReFailed(str(exc))

    def learn(self, nodes):
        """The nodes' addresses become hosts a redirect may lead to."""
        self.client.learn([a for node in nodes for a in [node["address"]] + list(node["external_addresses"])])

    def record(self, change):
        return ["PUT", self.url("/v1/nodes/%d" % change.node_id), json.dumps(body(change), sort_keys=True)]

    def commands(self, change):
        return [self.record(change)]

    def apply(self, change, ran):
        request = self.record(change)
        ran.append(request)
        self.call("PUT", "/v1/nodes/%d" % change.node_id, body(change), node_id=change.node_id)
        if self.endpoint:
            request[1] = self.endpoint + "/v1/nodes/%d" % change.node_id   # where it went, after redirects

    def describe(self, ran):
        return "PUT /v1/nodes/%s succeeded" % (ran[-1][1].rsplit("/", 1)[-1] if ran else "?")

    def close(self):
        self.client.close()
