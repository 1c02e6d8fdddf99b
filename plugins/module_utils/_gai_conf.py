# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""glibc's ``/etc/gai.conf``: parse it as glibc does, find what glibc ignores, plan our changes.

Private to dualstack.redis: not a public API, may change in any release.

No I/O: functions take and return text. Facts this follows (glibc ``sysdeps/posix/getaddrinfo.c``):

- Only ``\n`` ends a line (``getline``); a CR, a form feed or a Unicode line separator does not.
- ``#`` starts a comment anywhere on a line; a line is ``keyword value1 value2``, the words separated by
  ASCII white space (``isspace`` in the C locale), the rest is ignored.
- ``precedence`` and ``label`` take an IPv6 prefix (``inet_pton``; no length means /128) and an
  integer up to INT_MAX. An unknown keyword or an unparsable line is skipped without a word.
- One ``precedence`` line replaces glibc's whole built-in precedence table (likewise ``label``);
  glibc then adds a ``::/0`` row (precedence 40, label 1) only when the file has none.
- The most specific prefix matching an address gives its precedence and label.

- ``reload yes`` makes glibc check the file's time stamp on every call and read it again when it changed;
  anything but exactly ``yes`` means no, and the last ``reload`` line wins.

What this module manages in the file is one block between two marker comments. It writes the FULL
precedence table there whenever it writes any row, never writes ``label`` lines, and leaves every
other line alone, except active ``precedence`` lines outside the block for a prefix the block sets, and active
``reload`` lines when the caller decides reload: those are commented out with a marker (and put back by
``state=absent`` or when the caller no longer decides). Every other byte of the file is
kept as it was, line ends (CRLF), a missing final newline and bytes that are not UTF-8 (which the caller
decodes with ``surrogateescape``) included: a plan that changes nothing returns the text it was given.
"""

import difflib
import ipaddress

from ansible_collections.dualstack.redis.plugins.module_utils._policy_table import (
    GLIBC_CATCH_ALL_LABEL,
    GLIBC_CATCH_ALL_PRECEDENCE,
    GLIBC_LABEL,
    GLIBC_PRECEDENCE,
    IPV4_LABEL,
    PolicyError,
    PolicyRow,
    format_prefix,
    normalize_prefix,
    prefix_key,
)
from ansible_collections.dualstack.redis.plugins.module_utils._text import c_strip, c_words, is_digits

KEYWORDS = ("label", "precedence", "reload", "scopev4")
BLOCK_BEGIN = "# BEGIN dualstack.redis.gai_conf (managed by Ansible; edits between these lines are overwritten)"
BLOCK_END = "# END dualstack.redis.gai_conf"
BLOCK_NOTE = "# glibc uses only this file's precedence rows once it has any, so the whole table is stated."
DISABLED_MARK = "#dualstack.redis.gai_conf disabled: "
INT_MAX = 2 ** 31 - 1


class GaiLine:
    """One line of the file and what glibc makes of it.

    ``kind`` is ``blank``, ``comment``, ``precedence``, ``label``, ``scopev4``, ``reload``,
    ``unknown`` (a keyword glibc does not know) or ``invalid`` (a known keyword glibc cannot parse).
    """

    __slots__ = ("number", "text", "kind", "keyword", "prefix", "value", "problem", "managed", "disabled")

    def __init__(self, number, text, kind, keyword=None, prefix=None, value=None, problem=None):
        self.number = number
        self.text = text
        self.kind = kind
        self.keyword = keyword
        self.prefix = prefix
        self.value = value
        self.problem = problem
        self.managed = False
        self.disabled = text.startswith(DISABLED_MARK)

    def __repr__(self):
        return "GaiLine(%d, %r, %s)" % (self.number, self.text, self.kind)


def _parse_prefix(text):
    """glibc's reading of ``prefix[/bits]``: an IPv6 address (no zone), bits 0..128, default 128."""
    address, slash, bits = text.partition("/")
    try:
        ip = ipaddress.IPv6Address(address)
    except ValueError:
        return None
    # Python 3.9+ parses a zone (scope_id); older ones refuse it above and have no scope_id.
    if getattr(ip, "scope_id", None):
        return None
    if slash:
        if bits and not is_digits(bits):
            return None
        length = int(bits) if bits else 0
    else:
        length = 128
    if length > 128:
        return None
    return format_prefix(ipaddress.IPv6Network((int(ip), length), strict=False))


def _parse_value(text):
    if text == "":
        return 0
    if not is_digits(text) or int(text) > INT_MAX:
        return None
    return int(text)


