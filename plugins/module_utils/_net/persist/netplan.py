# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Addresses in netplan's configuration (YAML under /lib/netplan, /etc/netplan and /run/netplan): pure parsing and
planning over text and parsed YAML, then the plan that writes the files, runs ``netplan generate`` and reads back
what it rendered.

Private to dualstack.redis: not a public API, may change in any release.

What netplan does, measured with Debian 12's netplan.io 0.106 (``generate --root-dir``, tests/netns), and the rules
this module follows from it:
- the files of the three directories are read in the order of their names (a name in /run hides it in /etc, one in
  /etc hides it in /lib); the ``addresses`` of one device are joined in that order, and of two copies of an address
  the first is kept;
- an address with options (``- "A/P": {label: ...}``) is rendered in an ``[Address]`` section, after the plain ones
  (``Address=`` in ``[Network]``), so an added address gets empty options (``{}``) when one of its family has some;
- so this collection's file, ``90-dualstack-redis.yaml`` in /etc/netplan, holds the addresses it adds, per device,
  after a copy ("restated") of the device's addresses from the files that sort after it: theirs then stay first
  whatever the names, and the added ones come last. Every device in the file is kept when another is changed; the
  restated copies are made anew from those files at every change (edit addresses through this module, or run it
  again after editing such a file by hand);
