"""The Redis Enterprise modules with rladmin mocked at the boundary (_commands.run), replaying real layouts."""

import pytest

from ansible_collections.dualstack.redis.plugins.modules import re_node_address, re_node_demote, re_node_info

RUN = "ansible_collections.dualstack.redis.plugins.module_utils._commands.run"

STATUS = """CLUSTER NODES:
NODE:ID ROLE   ADDRESS   EXTERNAL_ADDRESS  HOSTNAME  SHARDS CORES FREE_RAM      PROVISIONAL_RAM VERSION   STATUS
*node:1 master 10.0.0.11 203.0.113.11      re-a      2/100  4     6.1GB/7.7GB   4.2GB/6.2GB     7.4.2-54  OK
node:2  slave  10.0.0.12 203.0.113.12,2001:db8::12 re-b 2/100 4  6.0GB/7.7GB   4.2GB/6.2GB     7.4.2-54  OK
node:3  slave  10.0.0.13                   re-c      0/100  4     -/7.7GB       -/6.2GB         7.4.2-54  DOWN, last seen 12s ago
"""


class FakeRladmin:
    """Answers `status nodes` with a given text, and each write with the reply given for its exact
    arguments (the words after the rladmin path); any other call fails the test. Records argv."""

    def __init__(self, status=STATUS, replies=None, status_after=None):
        self.status, self.status_after = status, status_after
        self.replies = replies or {}
        self.calls = []
        self.wrote = False

    def __call__(self, argv, **kwargs):
        self.calls.append(list(argv))
        words = " ".join(argv[1:])
        if words == "status nodes":
            return 0, (self.status_after if self.wrote and self.status_after else self.status), ""
        if words in self.replies:
            self.wrote = True
            return self.replies[words]
        raise AssertionError("unexpected rladmin call %s" % argv)


@pytest.fixture
def rladmin(monkeypatch, tmp_path):
    binary = tmp_path / "rladmin"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)

    def install(fake):
        monkeypatch.setattr(RUN, fake)
        return str(binary)

    return install


def test_info_returns_nodes_master_and_connected(rladmin, run_in_process):
    path = rladmin(FakeRladmin())
    failed, result = run_in_process(re_node_info, {"rladmin_path": path})
    assert not failed and not result["changed"]
    assert result["master"] == 1 and result["connected"] == 1
    assert [n["id"] for n in result["nodes"]] == [1, 2, 3]
    assert result["nodes"][2]["status"] == "DOWN, last seen 12s ago"


def test_info_one_node_and_unknown_node(rladmin, run_in_process):
    path = rladmin(FakeRladmin())
    failed, result = run_in_process(re_node_info, {"rladmin_path": path, "node": 2})
    assert not failed and [n["id"] for n in result["nodes"]] == [2]
    failed, result = run_in_process(re_node_info, {"rladmin_path": path, "node": 7})
    assert failed and result["msg"] == "node 7 is not in this cluster (nodes: 1, 2, 3)"


def test_info_fails_with_rladmin_output(rladmin, run_in_process, monkeypatch):
    path = rladmin(FakeRladmin())
    monkeypatch.setattr(RUN, lambda argv, **kw: (1, "ERROR: Cannot connect to the cluster\n", ""))
    failed, result = run_in_process(re_node_info, {"rladmin_path": path})
    assert failed and "exited 1: ERROR: Cannot connect to the cluster" in result["msg"]


def test_missing_rladmin_is_explained(run_in_process, tmp_path):
    failed, result = run_in_process(re_node_info, {"rladmin_path": str(tmp_path / "nope")})
    assert failed and "rladmin not found or not executable" in result["msg"]


def test_external_add_runs_one_call_then_reads_back(rladmin, run_in_process):
    after = STATUS.replace("203.0.113.11      re-a", "203.0.113.11,2001:db8::11 re-a")
    fake = FakeRladmin(replies={"-y node 1 external_addr add 2001:db8::11": (0, "Updated successfully.\n", "")}, status_after=after)
    path = rladmin(fake)
    failed, result = run_in_process(re_node_address, {"rladmin_path": path, "node": 1,
                                                      "external_addresses": ["2001:DB8::11"], "external_addresses_state": "present"})
    assert not failed and result["changed"]
    assert result["commands"] == [[path, "-y", "node", "1", "external_addr", "add", "2001:db8::11"]]
    assert result["before"]["external_addresses"] == ["203.0.113.11"]
    assert result["after"]["external_addresses"] == ["203.0.113.11", "2001:db8::11"]


