# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Addresses on Linux interfaces, from ``ip -j addr show`` output: find, plan add/remove, predict. No I/O.

Private to dualstack.redis: not a public API, may change in any release.
"""

import ipaddress
import json


class IprouteError(ValueError):
    """Input or ``ip`` output this module cannot work with; the message says which."""


def parse_addresses(text):
    """``ip -j addr show`` -> list of {interface, up, address, prefix_length, family, secondary}."""
    try:
        interfaces = json.loads(text or "[]")
    except ValueError as exc:
        raise IprouteError("cannot read ip -j addr show output: %s" % exc)
    found = []
    for interface in interfaces:
        up = "UP" in interface.get("flags", []) or interface.get("operstate") == "UP"
        for info in interface.get("addr_info", []):
            if "local" not in info:
                continue
            found.append(dict(
                interface=interface.get("ifname"),
                up=up,
                address=ipaddress.ip_address(info["local"]).compressed,
                prefix_length=int(info.get("prefixlen", 0)),
                family="ipv6" if info.get("family") == "inet6" else "ipv4",
                secondary=bool(info.get("secondary")),
            ))
    return found


def find(addresses, address):
    """The entry holding ``address`` (any interface), or None."""
    wanted = ipaddress.ip_address(address)
    return next((a for a in addresses if ipaddress.ip_address(a["address"]) == wanted), None)


def up_addresses(addresses):
    """Addresses bound to interfaces that are UP."""
    return [a["address"] for a in addresses if a["up"]]


def interface_lines(addresses, interface):
    """The addresses on ``interface`` as text lines ``ADDRESS/PREFIX dev INTERFACE``: IPv4 first, each family in address order."""
    entries = [a for a in addresses if a["interface"] == interface]
    entries.sort(key=lambda a: (ipaddress.ip_address(a["address"]).version, ipaddress.ip_address(a["address"]), a["prefix_length"]))
    return ["%s/%d dev %s" % (a["address"], a["prefix_length"], interface) for a in entries]


def predict(addresses, commands):
    """The addresses as they will be once ``commands`` (from plan_present or plan_absent) have run.

    ``ip addr add`` adds an entry, ``ip addr del`` removes one; the ``sysctl`` that sets promote_secondaries
    changes no address (it is what keeps the secondaries when their primary goes).
    """
    predicted = [dict(a) for a in addresses]
    for argv in commands:
        if argv[:3] not in (["ip", "addr", "add"], ["ip", "addr", "del"]):
            continue
        text, prefix_length = argv[3].split("/")
        address, interface = ipaddress.ip_address(text), argv[5]
        if argv[2] == "del":
            predicted = [a for a in predicted if not (a["interface"] == interface and ipaddress.ip_address(a["address"]) == address)]
            continue
        family = "ipv4" if address.version == 4 else "ipv6"
        network = ipaddress.ip_network("%s/%s" % (address, prefix_length), strict=False)
        secondary = family == "ipv4" and any(
            a["interface"] == interface and a["family"] == "ipv4" and ipaddress.ip_address(a["address"]) in network
            for a in predicted)
        predicted.append(dict(
            interface=interface,
            up=any(a["up"] for a in predicted if a["interface"] == interface),
            address=address.compressed,
            prefix_length=int(prefix_length),
            family=family,
            secondary=secondary,
        ))
    return predicted


def plan_present(addresses, address, interface, prefix_length):
    """argv that binds ``address/prefix_length`` to ``interface``; [] when it is bound already; error when bound elsewhere."""
    there = find(addresses, address)
    if there is not None:
        if there["interface"] != interface:
            raise IprouteError("%s is already bound to %s, not %s" % (address, there["interface"], interface))
        return []
    return [["ip", "addr", "add", "%s/%d" % (ipaddress.ip_address(address).compressed, prefix_length), "dev", interface]]


def plan_absent(addresses, address, promote_values):
    """(argv lists, needs_promote) to remove ``address``.

    Deleting an interface's primary IPv4 address also deletes its secondary addresses of the same subnet
    unless ``net.ipv4.conf.<if>.promote_secondaries`` (or ``.all.``) is 1. ``promote_values`` is the
    list of those two values as read; when a secondary would be lost, the plan first sets the
    interface's value to 1 and says so.
    """
    there = find(addresses, address)
    if there is None:
        return [], False
    commands = []
    needs_promote = False
    if there["family"] == "ipv4" and not there["secondary"]:
        network = ipaddress.ip_network("%s/%d" % (there["address"], there["prefix_length"]), strict=False)
        ipv4_here = [a for a in addresses if a["interface"] == there["interface"] and a["family"] == "ipv4"]
        siblings = [a for a in ipv4_here if a["secondary"] and ipaddress.ip_address(a["address"]) in network]
        if siblings and "1" not in [str(v).strip() for v in promote_values]:
            needs_promote = True
            commands.append(["sysctl", "-q", "-w", "net.ipv4.conf.%s.promote_secondaries=1" % there["interface"]])
    commands.append(["ip", "addr", "del", "%s/%d" % (there["address"], there["prefix_length"]), "dev", there["interface"]])
    return commands, needs_promote
