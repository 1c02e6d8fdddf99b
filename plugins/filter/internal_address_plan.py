# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: internal_address_plan
short_description: Check and plan a rolling change of Redis Enterprise internal addresses
version_added: 0.1.0
description:
  - Used by the role C(dualstack.redis.internal_address) in its pre-flight step. Takes the cluster's
    nodes (from M(dualstack.redis.re_node_info)) and one request per inventory host, and returns every
    reason not to start plus, per host, what to do.
  - Reasons not to start include a node that is not OK, an unknown node, an address that is not valid,
    of the other IP family, asked twice, or another node's current address, and no other node to run
    rladmin from.
author:
  - dualstack.redis maintainers (@dualstack)
options:
  _input:
    description: The cluster's nodes, as M(dualstack.redis.re_node_info) returns them.
    type: list
    elements: dict
    required: true
  requests:
    description:
      - Per inventory host, a dict with C(host), C(node) (id or null), C(connected) (the id rladmin reports
        there, or null), C(new) (address or null) and C(journal) (the text of the node's record of an
        interrupted change, or null; since 0.2.0).
      - A host with a record is planned as C(resume) from it, and it is the only node allowed not to be OK.
    type: list
    elements: dict
    required: true
  delegate:
    description: A host to run rladmin from instead of another node of the play.
    type: str
  checks:
    description:
      - Pre-flight's second pass, once every host that changes looked at itself (since 0.2.0). Per inventory host, a
        dict with C(host) and what was found there, each null when not looked at; C(read_error) (why reading the
        cluster there failed), C(os_problem) (why its network configuration cannot take the new address), C(unit)
        (systemd's LoadState of the supervisor's unit C(service), and C(unit_error), what systemctl said on stderr),
        C(method) (the operating-system method that will change the address), C(restart_method), C(hosts_file) (the text of /etc/hosts, checked to map ::1 to
        localhost where the cluster uses IPv6) and C(hosts_file_error).
      - Their problems join the plan's, and the plan gets C(report).
    type: list
    elements: dict
"""

EXAMPLES = r"""
- name: Plan the change
  ansible.builtin.set_fact:
    plan: "{{ cluster.nodes | dualstack.redis.internal_address_plan(requests) }}"
"""

RETURN = r"""
_value:
  description: C(problems) (list of sentences, empty when the change can start) and C(hosts) (per host
    C(node), C(old), C(new), C(action) of C(change), C(resume), C(skip) or C(none), C(delegate), C(external_before),
    C(external_after), C(node_ok), C(cluster_address) and, for C(resume), C(interrupted_at), the stage its record
    states, or null), C(resume) (the hosts whose interrupted change is
    finished first) and, with O(checks), C(report) (one line per host saying what will happen, then warnings).
  type: dict
"""

from ansible_collections.dualstack.redis.plugins.plugin_utils._internal_address import plan_internal_addresses


def internal_address_plan(nodes, requests, delegate=None, checks=None):
    """The filter."""
    return plan_internal_addresses(nodes, requests, delegate, checks)


class FilterModule:
    """dualstack.redis filters."""

    def filters(self):
        return {"internal_address_plan": internal_address_plan}
