# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Redis Enterprise cluster's nodes, whatever reads them (rladmin or the REST API): the node planner (what must
change for a node's internal and external addresses, and what the cluster would refuse), and the one
apply-and-verify path both transports share.

Private to dualstack.redis: not a public API, may change in any release.

A node is a dict (as M(dualstack.redis.re_node_info) returns them): ``id``, ``role``, ``address``,
``external_addresses``, ``hostname``, ``status``, ``ok``, ``connected`` (rladmin: the node it runs on; REST:
False). A transport (``rladmin.Rladmin``, ``rest.Rest``) has the same methods: ``nodes()``, ``node(id)``,
``commands(change)`` (what ``apply`` would send, for check mode), ``apply(change, ran)`` (sends it, each
request recorded in ``ran`` before it goes) and ``learn(nodes)``.
"""

import ipaddress

from ansible_collections.dualstack.redis.plugins.module_utils import _checks as checks

EXTERNAL_STATES = ("exact", "present", "absent")


class ReError(ValueError):
    """Input, a reply or output this collection cannot use, or a change the cluster would refuse; raised before
    anything changes. The message says what and what to do."""


class ReFailed(Exception):
    """A request or command that failed, carrying ``result``: what ran (``commands``), ``changed``, the node before
    and after (when it could be read)."""

    def __init__(self, msg, result=None):
        super(ReFailed, self).__init__(msg)
        self.result = dict(result or {})


def find_node(nodes, node_id):
    """The node with ``node_id``, or an error naming it and the ids there are."""
    for node in nodes:
        if node["id"] == node_id:
            return node
    raise ReError("node %s is not in this cluster (nodes: %s)" % (node_id, ", ".join(str(n["id"]) for n in nodes) or "none"))


def master_id(nodes):
    """The id of the node whose role is master, or None."""
    masters = [node["id"] for node in nodes if node.get("role") == "master"]
    return masters[0] if masters else None


def normalize_address(value, where):
    """A usable IPv4 or IPv6 address as the cluster should get it (IPv6 lower-case and compressed), or an error: the
    collection's one rule for node addresses (_checks.node_address)."""
    address, problem = checks.node_address(value, where)
    if problem:
        raise ReError(problem)
    return address.compressed


def normalize_addresses(values, where):
    """A list of addresses, validated and normalized, without duplicates (an error names them)."""
    result = []
    for index, value in enumerate(values or []):
        address = normalize_address(value, "%s[%d]" % (where, index))
        if address in result:
            raise ReError("%s[%d] '%s' repeats %s" % (where, index, value, address))
        result.append(address)
    return result


def node_ip(node, column="address"):
    """A node's address, as an ipaddress object; an error when it is not an IP address."""
    try:
        return ipaddress.ip_address(node[column])
    except ValueError:
        raise ReError("node %d's %s is %r, not an IP address; this module changes nodes whose addresses are IP addresses"
                      % (node["id"], column, node[column]))


def ips(addresses):
    """The addresses that are IP addresses, as ipaddress objects."""
    found = []
    for address in addresses:
        try:
            found.append(ipaddress.ip_address(address))
        except ValueError:
            pass
    return found


def contains(addresses, address):
    return ipaddress.ip_address(address) in ips(addresses)


def node_up_message(node_id, status):
    return ("node %d is up (status %s); its internal address can only change while it is down (demote it, disable and "
            "stop rlec_supervisor on it first)" % (node_id, status))


class Change(object):
    """What must change on one node: ``address`` (the new internal address, or None), ``external`` (the whole new list
    of external addresses, or None), the node ``before`` and as ``predicted`` afterwards."""

    def __init__(self, node, address=None, external=None):
        self.node_id = node["id"]
        self.before = node
        self.address = address
        self.external = external
        self.predicted = dict(node, external_addresses=list(node["external_addresses"]))
        if address is not None:
            self.predicted["address"] = address
        if external is not None:
            self.predicted["external_addresses"] = list(external)

    def needed(self):
        return self.address is not None or self.external is not None


