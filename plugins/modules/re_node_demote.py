#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: re_node_demote
short_description: Move primary shards, endpoints and the cluster master role off a Redis Enterprise node
version_added: 0.1.0
description:
  - Runs C(rladmin node <id> enslave demote_node) only when the node still is the cluster master or
    holds primary shards or endpoints (read with one C(rladmin status), whose CLUSTER NODES, SHARDS and ENDPOINTS
    sections say so), so a second run changes nothing.
  - This is the first step of Redis's documented procedure for changing a node's internal address.
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
    description: The id of the node to demote.
    type: int
    required: true
  retry_timeout_seconds:
    description:
      - Passed to rladmin as C(retry_timeout_seconds); how long rladmin retries a failed failover.
      - Must be less than O(command_timeout), which bounds the whole rladmin call.
    type: int
notes:
  - rladmin is run with C(-y) and without a terminal. A non-zero exit or a reply that does not end in C(OK)
    fails the task with rladmin's output; so does a node still holding something afterwards.
  - When the demotion fails, the node is read again, and C(changed) says whether it holds less than before.
  - There is no REST API transport. The REST API documents C(POST /v1/nodes/<id>/actions/enslave_node) only as
    "turn node into a replica", with no option that also hands over the cluster master role (rladmin's
    C(demote_node)), and moving that role is a separate action (C(POST /v1/cluster/actions/change_master)); so
    this module keeps rladmin, which does both in one documented step. It takes the REST API options so that
    C(module_defaults) for the group C(redis_enterprise) reach it; O(transport=auto) uses rladmin here whatever
    O(api_url) says, and O(transport=rest) is refused.
seealso:
  - module: dualstack.redis.re_node_info
  - module: dualstack.redis.re_node_address
"""

EXAMPLES = r"""
- name: Demote node 1 before taking it down
  dualstack.redis.re_node_demote:
    node: 1
    retry_timeout_seconds: 60
  register: demoted

- name: Show why it was demoted
  ansible.builtin.debug:
    var: demoted.reasons
"""

RETURN = r"""
reasons:
  description: Why the node needed demoting (empty when it did not).
  returned: always
  type: list
  elements: str
  sample: ["node 1 is the cluster master", "node 1 holds primary shards redis:1"]
commands:
  description: The rladmin argv lists run (in check mode, those that would run).
  returned: always
  type: list
  elements: list
master:
  description: The cluster master node id afterwards (in check mode, before).
  returned: always
  type: int
  sample: 2
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dualstack.redis.plugins.module_utils._re import nodes as re_nodes
from ansible_collections.dualstack.redis.plugins.module_utils._re import rladmin as rl
from ansible_collections.dualstack.redis.plugins.module_utils._re import transport


def holdings(rladmin, node_id):
    """(nodes, reasons) for ``node_id`` as rladmin shows the cluster now (one ``rladmin status``); raises ReFailed."""
    nodes, shards, endpoints = rladmin.overview()
    try:
        re_nodes.find_node(nodes, node_id)
    except re_nodes.ReError as exc:
        raise re_nodes.ReFailed(str(exc))
    return nodes, re_nodes.demote_reasons(node_id, nodes, shards, endpoints)


def demote(params, check_mode):
    """The module's result; raises ReError (nothing done) or ReFailed (carrying the result)."""
    node_id = params["node"]
    retry = params["retry_timeout_seconds"]
    if params["transport"] == "rest":
        raise re_nodes.ReError("re_node_demote runs rladmin on a node of the cluster (transport rladmin or auto): the REST API's "
                               "enslave_node action has no demote_node option, and moving the master role is a separate "
                               "action there")
    transport.check(params)
    if retry is not None and not 1 <= retry < params["command_timeout"]:
        raise re_nodes.ReError("retry_timeout_seconds must be 1 or more and less than command_timeout (%s), got %d"
                               % (params["command_timeout"], retry))
    rladmin = rl.Rladmin(params)
    try:
        nodes, reasons = holdings(rladmin, node_id)
    except re_nodes.ReFailed as exc:
        raise re_nodes.ReFailed(str(exc), dict(exc.result, changed=False, commands=[]))
    commands = [rl.demote_command(node_id, retry, rladmin.path)] if reasons else []
    result = dict(changed=bool(commands), reasons=reasons, commands=commands, master=re_nodes.master_id(nodes))
    if commands and not check_mode:
        try:
            rladmin.call(commands[0], success="OK")
        except re_nodes.ReFailed as exc:
            # The demotion may have moved some of it before failing.
            result["changed"] = _changed_since(rladmin, node_id, reasons)
            raise re_nodes.ReFailed(str(exc), dict(result, **exc.result))
        try:
            nodes, left = holdings(rladmin, node_id)
        except re_nodes.ReFailed as exc:
            raise re_nodes.ReFailed(str(exc), dict(result, **exc.result))
        result["master"] = re_nodes.master_id(nodes)
        if left:
            result["changed"] = left != reasons
            raise re_nodes.ReFailed("rladmin replied OK but %s" % "; ".join(left), result)
    return result


def main():
    module = AnsibleModule(
        argument_spec=transport.argument_spec(
            node=dict(type="int", required=True),
            retry_timeout_seconds=dict(type="int"),
        ),
        supports_check_mode=True,
    )
    node_id = module.params["node"]
    try:
        result = demote(module.params, module.check_mode)
    except re_nodes.ReError as exc:
        module.fail_json(msg=str(exc), changed=False, commands=[])
    except re_nodes.ReFailed as exc:
        module.fail_json(msg=str(exc), **exc.result)
    if module._diff:
        reasons = result["reasons"]
        result["diff"] = dict(before="\n".join(reasons) + "\n" if reasons else "", after="",
                              before_header="node %d holds" % node_id, after_header="node %d holds" % node_id)
    module.exit_json(**result)


def _changed_since(rladmin, node_id, reasons):
    """After a failed demotion: whether the node holds something else than before (unknown counts as changed)."""
    try:
        return holdings(rladmin, node_id)[1] != reasons
    except re_nodes.ReFailed:
        return True


if __name__ == "__main__":
    main()
