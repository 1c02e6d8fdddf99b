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
    +ipv4.addresses A/P) (C(-) to remove, C(ipv6.addresses) for IPv6); NetworkManager writes its own keyfile.
    The running device is changed with C(ip), not by re-applying the profile (C(nmcli device reapply) and
    C(nmcli device modify) also remove addresses NetworkManager did not add, such as a keepalived address), so that
    no connection drops; the subnet's route follows a promoted address as M(dualstack.redis.ip_address) describes.
  - V(networkd) writes the addresses it adds into the drop-in
    C(/etc/systemd/network/<network file>.d/60-dualstack-redis.conf) (C([Network]) C(Address=A/P)); removing
    an address takes it out of that drop-in or out of the C(.network) file itself (its C(Address=) line in
    C([Network]), or its whole C([Address]) section), leaving every other byte as it was. A C(.network) file
    outside C(/etc) is not edited (the module says how to override it).
  - V(ifupdown) (Debian's C(/etc/network/interfaces) and the files it includes with C(source) and
    C(source-directory)) gives an added address a stanza of its own, C(iface IFACE inet static) (C(inet6) for
    IPv6) with one C(address A/P) line and a comment naming this module, right after the interface's stanza
    holding O(like) (else its last stanza of that family) in the same file, so the existing address stays the
    primary one at boot (ifupdown ignores a second C(address) line in one stanza). Removing an address removes
    the stanza this module added for it; an address in the administrator's own stanza is replaced there by the
    address this module added for the same interface and family (whose stanza then goes), so the stanza keeps its
    other settings (gateway, routes) and ifup never meets a static stanza without an address; without such a
    replacement the removal is refused, unless the stanza holds nothing but the address.
  - V(netplan) (the device netplan rendered for the interface, found from systemd-networkd's or NetworkManager's
    file name) writes the addresses it adds into C(/etc/netplan/90-dualstack-redis.yaml) (mode 0600, no
    C(renderer); netplan appends its C(addresses) to the administrator's, whose address stays the primary one) and
    runs C(netplan generate), putting every file back when that fails. Removing an address takes it out of that
    file, or deletes its list item from the administrator's file under C(/etc/netplan) (the edit is kept only when
    the parsed file is exactly the original without that item). Nothing is applied with C(netplan apply); the
    running interface is changed with C(ip), and the next boot renders the files. Needs PyYAML (python3-yaml,
    which netplan itself depends on) in the Python Ansible uses on the host.
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
    description: The IPv4 or IPv6 address, without a zone index.
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
    description: present, IPv6. Seconds to wait for duplicate address detection, as in M(dualstack.redis.ip_address).
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
  description: The files written (or, in check mode, that would be), or removed. For NetworkManager, none (C(nmcli) writes).
  returned: always
  type: list
  elements: str
  sample: [/etc/systemd/network/10-eth0.network.d/60-dualstack-redis.conf]
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

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dualstack.redis.plugins.module_utils import _files as files
from ansible_collections.dualstack.redis.plugins.module_utils import _ifupdown as ifupdown
from ansible_collections.dualstack.redis.plugins.module_utils import _netplan as netplan
from ansible_collections.dualstack.redis.plugins.module_utils import _ip_module as ip_module
from ansible_collections.dualstack.redis.plugins.module_utils import _iproute as iproute
from ansible_collections.dualstack.redis.plugins.module_utils import _persist as persist
from ansible_collections.dualstack.redis.plugins.module_utils._text import json_safe

SUPPORTED = ("networkmanager", "networkd", "ifupdown", "netplan")
IFUPDOWN_STATE = "/run/network"
IFUPDOWN_INTERFACES = "/etc/network/interfaces"
# netplan's directories, lowest precedence first (a file of the same name in a later one hides the earlier)
NETPLAN_DIRS = ("/lib/netplan", "/etc/netplan", "/run/netplan")
NETPLAN_ETC = "/etc/netplan"
SYS_CLASS_NET = "/sys/class/net"
NETWORKD_ETC = "/etc/systemd/network"


