# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private documentation fragment: the connection options every Redis module has."""

from __future__ import annotations


class ModuleDocFragment:
    """host, port, username, password, TLS and the connection timeout; the argument spec is
    plugins/module_utils/_redis.py's redis_argument_spec(), which must agree with it.

    Options only: a module that connects with redis-py (cluster_ip_discovery) states that requirement itself, since
    redis_endpoint_info speaks to Redis with the standard library only (a fragment of requirements alone is refused
    by ansible-core 2.16, and the literal must stay a plain string for ansible-test's yamllint sanity test)."""

    DOCUMENTATION = r"""
options:
  host:
    description:
      - The Redis server to connect to (address or name). For a cluster, any node or its configuration endpoint.
    type: str
    required: true
    aliases: [login_host]
  port:
    description: Its port.
    type: int
    default: 6379
  username:
    description: ACL user name (Redis 6 and later). Leave out for the C(default) user.
    type: str
    aliases: [login_user]
  password:
    description: Password (or AUTH token) of O(username), or of the C(default) user.
    type: str
    aliases: [login_password]
  tls:
    description: Connect with TLS (in-transit encryption on ElastiCache).
    type: bool
    default: false
  validate_certs:
    description: With O(tls), check the server certificate and that it names the host connected to.
    type: bool
    default: true
  ca_certs:
    description: With O(tls), a CA bundle (PEM file) to check server certificates against.
    type: path
  client_cert_file:
    description: With O(tls), a client certificate (mutual TLS). Goes with O(client_key_file).
    type: path
  client_key_file:
    description: With O(tls), the key of O(client_cert_file).
    type: path
  connect_timeout:
    description:
      - Seconds to wait for a server to accept a connection or answer a command; more than 0, at most 3600.
    type: float
    default: 5.0
"""