def test_no_change_means_no_write(rladmin, run_in_process):
    fake = FakeRladmin()
    path = rladmin(fake)
    failed, result = run_in_process(re_node_address, {"rladmin_path": path, "node": 2,
                                                      "external_addresses": ["2001:db8::12", "203.0.113.12"]})
    assert not failed and not result["changed"] and result["commands"] == []
    assert fake.calls == [[path, "status", "nodes"]]


def test_check_mode_writes_nothing(rladmin, run_in_process):
    fake = FakeRladmin()
    path = rladmin(fake)
    failed, result = run_in_process(re_node_address, {"rladmin_path": path, "node": 3, "internal_address": "10.0.0.23",
                                                      "_ansible_check_mode": True, "_ansible_diff": True})
    assert not failed and result["changed"]
    assert result["commands"] == [[path, "-y", "node", "3", "addr", "set", "10.0.0.23"]]
    assert result["after"]["address"] == "10.0.0.23" and "10.0.0.23" in result["diff"]["after"]
    assert fake.calls == [[path, "status", "nodes"]]


def test_missing_success_reply_fails_with_output(rladmin, run_in_process):
    fake = FakeRladmin(replies={"-y node 3 addr set 10.0.0.23": (0, "Something else happened\n", "")})
    path = rladmin(fake)
    failed, result = run_in_process(re_node_address, {"rladmin_path": path, "node": 3, "internal_address": "10.0.0.23"})
    assert failed and "did not reply 'Updated successfully.'" in result["msg"] and "Something else happened" in result["msg"]


@pytest.mark.parametrize("args, message", [
    ({"node": 1, "internal_address": "10.0.0.21"}, "runs on node 1 itself"),
    ({"node": 2, "internal_address": "10.0.0.22"}, "node 2 is up"),
    ({"node": 3, "internal_address": "fd00::13"}, "from IPv4 to IPv6"),
    ({"node": 3, "external_addresses": ["10.0.0.300"]}, "external_addresses[0] '10.0.0.300' is not an IPv4 or IPv6 address"),
    ({"node": 3}, "one of the following is required: internal_address, external_addresses"),
])
def test_refusals_write_nothing(rladmin, run_in_process, args, message):
    fake = FakeRladmin()
    path = rladmin(fake)
    failed, result = run_in_process(re_node_address, dict(args, rladmin_path=path))
    assert failed and message in result["msg"]
    assert all("-y" not in call for call in fake.calls)


SHARDS_ON_1 = "SHARDS:\nDB:ID NAME ID NODE ROLE SLOTS USED_MEMORY STATUS\ndb:1 db1 redis:1 node:1 master 0-16383 2MB OK\n"
NO_SHARDS = "SHARDS:\nDB:ID NAME ID NODE ROLE SLOTS USED_MEMORY STATUS\n"
NO_ENDPOINTS = "ENDPOINTS:\nDB:ID NAME ID NODE ROLE SSL\n"
# Another node's primary shard and endpoint: the node filter must leave them out.
OTHERS = ("db:2 db2 redis:3 node:2 master 0-16383 2MB OK\n", "db:2 db2 endpoint:2:1 node:2 single No\n")
DATABASES = ("DATABASES:\nDB:ID NAME TYPE STATUS SHARDS PLACEMENT REPLICATION PERSISTENCE ENDPOINT\n"
             "db:1 db1 redis active 1 dense enabled disabled redis-12000.cluster.local:12000\n")


def full_status(nodes, shards, endpoints):
    """`rladmin status` with no arguments: every section, in rladmin's order."""
    return "\n".join([nodes, DATABASES, endpoints + OTHERS[1], shards + OTHERS[0]])


def test_demote_runs_when_needed_and_verifies(rladmin, run_in_process, monkeypatch):
    calls = []
    state = {"demoted": False}
    after = STATUS.replace("*node:1 master", "*node:1 slave ").replace("node:2  slave ", "node:2  master")

    def fake(argv, **kw):
        calls.append(argv)
        words = " ".join(argv[1:])
        if words == "status":
            return 0, (full_status(after, NO_SHARDS, NO_ENDPOINTS) if state["demoted"]
                       else full_status(STATUS, SHARDS_ON_1, NO_ENDPOINTS)), ""
        if words == "-y node 1 enslave demote_node retry_timeout_seconds 30":
            state["demoted"] = True
            return 0, "Performing enslave_node action on node:1: 100%\nOK\n", ""
        raise AssertionError(argv)

    path = rladmin(FakeRladmin())
    monkeypatch.setattr(RUN, fake)
    failed, result = run_in_process(re_node_demote, {"rladmin_path": path, "node": 1, "retry_timeout_seconds": 30})
    assert not failed and result["changed"]
    assert result["reasons"] == ["node 1 is the cluster master", "node 1 holds primary shards redis:1"]
    assert result["master"] == 2
    failed, again = run_in_process(re_node_demote, {"rladmin_path": path, "node": 1})
    assert not failed and not again["changed"] and again["reasons"] == []


