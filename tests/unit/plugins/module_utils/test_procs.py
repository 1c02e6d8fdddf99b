"""_procs and resolver_processes_info: /proc lines as the kernel writes them, and this machine's real /proc."""

import os
import subprocess
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.dualstack.redis.plugins.module_utils import _procs as procs
from ansible_collections.dualstack.redis.plugins.modules import resolver_processes_info

STAT = "4242 (java (main)) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 12 0 123456 1000 200 18446744073709551615\n"
MAPS = ("55d0c0a00000-55d0c0a01000 r--p 00000000 08:01 1 /usr/bin/java\n"
        "7f1b2c000000-7f1b2c028000 r--p 00000000 08:01 2 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
        "7ffd1c9f0000-7ffd1ca11000 rw-p 00000000 00:00 0 [stack]\n")


def test_parse_stat_with_parentheses_and_spaces_in_the_name():
    assert procs.parse_stat(STAT) == (4242, "java (main)", 123456)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\n"), max_size=15),
       st.integers(1, 4194304), st.integers(0, 2 ** 40))
def test_parse_stat_reads_any_comm(comm, pid, start):
    """Property: whatever a process names itself (comm may hold spaces and parentheses), pid and start are read."""
    line = "%d (%s) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 %d 0 0\n" % (pid, comm, start)
    assert procs.parse_stat(line) == (pid, comm, start)


@pytest.mark.parametrize("maps, expected", [
    (MAPS, "glibc"),
    ("7f00-7f01 r-xp 0 08:01 3 /lib/ld-musl-x86_64.so.1\n", "musl"),
    ("7f00-7f01 r-xp 0 08:01 3 /usr/lib/libc-2.28.so\n", "glibc"),
    ("7f00-7f01 r-xp 0 08:01 3 /usr/local/bin/static-go\n7f02-7f03 rw-p 0 00:00 0\n", None),
    ("", None),
])
def test_libc(maps, expected):
    assert procs.libc(maps) == expected


def test_bad_proc_text_is_named():
    with pytest.raises(procs.ProcError):
        procs.parse_stat("garbage")
    with pytest.raises(procs.ProcError):
        procs.boot_time("", 1000.0)
    assert procs.boot_time("350.25 600.00\n", 1000.5) == 650.25


TCP6 = ("  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when "
        "retrnsmt   uid  timeout inode\n"
        "   0: 00000000000000000000000000000000:1A0B 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 "
        "00000000     0        0 777 1 0000000000000000 100 0 0 10 0\n"
        "   1: 00000000000000000000000001000000:1A0C 00000000000000000000000001000000:D431 06 00000000:00000000 03:00000ABC "
        "00000000     0        0 0 3 0000000000000000\n")


TCP = ("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
       # 127.0.0.1:40000 -> 127.0.0.1:6379 ESTABLISHED, inode 501
       "   0: 0100007F:9C40 0100007F:18EB 01 00000000:00000000 00:00000000 00000000     0        0 501 1 0 20 4 30 10 -1\n"
       # the server's side of it: remote port 40000
       "   1: 0100007F:18EB 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 502 1 0 20 4 30 10 -1\n"
       # listening on 6379: state 0A, no remote port
       "   2: 00000000:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 503 1 0 100 0 0 10 0\n"
       # to 6380, closing (FIN_WAIT1 04): not established
       "   3: 0100007F:9C41 0100007F:18EC 04 00000000:00000000 00:00000000 00000000     0        0 504 1 0 20 4 30 10 -1\n"
       "   4: garbage\n")


def test_connected_inodes_are_established_connections_to_the_ports():
    assert procs.connected_inodes(TCP, {6379}) == {501}
    assert procs.connected_inodes(TCP, {6380}) == set()
    assert procs.connected_inodes(TCP, {40000, 6379}) == {501, 502}
    assert procs.connected_inodes("", {6379}) == set()


def test_connected_to_finds_this_process_by_its_connection():
    """A real connection on loopback: this process holds it, and it is found by the listener's port."""
    import socket
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _peer = server.accept()
    try:
        assert os.getpid() in procs.connected_to({port})
        assert os.getpid() not in procs.connected_to({port}, skip={os.getpid()})
    finally:
        for sock in (client, accepted, server):
            sock.close()


def test_socket_and_table_inodes():
    assert procs.socket_inodes(["/dev/null", "socket:[777]", "pipe:[5]", "socket:[x]", "anon_inode:[eventfd]"]) == {777}
    assert procs.inet_inodes(TCP6) == {777}  # a TIME_WAIT row has inode 0: no process holds it
    assert procs.inet_inodes("") == set()


PROCESS = st.fixed_dictionaries(dict(pid=st.integers(1, 99999), name=st.sampled_from(["java", "node", "cron", "sshd"]),
                                     started=st.integers(0, 10 ** 6).map(float), libc=st.just("glibc"),
                                     network=st.sampled_from([True, None, False])))


