# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Addresses on Linux interfaces, from ``ip -j addr show`` output: find, plan add/remove, predict. No I/O.

Private to dualstack.redis: not a public API, may change in any release.
"""

import ipaddress
import json

from ansible_collections.dualstack.redis.plugins.module_utils import _checks as checks


class IprouteError(ValueError):
    """Input or ``ip`` output this module cannot work with; the message says which."""


def parse_addresses(text):
    """``ip -j addr show`` -> list of {interface, up, address, prefix_length, family, secondary, tentative, dadfailed}.

    ``tentative`` (IPv6 duplicate address detection still running) and ``dadfailed`` (another host on the link
    has the address) mark addresses the kernel holds but does not use."""
    try:
        interfaces = json.loads(text or "[]")
    except ValueError as exc:
        raise IprouteError("cannot read ip -j addr show output: %s" % exc)
    if not isinstance(interfaces, list) or not all(isinstance(i, dict) for i in interfaces):
        raise IprouteError("ip -j addr show printed JSON that is not a list of interfaces: %.200r" % (text,))
    found = []
    for interface in interfaces:
        up = "UP" in (interface.get("flags") or []) or interface.get("operstate") == "UP"
        for info in interface.get("addr_info") or []:
            if not isinstance(info, dict) or "local" not in info:
                continue
            try:
                local = ipaddress.ip_address(info["local"])
                prefix_length = info.get("prefixlen", 0)
                if isinstance(prefix_length, bool) or not 0 <= int(prefix_length) <= local.max_prefixlen:
                    raise ValueError("prefix length out of range")
                prefix_length = int(prefix_length)
            except (TypeError, ValueError):
                raise IprouteError("ip -j addr show listed an address it cannot be: %.200r" % (info,))
            found.append(dict(
                interface=str(interface.get("ifname")),
                up=up,
                address=local.compressed,
                prefix_length=prefix_length,
                family="ipv6" if local.version == 6 else "ipv4",
                secondary=bool(info.get("secondary")),
                tentative=bool(info.get("tentative")),
                dadfailed=bool(info.get("dadfailed")),
                noprefixroute=bool(info.get("noprefixroute")),
            ))
    return found


def parse_routes(text):
    """``ip -j -4 route show dev IF`` -> list of {dst, prefsrc, metric} (dst as printed: ``default`` or a network)."""
    try:
        routes = json.loads(text or "[]")
    except ValueError as exc:
        raise IprouteError("cannot read ip -j route show output: %s" % exc)
    if not isinstance(routes, list) or not all(isinstance(r, dict) for r in routes):
        raise IprouteError("ip -j route show printed JSON that is not a list of routes: %.200r" % (text,))
    return [dict(dst=str(r.get("dst", "")), prefsrc=r.get("prefsrc"), metric=int(r.get("metric") or 0)) for r in routes]


def normalize_address(value, name):
    """``value`` as a plain IPv4 or IPv6 address (compressed), or an IprouteError naming option ``name``: the
    collection's rule for an address an interface holds (_checks.interface_address; the stricter rule for node
    addresses applies where an address to add must be reachable: check_address_args(usable=True))."""
    address, problem = checks.interface_address(value, name)
    if problem:
        raise IprouteError(problem)
    return address.compressed


def family(address_text):
    """``IPv4`` or ``IPv6``."""
    return "IPv%d" % ipaddress.ip_address(address_text).version


def check_prefix_length(address_text, prefix_length):
    """An IprouteError unless ``prefix_length`` fits ``address_text``'s family (IPv4 1-32, IPv6 1-128)."""
    bits = 32 if ipaddress.ip_address(address_text).version == 4 else 128
    if isinstance(prefix_length, bool) or not 1 <= prefix_length <= bits:
        raise IprouteError("prefix_length %s is not from 1 to %d, as %s needs" % (prefix_length, bits, address_text))


def check_interface(name):
    """An IprouteError unless ``name`` can be a Linux interface name (_checks.interface)."""
    problem = checks.interface(name, "interface")
    if problem:
        raise IprouteError(problem)


