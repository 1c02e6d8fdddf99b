#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file holds the documentation only; the work is done by the action plugin
# plugins/action/win_prefix_policy.py, which runs netsh through the connection.

DOCUMENTATION = r"""
module: win_prefix_policy
short_description: Make Windows prefer IPv4 or IPv6, globally or for named networks (netsh prefix policies)
version_added: 0.1.0
description:
  - Manages the IPv6 prefix-policy table Windows uses to order a name's IPv4 and IPv6 addresses
    (RFC 6724), with C(netsh interface ipv6 show|add|set|delete prefixpolicy).
  - Reads the table, plans the fewest C(add) (missing row) and C(set) (different row) commands that take
    it to the wanted one, runs them, then reads both stores back and fails if they are not right.
    Rows it does not manage are left alone. A second run issues no command.
  - Rows are read by their shape (two integers and a prefix), so localized headers do not matter.
  - Runs C(netsh) through the connection like M(ansible.builtin.raw), so the host needs neither Python
    nor a PowerShell module; WinRM, PSRP and SSH connections all work. netsh needs an elevated session.
  - Its behaviour is verified against a stand-in built from Microsoft's documented netsh behaviour
    (see the collection's README), not against a Windows host.
author:
  - dualstack.redis maintainers (@dualstack)
extends_documentation_fragment:
  - dualstack.redis._attributes
  - dualstack.redis._attributes.FULL
  - dualstack.redis._attributes.PLATFORM_WINDOWS
  - dualstack.redis._attributes.ACTION
attributes:
  check_mode:
    details: In check mode only C(show) commands run; RV(commands) lists what would run.
  diff_mode:
    details: The diff shows the table of the chosen O(store) before and after.
options:
  prefer:
    description:
      - V(ipv4) raises all of IPv4 (C(::ffff:0:0/96)) to precedence 100.
      - V(ipv6) lowers IPv4 below global and unique-local IPv6 (Windows' default table puts C(fc00::/7)
        below IPv4).
      - V(system) sets the default rows to Windows' default values (RFC 6724's table).
    type: str
    choices: [ipv4, ipv6, system]
    default: system
  networks:
    description:
      - Networks whose addresses get their own precedence. An IPv4 network (V(172.31.0.0/16)) becomes its
        IPv4-mapped prefix (V(::ffff:172.31.0.0/112)) and gets the IPv4 label 4, so the matching-label rule
        cannot undo its precedence; an IPv6 prefix gets the label of C(::/0).
      - With O(state=absent), the rows of these networks are deleted.
    type: list
    elements: dict
    default: []
    suboptions:
      prefix:
        description: An IPv4 network such as V(172.31.0.0/16) or an IPv6 prefix such as V(fd00:10::/64).
        type: str
        required: true
      precedence:
        description: From 0 to 100; higher is tried first. Windows' defaults are 40 for IPv6 and 35 for IPv4.
        type: int
        default: 100
  state:
    description:
      - V(present) applies O(prefer) and O(networks).
      - V(absent) deletes the rows of O(networks) and restores the default values of the default rows.
        Pass the same O(networks) that were applied to remove them.
    type: str
    choices: [present, absent]
    default: present
  store:
    description:
      - V(persistent) (netsh's own default) changes the table kept across reboots, which also changes the
        running table; any row the running table still differs in is then fixed with C(store=active).
        Both tables are right afterwards.
      - V(active) changes the running table only, until the next boot.
    type: str
    choices: [persistent, active]
    default: persistent
  command_timeout:
    description:
      - Seconds each netsh command may take (1 to 86400). The task fails once it has passed, saying which command
        did not finish; that command may still be running on the host.
    type: int
    default: 60
notes:
  - Output of C(netsh ... show prefixpolicies) is read strictly (any header, then a line of dashes, then only
    rows); anything else fails the task before a change, so a misread table never leads to adding rows.
  - There is no PowerShell cmdlet that changes prefix policies (only C(Get-NetPrefixPolicy) reads them),
    and the registry format is undocumented; netsh is the supported interface.
  - Applications that cache resolutions keep the old order until they resolve again.
seealso:
  - module: dualstack.redis.gai_conf
    description: The same preference on Linux (glibc).
"""

EXAMPLES = r"""
# Inventory for WinRM:
#   [windows_clients]
#   app01.example.com
#   [windows_clients:vars]
#   ansible_connection=winrm
#   ansible_winrm_transport=ntlm
#   ansible_port=5986
- name: Prefer IPv4 for the Redis subnet on Windows clients (WinRM)
  dualstack.redis.win_prefix_policy:
    networks:
      - prefix: 172.31.0.0/16
        precedence: 100

# Inventory for OpenSSH on Windows:
#   [windows_clients]
#   app02.example.com ansible_connection=ssh ansible_shell_type=powershell
- name: Prefer IPv4 everywhere (SSH), changing the running table only
  dualstack.redis.win_prefix_policy:
    prefer: ipv4
    store: active

- name: Go back to Windows' defaults and remove the network row
  dualstack.redis.win_prefix_policy:
    state: absent
    networks:
      - prefix: 172.31.0.0/16

- name: Preview the commands
  dualstack.redis.win_prefix_policy:
    prefer: ipv6
  check_mode: true
  register: preview
"""

RETURN = r"""
commands:
  description:
    - The netsh command lines run (in check mode, those that would run).
    - When one fails, the list ends with it and stops there; C(changed) is true when an earlier one succeeded
      (or the failed one timed out and may have run).
  returned: always
  type: list
  elements: str
  sample:
    - netsh interface ipv6 set prefixpolicy prefix=::ffff:0:0/96 precedence=100 label=4 store=persistent
active:
  description: The running table after the change, as netsh shows it.
  returned: success
  type: list
  elements: dict
  contains:
    prefix:
      description: The IPv6 prefix; IPv4 networks appear IPv4-mapped.
      type: str
    precedence:
      description: Its precedence.
      type: int
    label:
      description: Its label.
      type: int
  sample:
    - {prefix: "::1/128", precedence: 50, label: 0}
    - {prefix: "::ffff:0:0/96", precedence: 100, label: 4}
persistent:
  description: The table kept across reboots after the change, in the same form as RV(active).
  returned: success
  type: list
  elements: dict
output:
  description: netsh's own output when a command failed.
  returned: failure
  type: str
  sample: The requested operation requires elevation (Run as administrator).
"""
