# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redis Enterprise Software's ``rladmin``: read its tables, turn a node Change into the fewest rladmin calls, and
the transport that runs them on a node (a deadline on every call).

Private to dualstack.redis: not a public API, may change in any release.

The parsers and planners take rladmin's output text and return plain data, or take a Change and return the argv
lists to run; the Rladmin class is the I/O. What the parsers survive (all seen in published output):

- columns padded to widths that differ between runs and versions, header and rows not aligned;
- an empty EXTERNAL_ADDRESS cell; several external addresses joined by commas (``10.1.0.7,10.1.0.8``);
- a STATUS with spaces (``DOWN, last seen 12s ago``); a leading ``*`` on the node rladmin is connected to;
- ``-`` placeholders in RAM columns; trailing spaces; rows in any order; a header with no rows;
- the ``extra all`` columns, and columns this parser does not know (kept under their lower-cased name).

Rows are read by matching each column with what its values look like, not by character positions.
"""

import os
import re

from ansible_collections.dualstack.redis.plugins.module_utils import _commands as commands
from ansible_collections.dualstack.redis.plugins.module_utils._re.nodes import ReError, ReFailed, contains, find_node
from ansible_collections.dualstack.redis.plugins.module_utils._text import is_digits

DEFAULT_RLADMIN = "/opt/redislabs/bin/rladmin"
SUCCESS_UPDATED = "Updated successfully."
RLADMIN_ARGS = dict(
    rladmin_path=dict(type="path", default=DEFAULT_RLADMIN),
    command_timeout=dict(type="int", default=120),
)

_IP = r"(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]*:[0-9A-Fa-f:.]*)"
# What a cell of each known column looks like. A column whose pattern is marked optional may be blank.
_COLUMNS = {
    "NODE:ID": (r"(?P<connected>\*?)node:(?P<id>\d+)", False),
    "ROLE": (r"(?P<role>\S+)", False),
    "ADDRESS": (r"(?P<address>\S+)", False),
    "EXTERNAL_ADDRESS": (r"(?P<external_address>%s(?:,%s)*)" % (_IP, _IP), True),
    "HOSTNAME": (r"(?P<hostname>\S+)", False),
    "RACK-ID": (r"(?P<rack_id>(?!(?:OK|DOWN)\b)\S+)", True),
    # Typed cells keep a blank optional cell from shifting the rest of the row unnoticed.
    "SHARDS": (r"(?P<shards>\d+/\d+)", False),
    "CORES": (r"(?P<cores>\d+)", False),
    "MASTERS": (r"(?P<masters>\d+)", False),
    "SLAVES": (r"(?P<slaves>\d+)", False),
    "FREE_RAM": (r"(?P<free_ram>\S+/\S+)", False),
    "PROVISIONAL_RAM": (r"(?P<provisional_ram>\S+/\S+)", False),
    "VERSION": (r"(?P<version>\d\S*)", False),
}


# Every group name the known columns' patterns use, and STATUS's.
_GROUPS = set(re.findall(r"\(\?P<(\w+)>", " ".join(pattern for pattern, _optional in _COLUMNS.values()))) | {"status"}


def _key(column):
    return column.lower().replace("-", "_").replace(":", "_")


def _lines(text):
    """Lines without trailing spaces, with a leading "Command Output: " (newer rladmin) removed."""
    lines = []
    for line in text.splitlines():
        line = line.rstrip()
        if line.startswith("Command Output:"):
            line = line[len("Command Output:"):].strip()
        lines.append(line)
    return lines


def _row_pattern(columns):
    """(regex for one row, {group: column key}): each column's cell pattern, blank-able ones optional, STATUS takes
    the rest. A column this parser does not know gets a group named by its place (its header may hold any bytes);
    a column named twice is refused (ReError)."""
    parts, names = [], {}
    repeated = sorted(set(column for column in columns if columns.count(column) > 1))
    if repeated:
        raise ReError("rladmin status nodes names the column %s twice: %r" % (repeated[0], " ".join(columns)))
    for index, column in enumerate(columns):
        if column == "STATUS" and index == len(columns) - 1:
            parts.append((r"(?P<status>\S.*)", False))
            continue
        if column in _COLUMNS:
            parts.append(_COLUMNS[column])
            continue
        group = "column%d" % index
        if _key(column) not in _GROUPS:  # (a cell never stands in for a known one: id, status, ...)
            names[group] = _key(column)
        parts.append((r"(?P<%s>\S+)" % group, False))
    regex = ""
    for index, (pattern, optional) in enumerate(parts):
        sep = "" if index == 0 else r"\s+"
        regex += "(?:%s%s)?" % (sep, pattern) if optional else sep + pattern
    return re.compile("^" + regex + "$"), names


def parse_status_nodes(text):
    """``rladmin status nodes [extra all]`` -> list of node dicts, in the order printed.

    Each node has ``id`` (int), ``role``, ``address``, ``external_addresses`` (list), ``hostname``,
    ``status`` (as printed), ``ok`` (bool), ``connected`` (bool: the node rladmin talked to) and every
    other column under its lower-cased name (``shards``, ``cores``, ``version``, ...).
    """
    lines = _lines(text)
    header_at = next((i for i, line in enumerate(lines) if line.lstrip().startswith("NODE:ID")), None)
    if header_at is None:
        raise ReError("no 'NODE:ID' header in rladmin status nodes output: %r" % text[:300])
    columns = lines[header_at].split()
    if columns[0] != "NODE:ID":
        raise ReError("the first column of rladmin status nodes is %r, expected NODE:ID" % columns[0])
    if columns[-1] != "STATUS":
        raise ReError("the last column of rladmin status nodes is %r, expected STATUS" % columns[-1])
    pattern, names = _row_pattern(columns)
    nodes = []
    for line in lines[header_at + 1:]:
        if not line.strip():
            continue
        if not re.match(r"^\s*\*?node:\d+(\s|$)", line):
            break
        match = pattern.match(line.strip())
        if not match:
            raise ReError("cannot read this rladmin status nodes row against header %s: %r" % (" ".join(columns), line))
        nodes.append(_node({names.get(group, group): value for group, value in match.groupdict().items()}))
    return nodes


def _node(cells):
    node = {}
    for name, value in cells.items():
        if name in ("connected", "id", "external_address", "status"):
            continue
        node[name] = value if value is not None else ""
    node["id"] = int(cells["id"])
    node["connected"] = bool(cells["connected"])
    node["external_addresses"] = [a for a in (cells.get("external_address") or "").split(",") if a]
    node["status"] = cells["status"].strip()
    node["ok"] = node["status"] == "OK"
    for name in ("cores", "masters", "slaves"):
        if name in node and is_digits(node[name]):
            node[name] = int(node[name])
    return node


def parse_info_node(text):
    """``rladmin info node [ID]`` -> {id: {"address": ..., "external_addresses": [...], other keys}}."""
    nodes = {}
    current = None
    for line in _lines(text):
        head = re.match(r"^node:(\d+)$", line.strip())
        if head and not line.startswith((" ", "\t")):
            current = nodes.setdefault(int(head.group(1)), {})
            continue
        if current is None or ":" not in line:
            continue
        name, _sep, value = line.strip().partition(":")
        value = value.strip()
        key = name.strip().lower().replace(" ", "_")
        if key == "external_addresses":
            current[key] = [] if value in ("", "N/A") else [part.strip() for part in value.split(",") if part.strip()]
        else:
            current[key] = value
    return nodes


def parse_table(text, title):
    """A simple rladmin table such as ``SHARDS:`` or ``ENDPOINTS:`` -> list of dicts keyed by lower-cased header.

    The last column takes the rest of the line (it may hold spaces).
    """
    lines = _lines(text)
    start = next((i for i, line in enumerate(lines) if line.strip().upper() == title.upper() + ":"), None)
    if start is None:
        raise ReError("no %s: section in rladmin output: %r" % (title, text[:300]))
    header = next((i for i in range(start + 1, len(lines)) if lines[i].strip()), None)
    if header is None:
        return []
    columns = [_key(c) for c in lines[header].split()]
    rows = []
    for line in lines[header + 1:]:
        if not line.strip():
            continue
        if line.strip().endswith(":") and " " not in line.strip():
            break
        cells = line.split(None, len(columns) - 1)
        if len(cells) < len(columns):
            raise ReError("cannot read this %s row against header %s: %r" % (title, " ".join(columns), line))
        rows.append(dict(zip(columns, cells)))
    return rows


def parse_cluster_master(text):
    """``rladmin cluster master`` -> the master's node id."""
    match = re.search(r"Node (\d+) is the cluster master node", text)
    if not match:
        raise ReError("cannot find the master in rladmin cluster master output: %r" % text[:300])
    return int(match.group(1))