def test_demote_fails_when_node_still_holds_something(rladmin, run_in_process, monkeypatch):
    def fake(argv, **kw):
        words = " ".join(argv[1:])
        if words == "status":
            return 0, full_status(STATUS, SHARDS_ON_1, NO_ENDPOINTS), ""
        return 0, "Performing enslave_node action on node:1: 100%\nOK\n", ""

    path = rladmin(FakeRladmin())
    monkeypatch.setattr(RUN, fake)
    failed, result = run_in_process(re_node_demote, {"rladmin_path": path, "node": 1})
    assert failed and result["msg"].startswith("rladmin replied OK but node 1 is the cluster master")


# --- issue 13: the truth after a partial failure, input refused before any write, bounded calls -------

NODE3_ADDR_SET = "-y node 3 addr set 10.0.0.23"
NODE3_EXT_ADD = "-y node 3 external_addr add 203.0.113.23"


def test_second_write_fails_after_first_ran(rladmin, run_in_process):
    """The internal address was set, the external one failed: changed and commands say exactly that."""
    after = STATUS.replace("node:3  slave  10.0.0.13", "node:3  slave  10.0.0.23")
    fake = FakeRladmin(replies={NODE3_ADDR_SET: (0, "Updated successfully.\n", ""),
                                NODE3_EXT_ADD: (1, "ERROR: address is in use\n", "")}, status_after=after)
    path = rladmin(fake)
    failed, result = run_in_process(re_node_address, {"rladmin_path": path, "node": 3, "internal_address": "10.0.0.23",
                                                      "external_addresses": ["203.0.113.23"], "external_addresses_state": "present"})
    assert failed and result["changed"] is True
    assert "address is in use" in result["msg"]
    assert [c[1:] for c in result["commands"]] == [NODE3_ADDR_SET.split(), NODE3_EXT_ADD.split()]
    assert result["after"]["address"] == "10.0.0.23" and result["after"]["external_addresses"] == []


def test_first_write_fails_and_nothing_changed(rladmin, run_in_process):
    fake = FakeRladmin(replies={NODE3_ADDR_SET: (1, "ERROR: node is not offline\n", "")})
    path = rladmin(fake)
    failed, result = run_in_process(re_node_address, {"rladmin_path": path, "node": 3, "internal_address": "10.0.0.23",
                                                      "external_addresses": ["203.0.113.23"], "external_addresses_state": "present"})
    assert failed and result["changed"] is False
    assert [c[1:] for c in result["commands"]] == [NODE3_ADDR_SET.split()]
    assert fake.calls[-1] == [path, "status", "nodes"]  # read back after the failure


def test_success_reply_without_the_change_fails(rladmin, run_in_process):
    """rladmin says 'Updated successfully.' but the table read back does not show it."""
    fake = FakeRladmin(replies={NODE3_ADDR_SET: (0, "Updated successfully.\n", "")}, status_after=STATUS)
    path = rladmin(fake)
    failed, result = run_in_process(re_node_address, {"rladmin_path": path, "node": 3, "internal_address": "10.0.0.23"})
    assert failed and result["changed"] is False
    assert result["msg"] == "rladmin replied 'Updated successfully.' but node 3 has internal address 10.0.0.13, not 10.0.0.23"


@pytest.mark.parametrize("value, message", [
    ("0.0.0.0", "is the unspecified address"),
    ("::", "is the unspecified address"),
    ("127.0.0.1", "is a loopback address"),
    ("255.255.255.255", "is a reserved address"),
    ("224.0.0.1", "is a multicast address"),
    ("169.254.0.7", "is a link-local address"),
    ("::ffff:10.0.0.44", "is an IPv4-mapped IPv6 address; give the IPv4 address 10.0.0.44 itself"),
    ("fe80::1%eth0", "has a zone index"),
])
def test_unusable_addresses_refused_before_rladmin_runs(rladmin, run_in_process, value, message):
    for args in ({"internal_address": value}, {"external_addresses": [value]}):
        fake = FakeRladmin()
        path = rladmin(fake)
        failed, result = run_in_process(re_node_address, dict(args, rladmin_path=path, node=3))
        assert failed and message in result["msg"], result["msg"]
        assert all("-y" not in call for call in fake.calls)


