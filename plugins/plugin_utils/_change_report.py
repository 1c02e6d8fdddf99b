# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The change report: what a rolling internal-address change or an IP-discovery switch did, for a change ticket.

Private to dualstack.redis: not a public API, may change in any release.

Pure functions over what the roles registered while they worked (no I/O, no extra call on a host): the times come
from the commands that already ran on each node (they print ``dualstack-time=<UTC ISO 8601>``) and from the modules'
own ``checked_at``. A report copies named fields only (ids, addresses, statuses, times, counts, the failed step's
name and message) and never a result as a whole; free text has every secret the caller names replaced, so a
password cannot reach a report even through an error message.
"""

from __future__ import annotations

import datetime
import re

TIME_MARK = "dualstack-time="
# GNU date's %N gives nanoseconds; Python's isoformat() microseconds; a date without %N support prints "N".
# (a fraction that is not digits, such as a literal N, is left out)
_ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:[.,](\d*)[^\d+Z-]*)?(Z|[+-]\d\d:?\d\d)?\Z")
_MARK = re.compile(re.escape(TIME_MARK) + r"(\S+)")
# C0 and C1 controls and the Unicode line and paragraph separators: none may break a line of the report.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")

# The steps of one node's change, in order: (key, what it is). A time is when the step was reached.
NODE_TIMES = (
    ("started", "its record written (the change starts)"),
    ("demoted", "demoted; its supervisor is being stopped"),
    ("services_down", "its supervisor stopped"),
    ("seen_down", "the cluster sees it down"),
    ("address_set", "the new address in the operating system and the cluster; its supervisor is being started"),
    ("rejoined", "OK at its new address"),
    ("done", "the old address removed and its record gone"),
)
# Durations: (key, from, to, what it measures).
NODE_DURATIONS = (
    ("demote", "started", "demoted", "demoting"),
    ("stop", "demoted", "services_down", "stopping its supervisor"),
    ("down", "services_down", "seen_down", "until the cluster saw it down"),
    ("address", "seen_down", "address_set", "the new address, in the operating system and the cluster"),
    ("rejoin", "address_set", "rejoined", "starting until OK at the new address"),
    ("out_of_service", "demoted", "rejoined", "out of service (stopping to OK again)"),
    ("total", "started", "done", "the node's whole change"),
)


class ReportError(ValueError):
    """The input cannot make a report."""


def parse_time(value):
    """A UTC datetime from an ISO 8601 text (any number of fraction digits, Z or an offset) or epoch seconds; else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        try:
            return datetime.datetime.fromtimestamp(float(value), datetime.timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    match = _ISO.match(str(value).strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    offset = datetime.timedelta(0)
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    try:
        local = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro,
                                  datetime.timezone(offset))
    except ValueError:
        return None
    return local.astimezone(datetime.timezone.utc)


def time_marks(output):
    """Every time a command printed as ``dualstack-time=...``, in order (unreadable ones left out)."""
    if not isinstance(output, str):
        return []
    times = (parse_time(text) for text in _MARK.findall(output))
    return [stamp for stamp in times if stamp is not None]


def iso(stamp):
    """The UTC ISO 8601 text of a datetime (milliseconds), or None."""
    if stamp is None:
        return None
    return stamp.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (stamp.microsecond // 1000)


def redact(text, secrets):
    """Text with every secret (non-empty strings of 4 characters or more) replaced, control characters made spaces."""
    if text is None:
        return None
    text = _CONTROL.sub(" ", str(text)).strip()
    for secret in sorted({str(s) for s in secrets or () if s is not None and len(str(s)) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "********")
    return text


def _ran(result):
    """Whether a registered result is of a task that ran (not skipped, not missing)."""
    return isinstance(result, dict) and bool(result) and not result.get("skipped")


def _stdout(result):
    if not _ran(result):
        return ""
    out = result.get("stdout")
    return out if isinstance(out, str) else ""


def _first(times):
    return times[0] if times else None


def _last(times):
    return times[-1] if times else None


def _checked(result):
    """When a wait saw what it waited for: its last read, unless it gave up (failed)."""
    return parse_time(result.get("checked_at")) if _ran(result) and not result.get("failed") else None


def _seconds(start, end):
    if start is None or end is None:
        return None
    return round((end - start).total_seconds(), 1)


def _node_view(nodes):
    """The named fields of re_node_info's nodes, sorted by id."""
    view = []
    for node in nodes or []:
        if not isinstance(node, dict):
            continue
        external = node.get("external_addresses")
        view.append({
            "id": node.get("id"),
            "role": node.get("role"),
            "address": node.get("address"),
            "external_addresses": [str(a) for a in external] if isinstance(external, list) else [],
            "status": node.get("status"),
            "ok": bool(node.get("ok")),
        })
    return sorted(view, key=lambda n: (not isinstance(n["id"], int), n["id"] if isinstance(n["id"], int) else str(n["id"])))


def _node_outcome(entry, check_mode, times):
    step = entry.get("step") or {}
    action = step.get("action")
    failure = entry.get("failure")
    if failure:
        return "rolled back" if failure.get("rolled_back") else "failed"
    if action == "skip":
        return "already at the new address"
    if action in (None, "none"):
        return "left alone (no new address)"
    if check_mode:
        return "would be resumed" if action == "resume" else "would be changed"
    if times.get("done") is None and times.get("rejoined") is None:
        return "not reached"
    return "resumed" if action == "resume" else "changed"


def internal_address_report(entries, cluster_before=None, cluster_after=None, run=None, secrets=None):
    """The report of a rolling internal-address change.

    entries: per inventory host, in the order the nodes were changed: ``host``, ``step`` (the plan's step: node, old,
    new, action, interrupted_at) and the registered results ``recorded``, ``stopped``, ``seen_down``, ``started``,
    ``rejoined`` and ``unrecorded`` (any may be missing or skipped), and ``failure`` (task, message, stage,
    rolled_back) when the node's change failed. cluster_before, cluster_after: re_node_info's nodes. run: id,
    started, check_mode. secrets: strings never to appear (replaced in free text).
    """
    if not isinstance(entries, list):
        raise ReportError("the entries must be a list, got %s" % type(entries).__name__)
    run = run if isinstance(run, dict) else {}
    check_mode = bool(run.get("check_mode"))
    nodes = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise ReportError("each entry must be a dict, got %s" % type(entry).__name__)
        step = entry.get("step") if isinstance(entry.get("step"), dict) else {}
        stopped = time_marks(_stdout(entry.get("stopped")))
        started = time_marks(_stdout(entry.get("started")))
        stamps = {
            "started": _first(time_marks(_stdout(entry.get("recorded")))),
            "demoted": _first(stopped),
            "services_down": _last(stopped) if len(stopped) > 1 else None,
            "seen_down": _checked(entry.get("seen_down")),
            "address_set": _first(started),
            "rejoined": _checked(entry.get("rejoined")),
            "done": _first(time_marks(_stdout(entry.get("unrecorded")))),
        }
        failure = entry.get("failure") if isinstance(entry.get("failure"), dict) else None
        if failure:
            failure = {
                "task": redact(failure.get("task"), secrets),
                "message": redact(failure.get("message"), secrets),
                "stage": failure.get("stage"),
                "rolled_back": bool(failure.get("rolled_back")),
            }
        node = {
            "host": entry.get("host"),
            "node": step.get("node"),
            "old": step.get("old"),
            "new": step.get("new"),
            "action": step.get("action"),
            "interrupted_at": step.get("interrupted_at"),
            "times": {key: iso(stamps[key]) for key, _what in NODE_TIMES},
            "durations": {key: _seconds(stamps[start], stamps[end]) for key, start, end, _what in NODE_DURATIONS},
            "failure": failure,
        }
        node["outcome"] = _node_outcome(dict(entry, failure=failure), check_mode, stamps)
        nodes.append(node)
    outcomes = [n["outcome"] for n in nodes]
    if any(o in ("failed", "rolled back") for o in outcomes):
        failed = next(n for n in nodes if n["outcome"] in ("failed", "rolled back"))
        summary = "stopped at node %s (%s): %s" % (failed["node"], failed["host"], failed["outcome"])
    elif check_mode:
        summary = "check mode: nothing was changed"
    else:
        done = sum(o in ("changed", "resumed") for o in outcomes)
        summary = "%d node%s changed, %d left as they were" % (done, "" if done == 1 else "s", len(nodes) - done)
    return _redacted({
        "kind": "internal_address",
        "title": "Internal addresses of Redis Enterprise nodes",
        "run": _run_view(run),
        "summary": summary,
        "nodes": nodes,
        "cluster_before": _node_view(cluster_before),
        "cluster_after": _node_view(cluster_after),
    }, secrets)


def ip_discovery_report(entries, run=None, secrets=None):
    """The report of an IP-discovery switch, one entry per cluster (inventory host of the ip_discovery role).

    entries: ``host``, ``family`` (asked for), ``elasticache`` (elasticache_ip_discovery's result, or skipped) and
    ``watch`` (cluster_ip_discovery's result, or skipped), and ``failure`` (task, message) when it failed.
    """
    if not isinstance(entries, list):
        raise ReportError("the entries must be a list, got %s" % type(entries).__name__)
    run = run if isinstance(run, dict) else {}
    clusters = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise ReportError("each entry must be a dict, got %s" % type(entry).__name__)
        elasticache = entry.get("elasticache")
        watch = entry.get("watch")
        cluster = {"host": entry.get("host"), "family": entry.get("family"), "elasticache": None, "watch": None,
                   "failure": None}
        if _ran(elasticache) and isinstance(elasticache.get("before"), dict):
            before, after = elasticache.get("before") or {}, elasticache.get("after") or {}
            resource = elasticache.get("replication_group") or elasticache.get("cache_cluster") or {}
            cluster["elasticache"] = {
                "id": resource.get("replication_group_id") or resource.get("cache_cluster_id"),
                "engine": elasticache.get("engine"),
                "engine_version": elasticache.get("engine_version"),
                "before": before.get("ip_discovery"),
                "after": after.get("ip_discovery"),
                "network_type": after.get("network_type") or before.get("network_type"),
                "changed": bool(elasticache.get("changed")),
            }
        if _ran(watch) and isinstance(watch.get("nodes"), list):
            cluster["watch"] = {
                "converged": bool(watch.get("converged")),
                "families": [str(f) for f in watch.get("families") or []],
                "elapsed": watch.get("elapsed"),
                "polls": watch.get("polls"),
                "checked_at": iso(parse_time(watch.get("checked_at"))),
                "per_family": bool(watch.get("per_family")),
                "hostname_endpoints": bool(watch.get("hostname_endpoints")),
                "clients_get": {str(k): [str(x) for x in v] for k, v in (watch.get("clients_get") or {}).items()
                                if isinstance(v, list)},
                "nodes": [{"id": n.get("id"), "endpoint": n.get("endpoint"), "port": n.get("port"),
                           "role": n.get("role"), "family": n.get("family"), "converged": bool(n.get("converged"))}
                          for n in watch["nodes"] if isinstance(n, dict)],
            }
        failure = entry.get("failure")
        if isinstance(failure, dict):
            cluster["failure"] = {"task": redact(failure.get("task"), secrets),
                                  "message": redact(failure.get("message"), secrets)}
        clusters.append(cluster)
    failed = [c["host"] for c in clusters if c["failure"]]
    waiting = [c["host"] for c in clusters if c["watch"] and not c["watch"]["converged"]]
    if failed:
        summary = "failed on %s" % ", ".join(str(h) for h in failed)
    elif run.get("check_mode"):
        summary = "check mode: nothing was changed"
    elif waiting:
        summary = "not every node on the asked family yet: %s" % ", ".join(str(h) for h in waiting)
    else:
        summary = "%d cluster%s on the asked family" % (len(clusters), "" if len(clusters) == 1 else "s")
    return _redacted({
        "kind": "ip_discovery",
        "title": "IP discovery of Redis clusters",
        "run": _run_view(run),
        "summary": summary,
        "clusters": clusters,
    }, secrets)


def _redacted(value, secrets):
    """Every string of a report, wherever it came from (a status, a host name), with the secrets replaced."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {key: _redacted(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item, secrets) for item in value]
    return value


def _cell(value):
    """A Markdown table cell: no line breaks, no unescaped pipe, empty for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "yes" if value else "no"
    elif isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    text = _CONTROL.sub(" ", str(value)).strip()
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def _clock(text):
    """HH:MM:SS.mmm of an ISO time, or empty."""
    stamp = parse_time(text)
    return stamp.strftime("%H:%M:%S.") + "%03d" % (stamp.microsecond // 1000) if stamp else ""


def _run_view(run):
    """The run's id, start and end (as UTC ISO 8601 when readable as a time) and check mode."""
    run = run if isinstance(run, dict) else {}

    def when(value):
        return iso(parse_time(value)) or (None if value is None else str(value))

    return {"id": None if run.get("id") is None else str(run["id"]), "started": when(run.get("started")),
            "finished": when(run.get("finished")), "check_mode": bool(run.get("check_mode"))}


def _run_lines(report):
    run = report["run"]
    parts = ["Run: %s" % _cell(run.get("id") or "(no id)")]
    if run.get("started"):
        parts.append("started %s" % _cell(run["started"]))
    if run.get("finished"):
        parts.append("finished %s" % _cell(run["finished"]))
    if run.get("check_mode"):
        parts.append("check mode")
    return ["; ".join(parts) + ".", "", "Outcome: " + _cell(report["summary"]) + "."]


def to_markdown(report):
    """The report as Markdown, for a change ticket."""
    if not isinstance(report, dict) or report.get("kind") not in ("internal_address", "ip_discovery"):
        raise ReportError("not a change report of dualstack.redis")
    lines = ["# %s: change report" % report["title"], ""] + _run_lines(report) + [""]
    if report["kind"] == "internal_address":
        lines += ["## Nodes", ""]
        lines += _table(
            ["Node", "Host", "Old address", "New address", "Outcome", "Demoted", "Seen down", "New address set",
             "Rejoined", "Out of service (s)", "Total (s)"],
            [[n["node"], n["host"], n["old"], n["new"], n["outcome"], _clock(n["times"]["demoted"]),
              _clock(n["times"]["seen_down"]), _clock(n["times"]["address_set"]), _clock(n["times"]["rejoined"]),
              n["durations"]["out_of_service"], n["durations"]["total"]] for n in report["nodes"]])
        timed = [n for n in report["nodes"] if any(v is not None for v in n["times"].values())]
        if timed:
            lines += ["", "Times are UTC, by the clock of the host that did the step (the node, or the node that read "
                      "the cluster). Per node, in seconds:", ""]
            lines += _table(["Node"] + [what for _key, _start, _end, what in NODE_DURATIONS],
                            [[n["node"]] + [n["durations"][key] for key, _s, _e, _w in NODE_DURATIONS] for n in timed])
        notes = []
        for n in report["nodes"]:
            if n["action"] == "resume":
                notes.append("Node %s (%s): an interrupted change was finished (its record said %s)." % (
                    _cell(n["node"]), _cell(n["host"]), _cell(n["interrupted_at"] or "no stage")))
            if n["failure"]:
                f = n["failure"]
                notes.append("Node %s (%s): failed at '%s' (stage reached: %s): %s%s" % (
                    _cell(n["node"]), _cell(n["host"]), _cell(f["task"]), _cell(f["stage"]), _cell(f["message"]),
                    " Rolled back to %s." % _cell(n["old"]) if f["rolled_back"] else ""))
        if notes:
            lines += ["", "## Notes", ""] + ["- " + note for note in notes]
        for title, key in (("Cluster before", "cluster_before"), ("Cluster after", "cluster_after")):
            lines += ["", "## " + title, ""]
            if report[key]:
                lines += _table(["Node", "Role", "Internal address", "External addresses", "Status"],
                                [[n["id"], n["role"], n["address"], n["external_addresses"], n["status"]]
                                 for n in report[key]])
            else:
                lines.append("Not read.")
    else:
        lines += ["## Clusters", ""]
        lines += _table(
            ["Cluster", "Asked", "ElastiCache before", "ElastiCache after", "Nodes on it", "Families seen", "Waited (s)",
             "Polls"],
            [[c["host"], c["family"],
              (c["elasticache"] or {}).get("before"), (c["elasticache"] or {}).get("after"),
              ("%d of %d" % (sum(n["converged"] for n in c["watch"]["nodes"]), len(c["watch"]["nodes"])))
              if c["watch"] else "not watched",
              (c["watch"] or {}).get("families"), (c["watch"] or {}).get("elapsed"), (c["watch"] or {}).get("polls")]
             for c in report["clusters"]])
        for c in report["clusters"]:
            if c["watch"]:
                lines += ["", "## %s: nodes" % _cell(c["host"]), ""]
                lines += _table(["Node", "Role", "Endpoint", "Port", "Family", "On the asked family"],
                                [[n["id"], n["role"], n["endpoint"], n["port"], n["family"], n["converged"]]
                                 for n in c["watch"]["nodes"]])
                if c["watch"]["per_family"]:
                    lines += ["", "Per family: " + "; ".join(
                        "%s clients get %s" % (_cell(over), _cell("+".join(got)))
                        for over, got in sorted(c["watch"]["clients_get"].items())) + "."]
            if c["failure"]:
                failure = c["failure"]
                lines += ["", "%s failed at '%s': %s" % (_cell(c["host"]), _cell(failure["task"]), _cell(failure["message"]))]
    return "\n".join(lines) + "\n"