class Host:
    """What this host says about an interface's network stack."""

    def __init__(self, module, ip):
        self.module = module
        self.ip = ip
        self.nmcli = module.get_bin_path("nmcli")
        self.netplan = module.get_bin_path("netplan") or "netplan"

    def networkd_link(self, interface):
        try:
            with open(os.path.join(SYS_CLASS_NET, interface, "ifindex")) as handle:
                ifindex = handle.read().strip()
            with open(os.path.join(persist.NETWORKD_LINKS, ifindex)) as handle:
                return persist.key_values(handle.read())
        except (IOError, OSError):
            return None

    def nm_device(self, interface):
        if not self.nmcli:
            return None
        try:
            out = self.ip.run([self.nmcli, "-g", "GENERAL.STATE,GENERAL.CONNECTION", "device", "show", interface])
        except ip_module.CommandFailed:
            return None  # NetworkManager not running, or the device is not its
        return persist.nm_device(out)

    @staticmethod
    def ifupdown_up(interface):
        if os.path.exists(os.path.join(IFUPDOWN_STATE, "ifstate.%s" % interface)):
            return True
        try:
            with open(os.path.join(IFUPDOWN_STATE, "ifstate")) as handle:
                return any(line.split("=", 1)[0] == interface for line in handle.read().split("\n"))
        except (IOError, OSError):
            return False

    def stacks(self, interface):
        return persist.detect(self.networkd_link(interface), self.nm_device(interface), self.ifupdown_up(interface))

    def nm_watches_only(self, interface):
        device = self.nm_device(interface)
        return device is not None and persist.nm_external(device[0])


def choose(method, found, interface, nm_watches_only=False):
    """The stack to change, or a PersistError naming what was found and what to do."""
    choices = "set the method to networkmanager, networkd, ifupdown or netplan where one manages it, or change the address with your own tasks"
    if not found:
        hint = (" (NetworkManager only watches it: connected externally, no saved profile active on it; activate one with "
                "nmcli connection up)" if nm_watches_only else "")
        raise persist.PersistError(
            "no persistent network stack manages %s%s (looked for NetworkManager, systemd-networkd, ifupdown and netplan); "
            "an address added at run time only would be gone after the next reboot; %s" % (interface, hint, choices))
    if len(found) > 1:
        raise persist.PersistError("%s is claimed by more than one network stack (%s); fix that first" % (interface, ", ".join(found)))
    if method != "auto" and method != found[0]:
        raise persist.PersistError("method is %s but %s is managed by %s" % (method, interface, found[0]))
    return found[0]


class NetworkdPlan:
    """The file edits for systemd-networkd."""

    def __init__(self, link):
        self.network_file = link.get("NETWORK_FILE", "")
        self.dropin = os.path.join(NETWORKD_ETC, os.path.basename(self.network_file) + ".d", persist.DROPIN_NAME)
        self.writes = []  # (path, before, after): after None removes the file

    def plan(self, module, state, address, prefix_length):
        main = files.read_text(module, self.network_file) or ""
        dropin = files.read_text(module, self.dropin)
        present = persist.networkd_addresses(dropin or "")
        if state == "present":
            if persist.networkd_has(main, address) or persist.networkd_has(dropin or "", address):
                return
            self.writes.append((self.dropin, dropin, persist.networkd_dropin(present + [persist.interface_network(address, prefix_length)])))
            return
        if persist.networkd_has(dropin or "", address):
            kept = [value for value in present if not persist.same_address(value, address)]
            self.writes.append((self.dropin, dropin, persist.networkd_dropin(kept)))
        if persist.networkd_has(main, address):
            if not self.network_file.startswith(os.path.dirname(NETWORKD_ETC.rstrip("/")).rstrip("/") + "/"):
                raise persist.PersistError(
                    "%s is in %s, which this module does not edit (only files under /etc are the administrator's); copy it to "
                    "/etc/systemd/network/%s and run again" % (address, self.network_file, os.path.basename(self.network_file)))
            after, _count = persist.networkd_without(main, address)
            self.writes.append((self.network_file, main, after))

    def commands(self):
        return []

    def files(self):
        return [path for path, _before, _after in self.writes]

    def diff(self):
        return [dict(before=json_safe(before or ""), after=json_safe(after or ""), before_header=path, after_header=path)
                for path, before, after in self.writes]

    def run(self, module, ran):
        for path, _before, after in self.writes:
            if after is None:
                os.unlink(path)
                continue
            directory = os.path.dirname(path)
            if not os.path.isdir(directory):
                # systemd-networkd reads its configuration as the systemd-network user: the drop-in directory must be
                # readable whatever the umask (makedirs' mode is masked by it: 0700 under umask 077).
                os.makedirs(directory)
                os.chmod(directory, 0o755)
            files.write_text(module, path, after, backup=module.params["backup"])


