# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redis Enterprise Software's ``rladmin``: read its tables, plan node address changes.

Private to dualstack.redis: not a public API, may change in any release.

No I/O: functions take rladmin's output text and return plain data, or take wanted state and return
the argv lists to run. What the parsers survive (all seen in published output):

- columns padded to widths that differ between runs and versions, header and rows not aligned;
- an empty EXTERNAL_ADDRESS cell; several external addresses joined by commas (``10.1.0.7,10.1.0.8``);
- a STATUS with spaces (``DOWN, last seen 12s ago``); a leading ``*`` on the node rladmin is connected to;
- ``-`` placeholders in RAM columns; trailing spaces; rows in any order; a header with no rows;
- the ``extra all`` columns, and columns this parser does not know (kept under their lower-cased name).

Rows are read by matching each column with what its values look like, not by character positions.
"""

import ipaddress
import re

from ansible_collections.dualstack.redis.plugins.module_utils._checks import address_problem
from ansible_collections.dualstack.redis.plugins.module_utils._text import is_digits

DEFAULT_RLADMIN = "/opt/redislabs/bin/rladmin"
SUCCESS_UPDATED = "Updated successfully."
EXTERNAL_STATES = ("exact", "present", "absent")

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


class RladminError(ValueError):
    """rladmin output this module cannot read, or a request it cannot plan; the message says which."""


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
    """A regex for one row: each column's cell pattern, blank-able ones optional, STATUS takes the rest."""
    parts = []
    for index, column in enumerate(columns):
        if column == "STATUS" and index == len(columns) - 1:
            parts.append((r"(?P<status>\S.*)", False))
            continue
        pattern, optional = _COLUMNS.get(column, (r"(?P<%s>\S+)" % _key(column), False))
        parts.append((pattern, optional))
    regex = ""
    for index, (pattern, optional) in enumerate(parts):
        sep = "" if index == 0 else r"\s+"
        regex += "(?:%s%s)?" % (sep, pattern) if optional else sep + pattern
    return re.compile("^" + regex + "$")


def parse_status_nodes(text):
    """``rladmin status nodes [extra all]`` -> list of node dicts, in the order printed.

    Each node has ``id`` (int), ``role``, ``address``, ``external_addresses`` (list), ``hostname``,
    ``status`` (as printed), ``ok`` (bool), ``connected`` (bool: the node rladmin talked to) and every
    other column under its lower-cased name (``shards``, ``cores``, ``version``, ...).
    """
    lines = _lines(text)
    header_at = next((i for i, line in enumerate(lines) if line.lstrip().startswith("NODE:ID")), None)
    if header_at is None:
        raise RladminError("no 'NODE:ID' header in rladmin status nodes output: %r" % text[:300])
    columns = lines[header_at].split()
    if columns[-1] != "STATUS":
        raise RladminError("the last column of rladmin status nodes is %r, expected STATUS" % columns[-1])
    pattern = _row_pattern(columns)
    nodes = []
    for line in lines[header_at + 1:]:
        if not line.strip():
            continue
        if not re.match(r"^\s*\*?node:\d+(\s|$)", line):
            break
        match = pattern.match(line.strip())
        if not match:
            raise RladminError("cannot read this rladmin status nodes row against header %s: %r" % (" ".join(columns), line))
        nodes.append(_node(match.groupdict()))
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
        raise RladminError("no %s: section in rladmin output: %r" % (title, text[:300]))
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
            raise RladminError("cannot read this %s row against header %s: %r" % (title, " ".join(columns), line))
        rows.append(dict(zip(columns, cells)))
    return rows


def parse_cluster_master(text):
    """``rladmin cluster master`` -> the master's node id."""
    match = re.search(r"Node (\d+) is the cluster master node", text)
    if not match:
        raise RladminError("cannot find the master in rladmin cluster master output: %r" % text[:300])
    return int(match.group(1))


def find_node(nodes, node_id):
    """The node with ``node_id``, or an error naming it and the ids there are."""
    for node in nodes:
        if node["id"] == node_id:
            return node
    raise RladminError("node %s is not in this cluster (nodes: %s)" % (node_id, ", ".join(str(n["id"]) for n in nodes) or "none"))


def master_id(nodes):
    """The id of the node whose ROLE is master, or None."""
    masters = [node["id"] for node in nodes if node.get("role") == "master"]
    return masters[0] if masters else None


def normalize_address(value, where):
    """A usable IPv4 or IPv6 address as rladmin should get it (IPv6 lower-case and compressed), or an error."""
    text = str(value).strip()
    if "%" in text:  # a zone index (fe80::1%eth0), which Python reads only from 3.9 on
        raise RladminError("%s '%s' has a zone index; give the plain address" % (where, value))
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise RladminError("%s '%s' is not an IPv4 or IPv6 address" % (where, value))
    problem = address_problem(address)
    if problem:
        raise RladminError("%s '%s' %s" % (where, value, problem))
    return address.compressed


def node_ip(node, column="address"):
    """A node's address as rladmin shows it, as an ipaddress object; an error when it is not an IP address."""
    try:
        return ipaddress.ip_address(node[column])
    except ValueError:
        raise RladminError("node %d's %s in rladmin status nodes is %r, not an IP address; this module changes "
                           "nodes whose addresses are IP addresses" % (node["id"], column.upper(), node[column]))


