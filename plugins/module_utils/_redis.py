# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options every Redis module of the collection takes, documented once in the doc fragment
``dualstack.redis._redis``.

Private to dualstack.redis: not a public API, may change in any release.

No I/O and no redis-py import: ``redis_argument_spec()`` is the options' argument spec (it must agree with
the doc fragment), ``connection_problems()`` the checks the spec cannot express and ``redis_connect_kwargs()``
the keyword arguments of ``redis.Redis()`` for those options, TLS included.
"""

from ansible_collections.dualstack.redis.plugins.module_utils import _checks as checks

# Options that only apply with tls: true.
TLS_FILES = ("ca_certs", "client_cert_file", "client_key_file")


def redis_argument_spec():
    """The connection options' argument spec, a new dict each call (a module adds its own options to it)."""
    return dict(
        host=dict(type="str", required=True, aliases=["login_host"]),
        port=dict(type="int", default=6379),
        username=dict(type="str", aliases=["login_user"]),
        password=dict(type="str", no_log=True, aliases=["login_password"]),
        tls=dict(type="bool", default=False),
        validate_certs=dict(type="bool", default=True),
        ca_certs=dict(type="path"),
        client_cert_file=dict(type="path"),
        client_key_file=dict(type="path"),
        connect_timeout=dict(type="float", default=5.0),
    )


def connection_problems(params):
    """Errors in the connection options that the argument spec cannot express, as a list of sentences."""
    problems = [checks.hostname(params["host"], "host")]
    if not 1 <= params["port"] <= 65535:
        problems.append("port must be between 1 and 65535, got %d" % params["port"])
    problems.append(checks.seconds(params["connect_timeout"], "connect_timeout", 0, 3600, exclusive_minimum=True))
    if not params["tls"]:
        given = [name for name in TLS_FILES if params.get(name)]
        if given:
            problems.append("%s only apply with tls: true" % ", ".join(given))
    if bool(params.get("client_cert_file")) != bool(params.get("client_key_file")):
        problems.append("client_cert_file and client_key_file go together")
    return [problem for problem in problems if problem]


def redis_connect_kwargs(params):
    """``redis.Redis()`` keyword arguments (host and port included) from the connection options."""
    kwargs = dict(
        host=params["host"],
        port=params["port"],
        username=params.get("username") or None,
        password=params.get("password") or None,
        socket_connect_timeout=params["connect_timeout"],
        socket_timeout=params["connect_timeout"],
    )
    if params["tls"]:
        kwargs.update(
            ssl=True,
            ssl_cert_reqs="required" if params["validate_certs"] else "none",
            ssl_check_hostname=params["validate_certs"],
            ssl_ca_certs=params.get("ca_certs"),
            ssl_certfile=params.get("client_cert_file"),
            ssl_keyfile=params.get("client_key_file"),
        )
    return kwargs
