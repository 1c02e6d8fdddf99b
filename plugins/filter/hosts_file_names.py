# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: hosts_file_names
short_description: The names an /etc/hosts file gives an address, read as glibc reads it
version_added: 0.2.0
description:
  - Takes the text of a hosts file (for example the decoded C(content) of M(ansible.builtin.slurp)) and
    returns every name it gives O(address), in file order.
  - Read as glibc's files backend reads C(/etc/hosts), with comments from C(#) on and fields split at C white space
    (space, tab, carriage return, form feed, vertical tab; a file saved with CRLF line ends works), any spelling
    of the address (C(::1) and C(0:0:0:0:0:0:0:1) are one address).
  - The role C(dualstack.redis.internal_address) uses it to check that every node of an IPv6 cluster maps
    C(::1) to C(localhost), which Redis Enterprise needs.
author:
  - dualstack.redis maintainers (@dualstack)
options:
  _input:
    description: The hosts file's text.
    type: str
    required: true
  address:
    description: The address to look up.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Read /etc/hosts
  ansible.builtin.slurp:
    src: /etc/hosts
  register: hosts_file

- name: ::1 is localhost here
  ansible.builtin.assert:
    that: "'localhost' in (hosts_file.content | b64decode | dualstack.redis.hosts_file_names('::1') | map('lower'))"
"""

RETURN = r"""
_value:
  description: The names, as written (compare them in lower case, glibc ignores ASCII case).
  type: list
  elements: str
  sample: [localhost, ip6-localhost, ip6-loopback]
"""

import ipaddress

from ansible.errors import AnsibleFilterError

from ansible_collections.dualstack.redis.plugins.plugin_utils._hosts_file import names_for


def hosts_file_names(text, address):
    """The filter."""
    try:
        ipaddress.ip_address(str(address))
    except ValueError:
        raise AnsibleFilterError("hosts_file_names: %r is not an IP address" % (address,))
    return names_for(text, str(address))


class FilterModule:
    """dualstack.redis filters."""

    def filters(self):
        return {"hosts_file_names": hosts_file_names}
