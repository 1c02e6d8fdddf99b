"""Fixtures for the tests that change addresses for real: a network namespace of the test's own, per test.

Each namespace (``ip netns add``) has its own loopback and a veth pair whose end under test is named like a
VLAN interface (``eth0.100``: a dot in the name, as the kernel allows), with a primary and a secondary IPv4
address of one subnet and an IPv6 address. Nothing leaves the namespace: the veth's peer is in it too.
The modules run as Ansible runs them (``ansible localhost -m ...`` through ``ip netns exec``), so ``ip`` and
procps' ``sysctl`` act on that namespace's real kernel state. Needs root, iproute2 and procps.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

import module_runs  # noqa: E402
from collection_tree import link_checkout  # noqa: E402

TREE = link_checkout("dualstack-redis-netns-tests-")
IFACE = "eth0.100"
_names = itertools.count(1)


@pytest.fixture(scope="session", autouse=True)
def needs_root_and_tools():
    missing = [tool for tool in ("ip", "sysctl") if not shutil.which(tool)]
    if os.geteuid() != 0 or missing:
        pytest.fail("tests/netns needs root and %s (make test runs them as root; apt-get install iproute2 procps)"
                    % (", ".join(missing) or "ip, sysctl"))


class Namespace:
    """One network namespace: run commands and modules in it, read its addresses and sysctls."""

    def __init__(self, name):
        self.name = name

    def sh(self, *argv):
        return subprocess.run(["ip", "netns", "exec", self.name] + list(argv), check=True, capture_output=True,
                              text=True, timeout=30).stdout

    def addresses(self, interface=IFACE):
        """{address: (prefix_length, secondary)} on ``interface``."""
        data = json.loads(self.sh("ip", "-j", "addr", "show", "dev", interface))
        return {a["local"]: (a["prefixlen"], bool(a.get("secondary"))) for a in data[0]["addr_info"]}

    def sysctl(self, path):
        return self.sh("cat", "/proc/sys/" + path).strip()

    def module(self, name, args):
        return module_runs.run_adhoc("dualstack.redis." + name, args, TREE, prefix=["ip", "netns", "exec", self.name])


@pytest.fixture
def netns():
    name = "dsr-test-%d-%d" % (os.getpid(), next(_names))
    subprocess.run(["ip", "netns", "add", name], check=True, timeout=30)
    ns = Namespace(name)
    try:
        ns.sh("ip", "link", "set", "lo", "up")
        ns.sh("ip", "link", "add", IFACE, "type", "veth", "peer", "name", "peer0")
        for link in (IFACE, "peer0"):
            ns.sh("ip", "link", "set", link, "up")
        ns.sh("ip", "addr", "add", "198.18.200.11/24", "dev", IFACE)
        ns.sh("ip", "addr", "add", "198.18.200.21/24", "dev", IFACE)
        ns.sh("ip", "addr", "add", "fd00:200::11/64", "dev", IFACE, "nodad")
        ns.sh("sysctl", "-q", "-w", "net.ipv4.conf.all.promote_secondaries=0")
        yield ns
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False, timeout=30)


# --- persistent_address through the real network tools (test_persist_oracles.py) ------------------------------

from fake_net_host import FakeHost  # noqa: E402
from net_oracles import Oracles, nettools_dir  # noqa: E402


@pytest.fixture(scope="session")
def oracles():
    """Debian's ifupdown, netplan and nmcli (tests/lab/lab.sh nettools fetches them once) and the host's
    systemd-networkd."""
    try:
        return Oracles(nettools_dir(os.path.join(os.path.dirname(__file__), "..", "..")))
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def fake_host(tmp_path, monkeypatch, oracles):
    """A host under tmp_path/root for persistent_address run in this process, nmcli and netplan being Debian's."""
    from ansible_collections.dualstack.redis.plugins.modules import persistent_address

    host = FakeHost(tmp_path / "root", nettools=oracles.dir)
    host.add_interface("eth0", 2)
    monkeypatch.setattr("ansible_collections.dualstack.redis.plugins.module_utils._commands.run", host.run)
    monkeypatch.setattr("ansible.module_utils.basic.AnsibleModule.get_bin_path", lambda self, name, **kw: "/usr/sbin/" + name)
    monkeypatch.setattr(persistent_address, "ROOT", str(host.root))

    def persist(**args):
        failed, result = module_runs.run_in_process(persistent_address, args)
        result["failed"] = failed
        return result

    host.persist = persist
    return host
