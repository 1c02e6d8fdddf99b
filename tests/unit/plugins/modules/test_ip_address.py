"""ip_address with `ip` and `sysctl` mocked at _commands.run, replaying real `ip -j` output."""

import pytest
from ip_samples import IP_JSON

from ansible_collections.dualstack.redis.plugins.modules import ip_address

# As the kernel lists them: the new address is a secondary of 198.18.50.0/24, after the other IPv4 addresses.
AFTER_ADD = IP_JSON.replace('"local": "198.18.50.21", "prefixlen": 24, "secondary": true}',
                            '"local": "198.18.50.21", "prefixlen": 24, "secondary": true}, '
                            '{"family": "inet", "local": "198.18.50.31", "prefixlen": 24, "secondary": true}')
assert AFTER_ADD.count("198.18.50.31") == 1
AFTER_DEL = IP_JSON.replace('{"family": "inet", "local": "198.18.50.11", "prefixlen": 24}, ', "")


@pytest.fixture
def system(monkeypatch):
    state = {"calls": [], "ip": IP_JSON, "sysctl": "0\n0\n", "after": None, "timeout": 30, "fail": None, "routes": "[]",
             "links": ["dummy0"]}  # interfaces with no address (those with one are in state["ip"])

    def run(argv, **kwargs):
        assert argv[0].startswith("/usr/sbin/") and kwargs["timeout"] == state["timeout"]
        argv = [argv[0][len("/usr/sbin/"):]] + list(argv[1:])
        state["calls"].append(argv)
        if argv[1:] == ["-j", "addr", "show"]:
            return 0, state["ip"], ""
        if argv[1:5] == ["-j", "-4", "route", "show"]:
            return 0, state["routes"], ""
        if argv[1:4] == ["link", "show", "dev"]:
            return (0, "", "") if argv[4] in state["links"] else (1, "", 'Device "%s" does not exist.\n' % argv[4])
        if argv[0] == "sysctl" and argv[1] == "-n":
            return 0, state["sysctl"], ""
        if argv == state["fail"]:
            return 2, "", "RTNETLINK answers: Operation not permitted\n"
        if argv[:3] in (["ip", "addr", "add"], ["ip", "addr", "del"], ["ip", "route", "replace"]) or argv[0] == "sysctl":
            if state["after"] is not None and argv[0] == "ip":
                state["ip"] = state["after"]
            return 0, "", ""
        raise AssertionError(argv)

    monkeypatch.setattr("ansible_collections.dualstack.redis.plugins.module_utils._commands.run", run)
    monkeypatch.setattr("ansible.module_utils.basic.AnsibleModule.get_bin_path", lambda self, name, **kw: "/usr/sbin/" + name)
    return state


def test_present_like_the_old_address(system, run_in_process):
    system["after"] = AFTER_ADD
    failed, result = run_in_process(ip_address, {"address": "198.18.50.31", "like": "198.18.50.11"})
    assert not failed and result["changed"] and result["bound"]
    assert result["commands"] == [["ip", "addr", "add", "198.18.50.31/24", "dev", "eth0"]]
    assert "198.18.50.31" in result["up_addresses"]


