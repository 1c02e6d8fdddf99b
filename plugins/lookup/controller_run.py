# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: controller_run
short_description: This run of ansible-playbook, or whether the run a lock record names is still alive
version_added: 0.2.0
description:
  - Without terms, this run's identity on the controller - its host name, the process id of its ansible-playbook
    process and that process's start time (which together name one process even when ids are reused).
  - With a lock record (a dict with C(controller), C(pid), C(pid_start), or its JSON text) as the term, whether that run is
    V(alive), V(gone) (same controller, no such process any more) or V(unknown) (another controller, or no process
    details), so that a lock left by a killed run is taken over only when the run is known to be gone.
  - The role C(dualstack.redis.internal_address) puts the identity in its lock's record (M(dualstack.redis.change_lock)).
  - Reads /proc on the controller (Linux); elsewhere the answer is V(unknown).
author:
  - dualstack.redis maintainers (@dualstack)
options:
  _terms:
    description: Nothing, or one lock record.
    type: list
    elements: raw
"""

EXAMPLES = r"""
- name: This run
  ansible.builtin.debug:
    msg: "{{ lookup('dualstack.redis.controller_run') }}"

- name: Is the run that left this lock still running?
  ansible.builtin.debug:
    msg: "{{ lookup('dualstack.redis.controller_run', lock_record) }}"
"""

RETURN = r"""
_raw:
  description: This run's identity (C(controller), C(pid), C(pid_start)), or a lock record's run state.
  type: list
  elements: raw
  sample: [{controller: awx-1, pid: "4242", pid_start: "953192"}]
"""

from ansible.plugins.lookup import LookupBase

from ansible_collections.dualstack.redis.plugins.plugin_utils import _controller_run


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        if not terms:
            return [_controller_run.identity()]
        return [_controller_run.state(term) for term in terms]