def test_hostname_in_address_column_is_a_message(rladmin, run_in_process):
    status = STATUS.replace("node:3  slave  10.0.0.13", "node:3  slave  re-c.example.com")
    fake = FakeRladmin(status=status)
    path = rladmin(fake)
    failed, result = run_in_process(re_node_address, {"rladmin_path": path, "node": 3, "internal_address": "10.0.0.23"})
    assert failed and "node 3's address is 're-c.example.com', not an IP address" in result["msg"]
    assert "Traceback" not in result.get("exception", "") and all("-y" not in call for call in fake.calls)


@pytest.mark.parametrize("module, args", [
    (re_node_info, {}), (re_node_address, {"node": 3, "internal_address": "10.0.0.23"}), (re_node_demote, {"node": 1}),
])
@pytest.mark.parametrize("timeout", [0, -5, 86401])
def test_command_timeout_out_of_range_refused_before_rladmin_runs(rladmin, run_in_process, module, args, timeout):
    fake = FakeRladmin()
    path = rladmin(fake)
    failed, result = run_in_process(module, dict(args, rladmin_path=path, command_timeout=timeout))
    assert failed and result["msg"] == "command_timeout must be from 1 to 86400 seconds, got %d" % timeout
    assert fake.calls == []


def test_demote_retry_timeout_must_fit_in_command_timeout(rladmin, run_in_process):
    fake = FakeRladmin()
    path = rladmin(fake)
    failed, result = run_in_process(re_node_demote, {"rladmin_path": path, "node": 1, "retry_timeout_seconds": 300,
                                                     "command_timeout": 120})
    assert failed and "less than command_timeout (120)" in result["msg"] and fake.calls == []


def test_failed_demotion_reads_the_node_again(rladmin, run_in_process, monkeypatch):
    """rladmin fails half-way: the master role moved, the shard did not. changed says so."""
    state = {"tried": False}
    after = STATUS.replace("*node:1 master", "*node:1 slave ").replace("node:2  slave ", "node:2  master")

    def fake(argv, **kw):
        words = " ".join(argv[1:])
        if words == "status":
            return 0, full_status(after if state["tried"] else STATUS, SHARDS_ON_1, NO_ENDPOINTS), ""
        if words == "-y node 1 enslave demote_node":
            state["tried"] = True
            return 1, "ERROR: failover of redis:1 timed out\n", ""
        raise AssertionError(argv)

    path = rladmin(FakeRladmin())
    monkeypatch.setattr(RUN, fake)
    failed, result = run_in_process(re_node_demote, {"rladmin_path": path, "node": 1})
    assert failed and result["changed"] is True and "failover of redis:1 timed out" in result["msg"]


def test_rladmin_that_hangs_is_killed_by_its_deadline(run_in_process, tmp_path):
    """A real process: an rladmin that never answers (and a child it started) is killed after command_timeout."""
    import os
    import time

    pidfile = tmp_path / "child.pid"
    script = tmp_path / "rladmin"
    script.write_text("#!/bin/sh\necho starting\nsleep 300 &\necho $! > %s\nwait\n" % pidfile)
    script.chmod(0o755)
    start = time.monotonic()
    failed, result = run_in_process(re_node_info, {"rladmin_path": str(script), "command_timeout": 1})
    elapsed = time.monotonic() - start
    assert failed and result["msg"] == "'%s status nodes' did not finish within 1 s (command_timeout) and was killed" % script
    assert result["stdout"] == "starting\n"
    assert elapsed < 10
    child = int(pidfile.read_text())
    for _attempt in range(50):  # the kill is immediate; the zombie may take a moment to be reaped by init
        try:
            with open("/proc/%d/stat" % child) as handle:
                if handle.read().split(")")[-1].split()[0] == "Z":
                    break
        except FileNotFoundError:
            break
        time.sleep(0.1)
    else:
        os.kill(child, 9)
        raise AssertionError("the child rladmin started is still running")


def test_rladmin_reply_check_without_success_line_uses_exit_code(rladmin, run_in_process, monkeypatch):
    path = rladmin(FakeRladmin())
    monkeypatch.setattr(RUN, lambda argv, **kw: (2, "", "boom"))
    failed, result = run_in_process(re_node_info, {"rladmin_path": path})
    assert failed and result["msg"] == "'%s status nodes' exited 2: boom" % path and result["rc"] == 2


def test_rladmin_that_cannot_start_is_a_message(run_in_process, tmp_path):
    """An executable file the kernel cannot run (no interpreter line): the message, not a traceback."""
    script = tmp_path / "rladmin"
    script.write_bytes(b"\x7fELF-not-really")
    script.chmod(0o755)
    failed, result = run_in_process(re_node_info, {"rladmin_path": str(script)})
    assert failed and result["msg"].startswith("cannot run %s: [Errno 8] Exec format error" % script)
