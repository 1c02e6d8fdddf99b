"""change_lock in-process on a temporary directory, and two real processes racing for it (each a Python process
taking the lock as the module does: one must get it, never both)."""

import json
import multiprocessing
import os

import pytest

from ansible_collections.dualstack.redis.plugins.module_utils import _lock as lock
from ansible_collections.dualstack.redis.plugins.modules import change_lock


def args(tmp_path, **more):
    return dict(dict(path=str(tmp_path / "locks" / "change.lock"), run="run-a",
                     holder=dict(controller="ctl-a", user="alice", started="2026-12-03T10:00:00+00:00")), **more)


def test_take_keep_release(tmp_path, run_in_process):
    failed, result = run_in_process(change_lock, args(tmp_path))
    assert not failed and result["action"] == "take" and result["held"] and result["changed"] and result["found"] is None
    path = tmp_path / "locks" / "change.lock"
    assert json.loads(path.read_text()) == {"run": "run-a", "controller": "ctl-a", "user": "alice",
                                            "started": "2026-12-03T10:00:00+00:00"}
    assert oct(os.stat(str(path.parent)).st_mode & 0o777) == "0o700" and oct(os.stat(str(path)).st_mode & 0o777) == "0o600"
    failed, again = run_in_process(change_lock, args(tmp_path))
    assert not failed and again["action"] == "keep" and again["held"] and not again["changed"]
    failed, released = run_in_process(change_lock, args(tmp_path, state="absent"))
    assert not failed and released["action"] == "release" and released["changed"] and not path.exists()
    failed, none = run_in_process(change_lock, args(tmp_path, state="absent"))
    assert not failed and none["action"] == "none" and not none["changed"]


def test_held_by_another_run_fails_naming_it_and_changes_nothing(tmp_path, run_in_process):
    run_in_process(change_lock, args(tmp_path))
    before = (tmp_path / "locks" / "change.lock").read_text()
    failed, result = run_in_process(change_lock, args(tmp_path, run="run-b", wait=1))
    assert failed and result["action"] == "wait" and not result["held"] and not result["changed"]
    assert "held by run run-a, controller ctl-a, user alice, since 2026-12-03T10:00:00+00:00" in result["msg"]
    assert "clear=run-a" in result["msg"] and result["waited"] >= 1
    assert (tmp_path / "locks" / "change.lock").read_text() == before
    # giving back a lock another run holds leaves it
    failed, result = run_in_process(change_lock, args(tmp_path, run="run-b", state="absent"))
    assert not failed and result["action"] == "none" and "run-a" in result["held_by"]
    assert (tmp_path / "locks" / "change.lock").read_text() == before


def test_takeover_and_clear_only_by_name(tmp_path, run_in_process):
    run_in_process(change_lock, args(tmp_path))
    failed, result = run_in_process(change_lock, args(tmp_path, run="run-b", takeover="run-x"))
    assert failed and result["action"] == "wait"
    failed, result = run_in_process(change_lock, args(tmp_path, run="run-b", takeover="run-a"))
    assert not failed and result["action"] == "takeover" and result["held"] and result["found"]["run"] == "run-a"
    failed, result = run_in_process(change_lock, args(tmp_path, run="run-c", state="absent", clear="run-b"))
    assert not failed and result["action"] == "release" and not (tmp_path / "locks" / "change.lock").exists()


def test_check_mode_takes_nothing(tmp_path, run_in_process):
    failed, result = run_in_process(change_lock, args(tmp_path, _ansible_check_mode=True))
    assert not failed and result["action"] == "take" and result["changed"]
    assert not (tmp_path / "locks" / "change.lock").exists()


def test_an_unreadable_record_is_held_by_nobody_that_can_take_it_over(tmp_path, run_in_process):
    path = tmp_path / "locks" / "change.lock"
    path.parent.mkdir()
    path.write_text("garbage\n")
    failed, result = run_in_process(change_lock, args(tmp_path, takeover="(unreadable)"))
    assert failed and "an unreadable record ('garbage\\n')" in result["msg"]
    failed, result = run_in_process(change_lock, args(tmp_path, state="absent", clear="(unreadable)"))
    assert not failed and result["action"] == "release"


@pytest.mark.parametrize("run, message", [("", "must be 1 to 200 printable"), ("a\nb", "must be 1 to 200 printable"),
                                          ("x" * 201, "must be 1 to 200 printable")])
def test_bad_run_ids(tmp_path, run_in_process, run, message):
    failed, result = run_in_process(change_lock, args(tmp_path, run=run))
    assert failed and message in result["msg"] and not (tmp_path / "locks").exists()


def test_a_fifo_in_place_of_the_lock_is_refused_without_blocking(tmp_path, run_in_process):
    (tmp_path / "locks").mkdir()
    os.mkfifo(str(tmp_path / "locks" / "change.lock"))
    failed, result = run_in_process(change_lock, args(tmp_path))
    assert failed and "is a FIFO, not a regular file" in result["msg"]


def _contend(path, run, barrier, results, takeover):
    barrier.wait()
    action, _found, _waited = lock.apply(lock.LockFile(path), run, {"run": run}, takeover=takeover, wait=0)
    results.put((run, action))


@pytest.mark.parametrize("stale", [None, "x"])
def test_two_processes_racing_never_both_get_it(tmp_path, stale):
    """30 rounds of two processes released at the same instant, for a free lock and for a stale one both may take
    over (where the guard is what keeps the second from replacing the first's record)."""
    context = multiprocessing.get_context("fork")
    for round_number in range(30):
        path = str(tmp_path / ("r%d" % round_number) / "change.lock")
        if stale:
            os.makedirs(os.path.dirname(path))
            with open(path, "w") as handle:
                handle.write(json.dumps({"run": stale}))
        barrier, results = context.Barrier(2), context.Queue()
        workers = [context.Process(target=_contend, args=(path, run, barrier, results, stale)) for run in ("a", "b")]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        actions = sorted(results.get(timeout=5) for _worker in workers)
        won = "takeover" if stale else "take"
        assert sorted(action for _run, action in actions) == sorted([won, "wait"]), actions
        assert lock.LockFile(path).read()["run"] == [run for run, action in actions if action == won][0]
