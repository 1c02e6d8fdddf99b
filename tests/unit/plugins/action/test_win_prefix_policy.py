"""The win_prefix_policy action plugin driven against the netsh stand-in (tests/standins/netsh).

The connection is replaced by a subprocess that runs the stand-in with its own state directory, so
each test sees the stateful behaviour (stores, add/set failures, translated output) end to end.
"""

import os
import subprocess
import sys
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.dualstack.redis.plugins.action.win_prefix_policy import ActionModule

STANDIN = os.path.join(os.path.dirname(__file__), "..", "..", "..", "standins", "netsh.py")


@pytest.fixture
def windows(tmp_path):
    """A simulated Windows host: runs netsh command lines against a fresh stand-in state."""
    env = dict(os.environ, NETSH_STANDIN_STATE=str(tmp_path / "state.json"), NETSH_STANDIN_CONFIG=str(tmp_path / "conf"))
    (tmp_path / "conf").mkdir()
    host = MagicMock(conf=tmp_path / "conf", log=[])

    def execute(cmd, *args, **kwargs):
        words = cmd.split()
        assert words[0] == "netsh"
        host.log.append(cmd)
        proc = subprocess.run([sys.executable, STANDIN] + words[1:], env=env, capture_output=True, text=True, check=False)
        return {"rc": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}

    host.execute = execute
    host.netsh = lambda *words: execute("netsh " + " ".join(words))
    return host


