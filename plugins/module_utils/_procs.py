# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Processes that started before a moment and resolve names through a C library, read from /proc.

Private to dualstack.redis: not a public API, may change in any release. Python 3.6+, standard library only.

glibc reads /etc/gai.conf once per process (its ``reload`` option is off by default), so a process that was
running when the file changed keeps the old order until it restarts. ``scan()`` lists such processes: started
before ``since`` (a time in seconds since the epoch) with glibc (``libc.so.6``) or musl (``ld-musl``) mapped.
Processes that vanish while they are read, or whose maps this user may not read, are counted as unreadable. Start
times are the clock now minus (the uptime, /proc/uptime, minus the start in clock ticks since boot): right to a
clock tick (10 ms), where /proc/stat's ``btime`` (whole seconds) could put a service restarted just after the
change before it.

Which of them matter most: those holding an IPv4 or IPv6 socket (TCP or UDP) now, found by matching the socket
inodes of /proc/PID/fd against /proc/PID/net/{tcp,tcp6,udp,udp6}, read once per network namespace. A process whose
descriptors this user may not read has ``network`` None (unknown).
"""

import os
import re
import time

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


def boot_time(uptime_text, now):
    """/proc/uptime and the clock now (seconds since the epoch) -> when the system booted, in the same terms."""
    try:
        return now - float(uptime_text.split()[0])
    except (IndexError, ValueError):
        raise ProcError("not a /proc/uptime line: %.120r" % (uptime_text,))


def libc(maps_text):
    """/proc/PID/maps -> ``glibc``, ``musl`` or None (no C library mapped: a static binary, Go's own resolver...)."""
    for line in maps_text.splitlines():
        path = line.split(None, 5)[5].strip() if len(line.split(None, 5)) == 6 else ""
        if GLIBC.search(path):
            return "glibc"
        if MUSL.search(path):
            return "musl"
    return None


def socket_inodes(links):
    """readlink() texts of /proc/PID/fd entries -> the inodes of its sockets (``socket:[12345]``)."""
    found = set()
    for link in links:
        if link.startswith("socket:[") and link.endswith("]") and link[8:-1].isdigit():
            found.add(int(link[8:-1]))
    return found


def inet_inodes(table_text):
    """/proc/net/tcp (tcp6, udp, udp6) -> the socket inodes it lists (the tenth column; the first line is a header)."""
    found = set()
    for line in table_text.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 9 and fields[9].isdigit() and fields[9] != "0":
            found.add(int(fields[9]))
    return found


def connected_inodes(table_text, ports):
    """/proc/net/tcp or tcp6 -> the inodes of established connections whose remote port is in ``ports``."""
    found = set()
    for line in table_text.splitlines()[1:]:
        fields = line.split()
        if len(fields) <= 9 or fields[3] != "01" or ":" not in fields[2] or not fields[9].isdigit():
            continue
        try:
            port = int(fields[2].rsplit(":", 1)[1], 16)
        except ValueError:
            continue
        if port in ports and fields[9] != "0":
            found.add(int(fields[9]))
    return found


def _process_sockets(base):
    """The socket inodes the process at ``base`` (/proc/PID) holds, from its fd links; OSError when unreadable."""
    fd_dir = os.path.join(base, "fd")
    links = []
    for fd in os.listdir(fd_dir):
        try:
            links.append(os.readlink(os.path.join(fd_dir, fd)))
        except OSError:
            continue  # closed meanwhile
    return socket_inodes(links)


def _table_inodes(base, names, parse):
    """The inodes ``parse`` finds in the /proc/PID/net tables ``names`` of the process at ``base`` (its network
    namespace's); a table the kernel does not have gives none."""
    inodes = set()
    for name in names:
        try:
            inodes |= parse(_read(os.path.join(base, "net", name)))
        except OSError:
            continue  # no IPv6 in this kernel
    return inodes


def connected_to(ports, proc="/proc", skip=()):
    """The PIDs (sorted) holding an established TCP connection to a remote port in ``ports``, in any network
    namespace this process can read; ``skip``: PIDs left out."""
    tables, pids = {}, []
    for entry in os.listdir(proc):
        if not entry.isdigit() or int(entry) in skip:
            continue
        base = os.path.join(proc, entry)
        try:
            netns = os.readlink(os.path.join(base, "ns", "net"))
            if netns not in tables:
                tables[netns] = _table_inodes(base, ("tcp", "tcp6"), lambda text: connected_inodes(text, ports))
            if tables[netns] and _process_sockets(base) & tables[netns]:
                pids.append(int(entry))
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return sorted(pids)


def _network(proc, entry, tables):
    """True when the process holds an IPv4/IPv6 socket, False when it holds none, None when that cannot be read."""
    base = os.path.join(proc, entry)
    try:
        netns = os.readlink(os.path.join(base, "ns", "net"))
        mine = _process_sockets(base)
        if not mine:
            return False
        if netns not in tables:
            tables[netns] = _table_inodes(base, ("tcp", "tcp6", "udp", "udp6"), inet_inodes)
    except OSError:
        return None
    return bool(mine & tables[netns])


def rank(processes, limit):
    """The processes that matter most first: holding a network socket, then unknown, then none; oldest first within.
    And their names: one entry per name (count, whether any holds a socket), in the same order of importance."""
    weight = {True: 0, None: 1, False: 2}
    ordered = sorted(processes, key=lambda p: (weight[p["network"]], p["started"], p["pid"]))
    names = {}
    for proc in ordered:
        entry = names.setdefault(proc["name"], dict(name=proc["name"], count=0, network=proc["network"], pids=[]))
        entry["count"] += 1
        if len(entry["pids"]) < 5:
            entry["pids"].append(proc["pid"])
    by_name = sorted(names.values(), key=lambda n: (weight[n["network"]], -n["count"], n["name"]))
    return ordered[:limit], by_name[:limit]


def _read(path):
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", "replace")


def scan(since, proc="/proc", ticks=None, limit=20, skip=(), now=None):
    """{processes: [...], names: [...], count, unreadable}: processes started before ``since`` with a C library mapped,
    those holding a network socket first, then the oldest, at most ``limit`` of them (``count`` is how many there
    are). Each: pid, name, started (epoch seconds), libc, network. ``names``: see rank()."""
    ticks = ticks or os.sysconf("SC_CLK_TCK")
    btime = boot_time(_read(os.path.join(proc, "uptime")), time.time() if now is None else now)
    found, unreadable, tables = [], 0, {}
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
            found.append(dict(pid=pid, name=name, started=round(started, 2), libc=kind,
                              network=_network(proc, entry, tables)))
    processes, names = rank(found, limit)
    return dict(processes=processes, names=names, count=len(found), unreadable=unreadable)
