# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private documentation fragment: the REST API options of the Redis Enterprise modules."""

from __future__ import annotations


class ModuleDocFragment:
    """api_url, api_username, api_password, validate_certs, ca_path and api_timeout."""

    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - The cluster's REST API, C(https://) host and port only, for example C(https://cluster.example.com:9443).
      - "When set (here or in the environment), the module talks to the REST API instead of running rladmin,
        so it can run anywhere that reaches the API, typically the controller (C(delegate_to: localhost),
        C(run_once: true)), and O(rladmin_path) and O(command_timeout) are not used."
      - If not set, the environment variable E(RE_API_URL) is used.
    type: str
  api_username:
    description:
      - The user for HTTP basic authentication (a cluster user whose role may read nodes; changing a node
        needs the admin role).
      - If not set, the environment variable E(RE_API_USERNAME) is used.
    type: str
  api_password:
    description:
      - The password of O(api_username). Never returned or printed.
      - If not set, the environment variable E(RE_API_PASSWORD) is used.
    type: str
  validate_certs:
    description:
      - Verify the API's TLS certificate. Redis Enterprise's default certificates are self-signed; give
        the certificate (or the CA that signed the cluster's own) in O(ca_path) rather than turning this off.
    type: bool
    default: true
  ca_path:
    description: A PEM file of the CA certificates to trust for the API.
    type: path
  api_timeout:
    description:
      - Seconds each request may take (connecting and reading the reply), from 1 to 3600.
    type: int
    default: 30
"""
