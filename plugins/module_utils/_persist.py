# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Addresses in a host's persistent network configuration: which stack manages an interface, and the edits for
NetworkManager and systemd-networkd. Pure functions over text; the module does the I/O.

Private to dualstack.redis: not a public API, may change in any release.

- Which stack: systemd-networkd keeps a state file per link (``/run/systemd/netif/links/<ifindex>``) with
  ``ADMIN_STATE`` and ``NETWORK_FILE``; netplan renders its configuration as ``/run/systemd/network/10-netplan-*``
  (networkd) or ``/run/NetworkManager/system-connections/netplan-*`` (NetworkManager) files; NetworkManager
  reports the connection active on a device (``nmcli -g GENERAL.STATE,GENERAL.CONNECTION device show``);
  ifupdown records interfaces it brought up in ``/run/network/ifstate.<name>`` (or ``/run/network/ifstate``).
- systemd-networkd: a drop-in ``<network file>.d/60-dualstack-redis.conf`` holds the addresses this collection
  adds (``[Network]`` ``Address=``); an address is removed from the drop-in, or from the ``.network`` file
  itself (its ``Address=`` line in ``[Network]``, or its whole ``[Address]`` section), every other byte kept.
- NetworkManager: ``nmcli connection modify CONN +ipv4.addresses A/P`` (``-`` to remove) edits the profile
  (NetworkManager writes its keyfile); the running device is changed with ``ip`` by the caller.
