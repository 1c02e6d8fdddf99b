# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private documentation fragment: the REST API options of the Redis Enterprise modules."""

from __future__ import annotations


class ModuleDocFragment:
    """transport, api_url, api_username, api_password, validate_certs, ca_path and api_timeout."""

    DOCUMENTATION = r"""
options:
  transport:
    description:
      - How the module reads and changes the cluster. V(rladmin) runs C(rladmin) on the node the task runs on;
        V(rest) talks to the cluster's REST API from wherever the task runs (typically the controller,
        C(delegate_to) C(localhost), C(run_once)), and needs O(api_url).
      - V(auto) uses the REST API when O(api_url) (or E(RE_API_URL)) is set, rladmin otherwise.
      - The modules C(re_node_info), C(re_node_address) and C(re_node_demote) form the action group
        C(redis_enterprise), so these options can be set once for all of them with
        C(module_defaults) C(group/dualstack.redis.redis_enterprise).
    type: str
    choices: [auto, rladmin, rest]
    default: auto
  api_url:
    description:
      - The cluster's REST API, C(https://) host and port only, for example C(https://cluster.example.com:9443); or
        several, for example every node's (C(https://10.0.0.11:9443)), as a list or comma-separated. A request goes
        to the one that answered last, else to each in turn, skipping one that cannot be reached or answers 503 (a
        node that is down or being changed); the result's C(api_endpoint) says which served it.
      - "A node that is not the cluster's master answers with C(307 Temporary Redirect) to the master's internal
        address (Redis Enterprise's default, C(handle_redirects) false). Such a redirect (or a 308) is followed with
        the same method, body and credentials only to an C(https://) URL on the same port whose host is a host of
        O(api_url), an address of a node of this cluster read in this run, or, when certificates are verified, any
        host that then proves with the CA of O(ca_path) and the name of the O(api_url) in use that it holds the
        cluster's certificate; at most 3 redirects. Any other redirect fails the task naming its Location, and
        nothing is sent there: so the credentials only go to this cluster's nodes. With O(validate_certs=false), list
        every node's internal address in O(api_url) (the roles of this collection do), or set the cluster's
        C(handle_redirects) to true."
      - If not set, the environment variable E(RE_API_URL) is used.
    type: list
    elements: str
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
      - The certificate of a redirect's target is checked against the name of the O(api_url) that led there.
    type: bool
    default: true
  ca_path:
    description: A PEM file of the CA certificates to trust for the API.
    type: path
  api_tls_name:
    description:
      - The name the API's certificate is checked against (and sent as the TLS server name) for every URL of
        O(api_url), instead of each URL's host. Redis Enterprise's proxy certificate names the cluster
        (C(cluster.example.com)), not each node's address, so set it to the cluster's name when O(api_url) lists the
        nodes by address and certificates are verified.
    type: str
  api_timeout:
    description:
      - Seconds each exchange with the API may take as a whole (connecting, the TLS handshake, sending, and the
        whole reply, which may not exceed 8 MiB), from 1 to 3600; a redirect starts a new exchange. Connecting gets
        at most 5 s of it, so that a node that is down is skipped quickly when O(api_url) lists several.
    type: int
    default: 30
"""
