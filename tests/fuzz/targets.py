"""Coverage-guided fuzzing of the collection's parsers (issue 29, item 3): the targets, each with the exceptions it
may raise (its module's own refusal; anything else is a crash).

Each target takes the fuzzer's bytes, decodes them as the program that reads such input would (UTF-8 with
surrogateescape: non-UTF-8 bytes survive, as the modules read files), and runs the parser and, where there is one,
the planner on top of it. ``SEEDS`` gives each target a seed corpus taken from the shapes the unit tests use.

Run by tests/fuzz/run.sh (``make fuzz``), one target at a time under atheris: python3 targets.py TARGET [libFuzzer
options]. A crash found becomes a unit test (tests/unit/...) before the parser is fixed.
"""

import contextlib
import json
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from collection_tree import link_checkout  # noqa: E402

link_checkout("dualstack-redis-fuzz-")

try:
    import atheris
except ImportError:  # (the seeds and targets are also importable without it, e.g. to replay a crash)
    atheris = None

# Only the collection's code is instrumented (instrument_all() also instruments the standard library, which atheris
# cannot always do, and which is not under test).
with (atheris.instrument_imports() if atheris is not None and __name__ == "__main__" else contextlib.nullcontext()):
    from ansible_collections.dualstack.redis.plugins.module_utils import _cluster_topology as ct  # noqa: E402
    from ansible_collections.dualstack.redis.plugins.module_utils import _gai_conf as gai  # noqa: E402
    from ansible_collections.dualstack.redis.plugins.module_utils import _resp as resp  # noqa: E402
    from ansible_collections.dualstack.redis.plugins.module_utils._net.persist import common as persist_common  # noqa: E402
    from ansible_collections.dualstack.redis.plugins.module_utils._net.persist import ifupdown  # noqa: E402
    from ansible_collections.dualstack.redis.plugins.module_utils._net.persist import netplan  # noqa: E402
    from ansible_collections.dualstack.redis.plugins.module_utils._net.persist import networkd  # noqa: E402
    from ansible_collections.dualstack.redis.plugins.module_utils._policy_table import GLIBC_PRECEDENCE, PolicyError, wanted_rows  # noqa: E402
    from ansible_collections.dualstack.redis.plugins.module_utils._re import nodes as re_nodes  # noqa: E402
    from ansible_collections.dualstack.redis.plugins.module_utils._re import rest as re_rest  # noqa: E402
    from ansible_collections.dualstack.redis.plugins.module_utils._re import rladmin as rl  # noqa: E402
    from ansible_collections.dualstack.redis.plugins.plugin_utils import _hosts_file as hosts_file  # noqa: E402
    from ansible_collections.dualstack.redis.plugins.plugin_utils import _netsh as netsh  # noqa: E402


def text(data):
    return data.decode("utf-8", "surrogateescape")


def fuzz_rladmin(data):
    source = text(data)
    for parse in (rl.parse_status_nodes, lambda t: rl.parse_table(t, "SHARDS"), rl.parse_cluster_master):
        try:
            parse(source)
        except re_nodes.ReError:
            pass
    rl.parse_info_node(source)


def fuzz_resp(data):
    chunks = [data]

    def recv(_size):
        return chunks.pop() if chunks else b""

    try:
        reply = resp.Parser(recv).reply()
    except (resp.RespError, resp.ReplyError):
        return
    for read in (ct.nodes_from_shards, ct.nodes_from_slots, ct.nodes_from_nodes):
        try:
            read(reply)
        except ct.TopologyError:
            pass


def fuzz_gai_conf(data):
    source = text(data)
    for prefer in ("ipv4", "ipv6"):
        try:
            gai.plan(source, wanted_rows(prefer, [], GLIBC_PRECEDENCE))
        except PolicyError:
            pass


def fuzz_netsh(data):
    try:
        netsh.parse_prefix_policies(text(data))
    except netsh.NetshError:
        pass


def fuzz_ifupdown(data):
    try:
        ifupdown.parse(text(data))
    except persist_common.PersistError:
        pass


def fuzz_networkd(data):
    source = text(data)
    try:
        networkd.addresses(source)
        networkd.match_names(source)
        networkd.without(source, "198.51.100.5/24")
        networkd.with_address(source, "198.51.100.6/24")
    except persist_common.PersistError:
        pass


