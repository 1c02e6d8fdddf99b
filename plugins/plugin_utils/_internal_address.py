# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pre-flight planning for changing the internal address of Redis Enterprise nodes, one at a time.

Private to dualstack.redis: not a public API, may change in any release.

Pure function over what the play gathered: the cluster as ``rladmin status nodes`` shows it and, per
inventory host, which node it is and which address it should get. It finds every reason not to start
(all of them, for one report) and says, per host, what to do and from which other host to run the
commands that must run elsewhere.
"""

from __future__ import annotations

import ipaddress
import json

from ansible_collections.dualstack.redis.plugins.module_utils._checks import address_problem
from ansible_collections.dualstack.redis.plugins.module_utils._text import is_digits
from ansible_collections.dualstack.redis.plugins.plugin_utils._hosts_file import names_for


def _node_id(value):
    """A node id as an int, from an int or a string of digits (``-e``, INI inventories); None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if is_digits(text) else None


def _ip(value):
    try:
        return ipaddress.ip_address(str(value).strip())
    except ValueError:
        return None


# How far a node's change got, in order (the role's vars/main.yml names the same stages and says what each means).
STAGES = ("started", "services_down", "os_changed", "cluster_updated", "external_updated", "rejoined", "old_removed")


def read_journal(text):
    """The record of a change in progress that a node keeps (JSON: ``node``, ``old``, ``new``, ``external_before``
    and, since 0.2.0, ``stage``: how far it got, one of STAGES, else None) as a dict with checked values; a ValueError
    saying what is wrong."""
    try:
        record = json.loads(text)
    except ValueError as exc:
        raise ValueError("not JSON (%s)" % exc)
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    node = _node_id(record.get("node"))
    old, new = _ip(record.get("old")), _ip(record.get("new"))
    external = record.get("external_before")
    if node is None or old is None or new is None or old.version != new.version:
        raise ValueError("node, old and new must be a node id and two addresses of one family")
    if not isinstance(external, list) or any(_ip(a) is None for a in external):
        raise ValueError("external_before must be a list of addresses")
    stage = record.get("stage")
    return dict(node=node, old=old.compressed, new=new.compressed, external_before=[_ip(a).compressed for a in external],
                stage=stage if stage in STAGES else None)


