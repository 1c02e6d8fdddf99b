#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ip_address
short_description: Bind or unbind an IP address on a Linux interface at run time (iproute2), safely
version_added: 0.1.0
description:
  - Adds or removes one address with C(ip addr), idempotently, and reports the addresses bound to
    interfaces that are UP, so a caller can check in the same round trip that the address it needs works.
  - To look without changing anything, use M(dualstack.redis.ip_address_info).
  - In diff mode it returns the addresses of the interface concerned before and after, one line each
    (C(198.18.50.11/24 dev eth0)); in check mode the after side is the prediction. No diff when nothing changes.
  - With O(like), the address goes on the interface holding that other address, with its prefix length
    (how a node's new internal address is put beside its old one).
  - Removing an interface's primary IPv4 address also deletes the secondary addresses of its subnet unless
    the kernel promotes them. Before such a removal the module sets C(net.ipv4.conf.<if>.promote_secondaries)
    to 1 when neither it nor C(.all.) is, and with O(keep) it fails unless that address is still bound
    to an UP interface afterwards. When the secondary the kernel promotes is flagged C(noprefixroute) (NetworkManager
    binds its addresses so and routes them itself; it flags an address it had applied when C(ip) binds it again),
    the kernel gives it no route, and the removed primary's routes go with it; the module then adds the subnet's
    route for it (C(ip route replace NET dev IF proto kernel scope link src A metric M), M the metric of the route
    that went), so the host stays reachable on its subnet.
  - An IPv6 address is not used by the kernel until duplicate address detection (DAD) passed. With
    O(state=present) the module waits up to O(dad_timeout) seconds for it, and fails when DAD fails (another
    host on the link has the address; the kernel then keeps it as C(dadfailed) and never uses it).
  - Changes made this way last until the next reboot or network restart; use your distribution's network
    configuration for permanent addresses.
author:
  - dualstack.redis maintainers (@dualstack)
extends_documentation_fragment:
  - dualstack.redis._attributes
  - dualstack.redis._attributes.FULL
  - dualstack.redis._attributes.PLATFORM_LINUX
options:
  address:
    description: The IPv4 or IPv6 address, without a zone index (O(interface) says where).
    type: str
    required: true
  state:
    description:
      - V(present) binds it, V(absent) removes it.
      - V(query) was removed in 0.2.0; use M(dualstack.redis.ip_address_info) instead.
    type: str
    choices: [present, absent]
    default: present
  interface:
    description:
      - With O(state=present), the interface; required unless O(like) is given. An interface that is not on the
        host is refused before any change, in check mode too.
      - With O(state=absent), remove the address only from this interface (nothing changes when it is bound
        to another one); without it, from whichever interface holds it.
    type: str
  prefix_length:
    description: present. The prefix length (IPv4 1 to 32, IPv6 1 to 128); required unless O(like) is given.
    type: int
  like:
    description:
      - present. Put the address on the interface holding this address, with its prefix length. Same family
        as O(address).
    type: str
  keep:
    description:
      - absent. An address that must stay bound to an UP interface. Checked before anything is removed (it must
        be bound now, and the removal must not take it along), and again afterwards.
    type: str
  dad_timeout:
    description:
      - present, IPv6. Seconds to wait until duplicate address detection finished (0 to 3600; 0 does not wait,
        and a tentative address then counts as not bound). The kernel's own DAD takes about a second per probe
        (C(net.ipv6.conf.<if>.dad_transmits)).
    type: int
    default: 10
  command_timeout:
    description:
      - Seconds each C(ip) or C(sysctl) call may take (1 to 86400); a call still running then is killed and the
        task fails saying so.
    type: int
    default: 30
notes:
  - Needs C(ip) (iproute2) and, for O(state=absent) of a primary IPv4 address with secondaries, a writable C(/proc/sys).
seealso:
  - module: dualstack.redis.ip_address_info
  - module: dualstack.redis.re_node_address
"""

EXAMPLES = r"""
- name: Put 10.0.1.11 beside 10.0.0.11, with the same interface and prefix length
  dualstack.redis.ip_address:
    address: 10.0.1.11
    like: 10.0.0.11
  register: bound

- name: Remove the old address, making sure the new one survives
  dualstack.redis.ip_address:
    address: 10.0.0.11
    state: absent
    keep: 10.0.1.11
"""

RETURN = r"""
bound:
  description:
    - Whether O(address) is bound to an interface that is UP afterwards and usable (for IPv6, duplicate address
      detection passed).
  returned: always
  type: bool
interface:
  description: The interface holding O(address) (for V(absent), before any change), or null.
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
    - IPv6 duplicate address detection of O(address) afterwards, when it did not pass, else null.
    - V(tentative) (still running after O(dad_timeout)) or V(dadfailed) (another host on the link has it).
  returned: always
  type: str
  sample: null
up_addresses:
  description: Every usable address bound to an UP interface afterwards (tentative and dadfailed ones left out).
  returned: always
  type: list
  elements: str
  sample: ["127.0.0.1", "10.0.1.11", "::1"]
commands:
  description:
    - The commands run (in check mode, those that would run), by program name.
    - When one fails, the list ends with it and stops there. C(changed) then says whether the addresses
      differ from before.
  returned: always
  type: list
  elements: list
  sample: [["sysctl", "-q", "-w", "net.ipv4.conf.eth0.promote_secondaries=1"], ["ip", "addr", "del", "10.0.0.11/24", "dev", "eth0"]]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dualstack.redis.plugins.module_utils._net import iproute
from ansible_collections.dualstack.redis.plugins.module_utils._net import runtime


def diff(before, after, interface):
    """Ansible's diff of ``interface``'s addresses, one ``ADDRESS/PREFIX dev INTERFACE`` line each."""
    texts = []
    for addresses in (before, after):
        lines = iproute.interface_lines(addresses, interface)
        texts.append("".join(line + "\n" for line in lines))
    header = "addresses on %s" % interface
    return dict(before=texts[0], after=texts[1], before_header=header, after_header=header)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            runtime.IP_ARGS,
            address=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            interface=dict(type="str"),
            prefix_length=dict(type="int"),
            like=dict(type="str"),
            keep=dict(type="str"),
            dad_timeout=dict(type="int", default=10),
        ),
        mutually_exclusive=[("like", "interface"), ("like", "prefix_length")],
        supports_check_mode=True,
    )
    params = module.params
    try:
        runtime.check_address_args(params)
    except iproute.IprouteError as exc:
        module.fail_json(msg=str(exc), changed=False, commands=[])
    try:
        ip = runtime.Ip(module)
        addresses = ip.addresses()
    except runtime.CommandFailed as exc:
        module.fail_json(msg=str(exc), changed=False, commands=[])
    here = iproute.find(addresses, params["address"])
    interface, prefix_length = params["interface"], params["prefix_length"]
    try:
        if params["state"] == "present":
            interface, prefix_length = runtime.present_where(ip, addresses, params)
            where = dict(interface=interface, prefix_length=prefix_length)
        else:
            where = here if here is not None and interface in (None, here["interface"]) else None
        commands = runtime.plan(ip, addresses, params["state"], params["address"], interface, prefix_length, params["keep"])
    except (iproute.IprouteError, runtime.CommandFailed) as exc:
        module.fail_json(msg=str(exc), changed=False, commands=[])

    result = dict(changed=bool(commands), commands=commands,
                  interface=where["interface"] if where else None, prefix_length=where["prefix_length"] if where else None)
    before = addresses
    if commands and not module.check_mode:
        ran = []
        try:
            runtime.apply(ip, commands, ran)
            addresses = ip.addresses()
        except runtime.CommandFailed as exc:
            # commands lists what ran, the failed one last; changed says whether anything did change.
            result.update(commands=ran, changed=len(ran) > 1 or runtime.changed_since(ip, before))
            module.fail_json(msg=str(exc), **result)
    result["dad"] = None
    if params["state"] == "present" and not (module.check_mode and commands):
        try:
            addresses, result["dad"] = runtime.settle(ip, addresses, params["address"], interface, params["dad_timeout"])
        except runtime.CommandFailed as exc:
            module.fail_json(msg=str(exc), **result)
        except runtime.DadProblem as exc:
            result.update(dad=exc.state, up_addresses=iproute.up_addresses(exc.addresses), bound=False)
            module.fail_json(msg=str(exc), **result)
    if commands and module._diff:
        after = iproute.predict(before, commands) if module.check_mode else addresses
        result["diff"] = diff(before, after, where["interface"])
    up = iproute.up_addresses(addresses)
    result["up_addresses"] = up
    if module.check_mode and commands:
        result["bound"] = params["state"] == "present"
    else:
        result["bound"] = params["address"] in up
    if params["keep"] is not None and params["keep"] not in up and not module.check_mode:
        module.fail_json(msg="%s is no longer bound to an UP interface after removing %s" % (params["keep"], params["address"]), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
