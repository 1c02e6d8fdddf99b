# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Addresses in the NetworkManager profile active on an interface, through ``nmcli`` (NetworkManager writes its
own keyfile). Pure parsing and planning of nmcli's values, then the plan that runs ``nmcli connection modify``.

Private to dualstack.redis: not a public API, may change in any release.

What NetworkManager 1.42 accepts, measured with ``nmcli --offline connection modify`` on keyfiles (tests/netns):
``ipv4.addresses`` only with ``ipv4.method`` auto, manual or shared; ``ipv6.addresses`` only with ``ipv6.method``
auto, dhcp, manual or shared. With link-local, disabled or ignore nmcli refuses the address ("this property is not
allowed for 'method=disabled'"), so that is refused here, in check mode too, before any change.
"""

from ansible_collections.dualstack.redis.plugins.module_utils._net.persist.common import PersistError, interface_network, same_address
from ansible_collections.dualstack.redis.plugins.module_utils._text import c_strip

# The methods with which NetworkManager takes manual addresses, per family.
TAKES_ADDRESSES = {"ipv4": ("auto", "manual", "shared"), "ipv6": ("auto", "dhcp", "manual", "shared")}


def split(value):
    """A multi-value field printed by ``nmcli -g`` (``a, b``; ``:`` escaped as ``\\:``, ``\\`` as ``\\\\``) as a list."""
    value = c_strip(value or "")
    if not value:
        return []
    items, current, escaped = [], "", False
    for char in value:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            items.append(c_strip(current))
            current = ""
        else:
            current += char
    items.append(c_strip(current))
    return [item for item in items if item]


def find(values, address):
    """The ``A/P`` entry of ``values`` (a profile's ipvX.addresses) that is ``address``, or None."""
    return next((entry for entry in values if same_address(entry, address)), None)


def method_problem(family, method, connection, value):
    """Why the profile cannot take ``value`` with this ``method``, with the fix; None when it can."""
    method = c_strip(method or "") or "auto"
    if method in TAKES_ADDRESSES[family]:
        return None
    return ("NetworkManager profile %s has %s.method %s, with which it takes no addresses (nmcli would refuse %s, and the "
            "profile would bring nothing back at boot); set %s.method to manual or auto in the profile first (nmcli "
            "connection modify %s %s.method manual), or configure the address another way"
            % (connection, family, method, value, family, connection, family))


class NetworkManagerPlan(object):
    """The ``nmcli connection modify`` of the profile active on the interface."""

    method = "networkmanager"

    def __init__(self, host, interface, connection):
        self.host = host
        self.interface = interface
        self.connection = connection
        self.before = []
        self.after = []
        self.field = None
        self.argv = []

    def plan(self, state, address, prefix_length):
        family = "ipv6" if ":" in address else "ipv4"
        self.field = family + ".addresses"
        try:
            out = self.host.run(["nmcli", "-g", "%s.method,%s" % (family, self.field), "connection", "show", self.connection])
        except Exception as exc:  # pylint: disable=broad-except  # runtime.CommandFailed, with nmcli's own words
            raise PersistError("cannot read profile %s: %s" % (self.connection, exc))
        lines = out.split("\n")
        method, values = (lines + ["", ""])[:2]
        self.before = split(values)
        entry = find(self.before, address)
        if state == "present" and entry is None:
            value = interface_network(address, prefix_length)
            problem = method_problem(family, method, self.connection, value)
            if problem:
                raise PersistError(problem)
            self.argv = ["nmcli", "connection", "modify", self.connection, "+" + self.field, value]
            self.after = self.before + [value]
        elif state == "absent" and entry is not None:
            self.argv = ["nmcli", "connection", "modify", self.connection, "-" + self.field, entry]
            self.after = [item for item in self.before if item != entry]
        else:
            self.after = list(self.before)

    def check(self):
        return None

    def commands(self):
        return [self.argv] if self.argv else []

    def files(self):
        return []

    def diff(self):
        if not self.argv:
            return []
        header = "%s of NetworkManager profile %s" % (self.field, self.connection)
        return [dict(before="".join(a + "\n" for a in self.before), after="".join(a + "\n" for a in self.after),
                     before_header=header, after_header=header)]

    def apply(self, transaction, run, ran):
        if self.argv:
            ran.append(self.argv)
            run(self.argv)