def parse_line(number, text):
    """Classify one line (without its newline) the way glibc reads it."""
    content = text.split("#", 1)[0]
    fields = c_words(content)
    if not fields:
        return GaiLine(number, text, "comment" if c_strip(text) else "blank")
    keyword = fields[0]
    value1 = fields[1] if len(fields) > 1 else ""
    value2 = fields[2] if len(fields) > 2 else ""
    if keyword not in KEYWORDS:
        close = difflib.get_close_matches(keyword.lower(), KEYWORDS, n=1, cutoff=0.6)
        hint = " (did you mean '%s'?)" % close[0] if close else ""
        return GaiLine(number, text, "unknown", keyword, problem="unknown keyword '%s'%s" % (keyword, hint))
    if keyword == "reload":
        return GaiLine(number, text, "reload", keyword, value=value1)
    if keyword == "scopev4":
        return _parse_scopev4(number, text, value1, value2)
    if not value1:
        return GaiLine(number, text, "invalid", keyword, problem="'%s' without a prefix" % keyword)
    prefix = _parse_prefix(value1)
    if prefix is None:
        problem = "'%s' is not an IPv6 prefix glibc can read" % value1
        try:
            normalize_prefix(value1, "the prefix")
        except PolicyError as exc:
            problem = str(exc)
        else:
            problem += "; write it as '%s'" % normalize_prefix(value1)
        return GaiLine(number, text, "invalid", keyword, problem=problem)
    value = _parse_value(value2)
    if value is None:
        return GaiLine(number, text, "invalid", keyword, prefix=prefix, problem="'%s' is not an integer from 0 to %d" % (value2, INT_MAX))
    return GaiLine(number, text, keyword, keyword, prefix=prefix, value=value)


def _parse_scopev4(number, text, value1, value2):
    address, slash, bits = value1.partition("/")
    ok = False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        ip = None
    if ip is not None and (not slash or is_digits(bits)):
        length = int(bits) if slash else (128 if ip.version == 6 else 32)
        if ip.version == 6:
            ok = ip.ipv4_mapped is not None and 96 <= length <= 128
        else:
            ok = length <= 32
    if not ok or _parse_value(value2) is None:
        return GaiLine(number, text, "invalid", "scopev4", problem="'scopev4 %s %s' is not a valid scope row" % (value1, value2))
    return GaiLine(number, text, "scopev4", "scopev4", prefix=value1, value=int(value2 or 0))


class GaiConf:
    """A parsed file: its lines, where our block is, and the tables glibc would use."""

    def __init__(self, text):
        self.text = text
        # glibc's lines: split at \n only. A file ending in \n has no line after it.
        raw = text.split("\n")
        self.final_newline = raw[-1] == ""
        if self.final_newline:
            raw.pop()
        self.lines = [parse_line(i + 1, line) for i, line in enumerate(raw)]
        self.block = self._find_block()
        if self.block:
            for line in self.lines[self.block[0]:self.block[1] + 1]:
                line.managed = True

    def _find_block(self):
        begins = [i for i, line in enumerate(self.lines) if c_strip(line.text) == BLOCK_BEGIN]
        ends = [i for i, line in enumerate(self.lines) if c_strip(line.text) == BLOCK_END]
        if not begins and not ends:
            return None
        if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
            raise PolicyError(
                "the file has %d '%s' and %d '%s' marker lines in the wrong shape (lines %s); "
                "fix or remove them by hand, then run again"
                % (len(begins), BLOCK_BEGIN, len(ends), BLOCK_END, ", ".join(str(self.lines[i].number) for i in sorted(begins + ends)))
            )
        return begins[0], ends[0]

    def rows(self, keyword):
        """The active rows of one table, in file order."""
        return [line for line in self.lines if line.kind == keyword]

    def effective(self, keyword="precedence"):
        """The table glibc would use, most specific prefix first, as PolicyRow tuples."""
        defaults, catch_all = (
            (GLIBC_PRECEDENCE, GLIBC_CATCH_ALL_PRECEDENCE) if keyword == "precedence" else (GLIBC_LABEL, GLIBC_CATCH_ALL_LABEL)
        )
        lines = self.rows(keyword)
        if not lines:
            rows = list(defaults)
        else:
            rows = [_row(keyword, line.prefix, line.value) for line in lines]
            if not any(prefix_key(row.prefix)[1] == 0 for row in rows):
                rows.append(_row(keyword, "::/0", catch_all))
        return sorted(rows, key=lambda row: -prefix_key(row.prefix)[1])

    def reload(self):
        """Whether glibc reads the file again when it changes: the last ``reload`` line says exactly ``yes``."""
        lines = self.rows("reload")
        return bool(lines) and lines[-1].value == "yes"

    def findings(self):
        """What glibc silently ignores or what backfires, one sentence per line concerned."""
        found = []
        for line in self.lines:
            if line.kind in ("unknown", "invalid"):
                found.append("gai.conf line %d: %s; glibc ignores this line: %s" % (line.number, line.problem, c_strip(line.text)))
            elif line.kind == "reload" and line.value not in ("yes", "no"):
                found.append("gai.conf line %d: glibc reads 'reload %s' as 'reload no' (only a lowercase yes turns it on)"
                             % (line.number, line.value))
        seen = {}
        for line in self.rows("precedence") + self.rows("label"):
            key = (line.kind, prefix_key(line.prefix))
            if key in seen:
                found.append(
                    "gai.conf line %d: a second %s row for %s (first on line %d); glibc's choice between them is unspecified"
                    % (line.number, line.kind, line.prefix, seen[key])
                )
            else:
                seen[key] = line.number
        for line in self.rows("label"):
            network = ipaddress.IPv6Network(line.prefix)
            mapped = network.network_address.ipv4_mapped
            if mapped is not None and network.prefixlen > 96 and line.value != IPV4_LABEL:
                found.append(
                    "gai.conf line %d: label %d for the IPv4 network %s/%d (not the IPv4 label %d): IPv6 wins again "
                    "whenever this host's IPv4 source address is outside that network, because matching labels "
                    "count before precedence" % (line.number, line.value, mapped, network.prefixlen - 96, IPV4_LABEL)
                )
        return found