def fuzz_netplan(data):
    # PyYAML is what the module reads netplan's files with (netplan's own dependency on the host): a file it cannot
    # read (or nests too deeply for it) is the module's refusal (PersistError from NetplanPlan._load); a file it reads must never crash the rest
    source = text(data)
    try:
        doc = yaml.safe_load(source)
    except (yaml.YAMLError, RecursionError):
        return
    for ident in ("eth0", "0", 0):
        netplan.addresses(doc, ident)
        netplan.without(doc, ident, lambda value: True)
    netplan.read_mine(source, yaml)
    for value in ("198.51.100.5/24", "eth0"):
        netplan.removal_candidates(source, value)
    for networkd_file in (True, False):
        netplan.rendered_addresses(source, networkd_file)


def fuzz_rest(data):
    try:
        body = json.loads(text(data))
    except ValueError:
        return
    for nodes_reply, status_reply in ((body, {}), (body, body), ([body], body)):
        try:
            re_rest.nodes_from_rest(nodes_reply, status_reply)
        except re_nodes.ReError:
            pass


def fuzz_hosts(data):
    source = text(data)
    for address in ("127.0.0.1", "::1", "198.51.100.5"):
        hosts_file.names_for(source, address)


TARGETS = {"rladmin": fuzz_rladmin, "resp": fuzz_resp, "gai_conf": fuzz_gai_conf, "netsh": fuzz_netsh,
           "ifupdown": fuzz_ifupdown, "networkd": fuzz_networkd, "netplan": fuzz_netplan, "rest": fuzz_rest, "hosts": fuzz_hosts}

SEEDS = {
    "rladmin": [b"CLUSTER NODES:\nNODE:ID ROLE   ADDRESS    EXTERNAL_ADDRESS HOSTNAME SHARDS STATUS\n"
                b"*node:1 master 10.0.0.11 2001:db8::11     re-1     1/100  OK\n"
                b"node:2  slave  10.0.0.12                  re-2     0/100  DOWN, last seen 9s ago\n",
                b"SHARDS:\nDB:ID NAME ID NODE ROLE SLOTS\ndb:1 a redis:1 node:1 master 0-16383\n",
                b"Command Output:\r\ncluster master: 1 (10.0.0.11)\r\n"],
    "resp": [b"+OK\r\n", b"$5\r\nhello\r\n", b"*1\r\n*3\r\n:0\r\n:16383\r\n*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$2\r\nid\r\n",
             b"$90\r\nabc 10.0.0.1:7000@17000,node1.example myself,master - 0 0 1 connected 0-16383\n\r\n",
             b"-ERR unknown command\r\n", b"_\r\n", b"%1\r\n+a\r\n:1\r\n"],
    "gai_conf": [b"# glibc\nlabel ::1/128 0\nprecedence ::ffff:0:0/96 100\n", b"reload yes\nprecedence ::/0 40\r\n",
                 b"\xff\xfeprecedence fd00::/8 30\n"],
    "netsh": [b"Querying active state...\r\n\r\nPrecedence  Label  Prefix\r\n----------  -----  ------\r\n"
              b"        50      0  ::1/128\r\n        40      1  ::/0\r\n        35      4  ::ffff:0:0/96\r\n"],
    "ifupdown": [b"source /etc/network/interfaces.d/*\nauto eth0\niface eth0 inet static\n    address 198.18.50.11/24\n"
                 b"    gateway 198.18.50.1\niface eth0 inet6 static\n    address fd00:50::11/64\n"],
    "networkd": [b"[Match]\nName=eth0\n\n[Network]\nAddress=198.18.50.11/24\nAddress=fd00:50::11/64\n",
                 b"[Network]\\\nAddress=10.0.0.1/8 \\\n  # comment\n[Address]\nAddress=10.0.0.2/8\n"],
    "netplan": [b"network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: false\n      addresses: [198.18.50.11/24, \"fd00:50::11/64\"]\n",
                b"# dualstack.redis\nnetwork:\n  version: 2\n  ethernets:\n    \"eth0\":\n      addresses:\n"
                b"        - \"198.51.100.5/24\"  # restated from 50-cloud-init.yaml\n        - {\"198.51.100.6/24\": {}}\n",
                b"[connection]\nid=netplan-eth0\n[ipv4]\naddress1=198.51.100.5/24,198.51.100.1\n[ipv6]\naddress1=fd00::5/64\n"],
    "rest": [b'[{"uid": 1, "addr": "10.0.0.11", "external_addr": ["203.0.113.11"], "status": "active"}]',
             b'{"1": {"status": "ok"}, "2": {"status": "down"}}'],
    "hosts": [b"127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n198.51.100.5 redis.example redis # c\n"],
}


def main():
    name = sys.argv[1]
    target = TARGETS[name]
    atheris.Setup([sys.argv[0]] + sys.argv[2:], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
