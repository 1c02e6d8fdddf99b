# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Addresses in ifupdown's configuration (``/etc/network/interfaces``, interfaces(5), Debian's ifupdown 0.8): pure
parsing and planning over text, then the plan that reads the files (following ``source`` and ``source-directory``)
and writes them.

Private to dualstack.redis: not a public API, may change in any release.

What ifupdown does, measured with Debian 12's ifupdown 0.8.41 (``ifup -n -v``, tests/netns), and the rules this
module follows from it:
- every ``iface NAME inet static`` stanza of an interface is applied, in reading order (a ``source`` line reads the
  included files where it stands), each one address: the first becomes the primary one. A second ``address`` line
  inside one stanza is ignored, so an added address gets a stanza of its own, right after the stanza it joins;
- alias stanzas (``iface eth0:1 inet static``) put their address on ``eth0`` (with a label): they count as eth0's;
- ``up``/``post-up``/``pre-up`` lines are run by the shell; ``ip addr add A/P dev IF`` there adds an address at
  every boot too: such a line is read as the address it adds (and removed with its ``down ip addr del`` twin), and
  a line too complex to read that names the address is refused, naming the line;
- a static stanza without ``address`` makes ``ifup`` fail for the whole interface ("missing required variable:
  address"), and at boot the interface then keeps none of its addresses: an address is only removed with its whole
  stanza, or replaced by the new one in the administrator's stanza (everything else in it kept);
- an ``inet6 static`` stanza sets ``net.ipv6.conf.IF.autoconf`` (default 0): an added one would turn stateless
  autoconfiguration (SLAAC) off for the interface, so it states the value in force where it goes (1 after
  ``inet6 auto``, the stanza's own before it, else the host's current value);
- an address without a prefix length takes the old class-based netmask, so this module always writes one;
- ``source FILE-OR-GLOB`` and ``source-directory DIR`` include other files (relative paths from the directory of
  the including file; a glob or directory matching nothing, or a missing file, includes nothing); a line whose
  last character before its ``\\n`` is a backslash continues on the next one (comment lines included); comments
  are lines whose first non-blank character is ``#``; a CR before ``\\n`` is blank to ifup (CRLF files work), and
  an added stanza uses the line ends of the stanza it follows (a backslash before a CR does not continue a line);
- a file ifup cannot read (an option outside a stanza or without a value, an ``iface`` line without a method) makes
  it bring up nothing at boot: such a file is refused, naming the line.
"""

import fnmatch
import ipaddress
import os
import re

from ansible_collections.dualstack.redis.plugins.module_utils import _files as files
from ansible_collections.dualstack.redis.plugins.module_utils._net.persist.common import (
    PersistError,
    TextPlan,
    interface_network,
    on_host,
    same_address,
    under,
)
from ansible_collections.dualstack.redis.plugins.module_utils._text import c_words

INTERFACES = "/etc/network/interfaces"
ETC = "/etc/network"
MARKER = "# Added by dualstack.redis (persistent_address): one more address for this interface."
STANZA_WORDS = ("iface", "mapping", "auto", "source", "source-directory", "rename", "no-auto-down", "no-scripts")
UP_KEYS = ("up", "post-up", "pre-up")
DOWN_KEYS = ("down", "pre-down", "post-down")
MAX_FILES = 64
_RUN_PARTS_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_PHYSICAL = re.compile(r"[^\n]*\n|[^\n]+\Z")
# What makes a shell line more than one simple command (a word with these is not read as an address command)
_SHELL = re.compile(r"[;&|`$()<>'\"\\*?\[\]{}~#!\r]")
# iproute2's keywords of ``ip address add|del`` that take a value, and those that do not
_IP_VALUE_WORDS = ("dev", "label", "broadcast", "brd", "anycast", "peer", "scope", "metric", "priority", "valid_lft",
                   "preferred_lft", "local", "proto")
_IP_FLAG_WORDS = ("home", "nodad", "optimistic", "mngtmpaddr", "noprefixroute", "autojoin")
_IP_PATHS = ("ip", "/sbin/ip", "/bin/ip", "/usr/sbin/ip", "/usr/bin/ip")


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

    def device(self):
        """The interface the stanza's address goes to (``eth0`` for the alias ``eth0:1``)."""
        return self.name.split(":", 1)[0]


def physical_lines(text):
    return _PHYSICAL.findall(text or "")


def _logical(lines):
    """(first physical index, count, words) per logical line (a line whose last character before its ``\\n`` is a
    backslash is joined with the next, the backslash dropped); comments and blanks give words == []."""
    out, index = [], 0
    while index < len(lines):
        first, joined = index, ""
        while True:
            body = lines[index][:-1] if lines[index].endswith("\n") else lines[index]
            index += 1
            if body.endswith("\\") and index < len(lines):
                joined += body[:-1]
                continue
            joined += body
            break
        stripped = joined.lstrip(" \t\v\f\r")
        words = [] if not stripped or stripped.startswith("#") else c_words(joined)
        out.append((first, index - first, words))
    return out


def parse(text):
    """(stanzas, includes) of one file. ``includes``: (keyword, argument, physical line) of its ``source`` and
    ``source-directory`` lines, in order."""
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
                current.marked = first > 0 and lines[first - 1].rstrip("\r\n") == MARKER
                stanzas.append(current)
            elif keyword in ("source", "source-directory") and len(words) >= 2:
                includes.append((keyword, words[1], first))
            continue
        if current is not None:
            current.options.append((keyword, " ".join(words[1:]), first, count))
            current.end = first + count
    return stanzas, includes


def problems(text):
    """What makes ifup refuse the whole file (and so, at boot, bring up nothing from it), as (line number, words)
    pairs: an option outside a stanza ("misplaced option"), an option without a value ("option with empty
    value"), an ``iface`` line without family and method."""
    lines = physical_lines(text)
    found = []
    within = None   # "iface", "mapping" or None
    for first, _count, words in _logical(lines):
        if not words:
            continue
        keyword = words[0]
        if keyword in STANZA_WORDS or keyword.startswith("allow-"):
            within = keyword if keyword in ("iface", "mapping") else None
            if keyword == "iface" and len(words) < 4:
                found.append((first + 1, "an iface line needs a name, an address family and a method"))
            continue
        if within is None:
            found.append((first + 1, "misplaced option '%s' (outside any stanza)" % keyword))
        elif within == "iface" and len(words) < 2:
            found.append((first + 1, "option '%s' with an empty value" % keyword))
    return found


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


def line_end(text, stanza):
    """The line end of ``stanza``'s ``iface`` line (``\\r\\n`` in a CRLF file), for lines added after it."""
    lines = physical_lines(text)
    return "\r\n" if lines[stanza.start].endswith("\r\n") else "\n"


def stanza_block(interface, family, value, autoconf=None, end="\n"):
    """This module's stanza for one address (``autoconf`` stated for inet6 when given)."""
    lines = ["", MARKER, "iface %s %s static" % (interface, family), "    address %s" % value]
    if autoconf is not None:
        lines.append("    autoconf %s" % autoconf)
    return end.join(lines) + end


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


def remove_lines(text, spans):
    """``text`` without the physical lines of ``spans`` ((first, count) pairs)."""
    drop = set()
    for first, count in spans:
        drop.update(range(first, first + count))
    return "".join(line for index, line in enumerate(physical_lines(text)) if index not in drop)


def replace_address(text, stanza, value):
    """``text`` with the value of ``stanza``'s first ``address`` line replaced by ``value`` (its indentation and
    keyword kept)."""
    for key, _old, first, count in stanza.options:
        if key != "address":
            continue
        if count != 1:
            raise PersistError("the address line of 'iface %s %s %s' is continued over several lines; edit it by hand"
                               % (stanza.name, stanza.family, stanza.method))
        lines = physical_lines(text)
        match = re.match(r"^([ \t]*address[ \t]+)[^ \t\r\n]+(.*)$", lines[first], re.S)
        lines[first] = match.group(1) + value + match.group(2)
        return "".join(lines)
    raise PersistError("'iface %s %s %s' has no address line" % (stanza.name, stanza.family, stanza.method))


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


def ip_command(value, interface):
    """What a shell line (an ``up``/``down`` option's value, ``$IFACE`` standing for ``interface``) does to addresses:
    ("add" or "del", address text, device) for one plain ``ip address add|replace|del`` command, else None."""
    text = value.replace("${IFACE}", interface).replace("$IFACE", interface)
    if _SHELL.search(text):
        return None
    words = text.split()
    if not words or words[0] not in _IP_PATHS:
        return None
    index = 1
    while index < len(words) and words[index].startswith("-"):
        index += 2 if words[index] in ("-f", "-family") else 1
    if index + 1 >= len(words) or not "address".startswith(words[index]):
        return None
    verb = words[index + 1]
    if verb and "add".startswith(verb) or verb == "replace":
        verb = "add"
    elif len(verb) >= 1 and "delete".startswith(verb):
        verb = "del"
    else:
        return None
    address, device, index = None, None, index + 2
    while index < len(words):
        word = words[index]
        if word in _IP_VALUE_WORDS and index + 1 < len(words):
            if word == "dev":
                device = words[index + 1]
            elif word == "local" and address is None:
                address = words[index + 1]
            index += 2
            continue
        if word in _IP_FLAG_WORDS:
            index += 1
            continue
        if address is not None:
            return None
        address = word
        index += 1
    if address is None or device is None:
        return None
    try:
        ipaddress.ip_interface(address)
    except ValueError:
        return None
    return verb, address, device.split(":", 1)[0]


def mentions(value, address):
    """Whether a shell line names ``address`` (as ``A`` or ``A/P``) in any of its words."""
    for word in re.split(r"[\s;&|`$()<>'\"=,]+", value):
        if same_address(word, address):
            return True
    return False


def autoconf_after(stanzas, default):
    """``net.ipv6.conf.IF.autoconf`` once ``stanzas`` (the interface's inet6 stanzas, in reading order) ran:
    ``static`` sets its ``autoconf`` option (default 0), ``auto`` sets 1, ``dhcp`` its option when given; else
    ``default`` (the host's value)."""
    value = default
    for stanza in stanzas:
        if stanza.method == "static":
            given = stanza.values("autoconf")
            value = given[-1] if given else "0"
        elif stanza.method == "auto":
            value = "1"
        elif stanza.method == "dhcp" and stanza.values("autoconf"):
            value = stanza.values("autoconf")[-1]
    return value


class IfupdownPlan(TextPlan):
    """The edits of ifupdown's files: /etc/network/interfaces and the files it includes (``host.root``: ``/`` on a
    host, a directory in tests)."""

    method = "ifupdown"

    def __init__(self, host, interface):
        TextPlan.__init__(self)
        self.host = host
        self.interface = interface
        self.main = on_host(host.root, INTERFACES)
        self.etc = os.path.realpath(on_host(host.root, ETC))
        self.sequence = []   # (path, stanza) of every stanza, in reading order (includes read where they stand)

    def _read(self):
        def walk(path, depth):
            real = os.path.realpath(path)
            if real in self.before:
                return
            if len(self.order) >= MAX_FILES or depth > MAX_FILES:
                raise PersistError("%s includes more than %d files; edit it by hand" % (self.main, MAX_FILES))
            try:
                text = files.read_text(path)
            except files.FileProblem as exc:
                raise PersistError("%s (read by ifup at boot, included from %s)" % (exc, self.main))
            if text is None:
                return
            broken = problems(text)
            if broken:
                raise PersistError("ifup cannot read %s (line %d: %s), so at boot it brings up nothing from it; fix the file "
                                   "first (ifup -n -a shows what it makes of it)" % (real, broken[0][0], broken[0][1]))
            self.add(real, text)
            stanzas, includes = parse(text)
            events = sorted([(st.start, 1, st) for st in stanzas] + [(line, 0, (keyword, argument)) for keyword, argument, line in includes],
                            key=lambda event: (event[0], event[1]))
            for _line, kind, item in events:
                if kind == 1:
                    self.sequence.append((real, item))
                    continue
                argument = on_host(self.host.root, item[1]) if os.path.isabs(item[1]) else item[1]
                for included in included_paths(item[0], argument, path, os.listdir, os.path.isdir):
                    walk(included, depth + 1)
        walk(self.main, 0)

    def _stanzas(self, family=None):
        """(path, stanza) of this interface and its aliases (of ``family``), in reading order, from the texts as
        planned (re-parsed, as edits move lines)."""
        current = {}
        for path in self.order:
            current[path] = parse(self.texts[path])[0]
        out = []
        for path, old in self.sequence:
            match = [st for st in current[path] if st.name == old.name and st.family == old.family and st.method == old.method]
            # the n-th stanza of that name in its file, as in the original reading
            same = [st for _p, st in self.sequence if (_p, st.name, st.family, st.method) == (path, old.name, old.family, old.method)]
            rank = same.index(old)
            if rank < len(match) and old.device() == self.interface and family in (None, old.family):
                out.append((path, match[rank]))
        # stanzas this plan added (not in the original reading): right after the one they follow
        for path in self.order:
            for stanza in current[path]:
                if stanza.marked and stanza.device() == self.interface and family in (None, stanza.family) \
                        and not any(p == path and st.start == stanza.start for p, st in out):
                    follows = [i for i, (p, st) in enumerate(out) if p == path and st.start < stanza.start]
                    out.insert(follows[-1] + 1 if follows else len(out), (path, stanza))
        return out

    def _lines(self, keys):
        """(path, stanza, (key, value, first, count)) of every option with one of ``keys``, in every stanza."""
        out = []
        for path in self.order:
            for stanza in parse(self.texts[path])[0]:
                for option in stanza.options:
                    if option[0] in keys:
                        out.append((path, stanza, option))
        return out

    def _shell_lines(self, address):
        """Plain ``ip address add`` lines adding ``address`` to this interface (path, stanza, option), and lines that
        name it but cannot be read (path, stanza, option)."""
        plain, unread = [], []
        for path, stanza, option in self._lines(UP_KEYS + DOWN_KEYS):
            command = ip_command(option[1], stanza.device())
            if command is not None and same_address(command[1], address):
                if command[2] == self.interface:
                    plain.append((path, stanza, option, command[0]))
            elif command is None and mentions(option[1], address):
                unread.append((path, stanza, option))
        return plain, unread

    def editable(self, path):
        return under(os.path.realpath(path), self.etc) or os.path.realpath(path) == os.path.realpath(self.main)

    def _refuse_unread(self, unread, address):
        path, stanza, option = unread[0]
        raise PersistError("'%s %s' in 'iface %s %s %s' of %s names %s, and this module cannot tell what that line does; "
                           "edit it by hand (or make it one plain 'ip address add|del A/P dev IFACE' command)"
                           % (option[0], option[1], stanza.name, stanza.family, stanza.method, path, address))

    def plan(self, state, address, prefix_length, like=None):
        self._read()
        family = family_of(address)
        here = [(path, st) for path, st in self._stanzas(family) if st.address() and same_address(st.address(), address)]
        plain, unread = self._shell_lines(address)
        if unread:
            self._refuse_unread(unread, address)
        if state == "present":
            if here or any(verb == "add" for _p, _s, _o, verb in plain):
                return
            mine = self._stanzas(family)
            holding_like = [item for item in mine if like and item[1].address() and same_address(item[1].address(), like)]
            anchor = holding_like or mine or self._stanzas()
            if not anchor:
                raise PersistError("ifupdown brought %s up but no 'iface %s' stanza is in %s or the files it includes"
                                   % (self.interface, self.interface, self.main))
            path, stanza = anchor[-1]
            if not self.editable(path):
                raise PersistError("'iface %s %s %s' is in %s, outside %s (a link to a file of another program?); this module "
                                   "edits ifupdown's files under %s only: add the address there by hand"
                                   % (stanza.name, stanza.family, stanza.method, path, ETC, ETC))
            autoconf = None
            if family == "inet6":
                before = [st for _p, st in mine[:mine.index((path, stanza)) + 1]] if (path, stanza) in mine else []
                value = autoconf_after(before, self.host.sysctl("net.ipv6.conf.%s.autoconf" % self.interface) or "1")
                autoconf = value if value != "0" else None
            block = stanza_block(self.interface, family, interface_network(address, prefix_length), autoconf,
                                 line_end(self.texts[path], stanza))
            self.texts[path] = insert_after(self.texts[path], stanza, block)
            return
        for path, stanza, option, _verb in plain:
            if not self.editable(path):
                raise PersistError("'%s %s' is in %s, outside %s; remove it there by hand" % (option[0], option[1], path, ETC))
        for path, _stanza in here:
            if not self.editable(path):
                raise PersistError("%s is set in %s, outside %s; remove it there by hand" % (address, path, ETC))
        spans = {}
        for path, _stanza, option, _verb in plain:
            spans.setdefault(path, []).append((option[2], option[3]))
        for path, found in spans.items():
            self.texts[path] = remove_lines(self.texts[path], found)
        self._remove_stanzas(family, address)

    def _remove_stanzas(self, family, address):
        for _round in range(MAX_FILES * 16):
            found = [(p, st) for p, st in self._stanzas(family) if st.address() and same_address(st.address(), address)]
            if not found:
                return
            path, current = found[0]
            if current.marked:
                self.texts[path] = remove_stanza(self.texts[path], current)
                continue
            # The administrator's stanza: it takes the address this module added for the same family (whose stanza
            # goes), or goes itself when it holds nothing but the address; else ifup would fail on it.
            added = [(p, st) for p, st in self._stanzas(family) if st.marked and not same_address(st.address() or "", address)]
            if added:
                self._move(path, current, *added[0])
            elif {key for key, _v, _l, _c in current.options} <= {"address", "netmask"}:
                self.texts[path] = remove_stanza(self.texts[path], current)
            else:
                raise PersistError(
                    "%s is the address of 'iface %s %s %s' in %s, which has other settings too (%s); without an address ifup "
                    "fails for the whole interface. Add the address that replaces it first (state=present), or edit the stanza "
                    "by hand" % (address, current.name, current.family, current.method, path,
                                 ", ".join(sorted({key for key, _v, _l, _c in current.options} - {"address"}))))

    def _move(self, path, stanza, added_path, added):
        """The administrator's ``stanza`` takes the address of the stanza this module ``added``, which goes."""
        value = added.address()
        if "/" not in stanza.address() and stanza.values("netmask"):
            if prefix_of(stanza) != prefix_of(added):
                raise PersistError("'iface %s %s %s' in %s has netmask %s, which does not fit %s; edit it by hand"
                                   % (stanza.name, stanza.family, stanza.method, path, stanza.values("netmask")[0], value))
            value = value.split("/")[0]
        self.texts[path] = replace_address(self.texts[path], stanza, value)
        again = [st for st in parse(self.texts[added_path])[0] if st.marked and st.address() == added.address()]
        self.texts[added_path] = remove_stanza(self.texts[added_path], again[0])
