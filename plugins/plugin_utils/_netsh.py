# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Windows prefix policies through ``netsh interface ipv6``: parse the table, plan the commands.

Private to dualstack.redis: not a public API, may change in any release.

No I/O. Facts this follows (Microsoft's netsh reference):

- ``netsh interface ipv6 show prefixpolicies store=active|persistent`` lists rows of precedence,
  label and prefix under a header that localized Windows translates, so rows are read by their shape.
- ``add prefixpolicy`` fails when the prefix exists; ``set prefixpolicy`` fails ("Element not found.")
  when it does not; ``delete prefixpolicy`` removes a row. All three default to store=persistent, which
  also changes the active table; store=active changes the running table only, until the next boot.
- Changing one row leaves the others alone (unlike gai.conf).
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.dualstack.redis.plugins.module_utils._policy_table import PolicyRow, format_prefix, prefix_key

STORES = ("active", "persistent")
NETSH = "netsh interface ipv6"
_ROW = re.compile(r"^[ \t]*([0-9]+)[ \t]+([0-9]+)[ \t]+([0-9A-Fa-f:.]+/[0-9]{1,3})[ \t]*$")
_SEPARATOR = re.compile(r"^[ \t]*-+(?:[ \t]+-+)*[ \t]*$")
_SAFE_PREFIX = re.compile(r"^[0-9a-f:.]+/\d{1,3}$")


class NetshError(ValueError):
    """netsh output that cannot be read as a prefix-policy table."""


def show_command(store):
    """The command that lists one store's table."""
    return "%s show prefixpolicies store=%s" % (NETSH, store)


def parse_prefix_policies(text):
    """Rows of ``show prefixpolicies`` output as PolicyRow, in the order shown.

    What comes before the separator line (dashes, one run per column) is free text, translated on localized
    Windows: the "Querying active state..." line and the header. After it, every line that is not blank must be
    a row: two integers and an IPv6 prefix. Output without a separator, or with any other line after it, is not
    a prefix-policy table and raises NetshError (planning from a table misread as empty would add every row).
    CR line ends are allowed.
    """
    lines = [line.rstrip("\r") for line in text.split("\n")]
    separator = next((i for i, line in enumerate(lines) if _SEPARATOR.match(line)), None)
    if separator is None:
        raise NetshError("netsh printed no prefix-policy table (no line of dashes under a header): %r" % text[:300])
    rows = []
    for line in lines[separator + 1:]:
        if not line.strip(" \t"):
            continue
        match = _ROW.match(line)
        if not match:
            raise NetshError("netsh printed a line that is not a prefix-policy row: %r" % line[:200])
        precedence, label, prefix = match.groups()
        try:
            network = ipaddress.IPv6Network(prefix, strict=False)
        except ValueError as exc:
            raise NetshError("netsh listed a prefix that is not IPv6: %r (%s)" % (line.strip(), exc))
        rows.append(PolicyRow(format_prefix(network), int(precedence), int(label)))
    return rows


def index(rows):
    """Rows keyed by prefix (masked network and length)."""
    return {prefix_key(row.prefix): row for row in rows}


def command(verb, row, store):
    """One netsh command line, spelled out in full (no abbreviations)."""
    if not _SAFE_PREFIX.match(row.prefix):
        raise NetshError("refusing to put %r on a command line" % (row.prefix,))
    if verb == "delete":
        return "%s delete prefixpolicy prefix=%s store=%s" % (NETSH, row.prefix, store)
    return "%s %s prefixpolicy prefix=%s precedence=%d label=%d store=%s" % (NETSH, verb, row.prefix, row.precedence, row.label, store)


def diff_store(table, wanted, remove):
    """(verb, row) pairs that take ``table`` (a dict from :func:`index`) to ``wanted`` minus ``remove``."""
    steps = []
    for row in wanted:
        have = table.get(prefix_key(row.prefix))
        if have is None:
            steps.append(("add", row))
        elif (have.precedence, have.label) != (row.precedence, row.label):
            steps.append(("set", row))
    for row in remove:
        if prefix_key(row.prefix) in table:
            steps.append(("delete", row))
    return steps


def apply_steps(table, steps):
    """The table (a dict from :func:`index`) after ``steps``, as netsh would leave it."""
    table = dict(table)
    for verb, row in steps:
        if verb == "delete":
            table.pop(prefix_key(row.prefix), None)
        else:
            table[prefix_key(row.prefix)] = row
    return table


def plan(tables, wanted, remove, store):
    """The commands that take the tables to ``wanted`` rows and without ``remove`` rows.

    ``tables`` maps ``active`` and ``persistent`` to lists of PolicyRow. With store=persistent the
    persistent table is planned first; its commands change the active table too, and whatever the
    active table still lacks afterwards (changes someone made with store=active) gets store=active
    commands. With store=active only the active table is planned. Returns command lines.
    """
    if store not in STORES:
        raise NetshError("store must be active or persistent, got %r" % (store,))
    commands = []
    active = index(tables["active"])
    if store == "persistent":
        steps = diff_store(index(tables["persistent"]), wanted, remove)
        commands += [command(verb, row, "persistent") for verb, row in steps]
        active = apply_steps(active, steps)
    commands += [command(verb, row, "active") for verb, row in diff_store(active, wanted, remove)]
    return commands


def mismatches(rows, wanted, remove):
    """What still differs between a table read back and what was wanted, as sentences."""
    table = index(rows)
    problems = []
    for row in wanted:
        have = table.get(prefix_key(row.prefix))
        if have is None:
            problems.append("%s is missing" % row.prefix)
        elif (have.precedence, have.label) != (row.precedence, row.label):
            problems.append(
                "%s has precedence %d label %d, not %d and %d" % (row.prefix, have.precedence, have.label, row.precedence, row.label)
            )
    for row in remove:
        if prefix_key(row.prefix) in table:
            problems.append("%s is still there" % row.prefix)
    return problems


def render_table(rows):
    """A table as text, for diffs: one row per line, like netsh shows it."""
    lines = ["Precedence  Label  Prefix", "----------  -----  --------------------------------"]
    lines += ["%10d  %5d  %s" % (row.precedence, row.label, row.prefix) for row in rows]
    return "\n".join(lines) + "\n"


def as_dicts(rows):
    """Rows as a list of dicts for module results."""
    return [dict(prefix=row.prefix, precedence=row.precedence, label=row.label) for row in rows]
