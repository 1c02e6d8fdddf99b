"""Which run this is, and whether the run a lock names is still alive, read from /proc (a real one for this process,
a made-up one for the cases a real one cannot be made to show)."""

import json
import os
import socket
import subprocess
import sys

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


def _fake_proc(root, processes):
    for pid, ppid, comm, cmdline in processes:
        os.makedirs(str(root / str(pid)))
        (root / str(pid) / "stat").write_text("%d (%s) S %d 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 %d 0 0\n" % (pid, comm, ppid, 1000 + pid))
        (root / str(pid) / "cmdline").write_bytes(b"\0".join(part.encode() for part in cmdline) + b"\0")


def test_the_playbook_process_is_found_by_its_command_line(tmp_path):
    """A made-up /proc: an outer run 10 starts, through a shell 11, the run 30; its worker 31 is a fork of it (same
    command line, a ')' in its name) and 32 (us) a child of the worker. The run is 30: not the worker, which ends
    with its task, and not the outer run."""
    playbook = [sys.executable, "/usr/bin/ansible-playbook", "site.yml"]
    _fake_proc(tmp_path, ((10, 1, "ansible-playboo", [sys.executable, "/usr/bin/ansible-playbook", "outer.yml"]),
                          (11, 10, "sh", ["/bin/sh", "-c", "ansible-playbook site.yml"]),
                          (30, 11, "ansible-playboo", playbook), (31, 30, "ans) worker", playbook),
                          (32, 31, "python3", ["python3"])))
    assert run.playbook_pid(start=32, proc=str(tmp_path)) == 30
    assert run.playbook_pid(start=31, proc=str(tmp_path)) == 30
    assert run.playbook_pid(start=11, proc=str(tmp_path)) == 10
    assert run._stat(31, str(tmp_path)) == (30, "1031", "ans) worker")


def test_lookup_in_a_real_playbook_run(tmp_path):
    """The lookup as a playbook calls it: the run it names is that ansible-playbook process, alive while it runs
    and gone once it has ended; a made-up run is unknown."""
    playbook = tmp_path / "run.yml"
    out = tmp_path / "out.json"
    playbook.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.copy:\n        dest: %s\n"
        "        content: \"{{ {'me': me, 'state': lookup('dualstack.redis.controller_run', me),"
        " 'other': lookup('dualstack.redis.controller_run', {'run': 'x'})} | to_json }}\"\n"
        "      vars:\n        me: \"{{ lookup('dualstack.redis.controller_run') }}\"\n" % out)
    # The tree tests/unit/conftest.py links the checkout into (ansible_collections/dualstack/redis).
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=run.__file__.split("/ansible_collections/", 1)[0], ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
               "-e", "ansible_python_interpreter=" + sys.executable, str(playbook)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = proc.communicate(timeout=300)[0].decode(errors="replace")
    assert proc.returncode == 0, output
    found = json.loads(out.read_text())
    assert found["me"]["pid"] == str(proc.pid) and found["me"]["controller"] == socket.gethostname()
    assert found["state"] == "alive" and found["other"] == "unknown"
    assert run.state(found["me"]) == "gone"
