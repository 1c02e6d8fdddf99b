# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The I/O side of ip_address and ip_address_info: run ``ip`` and ``sysctl`` with a deadline.

Private to dualstack.redis: not a public API, may change in any release.
"""

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

    def promote_values(self, interface):
        """``net.ipv4.conf.{all,<interface>}.promote_secondaries`` as read (empty when sysctl cannot say)."""
        try:
            return self.run(["sysctl", "-n", iproute.promote_key("all"), iproute.promote_key(interface)]).split()
        except CommandFailed:
            return []
