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
    to an UP interface afterwards.
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
    description: The IPv4 or IPv6 address.
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
    description: present. The interface; required unless O(like) is given.
    type: str
  prefix_length:
    description: present. The prefix length; required unless O(like) is given.
    type: int
  like:
    description: present. Put the address on the interface holding this address, with its prefix length.
    type: str
  keep:
    description: absent. An address that must still be bound to an UP interface afterwards.
    type: str
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
  description: Whether O(address) is bound to an interface that is UP afterwards.
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
up_addresses:
  description: Every address bound to an UP interface afterwards.
  returned: always
  type: list
  elements: str
  sample: ["127.0.0.1", "10.0.1.11", "::1"]
commands:
  description: The commands run (in check mode, those that would run).
  returned: always
  type: list
  elements: list
"""

import ipaddress

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dualstack.redis.plugins.module_utils import _iproute as iproute


def read(module, ip):
    rc, out, err = module.run_command([ip, "-j", "addr", "show"])
    if rc != 0:
        module.fail_json(msg="ip -j addr show failed: %s" % (err or out))
    try:
        return iproute.parse_addresses(out)
    except iproute.IprouteError as exc:
        module.fail_json(msg=str(exc))
    return None


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
            address=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            interface=dict(type="str"),
            prefix_length=dict(type="int"),
            like=dict(type="str"),
            keep=dict(type="str"),
        ),
        mutually_exclusive=[("like", "interface"), ("like", "prefix_length")],
        supports_check_mode=True,
    )
    params = module.params
    for name in ("address", "like", "keep"):
        if params[name] is not None:
            try:
                params[name] = ipaddress.ip_address(params[name].strip()).compressed
            except ValueError:
                module.fail_json(msg="%s '%s' is not an IPv4 or IPv6 address" % (name, params[name]))
    ip = module.get_bin_path("ip", required=True)
    addresses = read(module, ip)
    here = iproute.find(addresses, params["address"])
    commands = []
    try:
        if params["state"] == "present":
            interface, prefix_length = params["interface"], params["prefix_length"]
            if params["like"] is not None:
                model = iproute.find(addresses, params["like"])
                if model is None:
                    module.fail_json(msg="like: %s is not bound to any interface here" % params["like"])
                interface, prefix_length = model["interface"], model["prefix_length"]
            if interface is None or prefix_length is None:
                module.fail_json(msg="state=present needs interface and prefix_length, or like")
            commands = iproute.plan_present(addresses, params["address"], interface, prefix_length)
        elif params["state"] == "absent":
            promote = []
            if here is not None and here["family"] == "ipv4":
                rc, out, _err = module.run_command(["sysctl", "-n", "net.ipv4.conf.all.promote_secondaries",
                                                    "net.ipv4.conf.%s.promote_secondaries" % here["interface"]])
                promote = out.split() if rc == 0 else []
            commands, _needs = iproute.plan_absent(addresses, params["address"], promote)
    except iproute.IprouteError as exc:
        module.fail_json(msg=str(exc))

    where = here
    if params["state"] == "present":
        where = dict(interface=interface, prefix_length=prefix_length)
    result = dict(changed=bool(commands), commands=commands,
                  interface=where["interface"] if where else None, prefix_length=where["prefix_length"] if where else None)
    before = addresses
    if commands and not module.check_mode:
        for argv in commands:
            rc, out, err = module.run_command(argv)
            if rc != 0:
                module.fail_json(msg="'%s' failed: %s" % (" ".join(argv), (err or out).strip()), **result)
        addresses = read(module, ip)
    if commands and module._diff:
        after = iproute.predict(before, commands) if module.check_mode else addresses
        result["diff"] = diff(before, after, where["interface"])
    up = iproute.up_addresses(addresses)
    result["up_addresses"] = up
    if module.check_mode and commands:
        predicted = params["state"] == "present"
        result["bound"] = predicted
    else:
        result["bound"] = params["address"] in up
    if params["keep"] is not None and params["keep"] not in up and not module.check_mode:
        module.fail_json(msg="%s is no longer bound to an UP interface after removing %s" % (params["keep"], params["address"]), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
