"""ip_address with `ip` and `sysctl` mocked at run_command, replaying real `ip -j` output."""

import pytest
from ip_samples import IP_JSON

from ansible_collections.dualstack.redis.plugins.modules import ip_address

AFTER_ADD = IP_JSON.replace('"local": "fd00:50::11"', '"local": "fd00:50::11"}, {"family": "inet", "local": "198.18.50.31", "prefixlen": 24')
AFTER_DEL = IP_JSON.replace('{"family": "inet", "local": "198.18.50.11", "prefixlen": 24}, ', "")


@pytest.fixture
def system(monkeypatch):
    state = {"calls": [], "ip": IP_JSON, "sysctl": "0\n0\n", "after": None}

    def run_command(self, argv, **kwargs):
        state["calls"].append(list(argv))
        if argv[1:] == ["-j", "addr", "show"]:
            return 0, state["ip"], ""
        if argv[0] == "sysctl" and argv[1] == "-n":
            return 0, state["sysctl"], ""
        if argv[:3] in (["ip", "addr", "add"], ["ip", "addr", "del"]) or argv[0] == "sysctl":
            if state["after"] is not None and argv[0] == "ip":
                state["ip"] = state["after"]
            return 0, "", ""
        raise AssertionError(argv)

    monkeypatch.setattr("ansible.module_utils.basic.AnsibleModule.run_command", run_command)
    monkeypatch.setattr("ansible.module_utils.basic.AnsibleModule.get_bin_path", lambda self, name, **kw: "/usr/sbin/" + name)
    return state


def test_present_like_the_old_address(system, run_module):
    system["after"] = AFTER_ADD
    failed, result = run_module(ip_address, {"address": "198.18.50.31", "like": "198.18.50.11"})
    assert not failed and result["changed"] and result["bound"]
    assert result["commands"] == [["ip", "addr", "add", "198.18.50.31/24", "dev", "eth0"]]
    assert "198.18.50.31" in result["up_addresses"]


def test_present_again_changes_nothing(system, run_module):
    failed, result = run_module(ip_address, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed and not result["changed"] and result["bound"]
    assert [c for c in system["calls"] if c[1] != "-j"] == []


def test_absent_promotes_then_deletes_and_keeps(system, run_module):
    system["after"] = AFTER_DEL
    failed, result = run_module(ip_address, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed and result["changed"] and not result["bound"]
    assert result["commands"] == [["sysctl", "-q", "-w", "net.ipv4.conf.eth0.promote_secondaries=1"],
                                  ["ip", "addr", "del", "198.18.50.11/24", "dev", "eth0"]]


def test_absent_fails_when_keep_is_lost(system, run_module):
    system["after"] = AFTER_DEL.replace("198.18.50.21", "198.18.50.77")
    system["sysctl"] = "1\n0\n"
    failed, result = run_module(ip_address, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert failed and "198.18.50.21 is no longer bound to an UP interface after removing 198.18.50.11" in result["msg"]


def test_check_mode_and_query_run_no_change(system, run_module):
    failed, result = run_module(ip_address, {"address": "198.18.50.31", "interface": "eth0", "prefix_length": 24, "_ansible_check_mode": True})
    assert not failed and result["changed"] and result["bound"]
    failed, result = run_module(ip_address, {"address": "198.18.50.11", "state": "query"})
    assert not failed and not result["changed"] and result["interface"] == "eth0" and result["prefix_length"] == 24
    assert all(c[1:] == ["-j", "addr", "show"] for c in system["calls"])


@pytest.mark.parametrize("args, message", [
    ({"address": "198.18.50.999"}, "address '198.18.50.999' is not an IPv4 or IPv6 address"),
    ({"address": "198.18.50.31", "like": "10.1.1.1"}, "like: 10.1.1.1 is not bound to any interface here"),
    ({"address": "198.18.50.31"}, "needs interface and prefix_length, or like"),
    ({"address": "198.18.50.21", "interface": "eth1", "prefix_length": 24}, "already bound to eth0, not eth1"),
])
def test_bad_input(system, run_module, args, message):
    failed, result = run_module(ip_address, args)
    assert failed and message in result["msg"]
    assert all(c[1:] == ["-j", "addr", "show"] for c in system["calls"])
