# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: re_api_urls
short_description: Redis Enterprise REST API URLs for a list of node addresses or names
version_added: 0.2.0
description:
  - Turns node addresses and host names into C(https://HOST:PORT) URLs for the C(api_url) option of the Redis
    Enterprise modules, in order, each once (IPv6 addresses in brackets and compressed, names lower-cased), leaving out
    empty and null entries.
  - The roles of this collection give the modules every node's URL this way when they talk to the REST API, so that a
    request goes to a node that answers, and a node that is not the master redirects to one that is listed.
  - Fails on an entry that is neither an IP address nor a host name.
author:
  - dualstack.redis maintainers (@dualstack)
options:
  _input:
    description: Addresses or host names (a list; nested lists are flattened).
    type: list
    elements: raw
    required: true
  port:
    description: The API port.
    type: int
    default: 9443
"""

EXAMPLES = r"""
- name: Every node's URL, from the inventory
  ansible.builtin.debug:
    msg: "{{ groups['redis_enterprise'] | map('extract', hostvars, 'ansible_host') | dualstack.redis.re_api_urls }}"

- name: Two nodes, IPv6 included
  ansible.builtin.debug:
    msg: "{{ ['10.0.0.11', 'FD00::12'] | dualstack.redis.re_api_urls(9443) }}"
    # ['https://10.0.0.11:9443', 'https://[fd00::12]:9443']
"""

RETURN = r"""
_value:
  description: The URLs, in the order of the input, without repeats.
  type: list
  elements: str
  sample: ["https://10.0.0.11:9443", "https://[fd00::12]:9443"]
"""

import ipaddress

from ansible.errors import AnsibleFilterError

from ansible_collections.dualstack.redis.plugins.module_utils import _checks as checks


def _flat(items):
    for item in items:
        if isinstance(item, (list, tuple)):
            yield from _flat(item)
        else:
            yield item


def re_api_urls(hosts, port=9443):
    """The filter: node addresses or names -> ``https://host:port`` URLs, in order, without repeats."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise AnsibleFilterError("re_api_urls: port %r is not from 1 to 65535" % (port,))
    if isinstance(hosts, str):
        hosts = [hosts]
    urls = []
    for host in _flat(hosts or []):
        if host is None or not str(host).strip():
            continue
        text = str(host).strip()
        try:
            address = ipaddress.ip_address(text.strip("[]"))
            host_part = "[%s]" % address.compressed if address.version == 6 else address.compressed
        except ValueError:
            # The collection's rule for host names; a URL holds a name in its IDNA (ASCII) form, and no ':' or '/'.
            problem = checks.hostname(text, "host") or (
                "host %r is not a host name for a URL" % text if any(c in text for c in ":/[]@?#") else None)
            if problem:
                raise AnsibleFilterError("re_api_urls: %s: neither an IP address nor a host name" % problem)
            host_part = text.rstrip(".").encode("idna").decode("ascii").lower()
        url = "https://%s:%d" % (host_part, port)
        if url not in urls:
            urls.append(url)
    return urls


class FilterModule:
    """dualstack.redis filters."""

    def filters(self):
        return {"re_api_urls": re_api_urls}