def _row(keyword, prefix, value):
    return PolicyRow(prefix, value, None) if keyword == "precedence" else PolicyRow(prefix, None, value)


def render_block(rows, reload=False):
    """Our block: a full precedence table (``rows``, may be empty) and ``reload yes`` when asked."""
    body = []
    if rows:
        width = max(len(row.prefix) for row in rows)
        body = [BLOCK_NOTE] + ["precedence %-*s %d" % (width, row.prefix, row.precedence) for row in rows]
    if reload:
        body.append("reload yes")
    return [BLOCK_BEGIN] + body + [BLOCK_END]


def _replaced(line, wanted, reload):
    """Whether an active line outside the block is one the block decides instead."""
    if line.kind == "precedence":
        return prefix_key(line.prefix) in wanted
    return line.kind == "reload" and reload is not None


def plan(text, rows, reload=None):
    """The new file text: ``rows`` (a full precedence table, or None) and ``reload`` (True writes ``reload yes``,
    False leaves glibc's default, None leaves the file's own ``reload`` lines alone) in our block; no block when
    there is nothing to write.

    Returns (new_text, notes); ``notes`` says which lines outside the block were disabled or restored.
    """
    conf = GaiConf(text)
    notes = []
    wanted = {prefix_key(row.prefix) for row in rows} if rows else set()
    out = []
    block_at = None
    for index, line in enumerate(conf.lines):
        if conf.block and conf.block[0] <= index <= conf.block[1]:
            if index == conf.block[0]:
                block_at = len(out)
            continue
        if line.disabled:
            original = parse_line(line.number, line.text[len(DISABLED_MARK):])
            if _replaced(original, wanted, reload):
                out.append(line.text)
            else:
                out.append(original.text)
                notes.append("restored line %d: %s" % (line.number, c_strip(original.text)))
            continue
        if _replaced(line, wanted, reload):
            out.append(DISABLED_MARK + line.text)
            what = "table" if line.kind == "precedence" else "block"
            notes.append("disabled line %d, which the managed %s replaces: %s" % (line.number, what, c_strip(line.text)))
            continue
        out.append(line.text)
    has_block = bool(rows) or bool(reload)
    if has_block:
        # Appended right after the last line (no blank line of ours before it), so removing the block later
        # removes exactly its own lines.
        block = render_block(rows, reload)
        if block_at is None:
            out.extend(block)
        else:
            out[block_at:block_at] = block
    if out == [line.text for line in conf.lines]:
        return text, notes
    # A file that had no final newline gets one only when its last line is now ours (a block we appended).
    final_newline = conf.final_newline or (has_block and block_at is None)
    new_text = "\n".join(out) + ("\n" if out and final_newline else "")
    return new_text, notes
