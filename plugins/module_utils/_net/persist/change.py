# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""persistent_address's flow, apart from Ansible: check the options, find where the address goes and which stack
keeps it, plan the configuration and the running system, check everything that can be checked, then write the
configuration (every file put back when one fails) and change the running system with the shared run-time apply.

Private to dualstack.redis: not a public API, may change in any release.

``run()`` returns the module's result or raises Failure carrying the result as it is at that point: ``changed``,
``files`` and ``commands`` say what was really done, also when something failed half-way.
"""

import os

from ansible_collections.dualstack.redis.plugins.module_utils import _files as files
from ansible_collections.dualstack.redis.plugins.module_utils._net import iproute, runtime
from ansible_collections.dualstack.redis.plugins.module_utils._net.persist import ifupdown, netplan, networkd, networkmanager
from ansible_collections.dualstack.redis.plugins.module_utils._net.persist.common import PersistError, choose

SUPPORTED = ("networkmanager", "networkd", "ifupdown", "netplan")


class Failure(Exception):
    """The module fails with this message and ``result`` (what was done until then)."""

    def __init__(self, msg, result):
        super(Failure, self).__init__(msg)
        self.result = result


def where(ip, addresses, params):
    """(interface, prefix_length) whose configuration changes; raises IprouteError."""
    address = params["address"]
    if params["state"] == "present":
        return runtime.present_where(ip, addresses, params)
    here = iproute.find(addresses, address)
    interface = params["interface"]
    if here is not None:
        if interface is not None and interface != here["interface"]:
            raise iproute.IprouteError("%s is bound to %s, not %s" % (address, here["interface"], interface))
        return here["interface"], here["prefix_length"]
    if interface is None:
        kept = iproute.find(addresses, params["keep"]) if params["keep"] is not None else None
        if kept is None:
            raise iproute.IprouteError("%s is not bound to any interface here; give interface (or keep), whose configuration "
                                       "to change" % address)
        interface = kept["interface"]
    return interface, None


def stack_plan(method, host, interface):
    """The plan object of ``method`` for ``interface``."""
    if method == "networkd":
        return networkd.NetworkdPlan(host, interface, host.networkd_link(interface) or {})
    if method == "netplan":
        link = host.networkd_link(interface) or {}
        device = host.nm_device(interface)
        return netplan.NetplanPlan(host, interface, netplan.netplan_id(link.get("NETWORK_FILE"), device[1] if device else None))
    if method == "ifupdown":
        return ifupdown.IfupdownPlan(host, interface)
    return networkmanager.NetworkManagerPlan(host, interface, host.nm_device(interface)[1])


def running_diff(interface, planned):
    if not planned:
        return []
    done = "; ".join(" ".join(argv) for argv in planned)
    return [dict(before="", after="", before_header="running %s" % interface, after_header="running %s: %s" % (interface, done))]


def run(params, ip, host, check_mode=False, diff_mode=False):
    """Add (state=present) or remove (absent) ``params['address']`` in the persistent configuration and, with
    ``apply``, on the running system. ``ip``: runtime.Ip; ``host``: common.Host. Returns the result; raises Failure."""
    result = dict(changed=False, commands=[], files=[], prefix_length=None, bound=False, dad=None, up_addresses=[])
    address, state = params["address"], params["state"]
    try:
        runtime.check_address_args(params, usable=True)
        address = params["address"]
        addresses = ip.addresses()
        interface, prefix_length = where(ip, addresses, params)
        result.update(interface=interface, prefix_length=prefix_length)
        planned = []
        if params["apply"]:
            planned = runtime.plan(ip, addresses, state, address, interface, prefix_length, params["keep"])
        method = choose(params["method"], host.stacks(interface), interface, host.nm_watches_only(interface))
        result["method"] = method
        plan = stack_plan(method, host, interface)
        if method == "ifupdown":
            plan.plan(state, address, prefix_length, like=params["like"])
        else:
            plan.plan(state, address, prefix_length)
        plan.check()
    except (iproute.IprouteError, PersistError, runtime.CommandFailed) as exc:
        raise Failure(str(exc), result)

    result["files"] = plan.files()
    result["commands"] = plan.commands() + planned
    result["changed"] = bool(result["files"] or result["commands"])
    if diff_mode and result["changed"]:
        result["diff"] = plan.diff() + running_diff(interface, planned)
    if not check_mode and result["changed"]:
        addresses = _apply(params, ip, plan, planned, interface, prefix_length, result)
    if state == "present" and params["apply"] and not (check_mode and planned):
        try:
            addresses, result["dad"] = runtime.settle(ip, addresses, address, interface, params["dad_timeout"])
        except runtime.CommandFailed as exc:
            raise Failure(str(exc), result)
        except runtime.DadProblem as exc:
            result.update(dad=exc.state, up_addresses=iproute.up_addresses(exc.addresses), bound=False)
            raise Failure(str(exc), result)
    result["up_addresses"] = iproute.up_addresses(addresses)
    result["bound"] = state == "present" if check_mode and planned else address in result["up_addresses"]
    if params["keep"] is not None and not check_mode and params["keep"] not in result["up_addresses"]:
        raise Failure("%s is no longer bound to an UP interface after removing %s" % (params["keep"], address), result)
    return result


def _apply(params, ip, plan, planned, interface, prefix_length, result):
    """Write the configuration, then change the running system; returns the addresses read afterwards. Raises
    Failure with ``changed``, ``files`` and ``commands`` as they really are."""
    transaction = files.Transaction(backup=params["backup"])
    ran = []
    try:
        plan.apply(transaction, ip.run, ran)
    except files.FileProblem as exc:
        written = list(transaction.written) or list(exc.written)
        left = transaction.rollback()
        result.update(commands=ran, files=left, changed=bool(left))
        if left:
            raise Failure("%s; these files could not be put back as they were: %s" % (exc, ", ".join(left)), result)
        raise Failure("%s; the configuration was not changed%s" % (exc, " (the files already written were put back)" if written else ""),
                      result)
    except runtime.CommandFailed as exc:
        result.update(commands=ran, files=list(transaction.written), changed=bool(transaction.written))
        raise Failure("%s; the configuration was not changed" % exc, result)
    if transaction.backups:
        result["backup_files"] = transaction.backups
    result["files"] = [path for path in transaction.written if not os.path.isdir(path)]
    try:
        if plan.commands() or plan.files():
            # NetworkManager may already have changed the device from the profile: plan from what is bound now.
            planned = runtime.plan(ip, ip.addresses(), params["state"], params["address"], interface, prefix_length,
                                   params["keep"]) if params["apply"] else []
        runtime.apply(ip, planned, ran)
        addresses = ip.addresses()
    except (runtime.CommandFailed, iproute.IprouteError) as exc:
        result.update(commands=ran, changed=True)
        raise Failure("%s; the configuration was changed already, the running system not fully" % exc, result)
    result.update(commands=ran, changed=True)
    return addresses
