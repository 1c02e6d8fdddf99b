# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which transport a Redis Enterprise module uses: the options every module of the ``redis_enterprise`` action group
takes (so ``module_defaults: {group/dualstack.redis.redis_enterprise: ...}`` reaches all of them), and the choice.

Private to dualstack.redis: not a public API, may change in any release.

``transport: auto`` (the default) keeps the choice the modules always made: the REST API when ``api_url`` (or
E(RE_API_URL)) is set, rladmin otherwise. ``rladmin`` ignores ``api_url`` and the environment; ``rest`` needs it.
"""

import os

from ansible.module_utils.basic import env_fallback

from ansible_collections.dualstack.redis.plugins.module_utils import _checks as checks
from ansible_collections.dualstack.redis.plugins.module_utils._re import rladmin
from ansible_collections.dualstack.redis.plugins.module_utils._re.nodes import ReError

TRANSPORTS = ("auto", "rladmin", "rest")

# The REST API's options. (_re.rest, with http.client and ssl, is imported only when a module uses the REST API: about
# 15 ms of every rladmin call, measured with python -X importtime.)
REST_ARGS = dict(
    api_url=dict(type="list", elements="str", fallback=(env_fallback, ["RE_API_URL"])),
    api_username=dict(type="str", fallback=(env_fallback, ["RE_API_USERNAME"])),
    api_password=dict(type="str", no_log=True, fallback=(env_fallback, ["RE_API_PASSWORD"])),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path"),
    api_tls_name=dict(type="str"),
    api_timeout=dict(type="int", default=30),
)


def argument_spec(**more):
    """The transport, rladmin and REST options, and ``more``."""
    spec = dict(transport=dict(type="str", choices=list(TRANSPORTS), default="auto"))
    spec.update(rladmin.RLADMIN_ARGS)
    spec.update(REST_ARGS)
    spec.update(more)
    return spec


def urls(params):
    """The URLs of ``api_url``, blank ones left out (an empty ``api_url`` means none)."""
    return [url for url in params.get("api_url") or [] if url and url.strip()]


def kind(params):
    """``rladmin`` or ``rest``, as ``transport`` and ``api_url`` say; raises ReError for ``rest`` without a URL."""
    wanted = params.get("transport") or "auto"
    if wanted == "rest" and not urls(params):
        raise ReError("transport is rest but api_url is not set (nor RE_API_URL in the environment); give the cluster's "
                      "REST API URL, or every node's (https://NODE:9443)")
    if wanted == "auto":
        return "rest" if urls(params) else "rladmin"
    return wanted


# The largest node id taken (Redis Enterprise numbers its nodes from 1, one more per node ever added).
MAX_NODE_ID = 100000


def check(params):
    """The options every Redis Enterprise module shares, by the collection's rules and whatever the transport (a
    value the run does not use is still refused): raises ReError naming the first bad one. Needs no request."""
    problems = [checks.seconds(params["api_timeout"], "api_timeout", 1, 3600),
                checks.seconds(params["command_timeout"], "command_timeout", 1, 86400)]
    if params.get("node") is not None:
        problems.insert(0, checks.count(params["node"], "node", 1, MAX_NODE_ID))
    if params.get("api_tls_name") is not None:
        problems.append(checks.hostname(params["api_tls_name"], "api_tls_name"))
    if params.get("ca_path"):
        problems.append(checks.regular_file(params["ca_path"], "ca_path"))
    if kind(params) == "rladmin" and os.path.lexists(params["rladmin_path"] or ""):
        problems.append(checks.regular_file(params["rladmin_path"], "rladmin_path"))
    problem = next((problem for problem in problems if problem), None)
    if problem:
        raise ReError(problem)


def connect(params):
    """The transport object (rladmin.Rladmin or rest.Rest), its options checked (check() first); raises ReError."""
    check(params)
    if kind(params) == "rest":
        from ansible_collections.dualstack.redis.plugins.module_utils._re import rest  # pylint: disable=import-outside-toplevel
        return rest.Rest(dict(params, api_url=urls(params)))
    return rladmin.Rladmin(params)