def promote_key(interface):
    """The sysctl key of ``interface``'s promote_secondaries. sysctl reads '.' as the separator, so a dot in the
    name (a VLAN such as eth0.100) is written as '/', which sysctl swaps back: net.ipv4.conf.eth0/100.promote_secondaries."""
    return "net.ipv4.conf.%s.promote_secondaries" % interface.replace(".", "/")


def find(addresses, address):
    """The entry holding ``address`` (any interface), or None."""
    wanted = ipaddress.ip_address(address)
    return next((a for a in addresses if ipaddress.ip_address(a["address"]) == wanted), None)


def usable(entry):
    """Whether the kernel uses this address: its interface is UP and (IPv6) duplicate address detection passed."""
    return entry["up"] and not entry.get("tentative") and not entry.get("dadfailed")


def up_addresses(addresses):
    """Addresses bound to interfaces that are UP, that the kernel uses (not tentative, not dadfailed)."""
    return [a["address"] for a in addresses if usable(a)]


def dad_state(addresses, address):
    """``dadfailed``, ``tentative`` or None (usable, IPv4, or not bound) for ``address``."""
    entry = find(addresses, address)
    if entry is None:
        return None
    if entry.get("dadfailed"):
        return "dadfailed"
    return "tentative" if entry.get("tentative") else None


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
            tentative=False,  # the prediction is the state once duplicate address detection passed
            dadfailed=False,
            noprefixroute=False,
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


def plan_absent(addresses, address, promote_values, interface=None, routes=None):
    """(argv lists, needs_promote) to remove ``address`` (only from ``interface``, when given).

    Deleting an interface's primary IPv4 address also deletes its secondary addresses of the same subnet
    unless ``net.ipv4.conf.<if>.promote_secondaries`` (or ``.all.``) is 1. ``promote_values`` is the
    list of those two values as read; when a secondary would be lost, the plan first sets the
    interface's value to 1 and says so.

    The kernel then promotes the first secondary of the subnet, and gives it the subnet's route unless it is
    flagged ``noprefixroute`` (NetworkManager adds its addresses so, with routes of its own; it flags an address
    it had applied when ``ip`` binds it again). The deleted primary's routes go with it, so such a promoted
    address would be left without a route to its own subnet, and the host unreachable there. With ``routes``
    (``parse_routes`` of the interface), the plan then ends by giving it that route, with the metric of the one
    that goes.
    """
    there = find(addresses, address)
    if there is None or (interface is not None and there["interface"] != interface):
        return [], False
    commands = []
    needs_promote = False
    promoted = None
    if there["family"] == "ipv4" and not there["secondary"]:
        network = ipaddress.ip_network("%s/%d" % (there["address"], there["prefix_length"]), strict=False)
        ipv4_here = [a for a in addresses if a["interface"] == there["interface"] and a["family"] == "ipv4"]
        siblings = [a for a in ipv4_here if a["secondary"] and ipaddress.ip_address(a["address"]) in network]
        if siblings and "1" not in [str(v).strip() for v in promote_values]:
            needs_promote = True
            commands.append(["sysctl", "-q", "-w", "%s=1" % promote_key(there["interface"])])
        promoted = siblings[0] if siblings else None
    commands.append(["ip", "addr", "del", "%s/%d" % (there["address"], there["prefix_length"]), "dev", there["interface"]])
    if promoted is not None and promoted.get("noprefixroute") and routes is not None:
        own = [r for r in routes if r["dst"] == str(network) and r["prefsrc"] == promoted["address"]]
        lost = [r["metric"] for r in routes if r["dst"] == str(network) and r["prefsrc"] == there["address"]]
        if not own:
            commands.append(["ip", "route", "replace", str(network), "dev", there["interface"], "proto", "kernel", "scope", "link",
                             "src", promoted["address"], "metric", str(lost[0] if lost else 0)])
    return commands, needs_promote
