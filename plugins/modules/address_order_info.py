#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: address_order_info
short_description: The addresses of a name in the order this host's getaddrinfo() returns them
version_added: 0.1.0
description:
  - Resolves O(name) with the managed host's own C(getaddrinfo()), as a client program there would,
    and returns every address with its family, in the order clients try them.
  - On glibc hosts the order follows C(/etc/gai.conf) (see M(dualstack.redis.gai_conf)); this module is
    how roles and playbooks check that a preference took effect.
author:
  - dualstack.redis maintainers (@dualstack)
extends_documentation_fragment:
  - dualstack.redis._attributes
  - dualstack.redis._attributes.INFO_MODULE
  - dualstack.redis._attributes.PLATFORM_LINUX
options:
  name:
    description: The host name (or address) to resolve.
    type: str
    required: true
  port:
    description: A port or service name to resolve with the name; it does not change the order.
    type: str
  family:
    description: Ask only for one family (V(any) asks for both, as most clients do).
    type: str
    choices: [any, ipv4, ipv6]
    default: any
  timeout:
    description:
      - Seconds the lookup may take, 1 to 300. C(getaddrinfo()) has no timeout of its own (a resolver that never
        answers holds it for its own timeout times its attempts, per family); the module fails when this runs out,
        naming the name.
    type: float
    default: 10
    version_added: 0.2.0
notes:
  - Each module run is a new process, so a gai.conf written by an earlier task is read afresh.
"""

EXAMPLES = r"""
- name: Where will clients on this host connect to first?
  dualstack.redis.address_order_info:
    name: redis.example.com
  register: order

- name: Fail unless IPv4 comes first
  ansible.builtin.assert:
    that: order.first_family == 'ipv4'
    fail_msg: "{{ order.name }} resolves to {{ order.first }} first"

- name: With a port, as a Redis client would ask
  dualstack.redis.address_order_info:
    name: redis.example.com
    port: "6379"
"""

RETURN = r"""
name:
  description: The name resolved.
  returned: always
  type: str
  sample: redis.example.com
addresses:
  description: Unique addresses in getaddrinfo() order.
  returned: always
  type: list
  elements: dict
  contains:
    address:
      description: The address, without port.
      type: str
    family:
      description: V(ipv4) or V(ipv6).
      type: str
  sample:
    - {address: "fd00:10::5", family: ipv6}
    - {address: "172.31.5.5", family: ipv4}
first:
  description: The address clients try first.
  returned: always
  type: str
  sample: "fd00:10::5"
first_family:
  description: The family of RV(first).
  returned: always
  type: str
  sample: ipv6
families:
  description: The families present, in order of first appearance.
  returned: always
  type: list
  elements: str
  sample: [ipv6, ipv4]
"""

import socket

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.dualstack.redis.plugins.module_utils import _checks as checks
from ansible_collections.dualstack.redis.plugins.module_utils import _resp as resp

FAMILIES = {"any": socket.AF_UNSPEC, "ipv4": socket.AF_INET, "ipv6": socket.AF_INET6}
NAMES = {socket.AF_INET: "ipv4", socket.AF_INET6: "ipv6"}


def ordered_addresses(infos):
    """getaddrinfo() results -> unique addresses in their order, with family names."""
    seen = set()
    result = []
    for family, _type, _proto, _canon, sockaddr in infos:
        if family not in NAMES or sockaddr[0] in seen:
            continue
        seen.add(sockaddr[0])
        result.append(dict(address=sockaddr[0], family=NAMES[family]))
    return result


def name_problem(name):
    """Why ``name`` cannot be looked up, or None: the collection's rule for host names (an address, or a name a
    resolver can take), which also spares getaddrinfo() what it would refuse with a traceback or an obscure code."""
    return checks.hostname(name, "name")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            port=dict(type="str"),
            family=dict(type="str", choices=list(FAMILIES), default="any"),
            timeout=dict(type="float", default=10.0),
        ),
        supports_check_mode=True,
    )
    name = module.params["name"].strip()
    problem = name_problem(name) or checks.seconds(module.params["timeout"], "timeout", 1, 300)
    if problem:
        module.fail_json(msg=problem, name=name)

    def lookup(host, port):
        try:
            return socket.getaddrinfo(host, port, FAMILIES[module.params["family"]], socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, ValueError) as exc:
            raise resp.RespError("resolve", "cannot resolve %s: %s" % (host, to_native(exc)))

    infos = resp.resolve_many([(name, module.params["port"])], module.params["timeout"], lookup=lookup)[(name, module.params["port"])]
    if isinstance(infos, resp.RespError):
        module.fail_json(msg=str(infos), name=name)
    addresses = ordered_addresses(infos)
    if not addresses:
        module.fail_json(msg="%s resolved to no IPv4 or IPv6 address" % name, name=name)
    families = []
    for entry in addresses:
        if entry["family"] not in families:
            families.append(entry["family"])
    module.exit_json(
        changed=False,
        name=name,
        addresses=addresses,
        first=addresses[0]["address"],
        first_family=addresses[0]["family"],
        families=families,
    )


if __name__ == "__main__":
    main()