def normalize_addresses(values, where):
    """A list of addresses, validated and normalized, without duplicates (an error names them)."""
    result = []
    for index, value in enumerate(values or []):
        address = normalize_address(value, "%s[%d]" % (where, index))
        if address in result:
            raise RladminError("%s[%d] '%s' repeats %s" % (where, index, value, address))
        result.append(address)
    return result


def _ips(addresses):
    """The addresses that are IP addresses, as ipaddress objects (rladmin's table holds nothing else)."""
    found = []
    for address in addresses:
        try:
            found.append(ipaddress.ip_address(address))
        except ValueError:
            pass
    return found


def _contains(addresses, address):
    return ipaddress.ip_address(address) in _ips(addresses)


def plan_internal_address(nodes, node_id, new_address, rladmin=DEFAULT_RLADMIN):
    """The argv that sets ``node_id``'s internal address, [] when it already has it, or an error.

    Refuses what rladmin or the cluster would refuse or regret: an unknown node, a switch between IPv4
    and IPv6, an address another node has, a node that is still up, and running on the node itself.
    """
    node = find_node(nodes, node_id)
    new = normalize_address(new_address, "internal_address")
    old = node_ip(node)
    if old == ipaddress.ip_address(new):
        return []
    old_version, new_version = old.version, ipaddress.ip_address(new).version
    if old_version != new_version:
        raise RladminError(
            "internal_address %s would switch node %d from IPv%d to IPv%d (%s); a running cluster cannot change "
            "the internal address family" % (new, node_id, old_version, new_version, node["address"])
        )
    for other in nodes:
        if other["id"] != node_id and _contains([other["address"]], new):
            raise RladminError("internal_address %s is already node %d's internal address" % (new, other["id"]))
    if node["connected"]:
        raise RladminError(
            "this runs on node %d itself; rladmin can only set a node's internal address while that node is "
            "down, so run it on another node of the cluster (e.g. delegate_to one)" % node_id
        )
    if node["ok"]:
        raise RladminError(
            "node %d is up (status %s); rladmin sets a node's internal address only while the node is down: "
            "demote it, disable and stop rlec_supervisor on it first" % (node_id, node["status"])
        )
    return [rladmin, "-y", "node", str(node_id), "addr", "set", new]


def plan_external_addresses(node, wanted, state, rladmin=DEFAULT_RLADMIN):
    """(argv lists, resulting list) that take the node's external addresses to ``wanted`` under ``state``.

    ``exact``: the list becomes ``wanted`` (order kept from ``wanted``); ``present``: each of ``wanted``
    is there; ``absent``: none of ``wanted`` is there. Uses the fewest rladmin calls: one ``add`` or
    ``remove`` for a single difference, one ``set`` (which replaces the whole list) for more.
    """
    if state not in EXTERNAL_STATES:
        raise RladminError("external_addresses_state must be one of %s, got %r" % (", ".join(EXTERNAL_STATES), state))
    current = list(node["external_addresses"])
    if state == "exact":
        target = list(wanted)
    elif state == "present":
        target = current + [a for a in wanted if not _contains(current, a)]
    else:
        target = [a for a in current if not _contains(wanted, a)]
    missing = [a for a in target if not _contains(current, a)]
    extra = [a for a in current if not _contains(target, a)]
    base = [rladmin, "-y", "node", str(node["id"]), "external_addr"]
    if not missing and not extra:
        return [], current
    if len(missing) + len(extra) == 1 or not target:
        commands = [base + ["add", a] for a in missing] + [base + ["remove", a] for a in extra]
    else:
        commands = [base + ["set"] + target]
    return commands, target


def differences(node, wanted):
    """How ``node`` (as rladmin lists it now) differs from ``wanted`` (a node dict as planned): one phrase
    each for the internal address and the set of external addresses; empty when it matches."""
    found = []
    if _ips([node["address"]]) != _ips([wanted["address"]]):
        found.append("has internal address %s, not %s" % (node["address"], wanted["address"]))
    if set(_ips(node["external_addresses"])) != set(_ips(wanted["external_addresses"])):
        found.append("has external addresses [%s], not [%s]" % (
            ", ".join(node["external_addresses"]), ", ".join(wanted["external_addresses"])))
    return found


def demote_reasons(node_id, nodes, shards, endpoints):
    """Why ``node_id`` still needs ``enslave demote_node``: a list of sentences, empty when it does not."""
    reasons = []
    if master_id(nodes) == node_id:
        reasons.append("node %d is the cluster master" % node_id)
    primaries = [s["id"] for s in shards if s.get("node") == "node:%d" % node_id and s.get("role") == "master"]
    if primaries:
        reasons.append("node %d holds primary shards %s" % (node_id, ", ".join(primaries)))
    bound = [e["id"] for e in endpoints if e.get("node") == "node:%d" % node_id]
    if bound:
        reasons.append("node %d holds endpoints %s" % (node_id, ", ".join(bound)))
    return reasons


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
