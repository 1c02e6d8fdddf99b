# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The I/O side of the Redis Enterprise modules over the REST API: HTTPS with basic auth, a deadline per request.

Private to dualstack.redis: not a public API, may change in any release.

HTTP goes through ansible-core's own ``module_utils.urls`` (no extra Python package on the host or the
controller). Every request is bounded by ``api_timeout``; credentials never appear in messages or results.
"""

import json
import socket
import ssl

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.six.moves.urllib.parse import urlsplit

from ansible_collections.dualstack.redis.plugins.module_utils import _checks as checks
from ansible_collections.dualstack.redis.plugins.module_utils import _re_rest as rest

REST_ARGS = dict(
    api_url=dict(type="str", fallback=(env_fallback, ["RE_API_URL"])),
    api_username=dict(type="str", fallback=(env_fallback, ["RE_API_USERNAME"])),
    api_password=dict(type="str", no_log=True, fallback=(env_fallback, ["RE_API_PASSWORD"])),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path"),
    api_timeout=dict(type="int", default=30),
)


def uses_rest(module):
    """Whether the module talks to the REST API (api_url given, or RE_API_URL set) rather than run rladmin."""
    return bool(module.params.get("api_url"))


class RestFailed(Exception):
    """A request that could not be made, failed, or got a reply this collection cannot read."""


def check_url(url):
    """(base URL without a trailing slash, problem): the API's address, or why it cannot be used."""
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        return None, "api_url %r is not a URL (%s)" % (text, exc)
    if parts.scheme != "https":
        return None, ("api_url %r must start with https:// (the REST API serves HTTPS, port 9443 by default; "
                      "basic auth must not travel in clear)" % text)
    if parts.username is not None or parts.password is not None:
        return None, "api_url must not carry credentials; give them in api_username and api_password"
    if not parts.hostname:
        return None, "api_url %r has no host" % text
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in parts.netloc):
        return None, "api_url %r has a space or control character in its host" % text
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None, "api_url %r must be only scheme, host and port (e.g. https://cluster.example.com:9443)" % text
    if port is not None and not 0 < port < 65536:
        return None, "api_url %r has port %s, outside 1 to 65535" % (text, port)
    return "https://%s" % parts.netloc, None