def external_target(current, wanted, state):
    """The node's whole list of external addresses once ``wanted`` applied under ``state`` (exact, present,
    absent); the order of ``wanted`` for exact, the current order then the added ones otherwise."""
    if state not in EXTERNAL_STATES:
        raise ReError("external_addresses_state must be one of %s, got %r" % (", ".join(EXTERNAL_STATES), state))
    if state == "exact":
        return list(wanted)
    if state == "present":
        return list(current) + [a for a in wanted if not contains(current, a)]
    return [a for a in current if not contains(wanted, a)]


def plan(nodes, node_id, internal_address=None, external_addresses=None, state="exact"):
    """The Change of ``node_id`` that gives it ``internal_address`` and the external addresses ``external_addresses``
    (under ``state``); refuses (ReError) what the cluster would refuse or regret: an unknown node, a switch between
    IPv4 and IPv6, an address another node has, a node that is still up, and rladmin running on the node itself."""
    node = find_node(nodes, node_id)
    address = external = None
    if internal_address is not None:
        new = normalize_address(internal_address, "internal_address")
        old = node_ip(node)
        if old != ipaddress.ip_address(new):
            if old.version != ipaddress.ip_address(new).version:
                raise ReError("internal_address %s would switch node %d from IPv%d to IPv%d (%s); a running cluster cannot "
                              "change the internal address family" % (new, node_id, old.version, ipaddress.ip_address(new).version,
                                                                      node["address"]))
            for other in nodes:
                if other["id"] != node_id and contains([other["address"]], new):
                    raise ReError("internal_address %s is already node %d's internal address" % (new, other["id"]))
            if node.get("connected"):
                raise ReError("this runs on node %d itself; rladmin can only set a node's internal address while that node is "
                              "down, so run it on another node of the cluster (e.g. delegate_to one)" % node_id)
            # down: not OK for rladmin; over the REST API only "down" (provisioning and decommissioning are not offline)
            if node["ok"] or node.get("rest_status", "down") != "down":
                raise ReError(node_up_message(node_id, node["status"]))
            address = new
    if external_addresses is not None:
        wanted = normalize_addresses(external_addresses, "external_addresses")
        target = external_target(node["external_addresses"], wanted, state)
        if set(ips(target)) != set(ips(node["external_addresses"])):
            external = target
    return Change(node, address, external)


def differences(node, wanted):
    """How ``node`` (as read now) differs from ``wanted`` (a node as planned): one phrase each for the internal address
    and the set of external addresses; empty when it matches."""
    found = []
    if ips([node["address"]]) != ips([wanted["address"]]):
        found.append("has internal address %s, not %s" % (node["address"], wanted["address"]))
    if set(ips(node["external_addresses"])) != set(ips(wanted["external_addresses"])):
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


def update(transport, node_id, internal_address=None, external_addresses=None, state="exact", check_mode=False):
    """Read the cluster, change only what differs on ``node_id``, read the node back: the modules' result
    (``changed``, ``commands``, ``before``, ``after``). Raises ReError before anything is sent, ReFailed (carrying the
    result as it is) after."""
    result = dict(changed=False, commands=[], before=None, after=None)
    try:
        nodes = transport.nodes()
    except ReFailed as exc:
        raise ReFailed(str(exc), result)
    transport.learn(nodes)
    change = plan(nodes, node_id, internal_address, external_addresses, state)
    result.update(before=change.before, after=change.predicted, changed=change.needed())
    if not change.needed():
        return result
    if check_mode:
        result["commands"] = transport.commands(change)
        return result
    ran = []
    try:
        transport.apply(change, ran)
    except ReFailed as exc:
        # Refused or failed: the node read again says whether anything changed.
        result.update(commands=ran, after=None, changed=True)
        message = str(exc)
        try:
            result["after"] = transport.node(node_id)
            result["changed"] = differences(result["after"], change.before) != []
        except (ReFailed, ReError) as again:
            message = "%s; reading node %d back failed too: %s" % (message, node_id, again)
        raise ReFailed(message, result)
    result["commands"] = ran
    try:
        result["after"] = transport.node(node_id)
    except (ReFailed, ReError) as exc:
        result["after"] = None
        raise ReFailed(str(exc), result)
    result["changed"] = differences(result["after"], change.before) != []
    missing = differences(result["after"], change.predicted)
    if missing:
        raise ReFailed("%s but node %d %s" % (transport.describe(ran), node_id, "; ".join(missing)), result)
    return result
