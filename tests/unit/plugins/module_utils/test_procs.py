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
        procs.boot_time("cpu 1 2 3\n")


def test_scan_of_a_made_proc_tree(tmp_path):
    (tmp_path / "stat").write_text("cpu 1\nbtime 1000000\n")
    for pid, start, maps in ((10, 100, MAPS), (11, 900, MAPS), (12, 50, "")):
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "stat").write_text(STAT.replace("4242 (", "%d (" % pid).replace(" 123456 ", " %d " % start))
        (tmp_path / str(pid) / "maps").write_text(maps)
    (tmp_path / "13").mkdir()  # gone while read: no stat file
    result = procs.scan(1000000 + 5, proc=str(tmp_path), ticks=100)
    assert result == {"processes": [{"pid": 10, "name": "java (main)", "started": 1000001.0, "libc": "glibc"}],
                      "count": 1, "unreadable": 1}


def test_module_on_this_machines_proc_finds_a_process_started_before(tmp_path, run_in_process):
    """Real /proc: a sleep started before the file changed is listed; one started after is not."""
    before = subprocess.Popen(["sleep", "30"])
    try:
        time.sleep(1.2)
        marker = tmp_path / "gai.conf"
        marker.write_text("precedence ::ffff:0:0/96 100\n")
        time.sleep(1.2)
        after = subprocess.Popen(["sleep", "30"])
        try:
            failed, result = run_in_process(resolver_processes_info, {"path": str(marker), "limit": 1000})
        finally:
            after.kill()
            after.wait()
    finally:
        before.kill()
        before.wait()
    assert not failed and not result.get("skipped"), result
    pids = {p["pid"]: p for p in result["processes"]}
    assert before.pid in pids and pids[before.pid]["name"] == "sleep" and pids[before.pid]["libc"] == "glibc"
    assert after.pid not in pids and os.getpid() not in pids
    assert result["count"] >= len(result["processes"]) and result["since"] == round(marker.stat().st_mtime, 2)


def test_module_refuses_bad_limit_and_missing_file(tmp_path, run_in_process):
    failed, result = run_in_process(resolver_processes_info, {"limit": 0})
    assert failed and "limit must be from 1 to 1000" in result["msg"]
    failed, result = run_in_process(resolver_processes_info, {"path": str(tmp_path / "none")})
    assert failed and "cannot tell when" in result["msg"] and "give since" in result["msg"]
