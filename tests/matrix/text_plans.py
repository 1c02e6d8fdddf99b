"""persistent_address's text planners (module_utils/_net/persist/: ifupdown, netplan, networkd) on a given interpreter.

Run with the managed-host Python (3.6 under ansible-core 2.16) and with the controller's; tests/matrix/run.sh
modules compares the two outputs, which must be identical. The module itself cannot be pointed at a
temporary /etc/network/interfaces, so this runs its planners on the texts the unit tests use: parse (with CRLF,
continuation lines and non-UTF-8 bytes), insert and remove a stanza, replace an address, a stanza's prefix, the
up-line reader and autoconf, the netplan drop-in, the parsed document without an item, the removal candidates of a
list item, what netplan rendered, and systemd-networkd's lines (lone CR, continuations) and edits.
Usage: PYTHON text_plans.py COLLECTIONS_DIR (the directory holding ansible_collections/).
"""

import json
import sys

sys.path.insert(0, sys.argv[1])

from ansible_collections.dualstack.redis.plugins.module_utils._net.persist import ifupdown  # noqa: E402
from ansible_collections.dualstack.redis.plugins.module_utils._net.persist import netplan  # noqa: E402
from ansible_collections.dualstack.redis.plugins.module_utils._net.persist import networkd  # noqa: E402

INTERFACES = (
    "# The loopback network interface\r\n"
    "auto lo\niface lo inet loopback\n\n"
    "source /etc/network/interfaces.d/*\n"
    "allow-hotplug eth0\n"
    "iface eth0 inet static\n"
    "    address 198.18.50.11\n"
    "    netmask 255.255.255.0\n"
    "    gateway 198.18.50.1 \\\n"
    "        # continued\n"
    "    post-up echo caf\xe9 \udce9\n"  # a non-UTF-8 byte, as _files reads it (surrogateescape)
    "iface eth0 inet6 static\n"
    "    address fd00:50::11/64\n"
)
NETPLAN = (
    "network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses:\n"
    "        - 198.18.50.11/24\n        - \"fd00:50::11/64\"\n      routes: [{to: default, via: 198.18.50.1}]\n"
    "    eth1: {addresses: [10.0.0.1/8, '10.0.0.2/8']}\n"
)


def stanza(item):
    return dict(name=item.name, family=item.family, method=item.method, start=item.start, end=item.end,
                options=[list(option) for option in item.options], marked=item.marked, address=item.address(),
                prefix=ifupdown.prefix_of(item))


def main():
    out = {}
    stanzas, includes = ifupdown.parse(INTERFACES)
    out["parse"] = dict(stanzas=[stanza(s) for s in stanzas], includes=[list(i) for i in includes])
    out["ip_command"] = [ifupdown.ip_command(line, "eth0") for line in (
        "/sbin/ip -4 address add 198.18.50.21/24 dev $IFACE label eth0:1", "ip a d fd00::2/64 dev eth0", "ip addr add 1.2.3.4/24 dev eth0; x")]
    out["autoconf"] = ifupdown.autoconf_after(ifupdown.parse("iface eth0 inet6 auto\n")[0], "0")
    eth0 = [s for s in stanzas if s.name == "eth0" and s.family == "inet"][0]
    block = ifupdown.stanza_block("eth0", ifupdown.family_of("198.18.50.21/24"), "198.18.50.21/24")
    added = ifupdown.insert_after(INTERFACES, eth0, block)
    out["insert_after"] = added
    again = [s for s in ifupdown.parse(added)[0] if s.marked]
    out["remove_stanza"] = ifupdown.remove_stanza(added, again[0])
    out["remove_is_identity"] = out["remove_stanza"] == INTERFACES
    out["replace_address"] = ifupdown.replace_address(INTERFACES, eth0, "198.18.50.21/24")
    doc = {"network": {"version": 2, "ethernets": {"eth0": {"addresses": ["198.18.50.11/24", {"fd00:50::11/64": {"lifetime": 0}}]}}}}
    out["netplan_id"] = [netplan.netplan_id(network_file="/run/systemd/network/10-netplan-eth0.network"),
                         netplan.netplan_id(connection="netplan-eth0")]
    out["addresses"] = netplan.addresses(doc, "eth0")
    out["dropin"] = netplan.render([("ethernets", "eth0", [({"fd00:50::11/64": {"lifetime": 0}}, "99-x.yaml")], ["198.18.50.21/24"])])
    out["rendered"] = netplan.rendered_addresses("[ipv4]\naddress2=10.0.0.2/24\naddress1=10.0.0.1/24,10.0.0.254\n", False)
    network = "[Network]\rAddress=198.18.50.11/24\r\nAddress=\\\n# in\n  198.18.50.12/24\nDNS=caf\xe9 \udce9\n[Address]\nAddress=fd00::1/64\n"
    out["networkd"] = [networkd.addresses(network), networkd.without(network, "198.18.50.12"), networkd.without(network, "fd00::1"),
                       networkd.with_address(network, "198.18.50.21/24")]
    out["without"] = netplan.without(doc, "eth0", lambda value: value.startswith("198.18.50.11"))
    out["removal_candidates"] = [netplan.removal_candidates(NETPLAN, value)
                                 for value in ("198.18.50.11/24", "fd00:50::11/64", "10.0.0.2/8", "10.0.0.1/8")]
    json.dump(out, sys.stdout, sort_keys=True, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