def run(windows, args, check_mode=False, diff=False):
    task = MagicMock(args=args, check_mode=check_mode, diff=diff, async_val=0, action="dualstack.redis.win_prefix_policy")
    action = ActionModule(task, MagicMock(), MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    action._low_level_execute_command = windows.execute
    return action.run(task_vars={})


def writes(windows):
    return [cmd for cmd in windows.log if " show " not in cmd]


def table(windows, store):
    from ansible_collections.dualstack.redis.plugins.plugin_utils import _netsh as netsh

    return {r.prefix: (r.precedence, r.label) for r in netsh.parse_prefix_policies(windows.netsh("int ipv6 show prefixpolicies store=" + store)["stdout"])}


def test_present_then_idempotent(windows):
    result = run(windows, {"networks": [{"prefix": "172.31.0.0/16"}]})
    assert result["changed"] and not result.get("failed")
    assert result["commands"] == [
        "netsh interface ipv6 add prefixpolicy prefix=::ffff:172.31.0.0/112 precedence=100 label=4 store=persistent"]
    for store in ("active", "persistent"):
        assert table(windows, store)["::ffff:172.31.0.0/112"] == (100, 4)
    assert {"prefix": "::ffff:172.31.0.0/112", "precedence": 100, "label": 4} in result["active"]
    windows.log.clear()
    again = run(windows, {"networks": [{"prefix": "172.31.0.0/16"}]})
    assert not again["changed"] and again["commands"] == []
    assert writes(windows) == []


def test_check_mode_runs_only_show_and_diff_shows_the_change(windows):
    result = run(windows, {"prefer": "ipv4"}, check_mode=True, diff=True)
    assert result["changed"]
    assert result["commands"] == ["netsh interface ipv6 set prefixpolicy prefix=::ffff:0:0/96 precedence=100 label=4 store=persistent"]
    assert writes(windows) == []
    assert table(windows, "active")["::ffff:0:0/96"] == (35, 4)
    assert "35      4  ::ffff:0:0/96" in result["diff"]["before"]
    assert "100      4  ::ffff:0:0/96" in result["diff"]["after"]


def test_store_active_is_lost_at_boot_persistent_is_not(windows):
    run(windows, {"prefer": "ipv4", "store": "active"})
    assert table(windows, "active")["::ffff:0:0/96"] == (100, 4)
    assert table(windows, "persistent")["::ffff:0:0/96"] == (35, 4)
    subprocess.run([sys.executable, STANDIN, "--standin-boot"], env=dict(os.environ, NETSH_STANDIN_STATE=str(windows.conf.parent / "state.json")), check=True)
    assert table(windows, "active")["::ffff:0:0/96"] == (35, 4)
    run(windows, {"prefer": "ipv4"})
    subprocess.run([sys.executable, STANDIN, "--standin-boot"], env=dict(os.environ, NETSH_STANDIN_STATE=str(windows.conf.parent / "state.json")), check=True)
    assert table(windows, "active")["::ffff:0:0/96"] == (100, 4)


def test_persistent_also_repairs_an_active_only_change(windows):
    windows.netsh("interface ipv6 set prefixpolicy ::/0 3 1 store=active")
    result = run(windows, {})
    assert result["commands"] == ["netsh interface ipv6 set prefixpolicy prefix=::/0 precedence=40 label=1 store=active"]
    assert table(windows, "active")["::/0"] == (40, 1)


def test_absent_removes_network_rows_and_restores_defaults(windows):
    run(windows, {"prefer": "ipv4", "networks": [{"prefix": "fd00:10::/64", "precedence": 45}]})
    windows.netsh("interface ipv6 add prefixpolicy 2001:db8::/32 7 20")  # a row it does not manage
    result = run(windows, {"state": "absent", "networks": [{"prefix": "fd00:10::/64"}]})
    assert result["changed"]
    for store in ("active", "persistent"):
        rows = table(windows, store)
        assert "fd00:10::/64" not in rows
        assert rows["::ffff:0:0/96"] == (35, 4)
        assert rows["2001:db8::/32"] == (7, 20)


def test_translated_output_is_read_by_shape(windows):
    (windows.conf / "locale").write_text("de\n")
    assert "Rangfolge" in windows.netsh("int ipv6 show prefixpolicies")["stdout"]
    result = run(windows, {"prefer": "ipv6"})
    assert result["changed"] and not result.get("failed")
    assert table(windows, "persistent")["::ffff:0:0/96"] == (2, 4)
    assert not run(windows, {"prefer": "ipv6"})["changed"]


def test_netsh_errors_fail_with_netsh_output(windows):
    (windows.conf / "not-elevated").write_text("")
    result = run(windows, {"prefer": "ipv4"})
    assert result["failed"]
    assert "requires elevation" in result["msg"] and "requires elevation" in result["output"]
    # The command that failed is the last one listed; nothing changed.
    assert result["commands"] == ["netsh interface ipv6 set prefixpolicy prefix=::ffff:0:0/96 precedence=100 label=4 store=persistent"]
    assert result["changed"] is False
    assert table(windows, "active")["::ffff:0:0/96"] == (35, 4)


@pytest.mark.parametrize("args, message", [
    ({"networks": [{"prefix": "::ffff:172.31.0.0:0/112"}]}, "for 172.31.0.0/16 write '172.31.0.0/16' or '::ffff:172.31.0.0/112'"),
    ({"networks": [{"prefix": "10.0.0.0/8", "precedence": -3}]}, "networks[0].precedence -3 is outside 0..100"),
    ({"store": "registry"}, "store"),
    ({"prefer": "ipv4", "bogus": 1}, "bogus"),
])
def test_bad_input_fails_before_any_netsh_command(windows, args, message):
    with pytest.raises(AnsibleActionFail) as err:
        run(windows, args)
    assert message in str(err.value)
    assert windows.log == []


# --- issue 13: the truth after a failed write; unreadable output; a netsh that hangs --------------------

def failing(windows, fail_on):
    """The host's netsh fails (exit 1) on the first command containing ``fail_on``."""
    real = windows.execute

    def execute(cmd, *args, **kwargs):
        if fail_on in cmd:
            windows.log.append(cmd)
            return {"rc": 1, "stdout": "The requested operation requires elevation (Run as administrator).", "stderr": ""}
        return real(cmd, *args, **kwargs)

    return execute


def test_first_write_failing_reports_no_change(windows):
    windows.execute = failing(windows, "set prefixpolicy")
    result = run(windows, {"prefer": "ipv4"})
    assert result["failed"] and result["changed"] is False
    assert result["commands"] == ["netsh interface ipv6 set prefixpolicy prefix=::ffff:0:0/96 precedence=100 label=4 store=persistent"]
    assert "requires elevation" in result["msg"] and result["rc"] == 1


def test_second_write_failing_reports_the_first(windows):
    windows.execute = failing(windows, "add prefixpolicy")
    result = run(windows, {"prefer": "ipv4", "networks": [{"prefix": "172.31.0.0/16"}]})
    assert result["failed"] and result["changed"] is True
    assert result["commands"] == [
        "netsh interface ipv6 set prefixpolicy prefix=::ffff:0:0/96 precedence=100 label=4 store=persistent",
        "netsh interface ipv6 add prefixpolicy prefix=::ffff:172.31.0.0/112 precedence=100 label=4 store=persistent",
    ]
    assert table(windows, "persistent")["::ffff:0:0/96"] == (100, 4)


def test_unreadable_show_output_fails_before_any_write(windows):
    real = windows.execute

    def execute(cmd, *args, **kwargs):
        if " show " in cmd:
            windows.log.append(cmd)
            return {"rc": 0, "stdout": "The following helper DLL cannot be loaded: IFMON.DLL.\r\n", "stderr": ""}
        return real(cmd, *args, **kwargs)

    windows.execute = execute
    with pytest.raises(AnsibleActionFail, match="no prefix-policy table"):
        run(windows, {"prefer": "ipv4"})
    assert writes(windows) == []


def test_netsh_that_hangs_fails_the_task_by_its_deadline(windows):
    import threading
    import time

    release = threading.Event()

    def execute(cmd, *args, **kwargs):
        release.wait(60)  # a netsh (or a connection) that does not return
        return {"rc": 0, "stdout": "", "stderr": ""}

    windows.execute = execute
    start = time.monotonic()
    try:
        result = run(windows, {"prefer": "ipv4", "command_timeout": 1})
    finally:
        release.set()
    assert time.monotonic() - start < 5
    assert result["failed"] and result["changed"] is False and result["commands"] == []
    assert result["msg"] == ("'netsh interface ipv6 show prefixpolicies store=active' did not finish: no reply within 1 s "
                             "(command_timeout); it may still be running on the host")


def test_a_write_that_hangs_may_have_run(windows):
    import threading

    release = threading.Event()
    real = windows.execute

    def execute(cmd, *args, **kwargs):
        if " set " in cmd:
            release.wait(60)
        return real(cmd, *args, **kwargs)

    windows.execute = execute
    try:
        result = run(windows, {"prefer": "ipv4", "command_timeout": 1})
    finally:
        release.set()
    assert result["failed"] and result["changed"] is True
    assert result["commands"] == ["netsh interface ipv6 set prefixpolicy prefix=::ffff:0:0/96 precedence=100 label=4 store=persistent"]


@pytest.mark.parametrize("timeout", [0, 86401])
def test_command_timeout_out_of_range(windows, timeout):
    with pytest.raises(AnsibleActionFail, match="command_timeout must be from 1 to 86400 seconds"):
        run(windows, {"prefer": "ipv4", "command_timeout": timeout})
    assert windows.log == []
