# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for dualstack.redis.win_prefix_policy: Windows prefix policies through netsh.

Runs ``netsh`` through the connection the way ansible.builtin.raw does, so the managed host needs
neither Python nor a PowerShell module: WinRM, PSRP or SSH to Windows all work. The logic (parsing,
planning, checking the result) is in plugin_utils/_netsh.py and module_utils/_policy_table.py.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.dualstack.redis.plugins.plugin_utils import _netsh as netsh
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
)


class ActionModule(ActionBase):
    """Read both prefix-policy stores, plan add/set/delete, run them unless in check mode, read back."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def _netsh(self, command):
        res = self._low_level_execute_command(command)
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
            commands = netsh.plan(before, wanted, remove, args["store"])
            result["commands"] = commands
            result["changed"] = bool(commands)
            after = before
            if commands and not self._task.check_mode:
                ran = []
                try:
                    for command in commands:
                        self._netsh(command)
                        ran.append(command)
                finally:
                    result["commands"] = ran if len(ran) < len(commands) else commands
                after = self._tables()
                checked = ["active"] + (["persistent"] if args["store"] == "persistent" else [])
                problems = ["%s table: %s" % (store, p) for store in checked for p in netsh.mismatches(after[store], wanted, remove)]
                if problems:
                    raise AnsibleActionFail("netsh reported success but the tables read back differ: %s" % "; ".join(problems))
        except NetshFailed as exc:
            result.update(failed=True, msg=str(exc), rc=exc.rc, output=exc.output)
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
    """A netsh command exited non-zero; carries its own output."""

    def __init__(self, command, rc, output):
        self.command, self.rc, self.output = command, rc, output
        super().__init__("'%s' failed (rc=%s): %s" % (command, rc, output or "no output"))