def plan_internal_addresses(nodes, requests, delegate=None, checks=None):
    """Check a whole change before any of it happens.

    ``nodes``: node dicts from re_node_info. ``requests``: one dict per inventory host with ``host``,
    ``node`` (the id given in the inventory, or None), ``connected`` (the id rladmin on that host reported
    as its own, or None when rladmin did not answer there), ``new`` (the new internal address, or None
    for no change) and ``journal`` (the text of the node's record of a change that was interrupted, or None).
    ``delegate``: a host to run rladmin from instead of another node of the play.

    Returns ``{"problems": [...], "hosts": {host: step}}``; a step has ``node``, ``old``, ``new``,
    ``action`` (``change``, ``resume``: finish an interrupted change first, ``skip``: already there,
    ``none``: nothing asked), ``delegate``, ``external_before`` (the node's external addresses before the
    change), ``external_after`` (that list with the old internal address replaced, or None when it is not
    among them), ``node_ok`` and ``cluster_address`` (the node as the cluster sees it now).

    ``checks`` (pre-flight's second pass, once the hosts that change looked at themselves): one dict per inventory
    host with ``host`` and what was found there, each None when not looked at: ``read_error`` (why reading the cluster
    there failed), ``os_problem`` (why its network configuration cannot take the new address), ``unit`` (systemd's
    LoadState of ``service``, the supervisor's unit, and ``unit_error``: what systemctl said on stderr), ``method`` (the
    operating-system method that will change the address), ``restart_method``, ``hosts_file`` (the text of /etc/hosts) and ``hosts_file_error``. Their problems
    join the plan's, and the plan gets ``report``: one line per host saying what will happen, plus warnings.

    A node that records an interrupted change may be down (its services stopped, rladmin failing there): it
    is finished first, from its record, and it is the only node allowed to be down. A record whose node is OK at
    its old address is stale and ignored.
    """
    problems = []
    by_id = {node["id"]: node for node in nodes}
    journals = {}
    for request in requests:
        if request.get("journal") is None:
            continue
        try:
            journals[request["host"]] = read_journal(request["journal"])
        except ValueError as exc:
            problems.append("%s: its record of an interrupted change cannot be used: %s; finish or undo that change by hand, "
                            "then remove the record (internal_address_journal)" % (request["host"], exc))

    def live(record):
        """A record is stale once its node is OK at its old address again (a failed run was reported and the node
        put back by hand): that node is planned as any other."""
        node = by_id.get(record["node"])
        return node is None or not node["ok"] or _ip(node["address"]) != _ip(record["old"])

    journals = {host: record for host, record in journals.items() if live(record)}
    if len(journals) > 1:
        problems.append("interrupted changes are recorded on more than one node (%s); only one node may be out at a time: "
                        "finish them by hand, then remove their records (internal_address_journal)" % ", ".join(sorted(journals)))
    resuming = {record["node"] for record in journals.values()} if len(journals) == 1 else set()
    down = ["node %d (%s)" % (node["id"], node["status"]) for node in nodes if not node["ok"] and node["id"] not in resuming]
    if down:
        problems.append("the cluster is not healthy: %s; every node must be OK before any node is changed" % ", ".join(down))
    steps = {}
    claimed = {}
    for request in requests:
        host = request["host"]
        given = request.get("node")
        if given is not None and _node_id(given) is None:
            problems.append("%s: redis_enterprise_node_id %r is not a node id (a whole number such as 2)" % (host, given))
            continue
        given = _node_id(given) if given is not None else None
        connected = request.get("connected")
        record = journals.get(host)
        if record is not None:
            if given is not None and given != record["node"]:
                problems.append("%s: redis_enterprise_node_id is %s but its record of an interrupted change is for node %d"
                                % (host, given, record["node"]))
                continue
            given = record["node"]
        node_id = given if given is not None else connected
        if node_id is None:
            problems.append("%s: cannot tell which node it is (rladmin did not answer there, or the REST API is used); "
                            "set redis_enterprise_node_id" % host)
            continue
        if connected is not None and given is not None and connected != given:
            problems.append("%s: redis_enterprise_node_id is %s but rladmin there says it is node %s" % (host, given, connected))
            continue
        node = by_id.get(node_id)
        if node is None:
            problems.append("%s: node %s is not in the cluster (nodes: %s)" % (host, node_id, ", ".join(str(i) for i in sorted(by_id))))
            continue
        if node_id in claimed:
            problems.append("%s and %s are both node %d" % (claimed[node_id], host, node_id))
            continue
        claimed[node_id] = host
        step = dict(node=node_id, old=node["address"], new=None, action="none", delegate=None,
                    external_before=list(node["external_addresses"]), external_after=None,
                    node_ok=bool(node["ok"]), cluster_address=node["address"])
        steps[host] = step
        if record is not None:
            if request.get("new") not in (None, "") and _ip(request["new"]) != _ip(record["new"]):
                problems.append("%s: internal_address_new is %s but node %d's change to %s was interrupted; finish that first "
                                "(internal_address_new=%s)" % (host, request["new"], node_id, record["new"], record["new"]))
                continue
            if _ip(node["address"]) not in (_ip(record["old"]), _ip(record["new"])):
                problems.append("%s: node %d's internal address is %s, neither the old (%s) nor the new (%s) address of its "
                                "interrupted change; remove the record (internal_address_journal) once the node is as wanted"
                                % (host, node_id, node["address"], record["old"], record["new"]))
                continue
            step.update(old=record["old"], new=record["new"], action="resume", external_before=record["external_before"],
                        interrupted_at=record["stage"])
            externals = [_ip(a) for a in record["external_before"]]
            if _ip(record["old"]) in externals:
                step["external_after"] = [record["new"] if a == _ip(record["old"]) else a.compressed for a in externals]
            continue
        if request.get("new") in (None, ""):
            continue
        new = _ip(request["new"])
        old = _ip(node["address"])
        if new is None:
            problems.append("%s: internal_address_new '%s' is not an IP address" % (host, request["new"]))
            continue
        if new.version != old.version:
            problems.append(
                "%s: internal_address_new %s is IPv%d but node %d's internal address %s is IPv%d; a running cluster "
                "cannot switch its internal address family" % (host, new, new.version, node_id, old, old.version))
            continue
        unusable = address_problem(new)
        if unusable:
            problems.append("%s: internal_address_new %s %s" % (host, request["new"], unusable))
            continue
        step["new"] = new.compressed
        if new == old:
            step["action"] = "skip"
            continue
        step["action"] = "change"
        externals = [_ip(a) for a in node["external_addresses"]]
        if old in externals:
            step["external_after"] = [new.compressed if a == old else a.compressed for a in externals if a is not None]
    # Unique new addresses, and none that another node has now.
    wanted = {}
    for host, step in steps.items():
        if step["action"] not in ("change", "resume", "skip"):
            continue
        new = _ip(step["new"])
        if new in wanted:
            problems.append("%s and %s both ask for %s" % (wanted[new], host, new))
        wanted[new] = host
        for other in nodes:
            if other["id"] != step["node"] and _ip(other["address"]) == new:
                problems.append("%s: internal_address_new %s is node %d's current internal address" % (host, new, other["id"]))
    # Who runs the rladmin commands that cannot run on the node being changed.
    hosts = list(steps)
    for host, step in steps.items():
        other = delegate or next((other for other in hosts if other != host), None)
        if step["action"] not in ("change", "resume"):
            # Nothing runs for this node, but ansible-core 2.19 templates a task's delegate_to before its condition
            # and fails on an empty one: the skipped tasks get a host too.
            step["delegate"] = other or host
            continue
        step["delegate"] = other
        if step["delegate"] is None:
            problems.append("%s: no other node in the play to run rladmin from while node %d is down; "
                            "add another node to the play or set internal_address_delegate" % (host, step["node"]))
    plan = dict(problems=problems, hosts=steps, resume=sorted(h for h, s in steps.items() if s["action"] == "resume"))
    if checks is not None:
        _check_hosts(plan, nodes, checks)
    return plan


