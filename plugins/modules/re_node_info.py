#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: re_node_info
short_description: The nodes of a Redis Enterprise Software cluster, from rladmin or the REST API
version_added: 0.1.0
description:
  - Runs C(rladmin status nodes) on a cluster node and returns every node with its internal and
    external addresses, role, status and the other columns rladmin prints, plus which node is the
    cluster master.
  - Over the REST API (O(transport=rest), or O(api_url) or E(RE_API_URL) set) it reads C(GET /v1/nodes) and
    C(GET /v1/nodes/status) instead, from wherever it runs (the controller, an AWX job), with no SSH to the
    nodes, and returns the same keys. O(api_url) may list every node's URL; a node that is not the master
    answers with a redirect to it, which is followed (see O(api_url)).
  - Reads rladmin's table by what each column's values look like, so uneven column widths, blank
    external-address cells, comma-joined address lists and statuses with spaces are read right.
author:
  - dualstack.redis maintainers (@dualstack)
extends_documentation_fragment:
  - dualstack.redis._rladmin
  - dualstack.redis._re_api
  - dualstack.redis._attributes
  - dualstack.redis._attributes.INFO_MODULE
  - dualstack.redis._attributes.PLATFORM_LINUX
options:
  node:
    description: Only return this node (fails when the cluster has no such node).
    type: int
notes:
  - rladmin answers only on a node whose Redis Enterprise services run; on a node that is down it fails,
    and so does this module, with rladmin's output.
  - Over the REST API, V(OK) stands for the API's C(active) and any other state is the API's word
    upper-cased (V(DOWN), V(PROVISIONING), V(DECOMMISSIONING)); RV(nodes[].connected) is false for every node.
seealso:
  - module: dualstack.redis.re_node_address
  - module: dualstack.redis.re_node_demote
"""

EXAMPLES = r"""
- name: Read the cluster's nodes
  dualstack.redis.re_node_info:
  register: cluster

- name: Every node is OK
  ansible.builtin.assert:
    that: cluster.nodes | rejectattr('ok') | list | length == 0
    fail_msg: "{{ cluster.nodes | rejectattr('ok') | map(attribute='id') | list }} not OK"

- name: Node 3's internal address
  dualstack.redis.re_node_info:
    node: 3
  register: node3

- name: The same from the controller, over the REST API (credentials from RE_API_USERNAME/RE_API_PASSWORD)
  dualstack.redis.re_node_info:
    api_url: https://cluster.example.com:9443
    ca_path: /etc/pki/redis-enterprise/proxy_cert.pem
  delegate_to: localhost
  run_once: true
  register: cluster
"""

RETURN = r"""
nodes:
  description: The nodes as rladmin lists them (only O(node) when given).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The node id.
      type: int
      sample: 2
    role:
      description: The node's cluster-management role, V(master) or V(slave) (not a shard role).
      type: str
      sample: slave
    address:
      description: The internal address.
      type: str
      sample: 10.0.0.12
    external_addresses:
      description: The external addresses; empty when there are none.
      type: list
      elements: str
      sample: ["203.0.113.12", "2001:db8::12"]
    hostname:
      description: The node's host name.
      type: str
    shards:
      description: Shards used and allowed, as printed.
      type: str
      sample: 2/100
    cores:
      description: CPU cores.
      type: int
    version:
      description: The Redis Enterprise version.
      type: str
      sample: 7.4.2-54
    status:
      description: The status as printed.
      type: str
      sample: DOWN, last seen 12s ago
    ok:
      description: Whether the status is C(OK).
      type: bool
    connected:
      description: Whether this is the node rladmin ran on (marked C(*) by rladmin); always false over the REST API.
      type: bool
    rest_status:
      description: The API's own node status (C(active), C(down), C(provisioning), C(decommissioning)).
      type: str
      returned: over the REST API
master:
  description: The id of the cluster master node, or null when rladmin shows none.
  returned: always
  type: int
  sample: 1
connected:
  description: The id of the node rladmin ran on; null over the REST API.
  returned: always
  type: int
  sample: 2
transport:
  description: How the nodes were read, V(rladmin) or V(rest).
  returned: always
  type: str
  sample: rest
api_endpoint:
  description: Over the REST API, the C(https://host:port) that served the last request (after redirects).
  returned: over the REST API
  type: str
  sample: https://10.0.0.11:9443
checked_at:
  description:
    - When the nodes were read (UTC, ISO 8601), by the clock of the host the module ran on. The change report of
      the role C(dualstack.redis.internal_address) takes when a node was seen down and OK again from it.
  returned: success
  type: str
  sample: "2026-11-23T10:15:02.120354+00:00"
  version_added: 0.3.0
"""

import datetime

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dualstack.redis.plugins.module_utils._re import nodes as re_nodes
from ansible_collections.dualstack.redis.plugins.module_utils._re import transport


def main():
    module = AnsibleModule(argument_spec=transport.argument_spec(node=dict(type="int")), supports_check_mode=True)
    result = dict(changed=False)
    try:
        result["transport"] = transport.kind(module.params)
        cluster = transport.connect(module.params)
        try:
            nodes = cluster.nodes()
            result["checked_at"] = datetime.datetime.now(datetime.timezone.utc).isoformat()
        finally:
            if cluster.kind == "rest":
                result["api_endpoint"] = cluster.endpoint
        master = re_nodes.master_id(nodes)
        connected = next((node["id"] for node in nodes if node["connected"]), None) if cluster.kind == "rladmin" else None
        if module.params["node"] is not None:
            nodes = [re_nodes.find_node(nodes, module.params["node"])]
    except (re_nodes.ReError, re_nodes.ReFailed) as exc:
        module.fail_json(msg=str(exc), **dict(result, **getattr(exc, "result", {})))
    module.exit_json(nodes=nodes, master=master, connected=connected, **result)


if __name__ == "__main__":
    main()