@given(st.lists(PROCESS, max_size=30, unique_by=lambda p: p["pid"]), st.integers(1, 40))
def test_rank_puts_network_first_and_counts_every_process_by_name(found, limit):
    """Property: network holders, then unknown, then none; oldest first within; names count every process."""
    processes, names = procs.rank(found, limit)
    assert len(processes) == min(limit, len(found))
    weight = {True: 0, None: 1, False: 2}
    keys = [(weight[p["network"]], p["started"], p["pid"]) for p in processes]
    assert keys == sorted(keys)
    if len(processes) < len(found):  # what was left out matters no more than what was kept
        rest = [(weight[p["network"]], p["started"], p["pid"]) for p in found if p not in processes]
        assert max(keys) <= min(rest)
    everything = procs.rank(found, 1000)[1]
    assert sum(n["count"] for n in everything) == len(found)
    for entry in everything:
        mine = [p for p in found if p["name"] == entry["name"]]
        assert entry["count"] == len(mine) and set(entry["pids"]) <= {p["pid"] for p in mine} and len(entry["pids"]) <= 5
        best = min(weight[p["network"]] for p in mine)
        assert weight[entry["network"]] == best
    assert names == everything[:limit]


def test_scan_of_a_made_proc_tree(tmp_path):
    (tmp_path / "uptime").write_text("5000.00 9000.00\n")  # booted at 1000000 when it is 1005000
    for pid, start, maps in ((10, 100, MAPS), (11, 900, MAPS), (12, 50, ""), (14, 200, MAPS), (15, 300, MAPS)):
        base = tmp_path / str(pid)
        base.mkdir()
        (base / "stat").write_text(STAT.replace("4242 (", "%d (" % pid).replace(" 123456 ", " %d " % start))
        (base / "maps").write_text(maps)
        if pid != 15:  # 15's descriptors are not readable: network unknown
            (base / "ns").mkdir()
            (base / "ns" / "net").symlink_to("net:[4026531840]")
            (base / "net").mkdir()
            (base / "net" / "tcp6").write_text(TCP6)
            (base / "fd").mkdir()
            (base / "fd" / "0").symlink_to("/dev/null")
    (tmp_path / "14" / "fd" / "3").symlink_to("socket:[777]")
    (tmp_path / "13").mkdir()  # gone while read: no stat file
    result = procs.scan(1000000 + 5, proc=str(tmp_path), ticks=100, now=1005000.0)
    assert result["count"] == 3 and result["unreadable"] == 1
    assert [(p["pid"], p["network"], p["started"]) for p in result["processes"]] == [
        (14, True, 1000002.0), (15, None, 1000003.0), (10, False, 1000001.0)]
    assert result["names"] == [{"name": "java (main)", "count": 3, "network": True, "pids": [14, 15, 10]}]


def test_module_on_this_machines_proc_finds_a_process_started_before(tmp_path, run_in_process):
    """Real /proc: a sleep started before the file changed is listed; one started after is not."""
    before = subprocess.Popen(["sleep", "30"])
    # A glibc program holding a TCP socket on loopback: it must come before the sleeps.
    server = subprocess.Popen(["python3", "-c", "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', 0)); "
                               "s.listen(1); time.sleep(30)"])
    try:
        time.sleep(1.2)
        marker = tmp_path / "gai.conf"
        marker.write_text("precedence ::ffff:0:0/96 100\n")
        time.sleep(0.1)  # a service restarted right after the change is not "before" it (start times to 10 ms)
        after = subprocess.Popen(["sleep", "30"])
        try:
            failed, result = run_in_process(resolver_processes_info, {"path": str(marker), "limit": 1000})
        finally:
            after.kill()
            after.wait()
    finally:
        for proc in (before, server):
            proc.kill()
            proc.wait()
    assert not failed and not result.get("skipped"), result
    pids = {p["pid"]: p for p in result["processes"]}
    assert before.pid in pids and pids[before.pid]["name"] == "sleep" and pids[before.pid]["libc"] == "glibc"
    assert pids[before.pid]["network"] is False and pids[server.pid]["network"] is True
    order = [p["pid"] for p in result["processes"]]
    assert order.index(server.pid) < order.index(before.pid)
    names = {n["name"]: n for n in result["names"]}
    assert names["python3"]["network"] is True and names["sleep"]["count"] >= 1
    assert after.pid not in pids and os.getpid() not in pids
    assert result["count"] >= len(result["processes"]) and result["since"] == round(marker.stat().st_mtime, 2)


def test_module_refuses_bad_limit_and_missing_file(tmp_path, run_in_process):
    failed, result = run_in_process(resolver_processes_info, {"limit": 0})
    assert failed and "limit must be from 1 to 1000" in result["msg"]
    failed, result = run_in_process(resolver_processes_info, {"path": str(tmp_path / "none")})
    assert failed and "cannot tell when" in result["msg"] and "give since" in result["msg"]
