# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Address-selection policy tables (RFC 3484 / RFC 6724): prefixes, default tables, wanted tables.

Private to dualstack.redis: not a public API, may change in any release.

Pure functions over plain data, shared by the Linux (gai.conf) and Windows (netsh prefix policy)
plugins. Only the standard library's ``ipaddress`` is used, so modules that import this need nothing
installed on the managed host.

Terms used throughout the collection:

- a *prefix* is an IPv6 prefix as a policy table holds it; an IPv4 network is written as its
  IPv4-mapped prefix (``172.31.0.0/16`` -> ``::ffff:172.31.0.0/112``);
- a *row* is one (prefix, precedence, label) entry; glibc's precedence table has no labels;
- ``prefer`` is ``ipv4``, ``ipv6`` or ``system`` (the platform's own default table).
"""

import ipaddress
import re
from collections import OrderedDict, namedtuple

from ansible_collections.dualstack.redis.plugins.module_utils._text import is_digits

PREFER_CHOICES = ("ipv4", "ipv6", "system")
PRECEDENCE_MIN = 0
PRECEDENCE_MAX = 100
# The label both glibc and Windows give IPv4 (``::ffff:0:0/96``) in their default tables.
IPV4_LABEL = 4
ALL_IPV4 = "::ffff:0:0/96"

PolicyRow = namedtuple("PolicyRow", ["prefix", "precedence", "label"])

# The options every preference plugin (gai_conf, win_prefix_policy) takes, in AnsibleModule's form.
PREFERENCE_ARGUMENT_SPEC = dict(
    prefer=dict(type="str", choices=list(PREFER_CHOICES), default="system"),
    networks=dict(
        type="list",
        elements="dict",
        default=[],
        options=dict(prefix=dict(type="str", required=True), precedence=dict(type="int", default=PRECEDENCE_MAX)),
    ),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)


class PolicyError(ValueError):
    """Bad input for a policy table; the message names the option, the value and the fix."""


def _rows(*triples):
    return tuple(PolicyRow(prefix, precedence, label) for prefix, precedence, label in triples)


# glibc's built-in tables are still RFC 3484's (sysdeps/posix/getaddrinfo.c).
GLIBC_PRECEDENCE = _rows(
    ("::1/128", 50, None),
    ("::/0", 40, None),
    ("2002::/16", 30, None),
    ("::/96", 20, None),
    (ALL_IPV4, 10, None),
)
GLIBC_LABEL = _rows(
    ("::1/128", None, 0),
    ("::/0", None, 1),
    ("2002::/16", None, 2),
    ("::/96", None, 3),
    (ALL_IPV4, None, 4),
    ("fec0::/10", None, 5),
    ("fc00::/7", None, 6),
    ("2001::/32", None, 7),
)
# What glibc adds when a file has precedence (or label) rows but no ::/0 row.
GLIBC_CATCH_ALL_PRECEDENCE = 40
GLIBC_CATCH_ALL_LABEL = 1

# Current Windows' default prefix policies (RFC 6724), as `netsh interface ipv6 show prefixpolicies`
# lists them.
WINDOWS_DEFAULT = _rows(
    ("::1/128", 50, 0),
    ("::/0", 40, 1),
    (ALL_IPV4, 35, 4),
    ("2002::/16", 30, 2),
    ("2001::/32", 5, 5),
    ("fc00::/7", 3, 13),
    ("fec0::/10", 1, 11),
    ("3ffe::/16", 1, 12),
    ("::/96", 1, 3),
)

_MAPPED_DOTTED = re.compile(r"^::ffff:(\d{1,3}(?:\.\d{1,3}){3})(?::.*)?$", re.IGNORECASE)


def format_prefix(network):
    """Write an IPv6 network the way policy tables do: compressed, IPv4-mapped ones dotted.

    ``::ffff:172.31.0.0/112`` rather than ``::ffff:ac1f:0/112``, and ``::ffff:0:0/96`` for all of IPv4.
    """
    mapped = network.network_address.ipv4_mapped
    if mapped is not None and network.prefixlen >= 96:
        if int(mapped) == 0:
            return "::ffff:0:0/%d" % network.prefixlen
        return "::ffff:%s/%d" % (mapped, network.prefixlen)
    return network.compressed


def prefix_key(prefix):
    """A comparable key for a prefix as glibc matches it: (masked network, length)."""
    network = ipaddress.IPv6Network(prefix, strict=False)
    return int(network.network_address), network.prefixlen


def _ipv4_hint(ipv4, bits):
    """'for 172.31.0.0/16 write ...' when ``bits`` is an IPv4-mapped length, else a generic hint."""
    if 96 <= bits <= 128:
        return "for %s/%d write '%s/%d' or '::ffff:%s/%d'" % (ipv4, bits - 96, ipv4, bits - 96, ipv4, bits)
    return "write the IPv4 network as 'a.b.c.d/n' (n up to 32) or as '::ffff:a.b.c.d/(96+n)'"


def normalize_prefix(value, where="prefix"):
    """Validate a user's network and return its policy-table prefix as a string.

    Accepts an IPv4 network (``172.31.0.0/16``, converted to ``::ffff:172.31.0.0/112``) or an IPv6
    prefix (``fd00:10::/64``, ``::ffff:172.31.0.0/112``). Rejects, with a message naming ``where``,
    the value and the correct form: a missing length, host bits set, an IPv4 address with an IPv6
    length, an IPv4-mapped address with an IPv4 length, and the invalid ``::ffff:a.b.c.d:0/len`` form.
    """
    if not isinstance(value, str):
        raise PolicyError("%s must be a string such as '172.31.0.0/16' or 'fd00::/8', got %r" % (where, value))
    text = value.strip()
    address, slash, length = text.rpartition("/")
    if not slash:
        kind = "32" if _is_ipv4(text) else "128"
        raise PolicyError("%s '%s' has no prefix length; for a single address write '%s/%s'" % (where, text, text, kind))
    if not is_digits(length):
        raise PolicyError("%s '%s' has an invalid prefix length '%s'" % (where, text, length))
    bits = int(length)

    if _is_ipv4(address):
        if bits > 32:
            raise PolicyError(
                "%s '%s' is an IPv4 network with an IPv6 prefix length (/%d is longer than /32); %s"
                % (where, text, bits, _ipv4_hint(address, bits))
            )
        network = ipaddress.IPv4Network(text, strict=False)
        if str(network.network_address) != address:
            raise PolicyError("%s '%s' has host bits set; the network is '%s'" % (where, text, network))
        return format_prefix(ipaddress.IPv6Network("::ffff:%s/%d" % (network.network_address, 96 + bits)))

    try:
        ipv6 = ipaddress.IPv6Address(address)
    except ValueError:
        dotted = _MAPPED_DOTTED.match(address)
        if dotted:
            raise PolicyError("%s '%s' is not an IPv6 prefix; %s" % (where, text, _ipv4_hint(dotted.group(1), bits)))
        raise PolicyError("%s '%s' is neither an IPv4 network nor an IPv6 prefix" % (where, text))
    # Python 3.9+ parses a zone (scope_id); older ones refuse it above and have no scope_id.
    if getattr(ipv6, "scope_id", None):
        raise PolicyError("%s '%s' has a zone index (%%%s); policy tables take plain prefixes" % (where, text, ipv6.scope_id))
    if bits > 128:
        raise PolicyError("%s '%s' has a prefix length over 128" % (where, text))
    if ipv6.ipv4_mapped is not None and int(ipv6.ipv4_mapped) and bits < 96:
        ipv4 = ipv6.ipv4_mapped
        raise PolicyError(
            "%s '%s' gives an IPv4-mapped address an IPv4 length: /%d would match the first %d bits of the "
            "IPv6 form, not %s/%d; write '%s/%d' or '::ffff:%s/%d'"
            % (where, text, bits, bits, ipv4, bits, ipv4, bits, ipv4, bits + 96)
        )
    network = ipaddress.IPv6Network(text, strict=False)
    if network.network_address != ipv6:
        raise PolicyError("%s '%s' has host bits set; the prefix is '%s'" % (where, text, format_prefix(network)))
    return format_prefix(network)


def _is_ipv4(text):
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def ipv4_mapped(value, where="value"):
    """``172.31.0.0/16`` -> ``::ffff:172.31.0.0/112``; a bare IPv4 address maps to a /128."""
    if isinstance(value, str) and "/" not in value and _is_ipv4(value.strip()):
        value = value.strip() + "/32"
    if not (isinstance(value, str) and _is_ipv4(value.strip().partition("/")[0])):
        raise PolicyError("%s %r is not an IPv4 network; ipv4_mapped takes e.g. '172.31.0.0/16'" % (where, value))
    return normalize_prefix(value, where)


def validate_precedence(value, where="precedence"):
    """An integer from 0 to 100 (booleans and strings of digits are not silently accepted)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyError("%s must be an integer from %d to %d, got %r" % (where, PRECEDENCE_MIN, PRECEDENCE_MAX, value))
    if not PRECEDENCE_MIN <= value <= PRECEDENCE_MAX:
        raise PolicyError("%s %d is outside %d..%d" % (where, value, PRECEDENCE_MIN, PRECEDENCE_MAX))
    return value


def normalize_networks(networks, option="networks", default_precedence=PRECEDENCE_MAX):
    """Validate a ``networks`` option (a list of ``{prefix, precedence}``) into (prefix, precedence) pairs.

    Every entry is checked before anything is returned, so a caller fails before it changes anything.
    Two entries for the same prefix (e.g. ``172.31.0.0/16`` and ``::ffff:172.31.0.0/112``) are an error.
    """
    result = []
    seen = {}
    for index, entry in enumerate(networks or []):
        where = "%s[%d]" % (option, index)
        if not isinstance(entry, dict):
            raise PolicyError("%s must be a dictionary with 'prefix' and 'precedence', got %r" % (where, entry))
        unknown = sorted(set(entry) - {"prefix", "precedence"})
        if unknown:
            raise PolicyError("%s has unknown key(s) %s; use 'prefix' and 'precedence'" % (where, ", ".join(unknown)))
        if entry.get("prefix") is None:
            raise PolicyError("%s.prefix is required" % where)
        prefix = normalize_prefix(entry["prefix"], where + ".prefix")
        precedence = entry.get("precedence")
        precedence = default_precedence if precedence is None else validate_precedence(precedence, where + ".precedence")
        key = prefix_key(prefix)
        if key in seen:
            raise PolicyError(
                "%s.prefix '%s' is the same network as %s (both are %s)" % (where, entry["prefix"], seen[key], prefix)
            )
        seen[key] = "%s.prefix '%s'" % (where, entry["prefix"])
        result.append((prefix, precedence))
    return result


def wanted_rows(prefer, networks, defaults=GLIBC_PRECEDENCE):
    """The table that makes ``prefer`` true, with ``networks`` on top, over a platform's defaults.

    ``prefer``: ``system`` keeps the defaults; ``ipv4`` raises ``::ffff:0:0/96`` to 100; ``ipv6`` puts it
    below global and unique-local IPv6 (``::/0``, ``fc00::/7``) where the defaults do not already.
    ``networks`` are (prefix, precedence) pairs from :func:`normalize_networks`. Default rows keep their
    labels; a network row reuses the label of the default row it replaces, gets the IPv4 label when it
    is an IPv4-mapped prefix (so rule 5, matching labels, cannot undo its precedence), and otherwise
    the label of ``::/0``. Returns a list of PolicyRow in a stable order: defaults first, then networks.
    """
    if prefer not in PREFER_CHOICES:
        raise PolicyError("prefer must be one of %s, got %r" % (", ".join(PREFER_CHOICES), prefer))
    rows = OrderedDict((prefix_key(row.prefix), row) for row in defaults)
    ipv4_key = prefix_key(ALL_IPV4)
    if prefer == "ipv4":
        row = rows[ipv4_key]
        rows[ipv4_key] = row._replace(precedence=PRECEDENCE_MAX)
    elif prefer == "ipv6":
        # IPv4 below global (::/0) and unique-local (fc00::/7) IPv6. glibc's defaults already are;
        # Windows' put ULA (3) below IPv4 (35).
        ipv6_keys = [prefix_key(p) for p in ("::/0", "fc00::/7") if prefix_key(p) in rows]
        ceiling = min(rows[k].precedence for k in ipv6_keys) - 1
        row = rows[ipv4_key]
        rows[ipv4_key] = row._replace(precedence=max(min(row.precedence, ceiling), PRECEDENCE_MIN))
    catch_all_label = rows[prefix_key("::/0")].label
    for prefix, precedence in networks:
        key = prefix_key(prefix)
        if key in rows:
            rows[key] = rows[key]._replace(precedence=precedence)
            continue
        label = None
        if catch_all_label is not None:
            label = IPV4_LABEL if ipaddress.IPv6Network(prefix).network_address.ipv4_mapped is not None else catch_all_label
        rows[key] = PolicyRow(prefix, precedence, label)
    return list(rows.values())


def lookup(rows, address, field="precedence"):
    """The value a table gives ``address`` (IPv4 is looked up as IPv4-mapped): most specific prefix wins."""
    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        ip = ipaddress.IPv6Address("::ffff:%s" % ip)
    best = None
    for row in rows:
        network = ipaddress.IPv6Network(row.prefix, strict=False)
        if ip in network and (best is None or network.prefixlen > best[0]):
            best = (network.prefixlen, getattr(row, field))
    return None if best is None else best[1]
