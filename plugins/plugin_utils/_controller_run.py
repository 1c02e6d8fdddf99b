# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which run of ansible-playbook this is, and whether the run a lock record names is still alive, from the controller.

Private to dualstack.redis: not a public API, may change in any release.

A run is its ansible-playbook process: the controller's host name, the process id and the process's start time (in
clock ticks since boot, field 22 of /proc/PID/stat), which together name one process even when the id is reused. A
lock left by a run is safe to take over only when that run is gone: checked only where it can be, on the controller
that ran it (same host name, /proc readable); anywhere else the answer is "unknown", and the lock must be cleared on
purpose.
"""

from __future__ import annotations

import json
import os
import socket

PROC = "/proc"


def _stat(pid, proc=PROC):
    """(ppid, start time, comm) of a process from /proc/PID/stat, or None when there is no such process."""
    try:
        with open(os.path.join(proc, str(pid), "stat")) as handle:
            text = handle.read()
    except OSError:
        return None
    # comm is in parentheses and may hold spaces and parentheses itself: the fields start after the last ')'
    comm = text[text.find("(") + 1:text.rfind(")")]
    fields = text[text.rfind(")") + 2:].split()
    try:
        return int(fields[1]), fields[19], comm
    except (IndexError, ValueError):
        return None


def _cmdline(pid, proc=PROC):
    try:
        with open(os.path.join(proc, str(pid), "cmdline"), "rb") as handle:
            return [part.decode("utf-8", "replace") for part in handle.read().split(b"\0") if part]
    except OSError:
        return []


def _runs_playbook(pid, proc):
    return any(os.path.basename(part) == "ansible-playbook" for part in _cmdline(pid, proc)[:3])


def playbook_pid(start=None, proc=PROC):
    """The process id of the ansible-playbook (or ansible-runner's) process this runs under, else the parent.

    Ansible's workers are forks of that process and so show its command line too: the run is the topmost of the
    unbroken line of ansible-playbook processes above this one (a worker ends with its task; the run does not). A
    playbook that starts another ansible-playbook through a command breaks the line (a shell or module between the
    two), so the inner run is not taken for the outer one."""
    pid = start or os.getpid()
    found = None
    for _depth in range(64):
        if _runs_playbook(pid, proc):
            found = pid
        elif found is not None:
            break
        info = _stat(pid, proc)
        if info is None or info[0] <= 1:
            break
        pid = info[0]
    return found if found is not None else os.getppid()


def identity(proc=PROC):
    """{controller, pid, pid_start} of this run (pid_start empty when /proc cannot say)."""
    pid = playbook_pid(proc=proc)
    info = _stat(pid, proc)
    return {"controller": socket.gethostname(), "pid": str(pid), "pid_start": info[1] if info else ""}


def state(record, proc=PROC):
    """``alive``, ``gone`` or ``unknown`` for the run a lock record names (its controller, pid and pid_start); the
    record may be given as its JSON text (unreadable text: ``unknown``)."""
    if isinstance(record, str):
        try:
            record = json.loads(record)
        except ValueError:
            return "unknown"
    if not isinstance(record, dict) or not record.get("pid") or not record.get("pid_start"):
        return "unknown"
    if record.get("controller") != socket.gethostname() or not os.path.isdir(proc):
        return "unknown"
    info = _stat(record["pid"], proc)
    if info is None or info[1] != str(record["pid_start"]):
        return "gone"
    return "alive"
