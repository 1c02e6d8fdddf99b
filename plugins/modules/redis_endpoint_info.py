#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: redis_endpoint_info
short_description: Which address family a Redis client on this host ends up using
version_added: 0.2.0
description:
  - Runs on a client host, as a client program there would. Resolves O(host) with this host's own
    C(getaddrinfo()) (the order clients try, which C(/etc/gai.conf) decides on glibc), connects to the first
    address that answers, authenticates, and asks the server which address it saw this client come from
    (C(CLIENT INFO), or C(CLIENT ID) and C(CLIENT LIST) before Redis 6.2).
  - For a cluster it also reads the topology (C(CLUSTER SHARDS), else C(CLUSTER SLOTS), else C(CLUSTER NODES))
    and, for each node announced by host name (as with TLS and C(cluster-preferred-endpoint-type hostname)), the
    addresses this host resolves that name to, in its order (so, the family clients of this host will use).
  - Needs only Python's standard library on the host (no redis-py). Every step is bounded by O(connect_timeout).
  - Takes the connection options every Redis module of the collection takes (the same names, aliases and checks as
    M(dualstack.redis.cluster_ip_discovery)), so one set of them serves both.
author:
  - dualstack.redis maintainers (@dualstack)
extends_documentation_fragment:
  - dualstack.redis._attributes
  - dualstack.redis._attributes.INFO_MODULE
  - dualstack.redis._attributes.PLATFORM_LINUX
  - dualstack.redis._redis
options:
  ca_certs:
    description:
      - With O(tls), CA certificates to trust, besides the system's, for the server's certificate (a PEM file, or a
        directory of hashed certificates as C(c_rehash) makes).
      - The alias O(ca_path) is this module's first name for the option.
    type: path
    aliases: [ca_path]
  connect_timeout:
    description:
      - Seconds for connecting (every address of O(host) together) and for each reply; more than 0, at most 3600.
      - The alias O(timeout) is this module's first name for the option.
    type: float
    default: 5.0
    aliases: [timeout]
  cluster:
    description:
      - V(auto) reads the topology when the server runs in cluster mode (C(INFO cluster)).
      - V(true) fails unless it does; V(false) never reads it.
    type: raw
    default: auto
notes:
  - With O(tls=true) the server's certificate is checked against O(host) as given (a name or an address).
  - O(username) needs O(password); with no O(password) the module does not authenticate.
  - Each run is a new process, so a C(/etc/gai.conf) changed by an earlier task is read afresh; clients that were
    already running keep the order they read when they started.
  - IPv6 addresses are written in brackets wherever an address and a port are printed together (C([2001:db8::1]:6379)).
"""

EXAMPLES = r"""
- name: Which family does a client on this host use to reach the cache?
  dualstack.redis.redis_endpoint_info:
    host: cache.example.com
    port: 6379
    password: "{{ redis_password }}"
  register: view

- name: It must be IPv6
  ansible.builtin.assert:
    that: view.server_saw.family == 'ipv6'
    fail_msg: "the server saw {{ view.server_saw.address }}"

- name: A TLS cluster announcing host names, checked with the lab's CA
  dualstack.redis.redis_endpoint_info:
    host: node1.redis.lab
    port: 6380
    tls: true
    ca_certs: /etc/redis/lab-ca.pem
    cluster: true
  register: cluster_view

- name: The same over mutual TLS, as an ACL user
  dualstack.redis.redis_endpoint_info:
    host: node1.redis.lab
    port: 6380
    tls: true
    ca_certs: /etc/redis/lab-ca.pem
    client_cert_file: /etc/redis/client.crt
    client_key_file: /etc/redis/client.key
    username: monitor
    password: "{{ redis_monitor_password }}"
  register: mutual_view
"""

RETURN = r"""
resolved:
  description: The addresses of O(host) in this host's getaddrinfo() order.
  returned: always
  type: list
  elements: dict
  sample: [{address: "fd00:10::5", family: ipv6}, {address: "172.31.5.5", family: ipv4}]
attempts:
  description: Addresses tried before the one that answered, with why each failed.
  returned: always
  type: list
  elements: dict
  sample: [{address: "fd00:10::5", family: ipv6, error: Connection refused}]
connected:
  description: The address, port and family of the connection that worked.
  returned: always
  type: dict
  sample: {address: "172.31.5.5", port: 6379, family: ipv4}
server_saw:
  description: This client's own address and port as the server reports them, and its family (an IPv4-mapped IPv6
    address counts as V(ipv4)).
  returned: always
  type: dict
  sample: {address: "172.31.9.9", port: 50112, family: ipv4}
cluster:
  description: Whether the server runs in cluster mode (false when O(cluster=false)).
  returned: always
  type: bool
topology_command:
  description: The command the topology was read with (V(SHARDS), V(SLOTS) or V(NODES)).
  returned: when RV(cluster) is true
  type: str
  sample: SHARDS
topology:
  description: One entry per node. RV(topology[].family) is V(ipv4), V(ipv6), or V(hostname) for a node announced by
    name, whose RV(topology[].resolved) then lists its addresses in this host's order.
  returned: when RV(cluster) is true
  type: list
  elements: dict
  contains:
    id:
      description: The node's ID.
      type: str
    role:
      description: V(master) or V(replica).
      type: str
    endpoint:
      description: What the node is announced as (its preferred endpoint), an address or a host name.
      type: str
    port:
      description: Its port.
      type: int
    ip:
      description: Its address, when the reply gives one.
      type: str
    hostname:
      description: Its announced host name, if any.
      type: str
    family:
      description: V(ipv4), V(ipv6), or V(hostname) when RV(topology[].endpoint) is a name.
      type: str
    resolved:
      description: For a name, its addresses in this host's getaddrinfo() order, each with its family.
      type: list
      elements: dict
      returned: when RV(topology[].family) is V(hostname)
    resolve_error:
      description: Why the name could not be resolved here.
      type: str
      returned: when resolving the name failed
  sample:
    - {id: 0123abcd, role: master, endpoint: node1.redis.lab, port: 6380, ip: "fd00:30::11", hostname: node1.redis.lab,
       family: hostname, resolved: [{address: "fd00:30::11", family: ipv6}, {address: "198.18.30.11", family: ipv4}]}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.dualstack.redis.plugins.module_utils import _endpoint_info as endpoint


def main():
    module = AnsibleModule(argument_spec=endpoint.argument_spec(), supports_check_mode=True)
    params = dict(module.params)
    cluster = params["cluster"]
    if cluster != "auto":
        try:
            params["cluster"] = boolean(cluster, strict=True)
        except TypeError:
            module.fail_json(msg="cluster must be auto, true or false, got %r" % (cluster,))
    found = endpoint.problems(params)
    if found:
        module.fail_json(msg="; ".join(found))
    try:
        result = endpoint.observe(params)
    except endpoint.EndpointError as exc:
        module.fail_json(msg=str(exc), kind=exc.kind)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
