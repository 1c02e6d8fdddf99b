# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every persistent network stack shares: which stack manages an interface (the rule, and the adapter that
reads what the host says), the errors, addresses as the files write them, and the plan of text files edited.

Private to dualstack.redis: not a public API, may change in any release.

How each stack says it manages an interface:
- systemd-networkd keeps a state file per link (``/run/systemd/netif/links/<ifindex>``) with ``ADMIN_STATE`` and
  ``NETWORK_FILE``; netplan renders its configuration as ``/run/systemd/network/10-netplan-*`` (networkd) or
  ``/run/NetworkManager/system-connections/netplan-*`` (NetworkManager) files;
- NetworkManager reports the connection active on a device (``nmcli -g GENERAL.STATE,GENERAL.CONNECTION device
  show``); "connected (externally)" means it only watches a device configured by something else;
- ifupdown records the interfaces it brought up in ``/run/network/ifstate.<name>`` (or ``/run/network/ifstate``).
"""

import ipaddress
import os

from ansible_collections.dualstack.redis.plugins.module_utils import _files as files
from ansible_collections.dualstack.redis.plugins.module_utils._text import c_strip, c_words, json_safe

STACKS = ("networkmanager", "networkd", "ifupdown", "netplan")
NETWORKD_LINKS = "/run/systemd/netif/links"
NETPLAN_NETWORKD_PREFIX = "/run/systemd/network/10-netplan-"
SYS_CLASS_NET = "/sys/class/net"
IFUPDOWN_STATE = "/run/network"


class PersistError(ValueError):
    """A configuration this module will not change (or cannot read); raised before anything is written, the message
    says what and what to do."""


def on_host(root, path):
    """``path`` (absolute, as on the host) under ``root`` (``/`` on a real host; a directory in tests)."""
    return path if root in ("", "/") else os.path.join(root, path.lstrip("/"))


def under(path, directory):
    """Whether ``path`` is inside ``directory`` (both absolute, already resolved)."""
    return path.startswith(directory.rstrip("/") + "/")


def key_values(text):
    """``KEY=VALUE`` lines (systemd's state files) as a dict; other lines ignored."""
    found = {}
    for line in (text or "").split("\n"):
        key, sep, value = line.partition("=")
        if sep and key and " " not in key:
            found[key] = value
    return found


def nm_external(state):
    """Whether nmcli's GENERAL.STATE says NetworkManager only watches the device (connected externally)."""
    return c_strip(state).startswith("100") and "externally" in state


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
        if not nm_external(state) and c_strip(state).startswith("100") and c_strip(connection):
            found.append("netplan" if c_strip(connection).startswith("netplan-") else "networkmanager")
    if ifupdown_up:
        found.append("ifupdown")
    return sorted(set(found), key=found.index)


def choose(method, found, interface, nm_watches_only=False):
    """The stack to change, or a PersistError naming what was found and what to do."""
    choices = ("set the method to networkmanager, networkd, ifupdown or netplan where one manages it, or change the address "
               "with your own tasks")
    if not found:
        hint = (" (NetworkManager only watches it: connected externally, no saved profile active on it; activate one with "
                "nmcli connection up)" if nm_watches_only else "")
        raise PersistError(
            "no persistent network stack manages %s%s (looked for NetworkManager, systemd-networkd, ifupdown and netplan); "
            "an address added at run time only would be gone after the next reboot; %s" % (interface, hint, choices))
    if len(found) > 1:
        raise PersistError("%s is claimed by more than one network stack (%s); fix that first" % (interface, ", ".join(found)))
    if method != "auto" and method != found[0]:
        raise PersistError("method is %s but %s is managed by %s" % (method, interface, found[0]))
    return found[0]


def interface_network(address, prefix_length):
    """``A/P`` as this collection writes it (the address compressed)."""
    return "%s/%d" % (ipaddress.ip_address(address).compressed, prefix_length)


def same_address(value, address):
    """Whether a configured value (``A/P`` or ``A``, one word) is ``address``."""
    words = c_words(value or "")
    if len(words) != 1:
        return False
    try:
        return ipaddress.ip_interface(words[0]).ip == ipaddress.ip_address(address)
    except ValueError:
        return False


def family_of(value):
    """4 or 6 for an ``A/P`` or ``A`` value, None when it is not an address."""
    try:
        return ipaddress.ip_interface(c_strip(value)).version
    except ValueError:
        return None


class Host(object):
    """What this host says about an interface's network stack: files under ``root`` and ``nmcli`` through ``run``
    (runtime.Ip.run: a deadline per call; None when nmcli is not installed)."""

    def __init__(self, root="/", run=None, nmcli=None):
        self.root = root
        self.run = run
        self.nmcli = nmcli

    def path(self, path):
        return on_host(self.root, path)

    def ifindex(self, interface):
        try:
            return files.read_text(self.path(os.path.join(SYS_CLASS_NET, interface, "ifindex"))).strip() or None
        except (files.FileProblem, AttributeError):
            return None

    def interfaces(self):
        """{ifindex: name} of every interface under /sys/class/net."""
        found = {}
        directory = self.path(SYS_CLASS_NET)
        for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
            index = self.ifindex(name)
            if index:
                found[index] = name
        return found

    def networkd_link(self, interface):
        """The interface's systemd-networkd state file as a dict, or None."""
        index = self.ifindex(interface)
        if index is None:
            return None
        try:
            text = files.read_text(self.path(os.path.join(NETWORKD_LINKS, index)))
        except files.FileProblem:
            return None
        return key_values(text) if text is not None else None

    def networkd_links_using(self, network_file):
        """The names of the interfaces systemd-networkd configures with ``network_file`` (from its state files)."""
        names = []
        for index, name in sorted(self.interfaces().items(), key=lambda item: item[1]):
            try:
                text = files.read_text(self.path(os.path.join(NETWORKD_LINKS, index)))
            except files.FileProblem:
                continue
            if text is not None and key_values(text).get("NETWORK_FILE") == network_file:
                names.append(name)
        return names

    def nm_device(self, interface):
        """(state, connection) of the device in NetworkManager, or None when it does not run (or has no such device)."""
        if not self.nmcli or self.run is None:
            return None
        try:
            out = self.run(["nmcli", "-g", "GENERAL.STATE,GENERAL.CONNECTION", "device", "show", interface])
        except Exception:  # pylint: disable=broad-except  # runtime.CommandFailed: NetworkManager not running, or not its device
            return None
        lines = (out or "").split("\n")
        state = lines[0] if lines else ""
        connection = lines[1] if len(lines) > 1 else ""
        return state, connection.replace("\\:", ":").replace("\\\\", "\\")

    def ifupdown_up(self, interface):
        if os.path.exists(self.path(os.path.join(IFUPDOWN_STATE, "ifstate.%s" % interface))):
            return True
        try:
            text = files.read_text(self.path(os.path.join(IFUPDOWN_STATE, "ifstate")))
        except files.FileProblem:
            return False
        return any(line.split("=", 1)[0] == interface for line in (text or "").split("\n"))

    def sysctl(self, key):
        """A sysctl's value as /proc/sys gives it, or None."""
        try:
            text = files.read_text(self.path(os.path.join("/proc/sys", key.replace(".", "/"))))
        except files.FileProblem:
            return None
        return text.strip() if text is not None else None

    def stacks(self, interface):
        return detect(self.networkd_link(interface), self.nm_device(interface), self.ifupdown_up(interface))

    def nm_watches_only(self, interface):
        device = self.nm_device(interface)
        return device is not None and nm_external(device[0])


class TextPlan(object):
    """Files read (``before``), their planned texts (``texts``; None: no file) and the order they were read in; what
    changes, its diff, and the writes (each file atomically, all of them put back when one fails)."""

    method = None

    def __init__(self):
        self.texts = {}     # path -> text as planned
        self.before = {}    # path -> text as read (None: no such file)
        self.order = []     # paths in the stack's reading order
        self.modes = {}     # path -> mode for a file this plan creates
        self.dir_modes = {}  # path -> mode of its directory when this plan makes it

    def add(self, path, text):
        if path not in self.before:
            self.before[path] = self.texts[path] = text
            self.order.append(path)

    def files(self):
        return [path for path in self.order if self.texts[path] != self.before[path]]

    def commands(self):
        return []

    def diff(self):
        return [dict(before=json_safe(self.before[path] or ""), after=json_safe(self.texts[path] or ""), before_header=path,
                     after_header=path) for path in self.files()]

    def check(self):
        """Before any write: every file to write can be written. Raises PersistError."""
        for path in self.files():
            try:
                files.check_writable(path)
            except files.FileProblem as exc:
                raise PersistError("%s; nothing was changed" % exc)

    def write(self, transaction):
        """Write every changed file through ``transaction`` (files.Transaction); raises files.FileProblem."""
        for path in self.files():
            if self.texts[path] is None:
                transaction.remove(path)
            else:
                transaction.write(path, self.texts[path], mode=self.modes.get(path), dir_mode=self.dir_modes.get(path))

    def apply(self, transaction, run, ran):
        """Change the configuration: the files, then the stack's commands (none here). ``run`` runs an argv."""
        self.write(transaction)
