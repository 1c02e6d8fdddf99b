# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for dualstack.redis.win_prefix_policy: Windows prefix policies through netsh.

Runs ``netsh`` through the connection the way ansible.builtin.raw does, so the managed host needs
neither Python nor a PowerShell module: WinRM, PSRP or SSH to Windows all work. The logic (parsing,
planning, checking the result) is in plugin_utils/_netsh.py and module_utils/_policy_table.py.
"""

from __future__ import annotations

import threading

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.dualstack.redis.plugins.plugin_utils import _netsh as netsh
from ansible_collections.dualstack.redis.plugins.module_utils._commands import check_timeout
from ansible_collections.dualstack.redis.plugins.module_utils._policy_table import (
    PREFERENCE_ARGUMENT_SPEC,
    WINDOWS_DEFAULT,
    PolicyError,
    PolicyRow,
    normalize_networks,
    prefix_key,
    wanted_rows,
)

ARGUMENT_SPEC = dict(
    PREFERENCE_ARGUMENT_SPEC,
    store=dict(type="str", choices=["persistent", "active"], default="persistent"),
    command_timeout=dict(type="int", default=60),
)


class ActionModule(ActionBase):
    """Read both prefix-policy stores, plan add/set/delete, run them unless in check mode, read back."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def _execute(self, command):
        """The connection's result for ``command``, or NetshFailed once command_timeout has passed.

        The command runs in a thread so that a netsh (or a connection) that never returns cannot hold the task:
        the task fails by its deadline; the thread, and whatever it waits for, ends with this worker process.
        """
        outcome = {}

        def execute():
            try:
                outcome["result"] = self._low_level_execute_command(command)
            except Exception as exc:  # pylint: disable=broad-except  # re-raised in the task's thread below
                outcome["error"] = exc

        thread = threading.Thread(target=execute, name="netsh", daemon=True)
        thread.start()
        thread.join(self._timeout)
        if thread.is_alive():
            raise NetshFailed(command, None, "no reply within %s s (command_timeout); it may still be running on the host"
                              % self._timeout, timed_out=True)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]

    def _netsh(self, command):
        res = self._execute(command)
        output = "\n".join(part for part in (to_text(res.get("stdout", "")).strip(), to_text(res.get("stderr", "")).strip()) if part)
        if res.get("rc") != 0:
            raise NetshFailed(command, res.get("rc"), output)
        return to_text(res.get("stdout", ""))

    def _tables(self):
        tables = {}
        for store in netsh.STORES:
            command = netsh.show_command(store)
            try:
                tables[store] = netsh.parse_prefix_policies(self._netsh(command))
            except netsh.NetshError as exc:
                raise AnsibleActionFail("%s: %s" % (command, exc))
        return tables

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        problem = check_timeout(args["command_timeout"])
        if problem:
            raise AnsibleActionFail(problem)
        self._timeout = args["command_timeout"]

        try:
            networks = normalize_networks(args["networks"])
        except PolicyError as exc:
            raise AnsibleActionFail(str(exc))
        if args["state"] == "present":
            wanted = wanted_rows(args["prefer"], networks, WINDOWS_DEFAULT)
            remove = []
        else:
            wanted = list(WINDOWS_DEFAULT)
            defaults = {prefix_key(row.prefix) for row in WINDOWS_DEFAULT}
            remove = [PolicyRow(prefix, precedence, None) for prefix, precedence in networks if prefix_key(prefix) not in defaults]

        try:
            before = self._tables()
        except NetshFailed as exc:
            result.update(failed=True, changed=False, commands=[], msg=str(exc), rc=exc.rc, output=exc.output)
            return result
        try:
            commands = netsh.plan(before, wanted, remove, args["store"])
        except netsh.NetshError as exc:
            raise AnsibleActionFail(str(exc))
        result["commands"] = commands
        result["changed"] = bool(commands)
        after = before
        if commands and not self._task.check_mode:
            done = []
            try:
                for command in commands:
                    self._netsh(command)
                    done.append(command)
                after = self._tables()
            except NetshFailed as exc:
                # commands lists what ran, the failed one last. One netsh command changes one row or fails whole,
                # so what changed is what succeeded; a command that timed out may have run too.
                ran = done + ([exc.command] if exc.command in commands else [])
                result.update(failed=True, changed=bool(done) or exc.timed_out and exc.command in commands,
                              commands=ran, msg=str(exc), rc=exc.rc, output=exc.output)
                return result
            checked = ["active"] + (["persistent"] if args["store"] == "persistent" else [])
            problems = ["%s table: %s" % (store, p) for store in checked for p in netsh.mismatches(after[store], wanted, remove)]
            if problems:
                result.update(failed=True, msg="netsh reported success but the tables read back differ: %s" % "; ".join(problems))
                return result

        result["active"] = netsh.as_dicts(after["active"])
        result["persistent"] = netsh.as_dicts(after["persistent"])
        if self._task.diff and commands:
            shown = args["store"]
            if self._task.check_mode:
                table = netsh.index(before[shown])
                planned = netsh.apply_steps(table, netsh.diff_store(table, wanted, remove))
                after_rows = sorted(planned.values(), key=lambda row: -row.precedence)
            else:
                after_rows = after[shown]
            result["diff"] = dict(
                before=netsh.render_table(before[shown]),
                after=netsh.render_table(after_rows),
                before_header="prefix policies (%s)" % shown,
                after_header="prefix policies (%s)" % shown,
            )
        return result


class NetshFailed(Exception):
    """A netsh command exited non-zero or did not finish in time; carries its own output."""

    def __init__(self, command, rc, output, timed_out=False):
        self.command, self.rc, self.output, self.timed_out = command, rc, output, timed_out
        what = "did not finish" if timed_out else "failed (rc=%s)" % rc
        super().__init__("'%s' %s: %s" % (command, what, output or "no output"))