def test_present_again_changes_nothing(system, run_in_process):
    failed, result = run_in_process(ip_address, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed and not result["changed"] and result["bound"]
    assert [c for c in system["calls"] if c[1] != "-j"] == []


# NetworkManager's own address, bound again with ip after NetworkManager had applied it: flagged noprefixroute, so
# the kernel gives it no route when it is promoted, and the old primary's route (NetworkManager's, metric 100) goes.
NM_OWNED = IP_JSON.replace('"local": "198.18.50.21", "prefixlen": 24, "secondary": true}',
                           '"local": "198.18.50.21", "prefixlen": 24, "secondary": true, "noprefixroute": true}')
NM_ROUTES = '[{"dst": "198.18.50.0/24", "protocol": "kernel", "scope": "link", "prefsrc": "198.18.50.11", "metric": 100, "flags": []}]'


def test_absent_gives_a_promoted_noprefixroute_address_its_route(system, run_in_process):
    assert NM_OWNED.count("noprefixroute") == 1
    system.update(ip=NM_OWNED, routes=NM_ROUTES, sysctl="1\n0\n", after=AFTER_DEL)
    failed, result = run_in_process(ip_address, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed and result["changed"]
    assert result["commands"] == [["ip", "addr", "del", "198.18.50.11/24", "dev", "eth0"],
                                  ["ip", "route", "replace", "198.18.50.0/24", "dev", "eth0", "proto", "kernel", "scope", "link",
                                   "src", "198.18.50.21", "metric", "100"]]
    assert system["calls"][-2:] == [["ip", "route", "replace", "198.18.50.0/24", "dev", "eth0", "proto", "kernel", "scope", "link",
                                     "src", "198.18.50.21", "metric", "100"], ["ip", "-j", "addr", "show"]]


def test_absent_promotes_then_deletes_and_keeps(system, run_in_process):
    system["after"] = AFTER_DEL
    failed, result = run_in_process(ip_address, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed and result["changed"] and not result["bound"]
    assert result["commands"] == [["sysctl", "-q", "-w", "net.ipv4.conf.eth0.promote_secondaries=1"],
                                  ["ip", "addr", "del", "198.18.50.11/24", "dev", "eth0"]]


def test_absent_fails_when_keep_is_lost(system, run_in_process):
    system["after"] = AFTER_DEL.replace("198.18.50.21", "198.18.50.77")
    system["sysctl"] = "1\n0\n"
    failed, result = run_in_process(ip_address, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert failed and "198.18.50.21 is no longer bound to an UP interface after removing 198.18.50.11" in result["msg"]


def test_check_mode_runs_no_change(system, run_in_process):
    failed, result = run_in_process(ip_address, {"address": "198.18.50.31", "interface": "eth0", "prefix_length": 24, "_ansible_check_mode": True})
    assert not failed and result["changed"] and result["bound"]
    failed, result = run_in_process(ip_address, {"address": "198.18.50.11", "state": "absent", "_ansible_check_mode": True})
    assert not failed and result["changed"] and not result["bound"]
    assert result["interface"] == "eth0" and result["prefix_length"] == 24
    assert [c for c in system["calls"] if c[1] != "-j" and c[:2] != ["sysctl", "-n"]] == []


def test_state_query_is_gone(system, run_in_process):
    failed, result = run_in_process(ip_address, {"address": "198.18.50.11", "state": "query"})
    assert failed and "state" in result["msg"] and "present, absent" in result["msg"]
    assert system["calls"] == []


# The addresses of eth0 in IP_JSON, as the diff shows them: IPv4 first, each family in address order.
ETH0 = ["198.18.50.11/24 dev eth0", "198.18.50.21/24 dev eth0", "fd00:50::11/64 dev eth0"]
ETH0_ADDED = ETH0[:2] + ["198.18.50.31/24 dev eth0"] + ETH0[2:]


def text(lines):
    return "".join(line + "\n" for line in lines)


@pytest.mark.parametrize("check_mode", [True, False], ids=["check", "real"])
def test_present_diff(system, run_in_process, check_mode):
    system["after"] = AFTER_ADD
    failed, result = run_in_process(ip_address, {"address": "198.18.50.31", "like": "198.18.50.11",
                                                 "_ansible_check_mode": check_mode, "_ansible_diff": True})
    assert not failed and result["changed"]
    assert result["diff"]["before"] == text(ETH0)
    assert result["diff"]["after"] == text(ETH0_ADDED)
    assert result["diff"]["before_header"] == result["diff"]["after_header"] == "addresses on eth0"
    ran = [c for c in system["calls"] if c[1] != "-j"]
    assert ran == ([] if check_mode else [["ip", "addr", "add", "198.18.50.31/24", "dev", "eth0"]])


@pytest.mark.parametrize("check_mode", [True, False], ids=["check", "real"])
def test_absent_diff(system, run_in_process, check_mode):
    system["after"] = AFTER_DEL
    failed, result = run_in_process(ip_address, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21",
                                                 "_ansible_check_mode": check_mode, "_ansible_diff": True})
    assert not failed and result["changed"]
    assert result["diff"]["before"] == text(ETH0)
    assert result["diff"]["after"] == text(ETH0[1:])
    assert any(c[:3] == ["ip", "addr", "del"] for c in system["calls"]) is not check_mode


def test_real_diff_is_what_ip_reports_afterwards(system, run_in_process):
    # The kernel also dropped the secondary: a real run's after side is read back, not predicted.
    system["after"] = AFTER_DEL.replace('{"family": "inet", "local": "198.18.50.21", "prefixlen": 24, "secondary": true}, ', "")
    assert "198.18.50.21" not in system["after"]
    system["sysctl"] = "1\n0\n"
    failed, result = run_in_process(ip_address, {"address": "198.18.50.11", "state": "absent", "_ansible_diff": True})
    assert not failed and result["changed"]
    assert result["diff"]["after"] == text(ETH0[2:])


@pytest.mark.parametrize("args", [
    {"address": "198.18.50.21", "like": "198.18.50.11"},
    {"address": "198.18.50.21", "interface": "eth0", "prefix_length": 24},
    {"address": "198.18.50.99", "state": "absent"},
], ids=["present-like", "present", "absent"])
@pytest.mark.parametrize("check_mode", [True, False], ids=["check", "real"])
def test_nothing_to_do_has_no_diff(system, run_in_process, args, check_mode):
    failed, result = run_in_process(ip_address, dict(args, _ansible_check_mode=check_mode, _ansible_diff=True))
    assert not failed and not result["changed"] and result["commands"] == []
    assert "diff" not in result


def test_no_diff_unless_asked(system, run_in_process):
    system["after"] = AFTER_ADD
    failed, result = run_in_process(ip_address, {"address": "198.18.50.31", "like": "198.18.50.11"})
    assert not failed and result["changed"] and "diff" not in result


@pytest.mark.parametrize("args, message", [
    ({"address": "198.18.50.999"}, "address '198.18.50.999' is not an IPv4 or IPv6 address"),
    ({"address": "198.18.50.31", "like": "10.1.1.1"}, "like: 10.1.1.1 is not bound to any interface here"),
    ({"address": "198.18.50.31"}, "needs interface and prefix_length, or like"),
    ({"address": "198.18.50.21", "interface": "eth1", "prefix_length": 24}, "already bound to eth0, not eth1"),
])
def test_bad_input(system, run_in_process, args, message):
    failed, result = run_in_process(ip_address, args)
    assert failed and message in result["msg"]
    assert all(c[1:] == ["-j", "addr", "show"] for c in system["calls"])


# --- issue 13: refuse before running anything; the truth after a failed command ----------------------

def reads_only(calls):
    return all(c[1:] == ["-j", "addr", "show"] or c[1:5] == ["-j", "-4", "route", "show"] or c[:2] == ["sysctl", "-n"] for c in calls)


@pytest.mark.parametrize("args, message", [
    ({"address": "198.18.50.31", "interface": "eth0", "prefix_length": 0}, "prefix_length 0 is not from 1 to 32"),
    ({"address": "198.18.50.31", "interface": "eth0", "prefix_length": -1}, "prefix_length -1 is not from 1 to 32"),
    ({"address": "198.18.50.31", "interface": "eth0", "prefix_length": 33}, "prefix_length 33 is not from 1 to 32"),
    ({"address": "fd00:50::31", "interface": "eth0", "prefix_length": 129}, "prefix_length 129 is not from 1 to 128"),
    ({"address": "fe80::31%eth0", "interface": "eth0", "prefix_length": 64}, "has a zone index"),
    ({"address": "fd00:50::31", "like": "198.18.50.11"}, "like 198.18.50.11 is an IPv4 address and address fd00:50::31 an IPv6 one"),
    ({"address": "198.18.50.31", "interface": "eth0/1", "prefix_length": 24}, "is not a Linux interface name"),
    ({"address": "198.18.50.31", "interface": "x" * 16, "prefix_length": 24}, "is not a Linux interface name"),
    ({"address": "198.18.50.31", "interface": "eth0", "prefix_length": 24, "keep": "198.18.50.21"}, "keep only applies with state=absent"),
    ({"address": "198.18.50.11", "state": "absent", "prefix_length": 24}, "prefix_length only applies with state=present"),
    ({"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.300"}, "keep '198.18.50.300' is not an IPv4 or IPv6 address"),
    ({"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.11"}, "keep 198.18.50.11 is the address being removed"),
    ({"address": "198.18.50.11", "state": "absent", "command_timeout": 0}, "command_timeout must be from 1 to 86400 seconds, got 0"),
])
def test_refused_before_anything_runs(system, run_in_process, args, message):
    failed, result = run_in_process(ip_address, args)
    assert failed and message in result["msg"], result["msg"]
    assert system["calls"] == [] and result.get("changed") is not True


def test_keep_not_bound_now_is_refused_before_removing(system, run_in_process):
    """Today's code removed the address first, then failed over keep."""
    failed, result = run_in_process(ip_address, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.77"})
    assert failed and result["msg"] == "keep 198.18.50.77 is not bound to an UP interface now; nothing was removed"
    assert reads_only(system["calls"]) and result["changed"] is False and result["commands"] == []


def test_absent_from_another_interface_changes_nothing(system, run_in_process):
    """198.18.50.11 is on eth0: absent from eth1 is already true (today's code removed it from eth0)."""
    failed, result = run_in_process(ip_address, {"address": "198.18.50.11", "state": "absent", "interface": "eth1"})
    assert not failed and not result["changed"] and result["commands"] == [] and result["bound"]
    assert reads_only(system["calls"])


def test_failure_after_a_write_reports_what_ran(system, run_in_process):
    """The sysctl ran, then the delete failed: changed, and commands lists both, the failed one last."""
    system["fail"] = ["ip", "addr", "del", "198.18.50.11/24", "dev", "eth0"]
    failed, result = run_in_process(ip_address, {"address": "198.18.50.11", "state": "absent"})
    assert failed and result["changed"] is True
    assert result["commands"] == [["sysctl", "-q", "-w", "net.ipv4.conf.eth0.promote_secondaries=1"], system["fail"]]
    assert "Operation not permitted" in result["msg"]


def test_first_command_failing_changes_nothing(system, run_in_process):
    system["fail"] = ["ip", "addr", "add", "198.18.50.31/24", "dev", "eth0"]
    failed, result = run_in_process(ip_address, {"address": "198.18.50.31", "like": "198.18.50.11"})
    assert failed and result["changed"] is False and result["commands"] == [system["fail"]]


def test_custom_command_timeout_reaches_every_call(system, run_in_process):
    system["timeout"] = 7
    failed, result = run_in_process(ip_address, {"address": "198.18.50.31", "like": "198.18.50.11", "command_timeout": 7})
    assert not failed and result["changed"]


@pytest.mark.parametrize("timeout", [-1, 3601])
def test_dad_timeout_out_of_range_is_refused_before_anything_runs(system, run_in_process, timeout):
    failed, result = run_in_process(ip_address, {"address": "fd00:50::31", "like": "fd00:50::11", "dad_timeout": timeout})
    assert failed and "dad_timeout %d is not from 0 to 3600 seconds" % timeout in result["msg"]
    assert system["calls"] == []


@pytest.mark.parametrize("check_mode", [False, True])
def test_present_on_an_interface_that_is_not_there_is_refused_before_ip_addr_add(system, run_in_process, check_mode):
    failed, result = run_in_process(ip_address, {"address": "198.18.50.31", "interface": "eht0", "prefix_length": 24,
                                                 "_ansible_check_mode": check_mode})
    assert failed and not result["changed"] and result["commands"] == []
    assert result["msg"].startswith("interface eht0 is not on this host (") and 'Device "eht0" does not exist.' in result["msg"]
    assert [c for c in system["calls"] if c[1:3] == ["addr", "add"]] == []


def test_present_on_an_interface_with_no_address_yet(system, run_in_process):
    failed, result = run_in_process(ip_address, {"address": "198.18.51.1", "interface": "dummy0", "prefix_length": 24,
                                                 "_ansible_check_mode": True})
    assert not failed and result["changed"]
    assert result["commands"] == [["ip", "addr", "add", "198.18.51.1/24", "dev", "dummy0"]]
    assert ["ip", "link", "show", "dev", "dummy0"] in system["calls"]