def external_commands(node, target, rladmin=DEFAULT_RLADMIN):
    """The fewest rladmin calls that take the node's external addresses to ``target`` (the whole new list): one ``add``
    or ``remove`` for a single difference, one ``set`` (which replaces the whole list) for more."""
    current = list(node["external_addresses"])
    missing = [a for a in target if not contains(current, a)]
    extra = [a for a in current if not contains(target, a)]
    base = [rladmin, "-y", "node", str(node["id"]), "external_addr"]
    if not missing and not extra:
        return []
    if len(missing) + len(extra) == 1 or not target:
        return [base + ["add", a] for a in missing] + [base + ["remove", a] for a in extra]
    return [base + ["set"] + list(target)]


def change_commands(change, rladmin=DEFAULT_RLADMIN):
    """The argv lists of a nodes.Change: ``addr set`` first, then the external addresses."""
    argv = []
    if change.address is not None:
        argv.append([rladmin, "-y", "node", str(change.node_id), "addr", "set", change.address])
    if change.external is not None:
        argv += external_commands(change.before, change.external, rladmin)
    return argv


def demote_command(node_id, retry_timeout_seconds=None, rladmin=DEFAULT_RLADMIN):
    """The argv of ``rladmin node <id> enslave demote_node [retry_timeout_seconds <s>]``."""
    argv = [rladmin, "-y", "node", str(node_id), "enslave", "demote_node"]
    if retry_timeout_seconds is not None:
        argv += ["retry_timeout_seconds", str(int(retry_timeout_seconds))]
    return argv


