#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: persistent_address
short_description: Add or remove an IP address in a Linux host's persistent network configuration, and now
version_added: 0.2.0
description:
  - Puts one address into (or takes it out of) the configuration of the network stack that manages the
    interface, so that it survives a reboot, and changes the running system the same way with C(ip) (as
    M(dualstack.redis.ip_address) does, with the same safety checks), unless O(apply=false).
  - O(method=auto) finds the stack that manages the interface and fails, changing nothing, when none or more
    than one persistent stack does.
    A named O(method) must be the stack that manages the interface.
  - V(networkmanager) edits the profile active on the interface with C(nmcli connection modify CONN
    +ipv4.addresses A/P) (C(-) to remove, C(ipv6.addresses) for IPv6); NetworkManager writes its own keyfile. A
    profile whose C(ipv4.method) (C(ipv6.method)) takes no addresses (C(link-local), C(disabled), C(ignore)) is
    refused before any change, in check mode too, naming the setting.
    The running device is changed with C(ip), not by re-applying the profile (C(nmcli device reapply) and
    C(nmcli device modify) also remove addresses NetworkManager did not add, such as a keepalived address), so that
    no connection drops; the subnet's route follows a promoted address as M(dualstack.redis.ip_address) describes.
  - V(networkd) writes the addresses it adds into the drop-in
    C(/etc/systemd/network/<network file>.d/60-dualstack-redis.conf) (C([Network]) C(Address=A/P)), after the
    addresses of the C(.network) file and of the drop-ins that sort before it. It refuses, changing nothing, a
    C(.network) file that also configures other links (its C([Match]) matches them, and the drop-in would give them the
    address too), and a drop-in sorting after its own that holds addresses of the same family (the added address
    would come first at boot). Removing an address takes it out of every file under C(/etc/systemd/network) that
    holds it, the C(.network) file and all its drop-ins (the C(Address=) line in C([Network]), continuation lines
    included, or the whole C([Address]) section), leaving every other byte as it was. One in a file under C(/run) or
    C(/usr) is refused (the message names the file of C(/etc) that would hide it).
  - V(ifupdown) (Debian's C(/etc/network/interfaces) and the files it includes with C(source) and
    C(source-directory)) gives an added address a stanza of its own, C(iface IFACE inet static) (C(inet6) for
    IPv6) with one C(address A/P) line and a comment naming this module, right after the interface's stanza
    holding O(like) (else its last stanza of that family, in ifup's reading order) in the same file, so the existing
    address stays the primary one at boot (ifupdown ignores a second C(address) line in one stanza). An added IPv6
    stanza states C(autoconf) as it is in force where it goes (an C(inet6 static) stanza turns stateless
    autoconfiguration off by default, which would end SLAAC on an C(inet6 auto) interface). Alias stanzas
    (C(iface eth0:1)) count as the interface's, and so do C(up ip addr add A/P dev IFACE) lines (with C($IFACE)), as
    such a line already keeps the address, and removing the address removes it, with its C(down ip addr del) twin;
    a C(up)/C(down) line naming the address that is not one plain C(ip address) command is refused, naming it.
    Removing an address removes the stanza this module added for it; an address in the administrator's own stanza is
    replaced there by the address this module added for the same interface and family (whose stanza then goes), so
    the stanza keeps its other settings (gateway, routes) and ifup never meets a static stanza without an address;
    without such a replacement the removal is refused, unless the stanza holds nothing but the address. Only files
    under C(/etc/network) are edited (a link out of it is refused), and CRLF files get CRLF lines.
  - V(netplan) (the device netplan rendered for the interface, found from systemd-networkd's or NetworkManager's
    file name) writes the addresses it adds into C(/etc/netplan/90-dualstack-redis.yaml) (mode 0600, no
    C(renderer)), every device's in one file, each after a copy of the device's addresses from the files that sort
    after it (netplan joins the files in name order and keeps the first copy of an address, so the administrator's
    addresses stay first whatever the file names). It runs C(netplan generate), reads back the file netplan rendered
    for the device (systemd-networkd's or NetworkManager's) and puts every file back when generate fails or the
    address is not rendered where it must be. A device under C(nm-devices) (passthrough) is refused, as netplan renders
    no addresses for it. Removing an address takes it out of that file, or deletes its list item from the
    administrator's file under C(/etc/netplan) (the edit is kept only when the parsed file is exactly the original
    without that item). Nothing is applied with C(netplan apply); the running interface is changed with C(ip), and
    the next boot renders the files. Needs PyYAML (python3-yaml, which netplan itself depends on) in the Python
    Ansible uses on the host.
  - Before anything changes (and in check mode) it refuses an address no host can be reached at (unspecified,
    loopback, multicast, link-local, reserved such as 255.255.255.255, IPv4-mapped), a configuration file that is not
    a regular file (a FIFO, a device or a dangling link, never opened in a way that could block), and a file it would
    have to write in a directory it cannot write. When writing the second of two files fails, the first is put back;
    C(changed), C(files) and C(commands) always say what was really done.
  - In check mode nothing is written and nothing is run but reads; the result says what would change, and with
    O(method=auto) which stack was found (how the role C(dualstack.redis.internal_address) checks, before any
    node goes down, that every node has a persistent stack).
  - In diff mode it returns, per file or profile, the addresses (or the file's text) before and after.
author:
  - dualstack.redis maintainers (@dualstack)
extends_documentation_fragment:
  - dualstack.redis._attributes
  - dualstack.redis._attributes.FULL
  - dualstack.redis._attributes.PLATFORM_LINUX
options:
  address:
    description:
      - The IPv4 or IPv6 address, without a zone index.
      - present. An address a host can be reached at (the rule of M(dualstack.redis.re_node_address) for node addresses).
    type: str
    required: true
  state:
    description: V(present) adds it, V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  method:
    description:
      - The network stack whose configuration to change. V(auto) finds it.
    type: str
    choices: [auto, networkmanager, networkd, ifupdown, netplan]
    default: auto
  interface:
    description:
      - present. The interface; required unless O(like) is given. An interface that is not on the host is refused
        before any change, in check mode too.
      - absent. The interface whose configuration to change when the address is not bound to any interface now
        (without it, the interface of O(keep)).
    type: str
  prefix_length:
    description: present. The prefix length (IPv4 1 to 32, IPv6 1 to 128); required unless O(like) is given.
    type: int
  like:
    description: present. Use the interface and prefix length of this (bound) address. Same family as O(address).
    type: str
  keep:
    description:
      - absent. An address that must stay bound to an UP interface; checked before anything is removed and after.
    type: str
  apply:
    description: Also change the running system (C(ip addr add) or C(del)); V(false) changes the configuration only.
    type: bool
    default: true
  dad_timeout:
    description:
      - present, IPv6. Seconds to wait for duplicate address detection, as in M(dualstack.redis.ip_address) (0 to 3600);
        the task fails when the address failed it, or is still tentative after that long (0 does not wait).
    type: int
    default: 10
  backup:
    description: networkd, ifupdown, netplan. Keep a timestamped copy of each file before changing it.
    type: bool
    default: false
  command_timeout:
    description: Seconds each C(ip), C(sysctl), C(nmcli) or C(netplan) call may take (1 to 86400).
    type: int
    default: 30
notes:
  - Needs C(ip) (iproute2); C(nmcli) for V(networkmanager); C(netplan) and PyYAML for V(netplan).
  - With V(ifupdown) the running interface is changed with C(ip), not with C(ifdown)/C(ifup) (which would take
    every address of the interface down); C(ifup) on an interface that is up does nothing.
  - With V(networkd) the running interface is changed with C(ip), not by reloading systemd-networkd; a later
    C(networkctl reload), restart of systemd-networkd or reboot finds the same addresses in the files (checked
    with systemd 252).
  - Every configuration this module writes is checked in its tests by the program that reads it at boot (Debian 12's
    ifupdown 0.8, netplan 0.106, NetworkManager 1.42 and systemd-networkd 252), for the addresses the host will have, their
    order, and that nothing else the administrator configured changes.
seealso:
  - module: dualstack.redis.ip_address
  - module: dualstack.redis.ip_address_info
"""

EXAMPLES = r"""
- name: Add 10.0.1.11 beside 10.0.0.11, in the configuration and now
  dualstack.redis.persistent_address:
    address: 10.0.1.11
    like: 10.0.0.11
  register: added

- name: Which stack would take it (changes nothing)
  dualstack.redis.persistent_address:
    address: 10.0.1.11
    like: 10.0.0.11
  check_mode: true
  register: plan

- name: Remove the old address from the configuration and now, keeping the new one
  dualstack.redis.persistent_address:
    address: 10.0.0.11
    state: absent
    keep: 10.0.1.11
"""

RETURN = r"""
method:
  description: The stack whose configuration holds the change (V(networkmanager), V(networkd), V(ifupdown) or V(netplan)).
  returned: when the interface is known
  type: str
  sample: networkd
interface:
  description: The interface.
  returned: when the interface is known
  type: str
  sample: eth0
prefix_length:
  description: The prefix length used (present), or found (absent), or null.
  returned: always
  type: int
  sample: 24
files:
  description:
    - The files written (or, in check mode, that would be), or removed. For NetworkManager, none (C(nmcli) writes).
    - When the task fails, the files left changed (none when every file written was put back).
  returned: always
  type: list
  elements: str
  sample: [/etc/systemd/network/10-eth0.network.d/60-dualstack-redis.conf]
backup_files:
  description: The backup copies made (O(backup=true)), one per file changed.
  returned: when backups were made
  type: list
  elements: str
commands:
  description: The commands run (in check mode, those that would run), by program name; a failed one last.
  returned: always
  type: list
  elements: list
bound:
  description: Whether O(address) is bound to an UP interface and usable afterwards (as M(dualstack.redis.ip_address)).
  returned: always
  type: bool
dad:
  description: V(tentative) or V(dadfailed) when IPv6 duplicate address detection did not pass, else null.
  returned: always
  type: str
up_addresses:
  description: Every usable address bound to an UP interface afterwards.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dualstack.redis.plugins.module_utils._net import runtime
from ansible_collections.dualstack.redis.plugins.module_utils._net.persist import change
from ansible_collections.dualstack.redis.plugins.module_utils._net.persist.common import Host

# The host's root: tests point it at a directory holding the files a host would have.
ROOT = "/"


def main():
    module = AnsibleModule(
        argument_spec=dict(
            runtime.IP_ARGS,
            address=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            method=dict(type="str", choices=["auto"] + list(change.SUPPORTED), default="auto"),
            interface=dict(type="str"),
            prefix_length=dict(type="int"),
            like=dict(type="str"),
            keep=dict(type="str"),
            apply=dict(type="bool", default=True),
            dad_timeout=dict(type="int", default=10),
            backup=dict(type="bool", default=False),
        ),
        mutually_exclusive=[("like", "interface"), ("like", "prefix_length")],
        supports_check_mode=True,
    )
    try:
        ip = runtime.Ip(module)
        host = Host(ROOT, ip.run, module.get_bin_path("nmcli"))
        result = change.run(module.params, ip, host, check_mode=module.check_mode, diff_mode=module._diff)
    except runtime.CommandFailed as exc:
        module.fail_json(msg=str(exc), changed=False, commands=[], files=[])
    except change.Failure as exc:
        module.fail_json(msg=str(exc), **exc.result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
