# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Addresses in ifupdown's configuration (``/etc/network/interfaces``, interfaces(5), Debian's ifupdown 0.8).
Pure functions over text; the module does the I/O.

Private to dualstack.redis: not a public API, may change in any release.

What ifupdown does, measured with Debian 12's ifupdown 0.8.41 (and the rules this module follows from it):
- several ``iface NAME inet static`` stanzas for one interface are all applied, in file order, each one
  address (the first in file order becomes the primary one); a second ``address`` line inside one stanza is
  silently ignored, so an added address gets a stanza of its own, placed right after the stanza it joins
  (``source /etc/network/interfaces.d/*`` comes first in Debian's default file: a stanza there would go
  first and take the primary address);
- a static stanza without ``address`` makes ``ifup`` fail for the whole interface ("missing required variable:
  address"), and at boot the interface then keeps none of its addresses: an address is only removed with its
  whole stanza, or replaced by the new one in the administrator's stanza (everything else in it kept);
- an address without a prefix length takes the old class-based netmask, so this module always writes one;
- ``source FILE-OR-GLOB`` and ``source-directory DIR`` include other files (relative paths from the
  directory of the including file); lines ending with a backslash continue on the next one; comments are
  lines whose first non-blank character is ``#``.
"""

import fnmatch
import ipaddress
import os
import re

from ansible_collections.dualstack.redis.plugins.module_utils._text import c_words

MARKER = "# Added by dualstack.redis (persistent_address): one more address for this interface."
STANZA_WORDS = ("iface", "mapping", "auto", "source", "source-directory", "rename", "no-auto-down", "no-scripts")
MAX_FILES = 64
_RUN_PARTS_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_PHYSICAL = re.compile(r"[^\n]*\n|[^\n]+\Z")


class IfupdownError(ValueError):
    """A configuration this module will not change; the message says why and what to do."""


class Stanza(object):
    """An ``iface`` stanza: its words, its options and the physical lines it spans in its file."""

    def __init__(self, name, family, method, start):
        self.name, self.family, self.method = name, family, method
        self.start = start          # index of the physical line of ``iface``
        self.end = start + 1        # index after its last option line
        self.options = []           # (key, value, first physical line, number of physical lines)
        self.marked = False         # preceded by this module's marker comment

    def values(self, key):
        return [value for k, value, _line, _count in self.options if k == key]

    def address(self):
        """The address ifupdown uses: the first ``address`` line's value (later ones are ignored), or None."""
        values = self.values("address")
        return values[0] if values else None


def physical_lines(text):
    return _PHYSICAL.findall(text or "")


def _logical(lines):
    """(first physical index, count, words) per logical line (backslash continuations joined); comments and blanks
    give words == []."""
    out, index = [], 0
    while index < len(lines):
        first, joined = index, ""
        while True:
            body = lines[index].rstrip("\n")
            index += 1
            if body.endswith("\\") and index < len(lines):
                joined += body[:-1]
                continue
            joined += body
            break
        stripped = joined.lstrip(" \t")
        words = [] if not stripped or stripped.startswith("#") else c_words(joined)
        out.append((first, index - first, words))
    return out


def parse(text):
    """(stanzas, includes) of one file. ``includes``: (keyword, argument) of its ``source`` and ``source-directory``
    lines, in order."""
    lines = physical_lines(text)
    stanzas, includes = [], []
    current = None
    for first, count, words in _logical(lines):
        if not words:
            continue
        keyword = words[0]
        if keyword in STANZA_WORDS or keyword.startswith("allow-"):
            current = None
            if keyword == "iface" and len(words) >= 4:
                current = Stanza(words[1], words[2], words[3], first)
                current.marked = first > 0 and lines[first - 1].rstrip("\n") == MARKER
                stanzas.append(current)
            elif keyword in ("source", "source-directory") and len(words) >= 2:
                includes.append((keyword, words[1]))
            continue
        if current is not None:
            current.options.append((keyword, " ".join(words[1:]), first, count))
            current.end = first + count
    return stanzas, includes


def included_paths(keyword, argument, including_file, listdir, isdir):
    """The files a ``source`` (glob, sorted) or ``source-directory`` (run-parts names, sorted) line includes."""
    base = os.path.dirname(including_file)
    path = argument if os.path.isabs(argument) else os.path.join(base, argument)
    if keyword == "source-directory":
        if not isdir(path):
            return []
        return [os.path.join(path, name) for name in sorted(listdir(path)) if _RUN_PARTS_NAME.match(name)]
    directory, pattern = os.path.split(path)
    if not any(char in pattern for char in "*?["):
        return [path]
    if not isdir(directory):
        return []
    return [os.path.join(directory, name) for name in sorted(listdir(directory))
            if fnmatch.fnmatchcase(name, pattern) and not name.startswith(".")]


def family_of(address):
    return "inet6" if ":" in address else "inet"


def stanza_block(interface, family, value):
    return "\n%s\niface %s %s static\n    address %s\n" % (MARKER, interface, family, value)


def insert_after(text, stanza, block):
    """``text`` with ``block`` right after ``stanza``'s last option line (every other byte kept)."""
    lines = physical_lines(text)
    head = "".join(lines[:stanza.end])
    if head and not head.endswith("\n"):
        head += "\n"
    return head + block + "".join(lines[stanza.end:])


def remove_stanza(text, stanza):
    """``text`` without ``stanza`` (and this module's marker comment before it, and one blank line before that)."""
    lines = physical_lines(text)
    start = stanza.start
    if stanza.marked:
        start -= 1
        if start > 0 and not lines[start - 1].strip():
            start -= 1
    return "".join(lines[:start] + lines[stanza.end:])


def replace_address(text, stanza, value):
    """``text`` with the value of ``stanza``'s first ``address`` line replaced by ``value`` (its indentation and
    keyword kept)."""
    for key, _old, first, count in stanza.options:
        if key != "address":
            continue
        if count != 1:
            raise IfupdownError("the address line of 'iface %s %s %s' is continued over several lines; edit it by hand"
                                % (stanza.name, stanza.family, stanza.method))
        lines = physical_lines(text)
        line = lines[first]
        match = re.match(r"^([ \t]*address[ \t]+)[^ \t\n]+(.*)$", line, re.S)
        lines[first] = match.group(1) + value + match.group(2)
        return "".join(lines)
    raise IfupdownError("'iface %s %s %s' has no address line" % (stanza.name, stanza.family, stanza.method))


def prefix_of(stanza):
    """The prefix length of ``stanza``'s address (``A/P``, or its ``netmask`` line), or None."""
    value = stanza.address() or ""
    try:
        if "/" in value:
            return ipaddress.ip_interface(value).network.prefixlen
        netmask = stanza.values("netmask")
        if not netmask:
            return None
        if netmask[0].isdigit() and "." not in netmask[0]:
            return int(netmask[0])
        return ipaddress.ip_network("0.0.0.0/%s" % netmask[0]).prefixlen
    except ValueError:
        return None
