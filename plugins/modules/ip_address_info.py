#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ip_address_info
short_description: Where an IP address is bound on a Linux host, and every address bound to UP interfaces
version_added: 0.2.0
description:
  - Reads C(ip -j addr show) and returns the interface and prefix length holding O(address), whether it
    is bound to an interface that is UP, and every address bound to an UP interface. Changes nothing.
  - This is what M(dualstack.redis.ip_address) returned with C(state=query) before 0.2.0 (without
    C(commands), which was always empty).
author:
  - dualstack.redis maintainers (@dualstack)
extends_documentation_fragment:
  - dualstack.redis._attributes
  - dualstack.redis._attributes.INFO_MODULE
  - dualstack.redis._attributes.PLATFORM_LINUX
options:
  address:
    description: The IPv4 or IPv6 address to look for, without a zone index.
    type: str
    required: true
  command_timeout:
    description:
      - Seconds the C(ip) call may take (1 to 86400); a call still running then is killed and the task fails
        saying so.
    type: int
    default: 30
notes:
  - Needs C(ip) (iproute2) with JSON output (C(ip -j)).
seealso:
  - module: dualstack.redis.ip_address
"""

EXAMPLES = r"""
- name: Where is 10.0.0.11?
  dualstack.redis.ip_address_info:
    address: 10.0.0.11
  register: old_address

- name: Fail unless 10.0.1.11 is bound to an UP interface
  dualstack.redis.ip_address_info:
    address: 10.0.1.11
  register: new_address
  failed_when: not new_address.bound
"""

RETURN = r"""
bound:
  description: Whether O(address) is bound to an interface that is UP and usable (for IPv6, duplicate address detection passed).
  returned: always
  type: bool
interface:
  description: The interface holding O(address) (UP or not), or null.
  returned: always
  type: str
  sample: eth0
prefix_length:
  description: The prefix length of O(address) there, or null.
  returned: always
  type: int
  sample: 24
dad:
  description:
    - IPv6 duplicate address detection of O(address) when it has not passed, else null (also for IPv4 and for
      an address not bound here).
    - V(tentative) (still running, the kernel does not use the address yet) or V(dadfailed) (another host on
      the link has it; the kernel never uses it).
  returned: always
  type: str
  sample: null
up_addresses:
  description: Every usable address bound to an UP interface (tentative and dadfailed IPv6 addresses left out).
  returned: always
  type: list
  elements: str
  sample: ["127.0.0.1", "10.0.0.11", "::1"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dualstack.redis.plugins.module_utils._net import iproute
from ansible_collections.dualstack.redis.plugins.module_utils._net import runtime


def main():
    module = AnsibleModule(
        argument_spec=dict(
            runtime.IP_ARGS,
            address=dict(type="str", required=True),
        ),
        supports_check_mode=True,
    )
    try:
        address = iproute.normalize_address(module.params["address"], "address")
    except iproute.IprouteError as exc:
        module.fail_json(msg=str(exc))
    try:
        ip = runtime.Ip(module)
        addresses = ip.addresses()
    except runtime.CommandFailed as exc:
        module.fail_json(msg=str(exc))
    here = iproute.find(addresses, address)
    up = iproute.up_addresses(addresses)
    module.exit_json(
        changed=False,
        bound=address in up,
        dad=iproute.dad_state(addresses, address),
        interface=here["interface"] if here else None,
        prefix_length=here["prefix_length"] if here else None,
        up_addresses=up,
    )


if __name__ == "__main__":
    main()
