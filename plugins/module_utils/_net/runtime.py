# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The running system's addresses, shared by ip_address, ip_address_info and persistent_address: ``ip`` and
``sysctl`` run with a deadline (the adapter), the checks of their options, and the one run-time apply (plan,
run, wait for duplicate address detection, the verdict) both changing modules use.

Private to dualstack.redis: not a public API, may change in any release.
"""

import ipaddress
import time

from ansible_collections.dualstack.redis.plugins.module_utils import _commands as commands
from ansible_collections.dualstack.redis.plugins.module_utils._checks import address_problem
from ansible_collections.dualstack.redis.plugins.module_utils._net import iproute

IP_ARGS = dict(command_timeout=dict(type="int", default=30))


class CommandFailed(Exception):
    """A command could not start, exited non-zero or outlived its deadline; the message carries its output."""


class DadProblem(Exception):
    """An IPv6 address that duplicate address detection failed, or that is still tentative after ``dad_timeout``;
    carries the addresses as last read and the address's state."""

    def __init__(self, msg, addresses, state):
        super(DadProblem, self).__init__(msg)
        self.addresses, self.state = addresses, state


class Ip:
    """``ip``, ``sysctl`` and the other programs a plan names, found on this host's PATH (and the sbin directories),
    each call bounded by ``command_timeout``. Raises CommandFailed for a bad timeout or a program that is not there."""

    def __init__(self, module):
        self.module = module
        problem = commands.check_timeout(module.params["command_timeout"])
        if problem:
            raise CommandFailed(problem)
        self.timeout = module.params["command_timeout"]
        self.paths = {}
        self.path("ip")

    def path(self, name):
        """The program's path; raises CommandFailed when it is not installed."""
        if name not in self.paths:
            found = self.module.get_bin_path(name)
            if not found:
                raise CommandFailed("%s is not installed on this host (not found on its PATH or in the sbin directories)" % name)
            self.paths[name] = found
        return self.paths[name]

    def run(self, argv):
        """Run a planned argv (``ip ...`` or ``sysctl ...``, by name); returns stdout or raises CommandFailed."""
        name = argv[0]
        self.path(name)
        try:
            rc, out, err = commands.run([self.paths[name]] + list(argv[1:]), timeout=self.timeout)
        except commands.CommandError as exc:
            raise CommandFailed(str(exc))
        if rc != 0:
            raise CommandFailed("'%s' failed (rc=%d): %s" % (" ".join(argv), rc, (err or out).strip() or "no output"))
        return out

    def addresses(self):
        """Every address on every interface (``ip -j addr show``); raises CommandFailed."""
        out = self.run(["ip", "-j", "addr", "show"])
        try:
            return iproute.parse_addresses(out)
        except iproute.IprouteError as exc:
            raise CommandFailed(str(exc))

    def routes(self, interface):
        """The IPv4 routes through ``interface`` (``ip -j -4 route show dev IF``), for plan_absent; raises CommandFailed."""
        out = self.run(["ip", "-j", "-4", "route", "show", "dev", interface])
        try:
            return iproute.parse_routes(out)
        except iproute.IprouteError as exc:
            raise CommandFailed(str(exc))

    def promote_values(self, interface):
        """``net.ipv4.conf.{all,<interface>}.promote_secondaries`` as read (empty when sysctl cannot say)."""
        try:
            return self.run(["sysctl", "-n", iproute.promote_key("all"), iproute.promote_key(interface)]).split()
        except CommandFailed:
            return []


def check_address_args(params, usable=False):
    """Every check of ip_address-style options (address, like, keep, interface, prefix_length, state, dad_timeout)
    that needs no look at the host; raises IprouteError. With ``usable``, an address to add must be one a host can
    be reached at (the collection's rule for node addresses: not unspecified, loopback, multicast, link-local,
    reserved or IPv4-mapped)."""
    for name in ("address", "like", "keep"):
        if params[name] is not None:
            params[name] = iproute.normalize_address(params[name], name)
    if usable and params["state"] == "present":
        problem = address_problem(ipaddress.ip_address(params["address"]))
        if problem:
            raise iproute.IprouteError("address %s %s; nothing was changed" % (params["address"], problem))
    if params["interface"] is not None:
        iproute.check_interface(params["interface"])
    if params["state"] == "present":
        if params["keep"] is not None:
            raise iproute.IprouteError("keep only applies with state=absent")
        if params["prefix_length"] is not None:
            iproute.check_prefix_length(params["address"], params["prefix_length"])
        if params["like"] is not None and iproute.family(params["like"]) != iproute.family(params["address"]):
            raise iproute.IprouteError("like %s is an %s address and address %s an %s one; like must be of the same family"
                                       % (params["like"], iproute.family(params["like"]), params["address"], iproute.family(params["address"])))
        if params["like"] is None and (params["interface"] is None or params["prefix_length"] is None):
            raise iproute.IprouteError("state=present needs interface and prefix_length, or like")
        if isinstance(params["dad_timeout"], bool) or not 0 <= params["dad_timeout"] <= 3600:
            raise iproute.IprouteError("dad_timeout %s is not from 0 to 3600 seconds" % params["dad_timeout"])
    else:
        for name in ("like", "prefix_length"):
            if params[name] is not None:
                raise iproute.IprouteError("%s only applies with state=present" % name)
        if params["keep"] is not None and params["keep"] == params["address"]:
            raise iproute.IprouteError("keep %s is the address being removed" % params["keep"])