class NetworkManagerPlan:
    """The nmcli edits of the profile active on the interface."""

    def __init__(self, host, interface):
        self.host = host
        self.connection = host.nm_device(interface)[1]
        self.before = []
        self.after = []
        self.field = None
        self.argv = []

    def plan(self, module, state, address, prefix_length):
        self.field = "ipv6.addresses" if ":" in address else "ipv4.addresses"
        try:
            out = self.host.ip.run([self.host.nmcli, "-g", self.field, "connection", "show", self.connection])
        except ip_module.CommandFailed as exc:
            raise persist.PersistError("cannot read profile %s: %s" % (self.connection, exc))
        self.before = persist.nm_split(out)
        entry = persist.nm_find(self.before, address)
        if state == "present" and entry is None:
            value = persist.interface_network(address, prefix_length)
            self.argv = ["nmcli", "connection", "modify", self.connection, "+" + self.field, value]
            self.after = self.before + [value]
        elif state == "absent" and entry is not None:
            self.argv = ["nmcli", "connection", "modify", self.connection, "-" + self.field, entry]
            self.after = [item for item in self.before if item != entry]
        else:
            self.after = list(self.before)

    def commands(self):
        return [self.argv] if self.argv else []

    def files(self):
        return []

    def diff(self):
        if not self.argv:
            return []
        header = "%s of NetworkManager profile %s" % (self.field, self.connection)
        return [dict(before="".join(a + "\n" for a in self.before), after="".join(a + "\n" for a in self.after),
                     before_header=header, after_header=header)]

    def run(self, module, ran):
        if self.argv:
            ran.append(self.argv)
            self.host.ip.run([self.host.nmcli] + self.argv[1:])


class TextPlan:
    """Files read (``before``), their planned texts (``texts``; None removes a file) and the order they were read in;
    what changed, and its diff."""

    def __init__(self):
        self.texts = {}     # path -> text as planned
        self.before = {}    # path -> text as read (None: no such file)
        self.order = []     # paths in the stack's reading order

    def files(self):
        return [path for path in self.order if self.texts[path] != self.before[path]]

    def diff(self):
        return [dict(before=json_safe(self.before[path] or ""), after=json_safe(self.texts[path] or ""), before_header=path,
                     after_header=path) for path in self.files()]


