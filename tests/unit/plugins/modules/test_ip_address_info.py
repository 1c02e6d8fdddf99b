"""ip_address_info with `ip` mocked at _commands.run, replaying real `ip -j` output: it reads and never changes."""

import pytest
from ip_samples import IP_JSON

from ansible_collections.dualstack.redis.plugins.modules import ip_address_info

UP = ["127.0.0.1", "::1", "198.18.50.11", "198.18.50.21", "fd00:50::11"]


@pytest.fixture
def system(monkeypatch):
    state = {"calls": [], "rc": 0, "ip": IP_JSON, "err": ""}

    def run(argv, **kwargs):
        assert argv[0] == "/usr/sbin/ip" and kwargs["timeout"] == 30
        state["calls"].append(list(argv))
        if argv[1:] == ["-j", "addr", "show"]:
            return state["rc"], state["ip"], state["err"]
        raise AssertionError("ip_address_info ran %s" % argv)

    monkeypatch.setattr("ansible_collections.dualstack.redis.plugins.module_utils._commands.run", run)
    monkeypatch.setattr("ansible.module_utils.basic.AnsibleModule.get_bin_path", lambda self, name, **kw: "/usr/sbin/" + name)
    return state


@pytest.mark.parametrize("address, bound, interface, prefix_length", [
    ("198.18.50.11", True, "eth0", 24),             # primary
    ("198.18.50.21", True, "eth0", 24),             # secondary
    ("FD00:50:0::11", True, "eth0", 64),            # IPv6, written another way
    (" 10.9.9.9 ", False, "eth1", 16),              # bound, but to a DOWN interface
    ("198.18.50.99", False, None, None),            # not bound anywhere
])
@pytest.mark.parametrize("mode", [{}, {"_ansible_check_mode": True}, {"_ansible_diff": True}], ids=["real", "check", "diff"])
def test_reports_where_the_address_is_and_changes_nothing(system, run_in_process, address, bound, interface, prefix_length, mode):
    failed, result = run_in_process(ip_address_info, dict(mode, address=address))
    assert not failed and result["changed"] is False
    assert result["bound"] is bound
    assert result["interface"] == interface and result["prefix_length"] == prefix_length
    assert result["up_addresses"] == UP
    assert "diff" not in result and "commands" not in result
    assert system["calls"] == [["/usr/sbin/ip", "-j", "addr", "show"]]


def test_bad_address_fails_before_running_anything(system, run_in_process):
    failed, result = run_in_process(ip_address_info, {"address": "198.18.50.999"})
    assert failed and result["msg"] == "address '198.18.50.999' is not an IPv4 or IPv6 address"
    assert system["calls"] == []


@pytest.mark.parametrize("option", ["state", "interface", "prefix_length", "like", "keep"])
def test_takes_no_change_options(system, run_in_process, option):
    failed, result = run_in_process(ip_address_info, {"address": "198.18.50.11", option: "query"})
    assert failed and "Unsupported parameters" in result["msg"] and option in result["msg"]
    assert system["calls"] == []


def test_ip_failure_and_unreadable_output(system, run_in_process):
    system.update(rc=255, ip="", err="Object \"addr\" is unknown")
    failed, result = run_in_process(ip_address_info, {"address": "198.18.50.11"})
    assert failed and result["msg"] == "'ip -j addr show' failed (rc=255): Object \"addr\" is unknown"
    system.update(rc=0, ip="not json", err="")
    failed, result = run_in_process(ip_address_info, {"address": "198.18.50.11"})
    assert failed and result["msg"].startswith("cannot read ip -j addr show output")
