# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Processes that started before a moment and resolve names through a C library, read from /proc.

Private to dualstack.redis: not a public API, may change in any release. Python 3.6+, standard library only.

glibc reads /etc/gai.conf once per process (its ``reload`` option is off by default), so a process that was
running when the file changed keeps the old order until it restarts. ``scan()`` lists such processes: started
before ``since`` (a time in seconds since the epoch) with glibc (``libc.so.6``) or musl (``ld-musl``) mapped.
Processes that vanish while they are read, or whose maps this user may not read, are counted as unreadable. Start
times come from the boot time (whole seconds) plus clock ticks, so they are right to within a second.
"""

import os
import re

# comm is in parentheses and may itself hold spaces and parentheses: it ends at the LAST ") ".
_STAT = re.compile(r"^(\d+) \((.*)\) (\S) (.*)$", re.S)
GLIBC = re.compile(r"/libc\.so\.6$|/libc-2\.\d+\.so$")
MUSL = re.compile(r"/ld-musl-[^/]*\.so\.1$|/libc\.musl-[^/]*\.so\.1$")


class ProcError(ValueError):
    """A /proc file this module cannot read."""


def parse_stat(text):
    """/proc/PID/stat -> (pid, comm, start ticks since boot)."""
    match = _STAT.match(text.strip())
    if not match:
        raise ProcError("not a /proc/PID/stat line: %.120r" % (text,))
    rest = match.group(4).split()
    # Fields after state: ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime
    # cstime priority nice num_threads itrealvalue starttime (field 22 of the whole line, index 18 here).
    if len(rest) < 19 or not rest[18].isdigit():
        raise ProcError("no start time in /proc/PID/stat: %.120r" % (text,))
    return int(match.group(1)), match.group(2), int(rest[18])


def boot_time(stat_text):
    """/proc/stat -> the boot time (``btime``), seconds since the epoch."""
    for line in stat_text.splitlines():
        if line.startswith("btime "):
            return int(line.split()[1])
    raise ProcError("no btime in /proc/stat")


def libc(maps_text):
    """/proc/PID/maps -> ``glibc``, ``musl`` or None (no C library mapped: a static binary, Go's own resolver...)."""
    for line in maps_text.splitlines():
        path = line.split(None, 5)[5].strip() if len(line.split(None, 5)) == 6 else ""
        if GLIBC.search(path):
            return "glibc"
        if MUSL.search(path):
            return "musl"
    return None


def _read(path):
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", "replace")


def scan(since, proc="/proc", ticks=None, limit=20, skip=()):
    """{processes: [...], count, unreadable}: processes started before ``since`` with a C library mapped, oldest first,
    at most ``limit`` of them (``count`` is how many there are). Each: pid, name, started (epoch seconds), libc."""
    ticks = ticks or os.sysconf("SC_CLK_TCK")
    btime = boot_time(_read(os.path.join(proc, "stat")))
    found, unreadable = [], 0
    for entry in os.listdir(proc):
        if not entry.isdigit() or int(entry) in skip:
            continue
        try:
            pid, name, start = parse_stat(_read(os.path.join(proc, entry, "stat")))
            started = btime + start / float(ticks)
            if started >= since:
                continue
            kind = libc(_read(os.path.join(proc, entry, "maps")))
        except (OSError, ProcError):
            unreadable += 1  # gone while read, or not readable by this user
            continue
        if kind:
            found.append(dict(pid=pid, name=name, started=round(started, 2), libc=kind))
    found.sort(key=lambda p: (p["started"], p["pid"]))
    return dict(processes=found[:limit], count=len(found), unreadable=unreadable)
