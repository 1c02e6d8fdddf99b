# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The I/O side of ip_address and ip_address_info: run ``ip`` and ``sysctl`` with a deadline.

Private to dualstack.redis: not a public API, may change in any release.
"""

import time

from ansible_collections.dualstack.redis.plugins.module_utils import _commands as commands
from ansible_collections.dualstack.redis.plugins.module_utils import _iproute as iproute

IP_ARGS = dict(command_timeout=dict(type="int", default=30))


class CommandFailed(Exception):
    """A command could not start, exited non-zero or outlived its deadline; the message carries its output."""


class Ip:
    """``ip`` and ``sysctl`` on this host, found on its PATH (and the sbin directories), each call bounded."""

    def __init__(self, module):
        self.module = module
        problem = commands.check_timeout(module.params["command_timeout"])
        if problem:
            module.fail_json(msg=problem)
        self.timeout = module.params["command_timeout"]
        self.paths = {"ip": module.get_bin_path("ip", required=True)}

    def run(self, argv):
        """Run a planned argv (``ip ...`` or ``sysctl ...``, by name); returns stdout or raises CommandFailed."""
        name = argv[0]
        if name not in self.paths:
            self.paths[name] = self.module.get_bin_path(name, required=True)
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


def check_address_args(params):
    """Every check of ip_address-style options (address, like, keep, interface, prefix_length, state, dad_timeout)
    that needs no look at the host; raises IprouteError."""
    for name in ("address", "like", "keep"):
        if params[name] is not None:
            params[name] = iproute.normalize_address(params[name], name)
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