class IfupdownPlan(TextPlan):
    """The edits of ifupdown's files: /etc/network/interfaces and the files it includes."""

    def __init__(self, interface):
        TextPlan.__init__(self)
        self.interface = interface

    def _read(self, module):
        def walk(path):
            real = os.path.realpath(path)
            if real in self.before:
                return
            if len(self.order) >= ifupdown.MAX_FILES:
                raise ifupdown.IfupdownError("%s includes more than %d files; edit it by hand" % (IFUPDOWN_INTERFACES, ifupdown.MAX_FILES))
            text = files.read_text(module, real)
            if text is None:
                return
            self.before[real] = self.texts[real] = text
            self.order.append(real)
            for keyword, argument in ifupdown.parse(text)[1]:
                for included in ifupdown.included_paths(keyword, argument, path, os.listdir, os.path.isdir):
                    walk(included)
        walk(IFUPDOWN_INTERFACES)

    def _stanzas(self, family=None):
        """(path, stanza) of this interface (of ``family``), in reading order, from the texts as planned."""
        return [(path, stanza) for path in self.order for stanza in ifupdown.parse(self.texts[path])[0]
                if stanza.name == self.interface and family in (None, stanza.family)]

    def plan(self, module, state, address, prefix_length, like=None):
        self._read(module)
        family = ifupdown.family_of(address)
        here = [(path, st) for path, st in self._stanzas(family) if st.address() and persist.same_address(st.address(), address)]
        if state == "present":
            if here:
                return
            mine = self._stanzas(family)
            holding_like = [item for item in mine if like and item[1].address() and persist.same_address(item[1].address(), like)]
            anchor = holding_like or mine or self._stanzas()
            if not anchor:
                raise persist.PersistError("ifupdown brought %s up but no 'iface %s' stanza is in %s or the files it includes"
                                           % (self.interface, self.interface, IFUPDOWN_INTERFACES))
            path, stanza = anchor[-1]
            block = ifupdown.stanza_block(self.interface, family, persist.interface_network(address, prefix_length))
            self.texts[path] = ifupdown.insert_after(self.texts[path], stanza, block)
            return
        for _round in range(len(here)):
            found = [(p, st) for p, st in self._stanzas(family) if st.address() and persist.same_address(st.address(), address)]
            if not found:
                break
            path, current = found[0]
            if current.marked:
                self.texts[path] = ifupdown.remove_stanza(self.texts[path], current)
                continue
            # The administrator's stanza: it takes the address this module added for the same family (whose stanza
            # goes), or goes itself when it holds nothing but the address; else ifup would fail on it.
            added = [(p, st) for p, st in self._stanzas(family) if st.marked and not persist.same_address(st.address() or "", address)]
            if added:
                self._move(path, current, *added[0])
            elif {key for key, _v, _l, _c in current.options} <= {"address", "netmask"}:
                self.texts[path] = ifupdown.remove_stanza(self.texts[path], current)
            else:
                raise persist.PersistError(
                    "%s is the address of 'iface %s %s %s' in %s, which has other settings too (%s); without an address ifup "
                    "fails for the whole interface. Add the address that replaces it first (state=present), or edit the stanza "
                    "by hand" % (address, current.name, current.family, current.method, path,
                                 ", ".join(sorted({key for key, _v, _l, _c in current.options} - {"address"}))))

    def _move(self, path, stanza, added_path, added):
        """The administrator's ``stanza`` takes the address of the stanza this module ``added``, which goes."""
        value = added.address()
        if "/" not in stanza.address() and stanza.values("netmask"):
            if ifupdown.prefix_of(stanza) != ifupdown.prefix_of(added):
                raise persist.PersistError(
                    "'iface %s %s %s' in %s has netmask %s, which does not fit %s; edit it by hand"
                    % (stanza.name, stanza.family, stanza.method, path, stanza.values("netmask")[0], value))
            value = value.split("/")[0]
        self.texts[path] = ifupdown.replace_address(self.texts[path], stanza, value)
        again = [st for st in ifupdown.parse(self.texts[added_path])[0] if st.marked and st.address() == added.address()]
        self.texts[added_path] = ifupdown.remove_stanza(self.texts[added_path], again[0])

    def commands(self):
        return []

    def run(self, module, ran):
        for path in self.files():
            files.write_text(module, path, self.texts[path], backup=module.params["backup"])


