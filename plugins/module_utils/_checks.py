# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's one rule per kind of input, for every entry point (modules, filters, the plan): numbers of
seconds and counts, node addresses, host names, interface names, files. No I/O but a stat() of a file named.

Private to dualstack.redis: not a public API, may change in any release.

``type: float`` accepts ``nan``, ``inf`` and ``1e300``, none of which is a number of seconds a wait can use
(``nan`` compares false with everything, so a loop guarded by it never ends, and ``time.sleep(1e300)`` raises).
"""

import ipaddress
import math
import os
import re
import stat


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


def count(value, name, minimum, maximum):
    """A sentence naming ``name`` when ``value`` is not a whole number from ``minimum`` to ``maximum``, else None."""
    if value is None or isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        return "%s must be a whole number from %s to %s, got %s" % (name, minimum, maximum, value)
    return None


def interface_address(text, name):
    """(ipaddress object, None), or (None, a sentence naming ``name``): ``text`` as an address an interface can hold
    (ip_address and ip_address_info, which also manage lo's and link-local addresses): one IPv4 or IPv6 address, no
    zone index (the interface option says where), not unspecified, multicast, reserved or IPv4-mapped. Whitespace
    around it is dropped; any other stray byte is refused."""
    text = "" if text is None else str(text).strip()
    shown = "'%s'" % text if text.isprintable() else repr(text)
    if "%" in text:  # a zone index (fe80::1%eth0), which Python reads only from 3.9 on
        return None, "%s %s has a zone index; give the plain address" % (name, shown)
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None, "%s %s is not an IPv4 or IPv6 address" % (name, shown)
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        return None, "%s %s is an IPv4-mapped IPv6 address; give the IPv4 address %s itself" % (name, shown, mapped)
    for flag, what in (("is_unspecified", "the unspecified address"), ("is_multicast", "a multicast address"),
                       ("is_reserved", "a reserved address (this includes the broadcast address 255.255.255.255)")):
        if getattr(address, flag):
            return None, "%s %s is %s, which no interface holds" % (name, shown, what)
    return address, None


def node_address(text, name):
    """(ipaddress object, None), or (None, a sentence naming ``name``): ``text`` as an address a node or host is
    reached at: interface_address()'s rule, then address_problem()'s (no loopback or link-local address either)."""
    address, problem = interface_address(text, name)
    if problem:
        return None, problem
    text = str(text).strip()
    problem = address_problem(address)
    return (None, "%s '%s' %s" % (name, text, problem)) if problem else (address, None)


# The longest name a resolver takes (RFC 1035: 255 octets on the wire) and the longest label.
MAX_NAME = 253
MAX_LABEL = 63


def hostname(text, name):
    """A sentence naming ``name`` when ``text`` is neither an IP address (a zone index allowed: a link-local peer is
    reached through one) nor a name a resolver can take (labels of 1 to 63 octets once IDNA-encoded, 253 in all,
    no whitespace or control byte), else None."""
    text = "" if text is None else str(text)
    try:
        ipaddress.ip_address(text.split("%", 1)[0] if "%" in text and ":" in text else text)
        return None
    except ValueError:
        pass
    problem = None
    if not text:
        problem = "is empty"
    elif any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in text):
        problem = "holds whitespace or a control character"
    elif any(not label for label in (text[:-1] if text.endswith(".") else text).split(".")):
        problem = "has an empty label"
    else:
        raw = (text[:-1] if text.endswith(".") else text).split(".")
        try:
            labels = [label.encode("idna") for label in raw]
        except UnicodeError as exc:
            problem = ("has a label longer than %d characters" % MAX_LABEL if any(len(label) > MAX_LABEL for label in raw)
                       else "is not a name a resolver can take (%s)" % exc)
        else:
            if any(len(label) > MAX_LABEL for label in labels):
                problem = "has a label longer than %d characters" % MAX_LABEL
            elif len(b".".join(labels)) > MAX_NAME:
                problem = "is longer than %d characters" % MAX_NAME
    return "%s %r %s" % (name, text, problem) if problem else None


def interface(text, name):
    """A sentence naming ``name`` when ``text`` is not a Linux interface name (1 to 15 bytes, not . or .., printable,
    no '/', ':' or whitespace), else None."""
    text = "" if text is None else str(text)
    bad_char = any(char in "/:" or char.isspace() for char in text) or not text.isprintable()
    if not text or len(text.encode("utf-8", "surrogateescape")) > 15 or text in (".", "..") or bad_char:
        return "%s %r is not a Linux interface name (1 to 15 characters, none of '/', ':' or spaces)" % (name, text)
    return None


def regular_file(path, name):
    """A sentence naming ``name`` and ``path`` when ``path`` is not an existing regular file (followed through its
    links): a directory, FIFO, device, dangling link or link loop is refused before anything reads it."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return "%s %s cannot be read: %s" % (name, path, exc.strerror or exc)
    if not stat.S_ISREG(mode):
        kind = ("a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
        return "%s %s is %s, not a regular file" % (name, path, kind)
    return None


# --- the roles' inputs ------------------------------------------------------------------------------------------------
# A role's variables come as YAML, inventory text or ``-e`` strings: a number may be the text "30", a switch "yes".
# ``by_kind`` applies the rules above to one variable, given its kind as text (the roles' vars/main.yml name the kind
# of every input; the check_inputs action reads them):
#   seconds:MIN:MAX   a number of seconds (seconds() above; "30" and "0.5" are numbers too)
#   count:MIN:MAX     a whole number (count() above); port: a count from 1 to 65535
#   switch            true or false (yes/no, on/off, 1/0 as text too: the roles use them through | bool, which takes
#                     any other word for false)
#   text              a string (argument specs turn a dict given for a str into its text); text+: not empty
#   node_address, hostname, interface: as above; absolute_path: a string starting with /, no control character
#   controller_file   an absolute_path of a file the controller will write; check_inputs (on the controller) also
#                     checks its directory there (controller_file_problem in plugins/action/check_inputs.py)
#   list:KIND         a list, every item of KIND (text is split at commas, as ``type: list`` does)
#   ansible           checked by the role's argument spec itself (choices); free: <why>: not interpreted
# A kind that ends with ? may also be unset, null or "" (the role then does without it).

SWITCH_WORDS = ("true", "false", "yes", "no", "on", "off", "1", "0")
UNSET = object()


def _number(value, whole):
    """``value`` as an int (``whole``) or a float, from a number or its text; None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, float) and not whole):
        return value
    if isinstance(value, str):
        text = value.strip()
        if re.match(r"^-?[0-9]+$", text):
            return int(text)
        if not whole and re.match(r"^-?[0-9]+[.][0-9]+$", text):
            return float(text)
    return None


def by_kind(value, name, kind):
    """A sentence naming ``name`` when ``value`` (UNSET when the variable is not defined) is not of ``kind`` (the
    grammar above), else None. Raises ValueError for a kind this grammar does not have (a mistake in a role)."""
    optional = kind.endswith("?")
    kind = kind[:-1] if optional else kind
    if value is UNSET or value is None or (optional and value == ""):
        return None if optional or kind.startswith(("free:", "ansible")) else "%s is not set" % name
    head, _sep, rest = kind.partition(":")
    if head == "free" or kind == "ansible":
        return None
    if head in ("seconds", "count", "port"):
        low, high = ("1", "65535") if head == "port" else rest.split(":")
        number = _number(value, whole=head != "seconds")
        if number is None:
            return "%s must be a %s, got %r" % (name, "number of seconds" if head == "seconds" else "whole number", value)
        if head == "seconds":
            return seconds(number, name, _number(low, whole=False), _number(high, whole=False))
        return count(number, name, int(low), int(high))
    if head == "list":
        # as ``type: list`` takes it: text is split at commas, a number is a list of one
        if isinstance(value, str):
            value = value.split(",")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            value = [str(value)]
        if not isinstance(value, (list, tuple)):
            return "%s must be a list, got %r" % (name, value)
        found = [by_kind(item, "%s[%d]" % (name, index), rest) for index, item in enumerate(value)]
        return next((problem for problem in found if problem), None)
    if head == "switch":
        if isinstance(value, bool) or (isinstance(value, (str, int)) and str(value).strip().lower() in SWITCH_WORDS):
            return None
        return "%s must be true or false, got %r" % (name, value)
    if not isinstance(value, str):
        return "%s must be a string, got %r" % (name, value)
    if head == "text":
        return None
    if head == "text+":
        return "%s must not be empty" % name if not value.strip() else None
    if head == "node_address":
        return node_address(value, name)[1]
    if head == "hostname":
        return hostname(value, name)
    if head == "interface":
        return interface(value, name)
    if head in ("absolute_path", "controller_file"):
        if not value.startswith("/") or not value.isprintable():
            return "%s must be an absolute path (starting with /, no control character), got %r" % (name, value)
        return None
    raise ValueError("%s: unknown kind %r" % (name, kind))
