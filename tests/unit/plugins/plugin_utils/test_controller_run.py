"""Which run this is, and whether the run a lock names is still alive, read from /proc (a real one for this process,
a made-up one for the cases a real one cannot be made to show)."""

import json
import os
import socket
import subprocess
import sys

from ansible_collections.dualstack.redis.plugins.lookup.controller_run import LookupModule
from ansible_collections.dualstack.redis.plugins.plugin_utils import _controller_run as run


def test_identity_of_this_process_tree():
    found = run.identity()
    assert found["controller"] == socket.gethostname() and found["pid"].isdigit() and found["pid_start"].isdigit()
    assert run.state(found) == "alive"


def test_a_process_that_ended_is_gone_and_another_controller_unknown():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    with open("/proc/%d/stat" % child.pid) as handle:
        start = handle.read().rsplit(")", 1)[1].split()[19]
    record = {"run": "r1", "controller": socket.gethostname(), "pid": str(child.pid), "pid_start": start}
    assert run.state(record) == "alive"
    child.wait()
    assert run.state(record) == "gone"
    assert run.state(dict(record, controller="elsewhere.example")) == "unknown"
    assert run.state(dict(record, pid_start="")) == "unknown"
    assert run.state(json.dumps(record)) == "gone" and run.state("{not json") == "unknown"


def test_a_reused_pid_is_not_the_same_run():
    me = run.identity()
    assert run.state(dict(me, pid_start=str(int(me["pid_start"]) + 1))) == "gone"


def test_the_playbook_process_is_found_by_its_command_line(tmp_path):
    """A made-up /proc: 30 (ansible-playbook) -> 31 (a worker, with spaces and a ')' in its name) -> 32 (us)."""
    for pid, ppid, comm, cmdline in ((30, 1, "ansible-playboo", [sys.executable, "/usr/bin/ansible-playbook", "site.yml"]),
                                     (31, 30, "ans) worker", [sys.executable, "worker"]), (32, 31, "python3", ["python3"])):
        os.makedirs(str(tmp_path / str(pid)))
        (tmp_path / str(pid) / "stat").write_text("%d (%s) S %d 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 %d 0 0\n" % (pid, comm, ppid, 1000 + pid))
        (tmp_path / str(pid) / "cmdline").write_bytes(b"\0".join(part.encode() for part in cmdline) + b"\0")
    assert run.playbook_pid(start=32, proc=str(tmp_path)) == 30
    assert run._stat(31, str(tmp_path)) == (30, "1031", "ans) worker")


def test_lookup():
    lookup = LookupModule()
    assert lookup.run([])[0]["controller"] == socket.gethostname()
    assert lookup.run([{"run": "x"}]) == ["unknown"]
