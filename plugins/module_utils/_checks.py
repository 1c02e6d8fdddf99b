# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of option values the argument spec can only type: numbers of seconds, usable addresses. No I/O.

Private to dualstack.redis: not a public API, may change in any release.

``type: float`` accepts ``nan``, ``inf`` and ``1e300``, none of which is a number of seconds a wait can use
(``nan`` compares false with everything, so a loop guarded by it never ends, and ``time.sleep(1e300)`` raises).
"""

import math


def seconds(value, name, minimum, maximum, exclusive_minimum=False):
    """A sentence naming ``name`` when ``value`` is not a finite number of seconds in range, else None."""
    low = "more than %s" % minimum if exclusive_minimum else "from %s" % minimum
    problem = "%s must be %s to %s seconds, got %s" % (name, low, maximum, value)
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        return problem
    if value < minimum or (exclusive_minimum and value == minimum) or value > maximum:
        return problem
    return None


# The last moment a ``since`` may name: the end of the year 9999 (what datetime can still show).
LATEST_MOMENT = 253402300799.0


def moment(value, name):
    """A sentence naming ``name`` when ``value`` is not a finite moment in seconds since the epoch (from 0 to the
    end of the year 9999; ``nan`` would compare false with every process's start), else None."""
    if value is None or isinstance(value, bool) or not math.isfinite(value) or not 0 <= value <= LATEST_MOMENT:
        return "%s must be a moment in seconds since the epoch, from 0 to %d, got %s" % (name, LATEST_MOMENT, value)
    return None


def address_problem(address):
    """Why ``address`` (an ipaddress object) cannot be the address a node or host is reached at, or None: the one
    rule of the collection for node and host addresses (Redis Enterprise internal and external addresses, addresses
    persisted in a host's network configuration)."""
    scope = getattr(address, "scope_id", None)  # Python 3.9+ parses fd00::11%eth0; older ones refuse it
    if scope:
        return "has a zone index (%%%s); a node is reached at an address without one" % scope
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        return "is an IPv4-mapped IPv6 address; give the IPv4 address %s itself" % mapped
    for flag, what in (("is_unspecified", "the unspecified address"), ("is_loopback", "a loopback address"),
                       ("is_multicast", "a multicast address"), ("is_link_local", "a link-local address"),
                       ("is_reserved", "a reserved address (this includes the broadcast address 255.255.255.255)")):
        if getattr(address, flag):
            return "is %s, which no node can be reached at" % what
    return None
