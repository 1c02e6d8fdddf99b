#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: change_lock
short_description: Take or give back a run's lock on a rolling change, kept in a file on a node
version_added: 0.2.0
description:
  - Keeps one run at a time on a rolling change of a cluster (the role C(dualstack.redis.internal_address) takes it
    before the first node goes down and gives it back at the end, on failure and after a rollback). The lock is a
    file on one node of the cluster, a JSON record of the run holding it (O(run), and O(holder)'s controller, user,
    start time, AWX job).
  - O(state=present) takes the lock when it is free, keeps it when O(run) holds it already, takes it over when the run
    named in O(takeover) holds it (a run that was killed while a node's change it started is still to be finished),
    and otherwise waits up to O(wait) seconds for it; then it fails naming the holder, having changed nothing.
  - O(state=absent) gives it back when O(run) holds it, or removes the lock of the run named in O(clear) (a stale
    lock, cleared on purpose); a lock held by another run is left alone (and reported).
  - Every read-compare-write happens under C(flock) on a guard file beside the lock, so two runs (two controllers,
    two AWX jobs, two slices of one job) can never both take it; the lock file appears complete or not at all.
  - Check mode reads the lock and says what would happen; it takes and removes nothing.
author:
  - dualstack.redis maintainers (@dualstack)
extends_documentation_fragment:
  - dualstack.redis._attributes
  - dualstack.redis._attributes.FULL
  - dualstack.redis._attributes.PLATFORM_LINUX
options:
  path:
    description: The lock file (absolute); its directory is made, mode 0700, when missing.
    type: path
    default: /var/lib/dualstack-redis/internal_address.lock
  state:
    description: V(present) takes (or keeps) the lock, V(absent) gives it back.
    type: str
    choices: [present, absent]
    default: present
  run:
    description: The id of this run (an AWX job id, or any id unique to the run); 1 to 200 printable characters.
    type: str
    required: true
  holder:
    description: What the record says of the run besides its id, for whoever finds the lock held.
    type: dict
    default: {}
    suboptions:
      controller:
        description: The controller the run runs on.
        type: str
      user:
        description: The user who started it.
        type: str
      started:
        description: When it started.
        type: str
      job:
        description: The AWX/Tower job id, when there is one.
        type: str
      pid:
        description: The process id of the run's ansible-playbook (see the lookup C(dualstack.redis.controller_run)).
        type: str
      pid_start:
        description: That process's start time, so that the id names one process.
        type: str
  takeover:
    description:
      - present. The id of a run whose lock this run may take over. Give it only for a run known to be gone (the role
        gives the run a node's interrupted change belongs to, when the lookup C(dualstack.redis.controller_run) says
        it is gone); a run still going would then have a second one beside it.
    type: str
  clear:
    description: absent. The id of a run whose lock is removed although this run does not hold it (a stale lock, cleared on purpose).
    type: str
  wait:
    description: present. Seconds to wait for a lock another run holds (0 to 86400; 0 gives up at once).
    type: int
    default: 0
notes:
  - The lock protects only runs that use the same lock file on the same node; the role picks the node from the
    inventory (the first of the cluster's hosts by name), so runs from one inventory share it.
seealso:
  - module: dualstack.redis.re_node_info
"""

EXAMPLES = r"""
- name: Take the lock for this run, waiting up to 10 minutes for another run to finish
  dualstack.redis.change_lock:
    run: "{{ awx_job_id | default(run_id) }}"
    holder:
      controller: "{{ lookup('ansible.builtin.pipe', 'hostname') }}"
      user: "{{ lookup('ansible.builtin.env', 'USER') }}"
      started: "{{ now(utc=true).isoformat() }}"
    wait: 600
  delegate_to: re-node-1
  run_once: true

- name: Give it back
  dualstack.redis.change_lock:
    run: "{{ run_id }}"
    state: absent
  delegate_to: re-node-1
  run_once: true

- name: Clear the stale lock of run 4711 (every node is OK, nothing is left to finish)
  dualstack.redis.change_lock:
    run: "{{ run_id }}"
    state: absent
    clear: "4711"
  delegate_to: re-node-1
  run_once: true
"""

RETURN = r"""
action:
  description:
    - What was done (in check mode, what would be) - V(take), V(keep), V(takeover), V(wait) (held by another run),
      V(release), V(none) (nothing to give back).
  returned: always
  type: str
  sample: take
held:
  description: Whether this run holds the lock afterwards.
  returned: always
  type: bool
found:
  description: The record found (null when the lock was free); an unreadable one has run V((unreadable)) and its text.
  returned: always
  type: dict
  sample: {run: "4711", controller: awx-1, user: admin, started: "2026-12-03T10:00:00+00:00", job: "4711"}
held_by:
  description: The holder in words, when another run holds the lock.
  returned: when another run holds it
  type: str
waited:
  description: Seconds waited for the lock.
  returned: always
  type: float
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dualstack.redis.plugins.module_utils import _checks as checks
from ansible_collections.dualstack.redis.plugins.module_utils import _lock as lock


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", default="/var/lib/dualstack-redis/internal_address.lock"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            run=dict(type="str", required=True),
            holder=dict(type="dict", default={}, options=dict(
                controller=dict(type="str"), user=dict(type="str"), started=dict(type="str"), job=dict(type="str"),
                pid=dict(type="str"), pid_start=dict(type="str"))),
            takeover=dict(type="str"),
            clear=dict(type="str"),
            wait=dict(type="int", default=0),
        ),
        supports_check_mode=True,
    )
    params = module.params
    result = dict(changed=False, action=None, held=False, found=None, waited=0.0)
    run = params["run"]
    problem = None
    if not run or len(run) > 200 or not run.isprintable() or run == lock.UNKNOWN:
        problem = "run %r must be 1 to 200 printable characters (an AWX job id, or an id unique to the run)" % (run,)
    problem = problem or checks.seconds(params["wait"], "wait", 0, 86400)
    if problem:
        module.fail_json(msg=problem, **result)
    record = dict((key, value) for key, value in (params["holder"] or {}).items() if value)
    record["run"] = run
    try:
        action, found, waited = lock.apply(lock.LockFile(params["path"]), run, record, params["state"], params["takeover"],
                                           params["clear"], params["wait"], module.check_mode)
    except lock.LockError as exc:
        module.fail_json(msg=str(exc), **result)
    result.update(action=action, found=found, waited=waited, changed=action in ("take", "takeover", "release"))
    result["held"] = action in ("take", "keep", "takeover") if params["state"] == "present" else False
    if found and found.get("run") != run and action in ("wait", "none"):
        result["held_by"] = lock.describe(found)
    if action == "wait" and not module.check_mode:
        module.fail_json(msg="the lock %s is held by %s%s; nothing was changed. Wait for that run to end, or, when it is gone "
                             "and no node is left out, clear its lock (clear=%s)"
                             % (params["path"], result["held_by"], " (waited %s s)" % waited if params["wait"] else "", found["run"]),
                         **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