def check_reply(argv, rc, out, err, success):
    """None when rladmin succeeded (exit 0 and its success reply), else a message carrying its output."""
    text = "\n".join(part for part in (out.strip(), err.strip()) if part)
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    ok = rc == 0 and (success in lines if success != "OK" else bool(lines) and lines[-1] == "OK")
    if ok:
        return None
    why = "exited %d" % rc if rc != 0 else "did not reply %r" % success
    return "'%s' %s: %s" % (" ".join(argv), why, text or "no output")


class Rladmin(object):
    """rladmin on this node: the executable and the deadline of every call, checked on creation (raises ReError), and
    the transport methods of nodes.update()."""

    kind = "rladmin"

    def __init__(self, params):
        problem = commands.check_timeout(params["command_timeout"])
        if problem:
            raise ReError(problem)
        path = params["rladmin_path"]
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise ReError("rladmin not found or not executable at %s (rladmin_path); is this a Redis Enterprise node? (set "
                          "rladmin_path otherwise, or use the REST API: transport rest and api_url)" % path)
        self.path = path
        self.timeout = params["command_timeout"]

    def call(self, argv, success=None):
        """Run ``argv`` (no shell, no stdin: rladmin never waits on a prompt); returns stdout.

        With ``success``, the reply must also contain that line (rladmin's documented success reply). Raises ReFailed
        (its result carrying rladmin's rc, stdout and stderr) when rladmin cannot start, exits non-zero, lacks the reply
        or outlives command_timeout.
        """
        try:
            rc, out, err = commands.run(argv, timeout=self.timeout, environ_update={"LC_ALL": "C.UTF-8"})
        except commands.CommandError as exc:
            raise ReFailed(str(exc), dict(stdout=exc.out, stderr=exc.err))
        if success is not None:
            problem = check_reply(argv, rc, out, err, success)
        elif rc != 0:
            problem = "'%s' exited %d: %s" % (" ".join(argv), rc, "\n".join(p for p in (out.strip(), err.strip()) if p) or "no output")
        else:
            problem = None
        if problem:
            raise ReFailed(problem, dict(rc=rc, stdout=out, stderr=err))
        return out

    def _parsed(self, out, parse, *args):
        try:
            return parse(out, *args)
        except ReError as exc:
            raise ReFailed(str(exc), dict(stdout=out))

    def nodes(self):
        """``rladmin status nodes``, parsed."""
        return self._parsed(self.call([self.path, "status", "nodes"]), parse_status_nodes)

    def node(self, node_id):
        return find_node(self.nodes(), node_id)

    def overview(self):
        """``rladmin status`` (every section in one call) -> (nodes, shards, endpoints), parsed."""
        out = self.call([self.path, "status"])
        return (self._parsed(out, parse_status_nodes), self._parsed(out, parse_table, "SHARDS"),
                self._parsed(out, parse_table, "ENDPOINTS"))

    def learn(self, nodes):
        return None

    def commands(self, change):
        return change_commands(change, self.path)

    def apply(self, change, ran):
        for argv in change_commands(change, self.path):
            ran.append(argv)
            self.call(argv, success=SUCCESS_UPDATED)

    def describe(self, ran):
        return "rladmin replied %r" % SUCCESS_UPDATED