class NetplanPlan(TextPlan):
    """The edits of netplan's YAML: this collection's own file under /etc/netplan, and items taken out of the
    administrator's files there; then ``netplan generate``, every file put back when it fails."""

    def __init__(self, host, interface):
        TextPlan.__init__(self)
        self.host = host
        link = host.networkd_link(interface) or {}
        device = host.nm_device(interface)
        self.id = netplan.netplan_id(link.get("NETWORK_FILE"), device[1] if device else None)
        self.dropin = os.path.join(NETPLAN_ETC, netplan.DROPIN)
        self.docs = {}
        self.argv = []

    def _read(self, module):
        try:
            import yaml  # pylint: disable=import-outside-toplevel
        except ImportError:
            raise persist.PersistError("the netplan method needs PyYAML (python3-yaml, which netplan itself depends on) in the "
                                       "Python Ansible runs on this host")
        self.yaml = yaml
        chosen = {}
        for directory in NETPLAN_DIRS:
            if os.path.isdir(directory):
                for name in os.listdir(directory):
                    if name.endswith(".yaml"):
                        chosen[name] = os.path.join(directory, name)
        chosen.setdefault(netplan.DROPIN, self.dropin)
        for name in sorted(chosen):
            # a symlinked file is read and changed where it points (the link stays a link); outside /etc/netplan that
            # is refused when it would be edited
            path = chosen[name] if name == netplan.DROPIN else os.path.realpath(chosen[name])
            text = files.read_text(module, path)
            self.before[path] = self.texts[path] = text
            self.docs[path] = self._load(path, text) if text is not None else None
            self.order.append(path)

    def _load(self, path, text):
        try:
            return self.yaml.safe_load(text)
        except self.yaml.YAMLError as exc:
            raise persist.PersistError("cannot read %s: %s" % (path, str(exc).replace("\n", " ")))

    def plan(self, module, state, address, prefix_length):
        if self.id is None:
            raise persist.PersistError("cannot tell which netplan device manages the interface")
        self._read(module)
        kinds = [netplan.device(self.docs[path], self.id)[0] for path in self.order]
        kind = next((k for k in kinds if k), None)
        if kind is None:
            raise persist.PersistError("netplan device %s is in none of the files of %s" % (self.id, ", ".join(NETPLAN_DIRS)))
        mine = netplan.addresses(self.docs[self.dropin], self.id)
        where = [path for path in self.order if any(persist.same_address(a, address) for a in netplan.addresses(self.docs[path], self.id))]
        if state == "present":
            if not where:
                self.texts[self.dropin] = netplan.dropin(kind, self.id, mine + [persist.interface_network(address, prefix_length)])
        else:
            for path in where:
                self._remove(path, address, kind, mine)
        if self.files():
            self.argv = ["netplan", "generate"]

    def _remove(self, path, address, kind, mine):
        if path == self.dropin:
            self.texts[path] = netplan.dropin(kind, self.id, [a for a in mine if not persist.same_address(a, address)])
            return
        if not path.startswith(NETPLAN_ETC.rstrip("/") + "/"):
            raise persist.PersistError("%s is in %s, which this module does not edit (only files under %s are the administrator's); "
                                       "copy it there and run again" % (address, path, NETPLAN_ETC))
        entry = [a for a in netplan.addresses(self.docs[path], self.id) if persist.same_address(a, address)][0]
        wanted = netplan.without(self.docs[path], self.id, lambda value: persist.same_address(value, address))
        for candidate in netplan.removal_candidates(self.texts[path], entry):
            try:
                if self.yaml.safe_load(candidate) == wanted:
                    self.texts[path] = candidate
                    return
            except self.yaml.YAMLError:
                continue
        raise persist.PersistError("cannot take %s out of %s without changing anything else in it; remove it there by hand"
                                   % (entry, path))

    def commands(self):
        return [self.argv] if self.argv else []

    def _write(self, module, path, text):
        if text is None:
            if os.path.exists(path):
                os.unlink(path)
            return
        files.write_text(module, path, text, backup=module.params["backup"] and self.before[path] is not None)
        if path == self.dropin:
            os.chmod(path, 0o600)  # netplan warns about files others can read

    def run(self, module, ran):
        changed = self.files()
        for path in changed:
            self._write(module, path, self.texts[path])
        if not self.argv:
            return
        ran.append(self.argv)
        try:
            self.host.ip.run([self.host.netplan] + self.argv[1:])
        except ip_module.CommandFailed as exc:
            for path in changed:
                self._write(module, path, self.before[path])
            try:
                self.host.ip.run([self.host.netplan] + self.argv[1:])
            except ip_module.CommandFailed:
                pass
            raise ip_module.CommandFailed("%s; every netplan file was put back as it was" % exc)


def runtime_plan(ip, addresses, params, interface, prefix_length):
    """The ``ip`` (and ``sysctl``) commands that make the running system match; [] unless ``apply``.
    With ``keep``, an IprouteError when the removal would lose it."""
    if not params["apply"]:
        return []
    if params["state"] == "present":
        return iproute.plan_present(addresses, params["address"], interface, prefix_length)
    here = iproute.find(addresses, params["address"])
    runtime = []
    if here is not None:
        ipv4 = here["family"] == "ipv4"
        promote = ip.promote_values(interface) if ipv4 else []
        runtime, _needs = iproute.plan_absent(addresses, params["address"], promote, interface, ip.routes(interface) if ipv4 else None)
    if params["keep"] is not None:
        ip_module.check_keep(addresses, runtime, params)
    return runtime


