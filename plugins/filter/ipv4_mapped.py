# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: ipv4_mapped
short_description: An IPv4 network as the IPv4-mapped IPv6 prefix that policy tables use
version_added: 0.1.0
description:
  - Turns C(a.b.c.d/n) into C(::ffff:a.b.c.d/(96+n)), the form glibc's gai.conf and Windows prefix
    policies match IPv4 destinations with. A bare address becomes a C(/128).
  - Fails on anything that is not an IPv4 network, on host bits set, and on lengths over 32, naming
    the value and the correct form.
author:
  - dualstack.redis maintainers (@dualstack)
options:
  _input:
    description: An IPv4 network such as C(172.31.0.0/16), or an IPv4 address.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: 172.31.0.0/16 -> ::ffff:172.31.0.0/112
  ansible.builtin.debug:
    msg: "{{ '172.31.0.0/16' | dualstack.redis.ipv4_mapped }}"

- name: Every IPv4 address -> ::ffff:0:0/96
  ansible.builtin.debug:
    msg: "{{ '0.0.0.0/0' | dualstack.redis.ipv4_mapped }}"
"""

RETURN = r"""
_value:
  description: The IPv4-mapped IPv6 prefix.
  type: str
  sample: "::ffff:172.31.0.0/112"
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.dualstack.redis.plugins.module_utils._policy_table import PolicyError, ipv4_mapped


def ipv4_mapped_filter(value):
    """The filter: an IPv4 network -> its IPv4-mapped prefix."""
    try:
        return ipv4_mapped(value, "ipv4_mapped input")
    except PolicyError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """dualstack.redis filters."""

    def filters(self):
        return {"ipv4_mapped": ipv4_mapped_filter}