def wait_for_dad(ip, addresses, address, timeout):
    """The addresses once ``address`` is no longer tentative, or when ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while iproute.dad_state(addresses, address) == "tentative" and time.monotonic() < deadline:
        time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        addresses = ip.addresses()
    return addresses


def check_keep(addresses, commands, params):
    """Before any removal: ``keep`` is bound to an UP interface now and still will be once ``commands`` ran."""
    if params["keep"] not in iproute.up_addresses(addresses):
        raise iproute.IprouteError("keep %s is not bound to an UP interface now; nothing was removed" % params["keep"])
    if params["keep"] not in iproute.up_addresses(iproute.predict(addresses, commands)):
        raise iproute.IprouteError("removing %s would take %s with it; nothing was removed" % (params["address"], params["keep"]))


def present_where(ip, addresses, params):
    """(interface, prefix_length) for state=present: those of ``like`` (bound now), else the options'.

    A named interface must be on this host (one that holds no address yet is asked of ``ip link``): checked before
    any change and in check mode too, so a mistyped name is refused rather than found out by ``ip addr add``."""
    if params["like"] is None:
        interface = params["interface"]
        if not any(a["interface"] == interface for a in addresses):
            try:
                ip.run(["ip", "link", "show", "dev", interface])
            except CommandFailed as exc:
                raise iproute.IprouteError("interface %s is not on this host (%s)" % (interface, exc))
        return interface, params["prefix_length"]
    model = iproute.find(addresses, params["like"])
    if model is None:
        raise iproute.IprouteError("like: %s is not bound to any interface here" % params["like"])
    return model["interface"], model["prefix_length"]


def plan(ip, addresses, state, address, interface, prefix_length, keep=None):
    """The ``ip`` (and ``sysctl``) commands that take the running system to ``state`` for ``address`` on
    ``interface``: nothing when it is so already. For ``absent``, only a binding on ``interface`` is removed (None:
    wherever it is); with ``keep``, an IprouteError when ``keep`` is not bound now or the removal would take it
    with it. Reads the promote_secondaries sysctls and the interface's routes when an IPv4 address goes."""
    if state == "present":
        return iproute.plan_present(addresses, address, interface, prefix_length)
    here = iproute.find(addresses, address)
    planned = []
    if here is not None and interface in (None, here["interface"]):
        ipv4 = here["family"] == "ipv4"
        promote = ip.promote_values(here["interface"]) if ipv4 else []
        routes = ip.routes(here["interface"]) if ipv4 else None
        planned, _needs = iproute.plan_absent(addresses, address, promote, here["interface"], routes)
    if keep is not None:
        check_keep(addresses, planned, dict(keep=keep, address=address))
    return planned


def apply(ip, planned, ran):
    """Run ``planned`` in order, appending each argv to ``ran`` before it runs (so a failed one is last); raises
    CommandFailed."""
    for argv in planned:
        ran.append(argv)
        ip.run(argv)


def changed_since(ip, before):
    """After a failed command: whether the bound addresses differ from ``before`` (unknown counts as changed)."""
    def bound(addresses):
        return {(a["interface"], a["address"], a["prefix_length"]) for a in addresses}

    try:
        return bound(ip.addresses()) != bound(before)
    except CommandFailed:
        return True


def settle(ip, addresses, address, interface, dad_timeout):
    """The addresses once ``address`` passed IPv6 duplicate address detection (IPv4: at once), and its state
    (None, ``tentative`` or ``dadfailed``). Raises DadProblem, naming the fix, when it failed, or when it is still
    tentative after ``dad_timeout`` seconds (0: do not wait, tentative is then no failure)."""
    addresses = wait_for_dad(ip, addresses, address, dad_timeout)
    state = iproute.dad_state(addresses, address)
    if state == "dadfailed":
        raise DadProblem("%s failed IPv6 duplicate address detection on %s: another host on the link has it, so the kernel "
                         "never uses it here; remove it (state=absent) and pick another address" % (address, interface),
                         addresses, state)
    if state == "tentative" and dad_timeout > 0:
        raise DadProblem("%s on %s is still tentative (IPv6 duplicate address detection) after %d seconds; the kernel does "
                         "not use it yet (raise dad_timeout, or check net.ipv6.conf.%s.dad_transmits)"
                         % (address, interface, dad_timeout, interface), addresses, state)
    return addresses, state