def main():
    module = AnsibleModule(
        argument_spec=dict(
            ip_module.IP_ARGS,
            address=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            method=dict(type="str", choices=["auto"] + list(SUPPORTED), default="auto"),
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
    params = module.params
    result = dict(changed=False, commands=[], files=[], prefix_length=None, bound=False, dad=None, up_addresses=[])
    try:
        ip_module.check_address_args(params)
    except iproute.IprouteError as exc:
        module.fail_json(msg=str(exc), **result)
    ip = ip_module.Ip(module)
    host = Host(module, ip)
    try:
        addresses = ip.addresses()
    except ip_module.CommandFailed as exc:
        module.fail_json(msg=str(exc), **result)
    address = params["address"]
    here = iproute.find(addresses, address)
    interface, prefix_length = params["interface"], params["prefix_length"]
    try:
        if params["state"] == "present":
            interface, prefix_length = ip_module.present_where(ip, addresses, params)
        else:
            if here is not None:
                if interface is not None and interface != here["interface"]:
                    raise iproute.IprouteError("%s is bound to %s, not %s" % (address, here["interface"], interface))
                interface, prefix_length = here["interface"], here["prefix_length"]
            elif interface is None:
                kept = iproute.find(addresses, params["keep"]) if params["keep"] is not None else None
                if kept is None:
                    raise iproute.IprouteError("%s is not bound to any interface here; give interface (or keep), whose configuration "
                                               "to change" % address)
                interface = kept["interface"]
        runtime = runtime_plan(ip, addresses, params, interface, prefix_length)
        result.update(interface=interface, prefix_length=prefix_length)
        method = choose(params["method"], host.stacks(interface), interface, host.nm_watches_only(interface))
        result["method"] = method
        if method == "networkd":
            plan = NetworkdPlan(host.networkd_link(interface))
            plan.plan(module, params["state"], address, prefix_length)
        elif method == "netplan":
            plan = NetplanPlan(host, interface)
            plan.plan(module, params["state"], address, prefix_length)
        elif method == "ifupdown":
            plan = IfupdownPlan(interface)
            plan.plan(module, params["state"], address, prefix_length, like=params["like"])
        else:
            plan = NetworkManagerPlan(host, interface)
            plan.plan(module, params["state"], address, prefix_length)
    except (iproute.IprouteError, persist.PersistError, ifupdown.IfupdownError, ip_module.CommandFailed) as exc:
        module.fail_json(msg=str(exc), **result)

    result["files"] = plan.files()
    result["commands"] = plan.commands() + runtime
    result["changed"] = bool(result["files"] or result["commands"])
    if module._diff and result["changed"]:
        running = []
        if runtime:
            done = "; ".join(" ".join(argv) for argv in runtime)
            running = [dict(before="", after="", before_header="running %s" % interface, after_header="running %s: %s" % (interface, done))]
        result["diff"] = plan.diff() + running
    if not module.check_mode and result["changed"]:
        ran = []
        configured = False
        try:
            plan.run(module, ran)
            configured = True
            if plan.commands() or plan.files():
                # NetworkManager may already have changed the device from the profile: plan from what is bound now.
                runtime = runtime_plan(ip, ip.addresses(), params, interface, prefix_length)
            for argv in runtime:
                ran.append(argv)
                ip.run(argv)
            addresses = ip.addresses()
        except (ip_module.CommandFailed, iproute.IprouteError, OSError) as exc:
            result.update(commands=ran, changed=configured or bool(ran))
            module.fail_json(msg="%s; %s" % (exc, "the configuration was changed already, the running system not fully" if configured
                                             else "the configuration was not changed"), **result)
        result.update(commands=ran, changed=bool(ran or result["files"]))
    if params["state"] == "present" and params["apply"] and not (module.check_mode and runtime):
        addresses = ip_module.wait_for_dad(ip, addresses, address, params["dad_timeout"])
        result["dad"] = iproute.dad_state(addresses, address)
    result["up_addresses"] = iproute.up_addresses(addresses)
    if module.check_mode and runtime:
        result["bound"] = params["state"] == "present"
    else:
        result["bound"] = address in result["up_addresses"]
    if result["dad"] == "dadfailed":
        module.fail_json(msg="%s failed IPv6 duplicate address detection on %s: another host on the link has it" % (address, interface), **result)
    if params["keep"] is not None and not module.check_mode and params["keep"] not in result["up_addresses"]:
        module.fail_json(msg="%s is no longer bound to an UP interface after removing %s" % (params["keep"], address), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