"""

import ipaddress
import re

from ansible_collections.dualstack.redis.plugins.module_utils._text import c_strip, c_words

STACKS = ("networkmanager", "networkd", "ifupdown", "netplan")
DROPIN_NAME = "60-dualstack-redis.conf"
DROPIN_HEADER = "# Managed by dualstack.redis (persistent_address): addresses added to this interface.\n"
NETWORKD_LINKS = "/run/systemd/netif/links"
NETPLAN_NETWORKD_PREFIX = "/run/systemd/network/10-netplan-"


class PersistError(ValueError):
    """A configuration this module cannot change safely; the message says what and what to do."""


def key_values(text):
    """``KEY=VALUE`` lines (systemd's state files) as a dict; other lines ignored."""
    found = {}
    for line in (text or "").split("\n"):
        key, sep, value = line.partition("=")
        if sep and key and " " not in key:
            found[key] = value
    return found


def detect(networkd_link, nm_device, ifupdown_up):
    """The stacks that manage an interface, as a list (empty: none persistent).

    ``networkd_link``: the link's state file as a dict (key_values), or None. ``nm_device``: (state, connection)
    from nmcli, or None when NetworkManager does not run. ``ifupdown_up``: whether ifupdown brought it up.
    """
    found = []
    if networkd_link and networkd_link.get("ADMIN_STATE") in ("configured", "configuring") and networkd_link.get("NETWORK_FILE"):
        found.append("netplan" if networkd_link["NETWORK_FILE"].startswith(NETPLAN_NETWORKD_PREFIX) else "networkd")
    if nm_device is not None:
        state, connection = nm_device
        # "100 (connected (externally))": NetworkManager only watches a device configured by something else (it made an
        # in-memory connection for it); nothing of it is saved, so it keeps nothing across a reboot.
        if nm_external(state):
            pass
        elif c_strip(state).startswith("100") and c_strip(connection):
            found.append("netplan" if c_strip(connection).startswith("netplan-") else "networkmanager")
    if ifupdown_up:
        found.append("ifupdown")
    return sorted(set(found), key=found.index)


def nm_external(state):
    """Whether nmcli's GENERAL.STATE says NetworkManager only watches the device (connected externally)."""
    return c_strip(state).startswith("100") and "externally" in state


def interface_network(address, prefix_length):
    return "%s/%d" % (ipaddress.ip_address(address).compressed, prefix_length)


# --- systemd-networkd --------------------------------------------------------------------------------------

_SECTION = re.compile(r"^[ \t]*\[([^\]]*)\][ \t]*$")


_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")


def _lines(text):
    """Lines with their ends, so that joining them gives ``text`` back byte for byte. Only ``\\n`` ends a line, as
    for systemd's parser (str.splitlines would also split at CR, form feed, vertical tab and others)."""
    return _LINE.findall(text or "")


def _key_value(line):
    """(key, value) of a ``Key=Value`` line (systemd's rules: blanks around both stripped), or (None, None)."""
    body = line.rstrip("\r\n")
    if not c_strip(body) or c_strip(body)[0] in "#;":
        return None, None
    key, sep, value = body.partition("=")
    if not sep:
        return None, None
    return c_strip(key), c_strip(value)


def same_address(value, address):
    """Whether an ``Address=`` value (``A/P`` or ``A``) is ``address``."""
    words = c_words(value)
    if len(words) != 1:
        return False
    try:
        return ipaddress.ip_interface(words[0]).ip == ipaddress.ip_address(address)
    except ValueError:
        return False


def networkd_addresses(text):
    """Every ``Address=`` value of ``[Network]`` and ``[Address]`` sections, in file order."""
    found, section = [], None
    for line in _lines(text):
        match = _SECTION.match(line.rstrip("\r\n"))
        if match:
            section = match.group(1)
            continue
        key, value = _key_value(line)
        if key == "Address" and section in ("Network", "Address") and value:
            found.append(value)
    return found


def networkd_has(text, address):
    return any(same_address(value, address) for value in networkd_addresses(text))


def networkd_dropin(addresses):
    """The drop-in's text for ``addresses`` (``A/P`` strings); None when there is none left (remove the file)."""
    if not addresses:
        return None
    return DROPIN_HEADER + "[Network]\n" + "".join("Address=%s\n" % a for a in addresses)


def networkd_without(text, address):
    """``text`` with ``address`` removed: its ``Address=`` lines in ``[Network]``, its whole ``[Address]``
    sections (from the header to the next section). Every other byte is kept. Returns (text, removed)."""
    lines = _lines(text)
    out, removed = [], 0
    index = 0
    section = None
    while index < len(lines):
        line = lines[index]
        match = _SECTION.match(line.rstrip("\r\n"))
        if match:
            section = match.group(1)
            if section == "Address":
                end = index + 1
                while end < len(lines) and not _SECTION.match(lines[end].rstrip("\r\n")):
                    end += 1
                block = lines[index:end]
                if any(_key_value(item)[0] == "Address" and same_address(_key_value(item)[1], address) for item in block):
                    removed += 1
                    index = end
                    continue
                out.extend(block)
                index = end
                continue
        else:
            key, value = _key_value(line)
            if section == "Network" and key == "Address" and same_address(value, address):
                removed += 1
                index += 1
                continue
        out.append(line)
        index += 1
    return "".join(out), removed


# --- NetworkManager ----------------------------------------------------------------------------------------

def nm_split(value):
    """A multi-value field printed by ``nmcli -g`` (``a, b``; ``:`` escaped as ``\\:``, ``\\`` as ``\\\\``) as a list."""
    value = c_strip(value or "")
    if not value:
        return []
    items, current, escaped = [], "", False
    for char in value:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            items.append(c_strip(current))
            current = ""
        else:
            current += char
    items.append(c_strip(current))
    return [item for item in items if item]


def nm_device(text):
    """(state, connection) from ``nmcli -g GENERAL.STATE,GENERAL.CONNECTION device show IFACE`` (two lines)."""
    lines = (text or "").split("\n")
    state = lines[0] if lines else ""
    connection = lines[1] if len(lines) > 1 else ""
    return state, connection.replace("\\:", ":").replace("\\\\", "\\")


def nm_find(addresses, address):
    """The ``A/P`` entry of ``addresses`` (a profile's ipvX.addresses) that is ``address``, or None."""
    return next((entry for entry in addresses if same_address(entry, address)), None)