- it names no ``renderer`` (one there would win over the administrator's for the device), and is written with mode
  0600 (netplan warns about files others can read);
- a device under ``nm-devices`` is handed to NetworkManager as its ``passthrough`` says: netplan renders none of the
  device's ``addresses`` there, so that is refused;
- a file netplan cannot use makes ``netplan generate`` fail and, at the next boot, leaves the device without
  addresses: the module runs ``netplan generate`` after writing, reads back the rendered file of the device
  (systemd-networkd's or NetworkManager's) and puts every file back when generate fails or the address is not where
  it must be;
- an address in the administrator's file is removed by deleting its list item from the text, and the edit is kept
  only when the parsed result is the parsed original without that one item.
"""

import copy
import json
import os
import re

from ansible_collections.dualstack.redis.plugins.module_utils import _files as files
from ansible_collections.dualstack.redis.plugins.module_utils._net.persist import networkd
from ansible_collections.dualstack.redis.plugins.module_utils._net.persist.common import (
    PersistError,
    TextPlan,
    family_of,
    interface_network,
    on_host,
    same_address,
    under,
)

DROPIN = "90-dualstack-redis.yaml"
DROPIN_HEADER = ("# Managed by dualstack.redis (persistent_address): addresses added to network devices, each device's\n"
                 "# after a copy (\"restated\") of its addresses from the files that sort after this one, so that theirs\n"
                 "# stay first (netplan keeps the first copy of an address).\n")
# netplan's directories, lowest precedence first (a file of the same name in a later one hides the earlier)
DIRS = ("/lib/netplan", "/etc/netplan", "/run/netplan")
ETC = "/etc/netplan"
DEVICE_TYPES = ("ethernets", "bonds", "bridges", "vlans", "wifis", "tunnels", "vrfs", "modems", "dummy-devices",
                "virtual-ethernets", "nm-devices")
NETWORKD_FILE = re.compile(r"^/run/systemd/network/10-netplan-(.+)\.network$")
NM_CONNECTION = re.compile(r"^netplan-(.+)$")
RENDERED_NETWORKD = "/run/systemd/network/10-netplan-%s.network"
RENDERED_NM = "/run/NetworkManager/system-connections/netplan-%s.nmconnection"
_RESTATED = re.compile(r"^[ \t]*- (.*?)[ \t]*# restated from (.+?)[ \t]*$")
_DEVICE_LINE = re.compile(r"^    (\"(?:[^\"\\]|\\.)*\"|[^ \t\"#]+):[ \t]*$")
_KIND_LINE = re.compile(r"^  ([a-z-]+):[ \t]*$")


def netplan_id(network_file=None, connection=None):
    """The netplan device id from networkd's ``NETWORK_FILE`` or NetworkManager's connection name, or None."""
    for pattern, value in ((NETWORKD_FILE, network_file), (NM_CONNECTION, connection)):
        match = pattern.match(value or "")
        if match:
            return match.group(1)
    return None


def entry_address(entry):
    """The ``A/P`` text of an ``addresses`` item (a string, or a one-key mapping with options), or None."""
    if isinstance(entry, dict) and len(entry) == 1:
        entry = list(entry)[0]
    return entry if isinstance(entry, str) else None


def device(doc, device_id):
    """(device type, the device's mapping) of ``device_id`` in one parsed file, or (None, None)."""
    network = doc.get("network") if isinstance(doc, dict) else None
    if not isinstance(network, dict):
        return None, None
    for kind in DEVICE_TYPES:
        devices = network.get(kind)
        if isinstance(devices, dict) and isinstance(devices.get(device_id), dict):
            return kind, devices[device_id]
    return None, None


def entries(doc, device_id):
    """The device's ``addresses`` items in one parsed file, as written (strings or one-key mappings)."""
    _kind, found = device(doc, device_id)
    items = found.get("addresses") if found else None
    return [item for item in items if entry_address(item)] if isinstance(items, list) else []


def addresses(doc, device_id):
    """The device's ``addresses`` in one parsed file (as ``A/P`` texts)."""
    return [entry_address(item) for item in entries(doc, device_id)]


def without(doc, device_id, matches):
    """A deep copy of ``doc`` without the device's address entries for which ``matches(A/P)`` is true."""
    out = copy.deepcopy(doc)
    _kind, found = device(out, device_id)
    if found and isinstance(found.get("addresses"), list):
        found["addresses"] = [entry for entry in found["addresses"] if not (entry_address(entry) and matches(entry_address(entry)))]
    return out


def removal_candidates(text, value):
    """Texts with one occurrence of ``value`` (an ``A/P`` or ``A`` as written in the file) taken out of a YAML list,
    each a guess (a block item line, or an item of a flow list); the caller keeps the one whose parse is right."""
    token = r"""(?:"%s"|'%s'|%s)""" % ((re.escape(value),) * 3)
    out = []
    block = re.compile(r"^[ \t]*-[ \t]+%s[ \t]*(?:#[^\n]*)?(?:\r?\n|\Z)" % token, re.M)
    for match in block.finditer(text):
        removed = text[:match.start()] + text[match.end():]
        out.append(removed)
        # the list's only item: the key must then say it is an empty list, not null
        head = text[:match.start()]
        key = re.search(r"(^|\n)([ \t]*addresses:)[ \t]*(\r?\n)\Z", head)
        if key:
            out.append(head[:key.start(2)] + key.group(2) + " []" + key.group(3) + text[match.end():])
    for pattern in (r"%s[ \t]*,[ \t]*" % token, r"[ \t]*,[ \t]*%s" % token, token):
        for match in re.finditer(pattern, text):
            out.append(text[:match.start()] + text[match.end():])
    return out


def _quote(text):
    return json.dumps(text)


def item_text(entry):
    """One ``addresses`` item as this collection writes it: a quoted string, or a flow mapping (JSON is YAML)."""
    return json.dumps(entry, sort_keys=True) if isinstance(entry, dict) else _quote(entry)


def render(devices):
    """The text of this collection's file for ``devices``: [(kind, id, restated, mine)], ``restated`` a list of
    (entry, source file name), ``mine`` a list of entries; None when no device has an added address."""
    kept = [(kind, ident, restated, mine) for kind, ident, restated, mine in devices if mine]
    if not kept:
        return None
    lines = [DROPIN_HEADER, "network:\n", "  version: 2\n"]
    for kind in DEVICE_TYPES:
        group = [item for item in kept if item[0] == kind]
        if not group:
            continue
        lines.append("  %s:\n" % kind)
        for _kind, ident, restated, mine in group:
            lines.append("    %s:\n" % _quote(ident))
            lines.append("      addresses:\n")
            lines.extend("        - %s  # restated from %s\n" % (item_text(entry), source) for entry, source in restated)
            lines.extend("        - %s\n" % item_text(entry) for entry in mine)
    return "".join(lines)


def read_mine(text, yaml):
    """{(kind, id): entries this collection added} from its own file (the items without a "restated" comment); when
    the file is not in this collection's shape (what the lines say differs from what YAML reads), every item of it
    counts as added. ``yaml``: the PyYAML module; raises its YAMLError for a file YAML cannot read."""
    if not text:
        return {}
    doc = yaml.safe_load(text)
    network = doc.get("network") if isinstance(doc, dict) else None
    parsed = {}
    for kind in DEVICE_TYPES:
        devices = network.get(kind) if isinstance(network, dict) else None
        for ident in devices if isinstance(devices, dict) else []:
            parsed[(kind, ident)] = entries(doc, ident)
    lines, mine = {}, {}
    kind = ident = None
    for line in text.split("\n"):
        match = _KIND_LINE.match(line)
        if match:
            kind, ident = match.group(1), None
            continue
        match = _DEVICE_LINE.match(line)
        if match:
            # (such a line may also be inside a block scalar of a file edited by hand: not this collection's shape)
            try:
                ident = yaml.safe_load(match.group(1))
                hash(ident)
            except (yaml.YAMLError, TypeError):
                return parsed
            lines.setdefault((kind, ident), [])
            mine.setdefault((kind, ident), [])
            continue
        stripped = line.strip()
        if not stripped.startswith("- ") or ident is None:
            continue
        restated = _RESTATED.match(line)
        try:
            entry = yaml.safe_load(restated.group(1) if restated else stripped[2:])
        except yaml.YAMLError:
            return parsed
        lines[(kind, ident)].append(entry)
        if not restated:
            mine[(kind, ident)].append(entry)
    if lines != parsed:
        return parsed
    return mine


def rendered_addresses(text, networkd_file):
    """The addresses of a device as netplan rendered them, in order: ``Address=`` values of its systemd-networkd file,
    or the ``addressN`` keys of its NetworkManager keyfile (IPv4 then IPv6, each by N)."""
    if networkd_file:
        return [value.split()[0] for value in networkd.addresses(text or "")]
    found = []
    section = None
    for line in (text or "").split("\n"):
        line = line.strip()
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, sep, value = line.partition("=")
        match = re.match(r"^address(\d+)$", key)
        if sep and match and section in ("ipv4", "ipv6"):
            found.append((section, int(match.group(1)), value.split(",")[0]))
    return [value for _s, _n, value in sorted(found)]


class NetplanPlan(TextPlan):
    """The edits of netplan's YAML: this collection's own file under /etc/netplan, and items taken out of the
    administrator's files there; then ``netplan generate`` and the read-back of what it rendered, every file put
    back when either fails (``host.root``: ``/`` on a host, a directory in tests)."""

    method = "netplan"

    def __init__(self, host, interface, device_id):
        TextPlan.__init__(self)
        self.host = host
        self.interface = interface
        self.id = device_id
        self.etc = on_host(host.root, ETC)
        self.dropin = os.path.join(self.etc, DROPIN)
        self.modes[self.dropin] = 0o600
        self.docs = {}
        self.names = {}
        self.argv = []
        self.yaml = None
        self.expect = None   # (address, present) that the rendered files must show

    def _read(self):
        try:
            import yaml  # pylint: disable=import-outside-toplevel
        except ImportError:
            raise PersistError("the netplan method needs PyYAML (python3-yaml, which netplan itself depends on) in the "
                               "Python Ansible runs on this host")
        self.yaml = yaml
        chosen = {}
        for directory in DIRS:
            path = on_host(self.host.root, directory)
            if os.path.isdir(path):
                for name in os.listdir(path):
                    if name.endswith(".yaml"):
                        chosen[name] = os.path.join(path, name)
        if chosen.get(DROPIN, self.dropin) != self.dropin:
            raise PersistError("%s hides this module's %s; remove it (or copy what it holds into %s) and run again"
                               % (chosen[DROPIN], self.dropin, self.dropin))
        chosen.setdefault(DROPIN, self.dropin)
        for name in sorted(chosen):
            # a symlinked file is read and changed where it points (the link stays a link); outside /etc/netplan that
            # is refused when it would be edited
            path = chosen[name] if name == DROPIN else os.path.realpath(chosen[name])
            try:
                text = files.read_text(path)
            except files.FileProblem as exc:
                raise PersistError(str(exc))
            self.add(path, text)
            self.names[path] = name
            self.docs[path] = self._load(path, text) if text is not None else None

    def _load(self, path, text):
        try:
            return self.yaml.safe_load(text)
        except self.yaml.YAMLError as exc:
            raise PersistError("cannot read %s: %s" % (path, str(exc).replace("\n", " ")))
        except RecursionError:  # (PyYAML's composer recurses once per level of nesting)
            raise PersistError("cannot read %s: its YAML is nested too deeply to be read" % path)

    def _holds(self, path, address):
        return any(same_address(a, address) for a in addresses(self.docs[path], self.id))

    def _kind(self, ident):
        for path in self.order:
            kind = device(self.docs[path], ident)[0]
            if kind:
                return kind
        return None

    def plan(self, state, address, prefix_length):
        if self.id is None:
            raise PersistError("cannot tell which netplan device manages %s" % self.interface)
        self._read()
        kind = self._kind(self.id)
        if kind is None:
            raise PersistError("netplan device %s is in none of the files of %s" % (self.id, ", ".join(DIRS)))
        if kind == "nm-devices":
            raise PersistError(
                "netplan device %s is under nm-devices: netplan hands it to NetworkManager as its networkmanager.passthrough "
                "says and renders no addresses for it, so an address added here would be gone at the next boot; move the "
                "device to ethernets (or the type it is) in its netplan file, or add the address to its passthrough "
                "(ipv4.address1, ...) by hand" % self.id)
        mine = read_mine(self.texts[self.dropin], self.yaml)
        key = (kind, self.id)
        where = [path for path in self.order if path != self.dropin and self._holds(path, address)]
        ours = [entry for entry in mine.get(key, []) if same_address(entry_address(entry), address)]
        if state == "present":
            if where or ours:
                return
            value = interface_network(address, prefix_length)
            # netplan renders an address with options ([Address] section) after the plain ones: when one of the family
            # has options, the added one gets (empty) options too, and so comes after it
            family = family_of(address)
            with_options = any(isinstance(entry, dict) and family_of(entry_address(entry)) == family
                               for path in self.order for entry in entries(self.docs[path], self.id))
            mine.setdefault(key, []).append({value: {}} if with_options else value)
        else:
            for path in where:
                self._remove(path, address)
            mine[key] = [entry for entry in mine.get(key, []) if entry not in ours]
        self.texts[self.dropin] = self._render(mine)
        if self.files():
            self.argv = ["netplan", "generate"]
            self.expect = (address, state == "present")

    def _render(self, mine):
        after = [path for path in self.order if self.names[path] > DROPIN]
        devices = []
        for (kind, ident), added in sorted(mine.items(), key=lambda item: (str(item[0][0]), str(item[0][1]))):
            restated = []
            for path in after:
                doc = self._load(path, self.texts[path]) if self.texts[path] is not None else None
                restated.extend((entry, self.names[path]) for entry in entries(doc, ident))
            kept = [entry for entry in added if not any(same_address(entry_address(r), entry_address(entry)) for r, _s in restated)]
            devices.append((kind, ident, restated if kept else [], kept))
        return render(devices)

    def _remove(self, path, address):
        if not under(path, os.path.realpath(self.etc)):
            raise PersistError("%s is in %s, which this module does not edit (only files under %s are the administrator's); "
                               "copy it there and run again" % (address, path, ETC))
        entry = [a for a in addresses(self.docs[path], self.id) if same_address(a, address)][0]
        wanted = without(self.docs[path], self.id, lambda value: same_address(value, address))
        for candidate in removal_candidates(self.texts[path], entry):
            try:
                if self.yaml.safe_load(candidate) == wanted:
                    self.texts[path] = candidate
                    self.docs[path] = wanted
                    return
            except (self.yaml.YAMLError, RecursionError):
                continue
        raise PersistError("cannot take %s out of %s without changing anything else in it; remove it there by hand" % (entry, path))

    def commands(self):
        return [self.argv] if self.argv else []

    def rendered(self):
        """The device's addresses as the last ``netplan generate`` rendered them, or None when it rendered no file."""
        for template, is_networkd in ((RENDERED_NETWORKD, True), (RENDERED_NM, False)):
            path = on_host(self.host.root, template % self.id)
            try:
                text = files.read_text(path)
            except files.FileProblem:
                text = None
            if text is not None:
                return rendered_addresses(text, is_networkd)
        return None

    def render_problem(self):
        """Why what netplan rendered does not hold the change (None when it does)."""
        address, present = self.expect
        rendered = self.rendered()
        if rendered is None:
            return "netplan generate rendered no file for device %s" % self.id
        here = [value for value in rendered if same_address(value, address)]
        if not present:
            return "netplan still renders %s for device %s" % (address, self.id) if here else None
        if not here:
            return "netplan generate did not render %s for device %s" % (address, self.id)
        family = family_of(address)
        same = [value for value in rendered if family_of(value) == family]
        if len(same) > 1 and same_address(same[0], address):
            return "netplan renders %s first among the IPv%d addresses of device %s" % (address, family, self.id)
        return None

    def apply(self, transaction, run, ran):
        self.write(transaction)
        if not self.argv:
            return
        ran.append(self.argv)
        problem = None
        try:
            run(self.argv)
            problem = self.render_problem()
        except Exception as exc:  # pylint: disable=broad-except  # runtime.CommandFailed, with netplan's own words
            problem = str(exc)
        if problem is None:
            return
        failed = transaction.rollback()
        ran.append(self.argv)  # rendered again from the files as they were
        try:
            run(self.argv)
        except Exception:  # pylint: disable=broad-except  # the files are back; what it says changes nothing
            pass
        if failed:
            raise files.FileProblem("%s; these files could not be put back: %s" % (problem, ", ".join(failed)), transaction.written)
        raise files.FileProblem("%s; every netplan file was put back as it was" % problem, [])
