#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cluster_ip_discovery
short_description: Wait until every node of a Redis Cluster announces the wanted address family
version_added: 0.1.0
description:
  - Reads a Redis Cluster's topology the way cluster clients discover it, with C(CLUSTER SHARDS) (Redis 7
    and later), falling back to C(CLUSTER SLOTS) and then C(CLUSTER NODES) on older servers, from the given
    node and from every node it names, and reports the address family each node is announced with.
  - A node counts as converged only when every node that answered reports it on O(family), since clients may
    bootstrap from any node, and a change of announced address spreads between nodes by gossip.
  - With O(wait=true) it polls every O(interval) seconds until every node is converged, and fails after
    O(timeout) seconds with the nodes still announced on another family and their addresses.
  - This is what to run after changing ElastiCache's IP discovery setting (see
    M(dualstack.redis.elasticache_ip_discovery)) or a self-managed cluster's C(cluster-announce-ip), in place
    of a hand-written loop such as C(while not all(ip is IPv6 for ip in CLUSTER SLOTS) sleep(1)).
  - A node may answer each address family with its own addresses (Valkey 8 and later, with
    C(cluster-announce-client-ipv4) and C(cluster-announce-client-ipv6)); clients that connect over IPv4 are sent to
    the IPv4 addresses, clients over IPv6 to the IPv6 ones. So the topology is read over each family it can be,
    from a name with both address families, over each of its first two addresses (one per family); from an
    address, over that family and, where the node says (C(CONFIG GET cluster-announce-client-ipv*), when the user
    may run it), over the other family's address it announces. Every node is then read over each family it is
    announced on. RV(read_over) says which families were read.
  - When the same node answers the two families differently (RV(per_family)), O(family) means that clients that
    connect over O(family) get O(family) addresses; only the views read over O(family) count, and the wait is for
    them; clients of the other family keep getting theirs (RV(clients_get)), which no wait changes. Which family a
    client connects over is then its resolver's choice (as with hostnames, below), and the module warns so.
  - When such a cluster's view over O(family) cannot be read from where the module runs (no address of that
    family answers), waiting cannot help, so the module returns at once with the reason (and fails with
    C(error_kind=per_family) when O(wait=true)), rather than waiting out O(timeout).
  - "What a user gets. B(Redis OSS) (any version) and B(Valkey) without the per-family settings answer every client
    alike: the module waits until every view reports O(family), as after C(CONFIG SET cluster-announce-ip).
    B(Valkey 8+) with the per-family settings, as above. B(ElastiCache) (Valkey or Redis OSS) without in-transit
    encryption, the IP discovery setting decides the family every client is given (use
    M(dualstack.redis.elasticache_ip_discovery), then this module on the configuration endpoint); with in-transit
    encryption nodes are announced by hostname (below)."
  - When nodes are announced by hostname (ElastiCache with TLS, or C(cluster-preferred-endpoint-type hostname)),
    the module says so in a warning, because clients resolve those names themselves, so each client host's
    resolver decides the family (see the P(dualstack.redis.protocol_preference#role) role).
    When no node is announced with an address at all, it does not wait.
  - Runs where it can reach the cluster, usually the controller (C(delegate_to) C(localhost)). It keeps one
    connection per node and family for the whole run.
author:
  - dualstack.redis maintainers (@dualstack)
requirements:
  - redis (redis-py) 4.5 or later, on the host the module runs on
extends_documentation_fragment:
  - dualstack.redis._attributes
  - dualstack.redis._redis
attributes:
  check_mode:
    support: full
    details: It only reads. In check mode it reads once and does not wait, since in a check run nothing
      before it changed the cluster.
  diff_mode:
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: posix
options:
  family:
    description: The address family every node should be announced with.
    type: str
    required: true
    choices: [ipv4, ipv6]
  wait:
    description:
      - Poll until every node is converged, failing after O(timeout) seconds.
      - With V(false), read once and report, converged or not (RV(converged) tells).
    type: bool
    default: true
  timeout:
    description: Seconds to wait for convergence with O(wait=true).
    type: int
    default: 300
  interval:
    description: Seconds between polls.
    type: float
    default: 2.0
  all_nodes:
    description:
      - Also read the topology from every node the given one names (connecting to each where clients would).
      - Set to V(false) when only the given endpoint is reachable from where the module runs; then only that
        node's view counts.
    type: bool
    default: true
notes:
  - "The redis-py equivalent of one poll is C(redis.Redis(host, port).execute_command('CLUSTER', 'SHARDS')) on the
    given node and on every node it names, comparing the C(ip) of every node with the wanted family."
  - A node that stops answering during the wait keeps the cluster from converging and is named in the
    failure; authentication, certificate and non-cluster errors fail at once, since waiting cannot fix them.
    A failure returns C(error_kind) (V(unreachable), V(tls), V(auth), V(not_cluster), V(protocol) or V(per_family)).
  - Tested against redis-server 7.0 and valkey-server 8.1 clusters on loopback (8.0 for TLS), with and without a
    password, with replicas, over TLS (clients and cluster bus, certificates checked including the address), with
    hostname endpoints, and (Valkey) with per-family announcements, reached over either family.
  - With TLS and a host name, the name is connected to as given (the certificate names it), so only the family the
    connection took is read, unless the node announces the other family's address.
seealso:
  - module: dualstack.redis.elasticache_ip_discovery
  - module: dualstack.redis.gai_conf
  - name: Redis CLUSTER SHARDS
    description: The command this module reads first.
    link: https://redis.io/docs/latest/commands/cluster-shards/
"""

EXAMPLES = r"""
- name: Wait until every node of the cluster is announced over IPv6
  dualstack.redis.cluster_ip_discovery:
    host: clustercfg.my-cluster.abc123.use1.cache.amazonaws.com
    family: ipv6
    timeout: 900
    interval: 10
  delegate_to: localhost

- name: Report the families in use now, without waiting
  dualstack.redis.cluster_ip_discovery:
    host: 10.0.5.11
    port: 7000
    username: ops
    password: "{{ redis_password }}"
    family: ipv6
    wait: false
  delegate_to: localhost
  register: discovery

- name: Show which nodes are still on IPv4
  ansible.builtin.debug:
    msg: "{{ discovery.nodes | rejectattr('converged') | map(attribute='ip') | list }}"

- name: A self-managed dual-stack Valkey cluster (a name with A and AAAA records), where IPv6 clients get IPv6
  dualstack.redis.cluster_ip_discovery:
    host: valkey.internal.example
    port: 6379
    family: ipv6
  delegate_to: localhost
  register: valkey_view

- name: Say what each family's clients get
  ansible.builtin.debug:
    msg: "{{ valkey_view.clients_get }} (per family: {{ valkey_view.per_family }})"

- name: A TLS cluster with its own CA
  dualstack.redis.cluster_ip_discovery:
    host: redis.internal.example
    port: 6380
    tls: true
    ca_certs: /etc/pki/redis-ca.pem
    family: ipv4
  delegate_to: localhost
"""

RETURN = r"""
converged:
  description: Whether every node, in every view, is announced on O(family) (and every node answered).
  returned: always
  type: bool
  sample: true
families:
  description: The families the nodes are announced with, over all views (V(hostname) for a node announced by name only).
  returned: always
  type: list
  elements: str
  sample: [ipv4, ipv6]
nodes:
  description: Every node, as it announces itself (or as the first view reports it, when it did not answer).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The node ID.
      type: str
    ip:
      description: The announced address (none when a view reports a hostname only).
      type: str
    port:
      description: The client port.
      type: int
    role:
      description: V(master) or V(replica).
      type: str
    endpoint:
      description: What clients are told to connect to (the preferred endpoint, an address or a hostname).
      type: str
    endpoint_type:
      description: V(ip) or V(hostname).
      type: str
    hostname:
      description: The announced hostname, where the node has one.
      type: str
    family:
      description: V(ipv4), V(ipv6), V(hostname), or V(mixed) when views disagree (mid-switch).
      type: str
    converged:
      description: Whether every view reports this node on O(family).
      type: bool
    reported:
      description: What each view reported about this node (V(view), V(ip), V(endpoint), V(family), and V(over), the
        family that view was read over).
      type: list
      elements: dict
  sample:
    - id: 07c37dfeb235213a872192d90877d0cd55635b91
      ip: "2600:1f18::15"
      port: 6379
      role: master
      endpoint: "2600:1f18::15"
      endpoint_type: ip
      hostname:
      family: ipv6
      converged: true
      reported:
        - {view: "[2600:1f18::15]:6379", ip: "2600:1f18::15", endpoint: "2600:1f18::15", family: ipv6, over: ipv6}
per_family:
  description:
    - Whether the cluster answers each address family with its own addresses (the same node, read over IPv4 and over
      IPv6 in the same poll, reported a node on IPv4 to the first and on IPv6 to the second).
    - When true, RV(converged) and each node's C(converged) count only the views read over O(family).
  returned: always
  type: bool
  sample: true
clients_get:
  description: For each family the topology was read over, the families of the addresses those clients were given.
  returned: always
  type: dict
  sample: {ipv4: [ipv4], ipv6: [ipv6]}
read_over:
  description: The address families the topology was read over.
  returned: always
  type: list
  elements: str
  sample: [ipv4, ipv6]
announced:
  description:
    - What the given node says it announces to each family's clients (C(cluster-announce-client-ipv4) and
      C(cluster-announce-client-ipv6), Valkey 8+), the values set; empty when the server has no such setting, when
      CONFIG may not be run (ElastiCache), or when the given host is a name with both address families.
  returned: always
  type: dict
  sample: {ipv4: 10.0.5.11, ipv6: "2600:1f18::15"}
cannot_converge:
  description: Why waiting cannot bring the cluster to O(family) (see the description), or none.
  returned: always
  type: str
  sample:
unreachable:
  description: Nodes named by the cluster that did not answer in the last poll.
  returned: always
  type: list
  elements: dict
  sample: [{id: 07c37dfeb235213a872192d90877d0cd55635b91, address: "10.0.5.12:6379", error: "cannot reach ...", over: ipv4}]
commands:
  description: The topology commands the nodes answered (V(SHARDS), V(SLOTS) or V(NODES)).
  returned: always
  type: list
  elements: str
  sample: [SHARDS]
hostname_endpoints:
  description: Whether clients are told to connect by hostname, so that their resolver picks the family.
  returned: always
  type: bool
  sample: false
hostnames_only:
  description: Whether no view gave an address for any node (the module then does not wait).
  returned: always
  type: bool
  sample: false
elapsed:
  description: Seconds from the first poll to the last.
  returned: always
  type: float
  sample: 12.514
polls:
  description: How many times the topology was read.
  returned: always
  type: int
  sample: 7
checked_at:
  description: When the last poll ran (UTC, ISO 8601).
  returned: always
  type: str
  sample: "2026-11-23T10:15:02.120354+00:00"
connections:
  description: Connections opened during the run (one per node and family read, plus one per changed address).
  returned: always
  type: int
  sample: 6
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.dualstack.redis.plugins.module_utils import _cluster_probe as cp
from ansible_collections.dualstack.redis.plugins.module_utils import _cluster_topology as ct
from ansible_collections.dualstack.redis.plugins.module_utils import _redis as rd
from ansible_collections.dualstack.redis.plugins.module_utils import _resp as resp


def main():
    argument_spec = rd.redis_argument_spec()
    argument_spec.update(
        family=dict(type="str", required=True, choices=["ipv4", "ipv6"]),
        wait=dict(type="bool", default=True),
        timeout=dict(type="int", default=300),
        interval=dict(type="float", default=2.0),
        all_nodes=dict(type="bool", default=True),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = dict(module.params)
    if cp.redis is None:
        module.fail_json(msg=missing_required_lib("redis"), exception=cp.REDIS_IMPORT_ERROR)
    problems = cp.argument_problems(params)
    if problems:
        module.fail_json(msg="; ".join(problems))
    if module.check_mode:
        params["wait"] = False
    # redis-py looks the name up with getaddrinfo, which has no timeout of its own: first within connect_timeout.
    try:
        resp.resolve_within(params["host"], params["port"], params["connect_timeout"])
    except resp.RespError as exc:
        module.fail_json(msg=str(exc), error_kind=exc.kind, connections=[])

    probe = cp.Probe(cp.connect_kwargs(params))
    try:
        result = cp.watch(probe, params)
    except cp.ProbeError as exc:
        module.fail_json(msg=str(exc), error_kind=exc.kind, connections=probe.connections)
    finally:
        probe.close()
    result["connections"] = probe.connections

    family = params["family"]
    if result["hostname_endpoints"]:
        module.warn(ct.RESOLVER_HINT)
    if result["per_family"]:
        module.warn(ct.PER_FAMILY_HINT)
    if result["converged"]:
        msg = "every node is announced on %s" % family
        if result["per_family"]:
            msg = ("clients that connect over %s get %s addresses for every node; the cluster answers each family with "
                   "its own addresses (clients over the other family get: %s)" % (family, family, ct.other_clients(result, family)))
    elif result["hostnames_only"]:
        msg = "no node is announced with an address, only by hostname; " + ct.RESOLVER_HINT
    elif result["cannot_converge"]:
        msg = "not waiting: " + result["cannot_converge"]
        if params["wait"]:
            module.fail_json(msg=msg, changed=False, error_kind="per_family", **result)
    else:
        msg = "not every node is announced on %s: %s" % (family, ct.describe_laggards(result, family))
        if result["per_family"]:
            msg = "clients that connect over %s do not get %s addresses yet: %s" % (family, family, ct.describe_laggards(result, family))
        if params["wait"]:
            msg = "timed out after %ss (%d polls): %s" % (params["timeout"], result["polls"], msg)
            if len(result["read_over"]) < 2:
                msg += ("; the topology was read over %s only (a Valkey 8+ cluster may give each family's clients their "
                        "own addresses: give a host name with both address families to read both)"
                        % (", ".join(result["read_over"]) or "no family"))
            module.fail_json(msg=msg, changed=False, **result)
    module.exit_json(changed=False, msg=msg, **result)


if __name__ == "__main__":
    main()
