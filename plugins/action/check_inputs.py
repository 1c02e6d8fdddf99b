# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for dualstack.redis.check_inputs: a role's variables checked by the collection's rules
(module_utils/_checks.py, by_kind), on the controller, before anything else runs."""

from __future__ import annotations

import os

from ansible.errors import AnsibleError, AnsibleUndefinedVariable
from ansible.plugins.action import ActionBase

from ansible_collections.dualstack.redis.plugins.module_utils import _checks


def controller_file_problem(value, name):
    """Why the controller cannot write a file at ``value`` (an absolute path), or None: checked before anything runs,
    so that a report path with a typo fails the run at its start, not after the change."""
    if os.path.isdir(value):
        return "%s must be a file, not a directory: %s" % (name, value)
    directory = os.path.dirname(value) or "/"
    if not os.path.isdir(directory):
        return "%s: the directory %s does not exist on the controller" % (name, directory)
    if not os.access(directory, os.W_OK | os.X_OK):
        return "%s: the directory %s is not writable on the controller" % (name, directory)
    return None


def problems(kinds, variables, template):
    """(names checked, problems): each variable of ``kinds`` looked up in ``variables`` (a task's vars), templated
    with ``template`` and checked by its kind. A kind that is not in the grammar raises ValueError."""
    checked, found = [], []
    for name in sorted(kinds):
        kind = kinds[name]
        if not isinstance(kind, str):
            raise ValueError("kinds: the kind of %s must be a string, got %r" % (name, kind))
        checked.append(name)
        if name in variables:
            try:
                value = template(variables[name])
            except AnsibleUndefinedVariable as exc:
                if not kind.endswith("?"):
                    found.append("%s cannot be read: %s" % (name, exc))
                    continue
                value = _checks.UNSET
        else:
            value = _checks.UNSET
        problem = _checks.by_kind(value, name, kind)
        if not problem and kind.rstrip("?") == "controller_file" and isinstance(value, str) and value:
            problem = controller_file_problem(value, name)
        if problem:
            found.append(problem)
    return checked, found


class ActionModule(ActionBase):
    """Look every variable up in the task's vars, check it by its kind, fail with every problem."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("kinds",))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        kinds = self._task.args.get("kinds")
        if not isinstance(kinds, dict) or not kinds:
            result.update(failed=True, msg="kinds must be a dictionary of variable names and their kinds")
            return result
        try:
            checked, found = problems(kinds, task_vars or {}, self._templar.template)
        except (ValueError, AnsibleError) as exc:
            result.update(failed=True, msg=str(exc))
            return result
        result.update(changed=False, checked=checked, problems=found)
        if found:
            result.update(failed=True, msg="; ".join(found))
        else:
            result["msg"] = "%d inputs checked" % len(checked)
        return result
