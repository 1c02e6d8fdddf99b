#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: re_node_address
short_description: Set a Redis Enterprise node's internal address and external addresses with rladmin or the REST API
version_added: 0.1.0
description:
  - Reads the node with C(rladmin status nodes) first and runs C(rladmin node <id> addr set) or
    C(rladmin node <id> external_addr add|set|remove) only for a difference, with the fewest calls.
  - The internal address can only be set while the node is down (its services stopped), so this runs
    on ANOTHER node of the cluster. The module refuses, before any change, an internal address of the
    other IP family (a running cluster cannot switch), an address another node already has, a node
    that is still up, and running on the node being changed.
  - External addresses may be IPv4 or IPv6 and need not be bound to any interface (elastic IPs,
    load-balancer addresses). They are validated and normalized (IPv6 lower-case and compressed).
  - Over the REST API (O(transport=rest), or O(api_url) or E(RE_API_URL) set) it runs from wherever it is, reads
    C(GET /v1/nodes) and C(GET /v1/nodes/status), sends one C(PUT /v1/nodes/<id>) with only the fields that
    differ (C(addr), or C(external_addr) as the whole new list) and reads the node back. The same checks run
    before any request; the API's own refusals (401 credentials, 404 unknown node, 406 C(node_not_offline), 400
    with its description) become one-line errors. Redirects from a node that is not the master are followed as
    O(api_url) says, the C(PUT) with its body.
  - Both transports share one path (read the cluster, plan the change, apply it, read the node back and compare),
    so they refuse the same inputs with the same messages.
  - The role C(dualstack.redis.internal_address) runs the whole documented procedure around this.
author:
  - dualstack.redis maintainers (@dualstack)
extends_documentation_fragment:
  - dualstack.redis._rladmin
  - dualstack.redis._re_api
  - dualstack.redis._attributes
  - dualstack.redis._attributes.FULL
  - dualstack.redis._attributes.PLATFORM_LINUX
options:
  node:
    description: The id of the node to change.
    type: int
    required: true
  internal_address:
    description:
      - The node's new internal address, of the same family as the current one. The node must be down.
      - It must be bound to an active interface on that node before the node starts again, or the node
        will not rejoin.
    type: str
  external_addresses:
    description: External addresses (IPv4 and/or IPv6) to apply as O(external_addresses_state) says.
    type: list
    elements: str
  external_addresses_state:
    description:
      - V(exact) makes the list exactly O(external_addresses) (an empty list removes them all).
      - V(present) adds those missing; V(absent) removes those there.
    type: str
    choices: [exact, present, absent]
    default: exact
notes:
  - rladmin is run with C(-y) and without a terminal, so it never waits on a prompt. A non-zero exit or a
    reply other than C(Updated successfully.) fails the task with rladmin's own output.
  - Over the REST API, check mode sends no C(PUT) (only the two reads), and RV(commands) lists the request
    as C([method, url, JSON body]).
seealso:
  - module: dualstack.redis.re_node_info
  - module: dualstack.redis.re_node_demote
"""

EXAMPLES = r"""
- name: Give node 2 an IPv4 and an IPv6 external address (exactly these)
  dualstack.redis.re_node_address:
    node: 2
    external_addresses:
      - 203.0.113.12
      - 2001:db8::12

- name: Add a load balancer's address to node 3, keeping the others
  dualstack.redis.re_node_address:
    node: 3
    external_addresses: [198.51.100.30]
    external_addresses_state: present

- name: Set node 3's internal address (node 3 is down; run from node 1)
  dualstack.redis.re_node_address:
    node: 3
    internal_address: 10.0.1.13
  delegate_to: re-node-1

- name: The same external addresses from the controller, over the REST API
  dualstack.redis.re_node_address:
    api_url: https://cluster.example.com:9443
    api_username: admin@example.com
    api_password: "{{ vault_re_admin_password }}"
    ca_path: /etc/pki/redis-enterprise/proxy_cert.pem
    node: 2
    external_addresses: [203.0.113.12, 2001:db8::12]
  delegate_to: localhost
"""

RETURN = r"""
commands:
  description:
    - The rladmin argv lists run (in check mode, those that would run); on failure, those that ran, the failed one last.
    - Over the REST API, the requests that changed something, each as V([method, url, JSON body]).
  returned: always
  type: list
  elements: list
  sample: [["/opt/redislabs/bin/rladmin", "-y", "node", "2", "external_addr", "add", "2001:db8::12"]]
before:
  description: The node as rladmin listed it before (see M(dualstack.redis.re_node_info) for the keys).
  returned: always
  type: dict
after:
  description: The node as rladmin lists it afterwards (in check mode, as it would be).
  returned: always
  type: dict
transport:
  description: How the node was read and changed, V(rladmin) or V(rest).
  returned: always
  type: str
api_endpoint:
  description: Over the REST API, the C(https://host:port) that served the last request (after redirects).
  returned: over the REST API
  type: str
  sample: https://10.0.0.11:9443
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dualstack.redis.plugins.module_utils._re import nodes as re_nodes
from ansible_collections.dualstack.redis.plugins.module_utils._re import transport


def main():
    module = AnsibleModule(
        argument_spec=transport.argument_spec(
            node=dict(type="int", required=True),
            internal_address=dict(type="str"),
            external_addresses=dict(type="list", elements="str"),
            external_addresses_state=dict(type="str", choices=list(re_nodes.EXTERNAL_STATES), default="exact"),
        ),
        required_one_of=[("internal_address", "external_addresses")],
        supports_check_mode=True,
    )
    params = module.params
    node_id = params["node"]
    result = dict(changed=False, commands=[], before=None, after=None)
    cluster = None
    try:
        # Every check that needs no request first: the addresses, then the transport's own options.
        if params["external_addresses"] is not None:
            re_nodes.normalize_addresses(params["external_addresses"], "external_addresses")
        if params["internal_address"] is not None:
            re_nodes.normalize_address(params["internal_address"], "internal_address")
        result["transport"] = transport.kind(params)
        cluster = transport.connect(params)
        result.update(re_nodes.update(cluster, node_id, params["internal_address"], params["external_addresses"],
                                      params["external_addresses_state"], module.check_mode))
    except (re_nodes.ReError, re_nodes.ReFailed) as exc:
        result.update(getattr(exc, "result", {}))
        _endpoint(cluster, result)
        module.fail_json(msg=str(exc), **result)
    _endpoint(cluster, result)
    if module._diff and result["after"] is not None:
        result["diff"] = dict(
            before=_addresses(result["before"]), after=_addresses(result["after"]),
            before_header="node %d" % node_id, after_header="node %d" % node_id,
        )
    module.exit_json(**result)


def _endpoint(cluster, result):
    if cluster is not None and cluster.kind == "rest":
        result["api_endpoint"] = cluster.endpoint


def _addresses(node):
    return "internal_address: %s\nexternal_addresses: %s\n" % (node["address"], ", ".join(node["external_addresses"]) or "[]")


if __name__ == "__main__":
    main()
