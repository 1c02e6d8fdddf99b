# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Addresses in netplan's configuration (YAML under /etc/netplan). Pure functions over text and parsed YAML; the
module does the I/O and runs ``netplan generate``.

Private to dualstack.redis: not a public API, may change in any release.

What netplan does, measured with Debian 12's netplan.io 0.106 (and the rules this module follows from it):
- the files of /lib/netplan, /etc/netplan and /run/netplan are merged in the order of their names; the
  ``addresses`` lists of one device are concatenated (not replaced), so a file of this collection's own,
  ``90-dualstack-redis.yaml``, adds addresses after the administrator's (whose address stays the primary one);
  it names no ``renderer`` (a renderer there would win over the administrator's for the device);
- netplan warns about files readable by others: the file is written with mode 0600;
- a file netplan cannot use makes ``netplan generate`` fail and, at the next boot, leaves the device without
  addresses: the module runs ``netplan generate`` after writing and puts every file back when it fails;
- an address in the administrator's file is removed by deleting its list item from the text, and the edit is
  kept only when the parsed result is the parsed original without that one item.
"""

import copy
import re

DROPIN = "90-dualstack-redis.yaml"
DROPIN_HEADER = "# Managed by dualstack.redis (persistent_address): addresses added to network devices.\n"
DEVICE_TYPES = ("ethernets", "bonds", "bridges", "vlans", "wifis", "tunnels", "vrfs", "modems", "dummy-devices",
                "virtual-ethernets", "nm-devices")
NETWORKD_FILE = re.compile(r"^/run/systemd/network/10-netplan-(.+)\.network$")
NM_CONNECTION = re.compile(r"^netplan-(.+)$")


class NetplanError(ValueError):
    """A configuration this module will not change; the message says why and what to do."""


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


def addresses(doc, device_id):
    """The device's ``addresses`` entries in one parsed file (as ``A/P`` texts; others left out)."""
    _kind, found = device(doc, device_id)
    entries = found.get("addresses") if found else None
    if not isinstance(entries, list):
        return []
    return [text for text in (entry_address(entry) for entry in entries) if text]


def dropin(kind, device_id, values):
    """The text of this collection's file with ``values`` (``A/P``) for the device; None when none is left."""
    if not values:
        return None
    lines = [DROPIN_HEADER, "network:\n", "  version: 2\n", "  %s:\n" % kind, "    %s:\n" % _quote(device_id), "      addresses:\n"]
    lines.extend('        - "%s"\n' % value for value in values)
    return "".join(lines)


def _quote(text):
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


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