def _text(value):
    return "" if value is None else str(value).strip()


def _check_hosts(plan, nodes, checks):
    """Pre-flight's second pass: what each host found about itself, as problems and a report (see
    plan_internal_addresses)."""
    steps, problems = plan["hosts"], []
    ipv6 = any(":" in _text(node.get("address")) for node in nodes)
    for check in checks:
        host = check.get("host")
        step = steps.get(host, {})
        action = step.get("action", "")
        if check.get("read_error") is not None and action != "resume":
            problems.append("%s: rladmin failed there: %s" % (host, _text(check["read_error"])))
        if check.get("os_problem") is not None:
            problems.append("%s: %s" % (host, _text(check["os_problem"])))
        if check.get("unit") is not None and _text(check["unit"]) != "loaded":
            problems.append("%s: systemd has no unit %s (internal_address_service) there: %s"
                            % (host, check.get("service"), " ".join((_text(check["unit"]) + " " + _text(check.get("unit_error"))).split())))
        if action in ("change", "resume") and check.get("method") == "iproute2" and check.get("restart_method") == "reboot":
            problems.append("%s: internal_address_os_method=iproute2 cannot go with internal_address_restart_method=reboot: "
                            "the reboot would take the new address away" % host)
        if ipv6 or ":" in _text(step.get("new")):
            if check.get("hosts_file_error") is not None:
                problems.append("%s: cannot read /etc/hosts (%s), which must map ::1 to localhost for Redis Enterprise on IPv6"
                                % (host, _text(check["hosts_file_error"]) or "no content"))
            elif check.get("hosts_file") is not None and "localhost" not in [n.lower() for n in names_for(check["hosts_file"], "::1")]:
                problems.append('%s: /etc/hosts does not map ::1 to localhost; Redis Enterprise on IPv6 needs a line such as '
                                '"::1 localhost" there' % host)
    plan["problems"] = problems + plan["problems"]
    if not nodes:
        # (then every host's own problem is this one)
        errors = sorted({_text(c.get("read_error")) for c in checks if c.get("read_error") is not None})
        plan["problems"] = ["the cluster could not be read: %s" % ("; ".join(errors) or "no node answered")]
    methods = {c.get("host"): c.get("method") for c in checks}
    report, warnings = [], []
    for host, step in steps.items():
        method = methods.get(host)
        if step["action"] == "change":
            line = "change %s -> %s (%s)" % (step["old"], step["new"], method)
        elif step["action"] == "resume":
            line = "finish the interrupted change %s -> %s first (%s; the cluster has %s, node %s; its record says %s)" % (
                step["old"], step["new"], method, step["cluster_address"], "OK" if step["node_ok"] else "down",
                step["interrupted_at"] or "no stage")
        elif step["action"] == "skip":
            line = "already at %s, skipped" % step["new"]
        else:
            line = "no new address given, left alone"
        report.append("%s (node %d): %s" % (host, step["node"], line))
        if step["action"] in ("change", "resume") and method == "iproute2":
            warnings.append("WARNING: %s: internal_address_os_method=iproute2 changes the address at run time only; the next "
                            "reboot or network restart brings %s back and the node would not rejoin. Put %s in its network "
                            "configuration before then." % (host, step["old"], step["new"]))
    plan["report"] = report + warnings
