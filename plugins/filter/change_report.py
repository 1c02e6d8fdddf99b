# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: change_report
short_description: The change report of a rolling internal-address change or an IP-discovery switch
version_added: 0.3.0
description:
  - Builds, from what the roles C(dualstack.redis.internal_address) and C(dualstack.redis.ip_discovery) registered
    while they worked, a report an operator can attach to a change ticket, as data and as Markdown (C(markdown)).
  - The roles use it at the end of a run (their C(report) step); it makes no call of its own. The times come from
    the commands that already ran on each node, which print C(dualstack-time=) and a UTC ISO 8601 time, and from
    the modules' C(checked_at).
  - Only named fields are copied (ids, addresses, statuses, times, counts, a failed step's name and message), never a
    registered result as a whole; every string of O(secrets) is replaced wherever it appears.
author:
  - dualstack.redis maintainers (@dualstack)
options:
  _input:
    description:
      - For V(internal_address), one entry per node in the order they were changed, with C(host), C(step) (the plan's
        step of the host, see P(dualstack.redis.internal_address_plan#filter)) and the registered results
        C(recorded), C(stopped), C(seen_down), C(started), C(rejoined), C(unrecorded) (each may be missing or
        skipped), and C(failure) (C(task), C(message), C(stage), C(rolled_back)) when the node's change failed.
      - For V(ip_discovery), one entry per cluster with C(host), C(family), C(elasticache) (the result of
        M(dualstack.redis.elasticache_ip_discovery)), C(watch) (the result of M(dualstack.redis.cluster_ip_discovery))
        and C(failure) (C(task), C(message)).
    type: list
    elements: dict
    required: true
  kind:
    description: Which change the entries are of.
    type: str
    choices: [internal_address, ip_discovery]
    required: true
  cluster_before:
    description: For V(internal_address), the nodes as M(dualstack.redis.re_node_info) read them before the change.
    type: list
    elements: dict
  cluster_after:
    description: For V(internal_address), the nodes as M(dualstack.redis.re_node_info) read them after the change.
    type: list
    elements: dict
  run:
    description: The run, C(id), C(started), C(finished) (text) and C(check_mode) (bool).
    type: dict
  secrets:
    description:
      - Strings that must not appear in the report (passwords, tokens); replaced by C(********) in every string of it.
      - Strings shorter than 4 characters are not looked for (they would match inside ordinary words and addresses).
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Build the report of the IP-discovery switch
  ansible.builtin.set_fact:
    report: >-
      {{ [{'host': inventory_hostname, 'family': 'ipv6', 'elasticache': switched, 'watch': watched}]
         | dualstack.redis.change_report(kind='ip_discovery', secrets=[redis_password]) }}

- name: Keep it for the change ticket
  ansible.builtin.copy:
    content: "{{ report.markdown }}"
    dest: /var/tmp/ip-discovery-change.md
    mode: "0600"
  delegate_to: localhost
"""

RETURN = r"""
_value:
  description:
    - C(kind), C(title), C(run), C(summary) (one sentence), C(markdown) (the whole report as Markdown) and, for
      V(internal_address), C(nodes) (per node C(host), C(node), C(old), C(new), C(action), C(outcome), C(times) of
      each step as UTC ISO 8601 text or null, C(durations) in seconds or null, C(failure)), C(cluster_before) and
      C(cluster_after) (C(id), C(role), C(address), C(external_addresses), C(status), C(ok)); for V(ip_discovery),
      C(clusters) (per cluster C(host), C(family), C(elasticache) before and after, C(watch) with converged, families,
      elapsed, polls, nodes, per-family answers, and C(failure)).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.dualstack.redis.plugins.plugin_utils import _change_report


def change_report(entries, kind, cluster_before=None, cluster_after=None, run=None, secrets=None):
    """The filter."""
    if isinstance(secrets, str) or (secrets is not None and not isinstance(secrets, list)):
        raise AnsibleFilterError("change_report: secrets must be a list of strings")
    try:
        if kind == "internal_address":
            report = _change_report.internal_address_report(entries, cluster_before, cluster_after, run, secrets)
        elif kind == "ip_discovery":
            report = _change_report.ip_discovery_report(entries, run, secrets)
        else:
            raise AnsibleFilterError("change_report: kind must be internal_address or ip_discovery, got %r" % (kind,))
        report["markdown"] = _change_report.to_markdown(report)
    except _change_report.ReportError as exc:
        raise AnsibleFilterError("change_report: %s" % exc) from exc
    return report


class FilterModule:
    """dualstack.redis filters."""

    def filters(self):
        return {"change_report": change_report}
