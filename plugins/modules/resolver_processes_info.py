#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: resolver_processes_info
short_description: Processes still running with the address order they read before gai.conf changed
version_added: 0.2.0
description:
  - glibc reads C(/etc/gai.conf) once per process (its C(reload) option is off by default), so a process that was
    already running when the file changed keeps the old order until it restarts.
  - Lists the processes that started before O(since) (by default the time O(path) was last changed) and have a C
    library mapped (glibc, or musl, which ignores gai.conf altogether), read from C(/proc).
  - The ones that matter most come first, in RV(processes) and in RV(names) (one entry per process name); those
    holding an IPv4 or IPv6 socket now (TCP or UDP, in their own network namespace), then the oldest.
  - Processes without a C library (static binaries, Go programs using Go's own resolver) are not listed; they do not
    read gai.conf at all.
author:
  - dualstack.redis maintainers (@dualstack)
extends_documentation_fragment:
  - dualstack.redis._attributes
  - dualstack.redis._attributes.INFO_MODULE
  - dualstack.redis._attributes.PLATFORM_LINUX
options:
  path:
    description: The file whose last change is the moment, when O(since) is not given.
    type: path
    default: /etc/gai.conf
  since:
    description: The moment, in seconds since the epoch (as the fact C(ansible_date_time.epoch) or C(date +%s) give it), from 0 to the end of the year 9999.
    type: float
  limit:
    description: At most this many processes in RV(processes) (RV(count) says how many there are); 1 to 1000.
    type: int
    default: 20
notes:
  - Run as root to see every process; the maps of other users' processes are not readable otherwise (RV(unreadable)),
    nor are their descriptors (RV(processes[].network) is then V(null)).
  - Start times are known to within a second (the kernel gives the boot time in whole seconds).
"""

EXAMPLES = r"""
- name: What still runs with the order from before the gai.conf change?
  dualstack.redis.resolver_processes_info:
  register: stale

- name: Say so
  ansible.builtin.debug:
    msg: "{{ stale.count }} processes started before the change, e.g. {{ stale.processes | map(attribute='name') | join(', ') }}"
  when: stale.count > 0
"""

RETURN = r"""
since:
  description: The moment used, in seconds since the epoch.
  returned: always
  type: float
  sample: 1795927934.74
processes:
  description:
    - At most O(limit) of the RV(count) processes started before RV(since) with a C library mapped, those holding a
      network socket first, then the oldest.
  returned: always
  type: list
  elements: dict
  contains:
    pid:
      description: Process ID.
      type: int
    name:
      description: The process name (C(comm)).
      type: str
    started:
      description: When it started, in seconds since the epoch.
      type: float
    libc:
      description: V(glibc) or V(musl) (musl does not read gai.conf at all).
      type: str
    network:
      description: Whether it holds an IPv4 or IPv6 socket; V(null) when its descriptors are not readable by this user.
      type: bool
  sample: [{pid: 812, name: java, started: 1795920000.12, libc: glibc, network: true}]
names:
  description:
    - The same processes by name (at most O(limit) names), names with a network socket first, then the most
      common. What to restart, in short.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The process name (C(comm)).
      type: str
    count:
      description: How many processes of that name started before RV(since).
      type: int
    network:
      description: Whether any of them holds an IPv4 or IPv6 socket (V(null) when none is known to and some are unreadable).
      type: bool
    pids:
      description: Up to five of their process IDs, the ones that matter most first.
      type: list
      elements: int
  sample: [{name: java, count: 2, network: true, pids: [812, 990]}, {name: cron, count: 1, network: false, pids: [301]}]
count:
  description: How many such processes there are in all.
  returned: always
  type: int
  sample: 14
unreadable:
  description: Processes that could not be read (gone meanwhile, or not readable by this user).
  returned: always
  type: int
  sample: 0
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dualstack.redis.plugins.module_utils import _checks as checks
from ansible_collections.dualstack.redis.plugins.module_utils import _procs as procs


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", default="/etc/gai.conf"),
            since=dict(type="float"),
            limit=dict(type="int", default=20),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not 1 <= params["limit"] <= 1000:
        module.fail_json(msg="limit must be from 1 to 1000, got %d" % params["limit"])
    since = params["since"]
    if since is not None and checks.moment(since, "since"):
        module.fail_json(msg=checks.moment(since, "since"))
    if since is None:
        try:
            since = os.stat(params["path"]).st_mtime
        except OSError as exc:
            module.fail_json(msg="cannot tell when %s changed: %s; give since" % (params["path"], exc.strerror or exc))
    try:
        result = procs.scan(since, limit=params["limit"], skip=(os.getpid(), os.getppid()))
    except (OSError, procs.ProcError) as exc:
        module.fail_json(msg="cannot read /proc: %s" % exc)
    module.exit_json(changed=False, since=round(since, 2), **result)


if __name__ == "__main__":
    main()
