# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Addresses in systemd-networkd's configuration: the ``.network`` file a link uses and its drop-ins. Pure parsing
and planning over text, then the adapter that reads them from the host and the plan that writes them.

Private to dualstack.redis: not a public API, may change in any release.

What systemd-networkd 252 does, measured by running it in a network namespace (tests/netns), and the rules this
module follows from it:
- a line ends at ``\\n``, ``\\r\\n``, a lone ``\\r`` or a NUL (so a lone CR splits a line in two); a line whose
  first non-blank character is ``#`` or ``;`` is a comment, also in the middle of a continued line; a line ending
  with an unescaped backslash continues on the next one (the backslash becomes a space); keys and values are
  stripped of spaces, tabs, CR and LF;
- addresses are ``Address=`` in ``[Network]`` (one per line) and in ``[Address]`` sections (where a second
  ``Address=`` replaces the first, and one that is not an address drops the whole section); the link gets them in the
  order it reads them: the ``.network`` file, then its drop-ins (``<file>.network.d/*.conf`` under
  /etc/systemd/network, /run/systemd/network, /usr/local/lib/systemd/network and /usr/lib/systemd/network, sorted by
  file name, a name under /etc hiding the same name elsewhere); of two copies of one address it keeps the later;
- so an added address goes into this collection's drop-in ``60-dualstack-redis.conf`` beside the file under /etc,
  after the addresses of the file and of the drop-ins sorting before it; an address in a drop-in sorting after it
  would come after the added one, so that is refused when it is of the same family (the old address would no
  longer be the first of its family);
- a ``.network`` file is shared by every link its ``[Match]`` matches: a drop-in beside it gives the address to
  each of them, so that is refused, naming the other links;
- an address is removed from every file under /etc that holds it (the whole logical line, or the whole
  ``[Address]`` section), every other byte kept; one in a file under /run or /usr is refused (a file of the same
  name under /etc hides it: the message says which).
"""

import fnmatch
import ipaddress
import os
import re

from ansible_collections.dualstack.redis.plugins.module_utils import _files as files
from ansible_collections.dualstack.redis.plugins.module_utils._net.persist.common import (
    PersistError,
    TextPlan,
    family_of,
    interface_network,
    on_host,
    same_address,
    under,
)

DROPIN_NAME = "60-dualstack-redis.conf"
DROPIN_HEADER = "# Managed by dualstack.redis (persistent_address): addresses added to this interface.\n"
ETC = "/etc/systemd/network"
# systemd-networkd's search path, highest precedence first (/lib is /usr/lib on merged-/usr systems)
DIRS = ("/etc/systemd/network", "/run/systemd/network", "/usr/local/lib/systemd/network", "/usr/lib/systemd/network",
        "/lib/systemd/network")
WHITESPACE = " \t\n\r"   # systemd's WHITESPACE, what strstrip() removes
COMMENTS = "#;"
_PHYSICAL = re.compile(r"[^\r\n\0]*(?:\r\n|\n|\r|\0)|[^\r\n\0]+\Z")
_LINE_END = re.compile(r"(?:\r\n|\n|\r|\0)\Z")


def physical_lines(text):
    """The lines as systemd reads them, each with its end, so that joining them gives ``text`` back."""
    return _PHYSICAL.findall(text or "")


def _body(line):
    return _LINE_END.sub("", line)


def _ends_escaped(text):
    escaped = False
    for char in text:
        escaped = not escaped if char == "\\" else False
    return escaped


def logical_lines(text):
    """(first physical index, physical count, content) of every logical line that is not a comment or blank, with
    continuations joined as systemd joins them; comment lines inside a continuation are skipped, as systemd skips
    them."""
    lines = physical_lines(text)
    out = []
    index = 0
    continuation = None
    first = 0
    while index < len(lines):
        body = _body(lines[index])
        stripped = body.lstrip(WHITESPACE)
        if stripped and stripped[0] in COMMENTS:
            index += 1
            continue
        if continuation is None:
            first = index
            joined = body
        else:
            joined = continuation + body
        index += 1
        if _ends_escaped(joined):
            continuation = joined[:-1] + " "
            if index < len(lines):
                continue
            joined = continuation
        continuation = None
        if joined.strip(WHITESPACE):
            out.append((first, index - first, joined.strip(WHITESPACE)))
    return out


def entries(text):
    """(section, key, value, first physical index, count) of every ``Key=Value`` line, in file order; section
    headers give key None."""
    out = []
    section = None
    for first, count, content in logical_lines(text):
        if content.startswith("["):
            section = content[1:-1] if content.endswith("]") else None
            out.append((section, None, None, first, count))
            continue
        key, sep, value = content.partition("=")
        if sep:
            out.append((section, key.strip(WHITESPACE), value.strip(WHITESPACE), first, count))
    return out


def _valid(value):
    try:
        ipaddress.ip_interface(value)
    except ValueError:
        return False
    return True


def _effective(found):
    """The indexes (into ``found``, entries()) of the ``Address=`` lines networkd uses: every one of ``[Network]``, and
    the last of each ``[Address]`` section (a later one there replaces an earlier one) unless one of the section's
    ``Address=`` values is not an address (networkd then drops the whole section)."""
    used, last, broken = [], None, False
    for index, (section, key, value, _f, _c) in enumerate(found):
        if key is None:
            if last is not None and not broken:
                used.append(last)
            last, broken = None, False
            continue
        if key != "Address" or not value:
            continue
        if section == "Network":
            used.append(index)
        elif section == "Address":
            last = index
            broken = broken or not _valid(value)
    if last is not None and not broken:
        used.append(last)
    return sorted(used)


def addresses(text):
    """The ``Address=`` values networkd uses, of ``[Network]`` and ``[Address]`` sections, in file order."""
    found = entries(text)
    return [found[index][2] for index in _effective(found)]


def has(text, address):
    return any(same_address(value, address) for value in addresses(text))


def match_names(text):
    """The ``Name=`` patterns of the ``[Match]`` section(s), and whether ``[Match]`` holds anything else."""
    names, other = [], False
    for section, key, value, _f, _c in entries(text):
        if section != "Match" or key is None:
            continue
        if key == "Name":
            names.extend(value.split())
        else:
            other = True
    return names, other


def without(text, address):
    """``text`` with ``address`` removed: its ``Address=`` lines in ``[Network]`` (every physical line of the logical
    line) and its whole ``[Address]`` sections (from the header to the next one). Every other byte is kept.
    Returns (text, removed)."""
    lines = physical_lines(text)
    drop = set()
    found = entries(text)
    removed = 0
    for number in _effective(found):
        section, key, value, first, count = found[number]
        if not same_address(value, address):
            continue
        if section == "Network":
            drop.update(range(first, first + count))
            removed += 1
        elif section == "Address":
            header = max(f for s, k, _v, f, _c in found[:number] if k is None)
            following = [f for _s, k, _v, f, _c in found[number:] if k is None]
            drop.update(range(header, following[0] if following else len(lines)))
            removed += 1
    return "".join(line for index, line in enumerate(lines) if index not in drop), removed


def with_address(text, value):
    """This collection's drop-in with ``value`` (``A/P``) added: a new file, or one more ``Address=`` line (a
    ``[Network]`` header first unless the last section is ``[Network]``), every other byte kept."""
    if text is None:
        return DROPIN_HEADER + "[Network]\nAddress=%s\n" % value
    headers = [section for section, key, _v, _f, _c in entries(text) if key is None]
    head = text if not text or _LINE_END.search(text) else text + "\n"
    lines = physical_lines(head)
    if lines and _ends_escaped(_body(lines[-1])):
        head += "\n"   # the last line is continued: an empty line ends it, so the added lines stand on their own
    return head + ("" if headers and headers[-1] == "Network" else "[Network]\n") + "Address=%s\n" % value


def emptied(text):
    """Whether this collection's drop-in holds nothing but section headers (so the file can go)."""
    return all(key is None for _s, key, _v, _f, _c in entries(text or ""))


class NetworkdPlan(TextPlan):
    """The edits of a link's ``.network`` file and its drop-ins (``root``: ``/`` on a host, a directory in tests)."""

    method = "networkd"

    def __init__(self, host, interface, link):
        TextPlan.__init__(self)
        self.host = host
        self.root = host.root
        self.interface = interface
        self.network_file = link.get("NETWORK_FILE", "")
        name = os.path.basename(self.network_file)
        self.dropin = on_host(self.root, os.path.join(ETC, name + ".d", DROPIN_NAME))
        self.dir_modes[self.dropin] = 0o755  # networkd reads it as the systemd-network user, whatever the umask

    def _read(self):
        main = on_host(self.root, self.network_file)
        self._read_file(main)
        name = os.path.basename(self.network_file) + ".d"
        chosen = {}
        seen = set()
        for directory in DIRS:
            real = os.path.realpath(on_host(self.root, directory))
            if real in seen:
                continue
            seen.add(real)
            path = os.path.join(on_host(self.root, directory), name)
            if not os.path.isdir(path):
                continue
            for entry in sorted(os.listdir(path)):
                if entry.endswith(".conf") and entry not in chosen:
                    chosen[entry] = os.path.join(path, entry)
        chosen.setdefault(DROPIN_NAME, self.dropin)
        for entry in sorted(chosen):
            self._read_file(chosen[entry])

    def _read_file(self, path):
        try:
            self.add(path, files.read_text(path))
        except files.FileProblem as exc:
            raise PersistError(str(exc))

    def _has_family(self, path, family):
        return bool(self.texts[path]) and any(family_of(value) == family for value in addresses(self.texts[path]))

    def editable(self, path):
        """Whether this module edits ``path``: under /etc/systemd/network, also where a link there points."""
        etc = os.path.realpath(on_host(self.root, ETC))
        return under(os.path.realpath(path), etc)

    def _shared_with(self):
        """The other interfaces the ``.network`` file configures now (networkd's state files) or would match by name."""
        others = set(name for name in self.host.networkd_links_using(self.network_file) if name != self.interface)
        patterns, _other = match_names(self.texts[self.order[0]] or "")
        for name in self.host.interfaces().values():
            if name != self.interface and any(fnmatch.fnmatchcase(name, p.lstrip("!")) and not p.startswith("!") for p in patterns):
                others.add(name)
        return sorted(others)

    def plan(self, state, address, prefix_length):
        self._read()
        holding = [path for path in self.order if self.texts[path] is not None and has(self.texts[path], address)]
        if state == "present":
            if holding:
                return
            others = self._shared_with()
            if others:
                raise PersistError(
                    "%s is the .network file of %s and also of %s (its [Match] matches them); an address added beside it would "
                    "be given to every one of them at the next boot. Give %s a .network file of its own (for example %s with "
                    "[Match] Name=%s, named to sort before %s), then run again"
                    % (self.network_file, self.interface, ", ".join(others), self.interface,
                       os.path.join(ETC, "05-%s.network" % self.interface), self.interface, os.path.basename(self.network_file)))
            family = family_of(address)
            later = [path for path in self.order[1:] if os.path.basename(path) > DROPIN_NAME and self._has_family(path, family)]
            if later:
                raise PersistError(
                    "%s holds IPv%d addresses and sorts after %s, so at boot they would come after %s and the first of them "
                    "would no longer be the interface's first IPv%d address; rename it to sort before %s (or add %s to it "
                    "yourself)" % (later[0], family, DROPIN_NAME, address, family, DROPIN_NAME, address))
            if not self.editable(self.dropin):
                raise PersistError("%s is a link out of %s; this module writes its drop-in there only" % (self.dropin, ETC))
            self.texts[self.dropin] = with_address(self.texts[self.dropin], interface_network(address, prefix_length))
            return
        for path in holding:
            if not self.editable(path):
                name = os.path.basename(path)
                fix = (os.path.join(ETC, name) if path == self.order[0]
                       else os.path.join(ETC, os.path.basename(os.path.dirname(path)), name))
                raise PersistError(
                    "%s is in %s, which this module does not edit (only files under %s are the administrator's); copy it to "
                    "%s (a file of that name hides it) and run again" % (address, path, ETC, fix))
        for path in holding:
            after, _removed = without(self.texts[path], address)
            if path == self.dropin and emptied(after):
                after = None
            self.texts[path] = after