class RestApi:
    """The cluster's REST API: checked options, and the deadline of every request.

    Checks everything on creation (before the first request), failing the module with a clear message.
    """

    def __init__(self, module):
        self.module = module
        params = module.params
        base, problem = check_url(params["api_url"])
        problem = problem or checks.seconds(params["api_timeout"], "api_timeout", 1, 3600)
        if not problem and not (params["api_username"] and params["api_password"]):
            problem = ("api_url is set, so the REST API is used: give api_username and api_password "
                       "(or RE_API_USERNAME and RE_API_PASSWORD in the environment)")
        if not problem and params["ca_path"] is not None:
            try:
                with open(params["ca_path"], "rb"):
                    pass
            except (IOError, OSError) as exc:
                problem = "ca_path %s cannot be read: %s" % (params["ca_path"], exc.strerror or exc)
        if problem:
            module.fail_json(msg=problem)
        self.base = base
        self.requests = []

    def url(self, path):
        return self.base + path

    def call(self, method, path, body=None, node_id=None):
        """One request; the parsed JSON reply (None for an empty body). Raises RestFailed with one clear line."""
        # Imported here, not at the top: the rladmin transport of the same modules never pays for it (about 55 ms a
        # call on a lab node: ansible's urls and what it pulls in, compiled from AnsiballZ's zip each time).
        from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
        from ansible.module_utils.urls import ConnectionError as UrlsConnectionError
        from ansible.module_utils.urls import open_url

        params = self.module.params
        url = self.url(path)
        data = None if body is None else json.dumps(body, sort_keys=True)
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        try:
            reply = open_url(
                url, data=data, headers=headers, method=method, url_username=params["api_username"],
                url_password=params["api_password"], force_basic_auth=True, validate_certs=params["validate_certs"],
                ca_path=params["ca_path"], timeout=params["api_timeout"], follow_redirects="none",
                http_agent="dualstack.redis",
            )
            raw = reply.read()
        except HTTPError as exc:
            try:
                payload = exc.read()
            except (IOError, OSError, socket.timeout):
                payload = b""
            raise RestFailed(rest.error_message(method, url, exc.code, payload, node_id))
        except (socket.timeout, TimeoutError):
            raise RestFailed("%s %s: no reply within %s s (api_timeout)" % (method, url, params["api_timeout"]))
        except URLError as exc:
            raise RestFailed(self._unreachable(method, url, exc.reason))
        except (ssl.SSLError, UrlsConnectionError, OSError) as exc:  # urls' own kinds include SSLValidationError
            raise RestFailed(self._unreachable(method, url, exc))
        try:
            return json.loads(raw.decode("utf-8")) if raw.strip() else None
        except ValueError:
            raise RestFailed("%s %s: the reply is not JSON: %r" % (method, url, raw[:120]))

    def _unreachable(self, method, url, reason):
        text = str(reason)
        if isinstance(reason, (socket.timeout, TimeoutError)) or "timed out" in text:
            return "%s %s: no reply within %s s (api_timeout)" % (method, url, self.module.params["api_timeout"])
        if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text or "SSLValidation" in type(reason).__name__:
            return ("%s %s: the API's TLS certificate could not be verified (%s); give the CA that signed it in ca_path "
                    "(Redis Enterprise's own certificates are self-signed: pass the certificate itself), or set "
                    "validate_certs: false to skip the check" % (method, url, text))
        return "%s %s: cannot reach the REST API: %s" % (method, url, text)

    def nodes(self):
        """Every node, as the rladmin parser returns them (sorted by id)."""
        try:
            return rest.nodes_from_rest(self.call("GET", "/v1/nodes"), self.call("GET", "/v1/nodes/status"))
        except rest.RestError as exc:
            raise RestFailed(str(exc))

    def node(self, node_id):
        """One node (GET /v1/nodes/<id> and its status)."""
        obj = self.call("GET", "/v1/nodes/%d" % node_id, node_id=node_id)
        status = self.call("GET", "/v1/nodes/%d/status" % node_id, node_id=node_id)
        try:
            return rest.node_from_rest(obj, status)
        except rest.RestError as exc:
            raise RestFailed(str(exc))

    def put_record(self, node_id, body):
        """How a PUT of ``body`` to node ``node_id`` is reported: [method, url, body as JSON]."""
        return ["PUT", self.url("/v1/nodes/%d" % node_id), json.dumps(body, sort_keys=True)]

    def update(self, node_id, body):
        """PUT /v1/nodes/<id> with ``body``; the request is recorded first (put_record)."""
        self.requests.append(self.put_record(node_id, body))
        self.call("PUT", "/v1/nodes/%d" % node_id, body, node_id=node_id)


def update_node(api, node_id, internal_address, external_addresses, state, check_mode):
    """Read the cluster, PUT only what differs for ``node_id``, read the node back: the module's result.

    Raises RestFailed carrying ``result`` (what ran, the node before and, when it could be read, after).
    """
    result = dict(changed=False, commands=[], before=None, after=None)
    try:
        nodes = api.nodes()
        body, predicted = rest.plan_update(nodes, node_id, internal_address, external_addresses, state)
    except (RestFailed, rest.RestError) as exc:
        raise _with_result(exc, result)
    before = next(n for n in nodes if n["id"] == node_id)
    result.update(before=before, after=predicted, changed=bool(body))
    if not body:
        return result
    if check_mode:
        result["commands"] = [api.put_record(node_id, body)]
        return result
    try:
        api.update(node_id, body)
    except RestFailed as exc:
        # Refused or failed: read the node again to say whether anything changed.
        result.update(commands=api.requests, after=None)
        try:
            result["after"] = api.node(node_id)
            result["changed"] = rest.differences(result["after"], before) != []
        except RestFailed as again:
            exc = RestFailed("%s; reading node %d back failed too: %s" % (exc, node_id, again))
        raise _with_result(exc, result)
    result["commands"] = api.requests
    try:
        result["after"] = api.node(node_id)
    except RestFailed as exc:
        result["after"] = None
        raise _with_result(exc, result)
    result["changed"] = rest.differences(result["after"], before) != []
    missing = rest.differences(result["after"], predicted)
    if missing:
        raise _with_result(RestFailed("PUT /v1/nodes/%d succeeded but node %d %s" % (node_id, node_id, "; ".join(missing))), result)
    return result


def _with_result(exc, result):
    failed = RestFailed(str(exc))
    failed.result = result
    return failed
