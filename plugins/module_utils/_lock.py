# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A run's lock on a rolling change, kept in a file on a node: who holds it, taken and given back atomically.

Private to dualstack.redis: not a public API, may change in any release.

The record is a JSON object: ``run`` (the run's id) and what the holder says of itself (``controller``, ``user``,
``started``, ``job``). Every read-compare-write happens under ``flock`` on a guard file beside it, so two runs
(two controllers reaching the node over SSH) cannot both take it: a run takes a free lock, keeps one it holds, takes
over one held by the run it names in ``takeover`` (the run a node's interrupted change belongs to), or finds it held
and waits (bounded) or gives up. A record that cannot be read counts as held by an unknown run: never taken over, only
cleared by name. The lock file is created by ``link()`` of a complete temporary file, replaced by ``rename()``:
never seen half-written.
"""

import errno
import fcntl
import json
import os
import stat
import tempfile
import time

from ansible_collections.dualstack.redis.plugins.module_utils import _files as files

UNKNOWN = "(unreadable)"


class LockError(Exception):
    """The lock could not be read or written; the message says which file and why."""


def parse(text):
    """The record in a lock file's text; an unreadable one is {"run": UNKNOWN, "text": ...}."""
    try:
        record = json.loads(text)
    except ValueError:
        record = None
    if not isinstance(record, dict) or not isinstance(record.get("run"), str) or not record["run"]:
        return {"run": UNKNOWN, "text": (text or "")[:200]}
    return record


def decide(current, run, takeover=None, state="present", clear=None):
    """What to do with a lock found as ``current`` (a record, or None when free): one of ``take`` (free: create it),
    ``keep`` (ours already), ``takeover`` (held by the run named in ``takeover``: replace it), ``wait`` (held by
    another run), ``release`` (absent: ours, or the one named in ``clear``), ``none`` (absent: nothing to do)."""
    holder = current.get("run") if current else None
    if state == "absent":
        if current is None:
            return "none"
        if holder == run or (clear and holder == clear):
            return "release"
        return "none"
    if current is None:
        return "take"
    if holder == run:
        return "keep"
    if takeover and holder == takeover and holder != UNKNOWN:
        return "takeover"
    return "wait"


def describe(record):
    """One line saying who holds a lock."""
    if record.get("run") == UNKNOWN:
        return "an unreadable record (%r)" % record.get("text", "")
    parts = ["run %s" % record["run"]]
    for key, word in (("job", "AWX job"), ("controller", "controller"), ("user", "user"), ("started", "since")):
        if record.get(key):
            parts.append("%s %s" % (word, record[key]))
    return ", ".join(parts)


class LockFile(object):
    """The lock at ``path`` on this host (its directory made 0700 when missing)."""

    def __init__(self, path):
        if not os.path.isabs(path):
            raise LockError("path %s is not absolute" % path)
        self.path = path
        self.guard_path = path + ".guard"

    def read(self):
        """The record, or None when there is no lock."""
        try:
            text = files.read_text(self.path, "path")
        except files.FileProblem as exc:
            raise LockError(str(exc))
        return None if text is None else parse(text)

    def guard(self, deadline):
        """The guard file, locked (flock) until closed; raises LockError when another process keeps it past
        ``deadline`` (a monotonic time)."""
        directory = os.path.dirname(self.path)
        try:
            if not os.path.isdir(directory):
                old = os.umask(0o077)
                try:
                    os.makedirs(directory, exist_ok=True)   # another run may make it at the same moment
                finally:
                    os.umask(old)
            fd = os.open(self.guard_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError as exc:
            raise LockError("cannot open %s: %s" % (self.guard_path, exc.strerror or exc))
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise LockError("%s is not a regular file" % self.guard_path)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() >= deadline:
                    os.close(fd)
                    raise LockError("%s stays locked by another process; try again" % self.guard_path)
                time.sleep(0.05)

    def _temporary(self, record):
        fd, tmp = tempfile.mkstemp(prefix=".lock.", dir=os.path.dirname(self.path))
        with os.fdopen(fd, "w") as handle:
            handle.write(json.dumps(record, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        return tmp

    def create(self, record):
        """Create the lock (it must not exist). Raises LockError; FileExistsError when it appeared meanwhile."""
        tmp = self._temporary(record)
        try:
            os.link(tmp, self.path)
        except OSError as exc:
            if exc.errno == errno.EEXIST:
                raise FileExistsError(self.path)
            raise LockError("cannot create %s: %s" % (self.path, exc.strerror or exc))
        finally:
            os.unlink(tmp)

    def replace(self, record):
        tmp = self._temporary(record)
        try:
            os.rename(tmp, self.path)
        except OSError as exc:
            os.unlink(tmp)
            raise LockError("cannot replace %s: %s" % (self.path, exc.strerror or exc))

    def remove(self):
        try:
            os.unlink(self.path)
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                raise LockError("cannot remove %s: %s" % (self.path, exc.strerror or exc))


def apply(lock, run, record, state="present", takeover=None, clear=None, wait=0, check_mode=False, sleep=time.sleep):
    """Take, keep, take over or release the lock; returns (action, found, waited): the action done (decide()'s word,
    or ``wait`` when it stayed held by another run for ``wait`` seconds), the record found when it was decided, the
    seconds waited. In check mode nothing is written (the action says what would be done)."""
    started = time.monotonic()
    deadline = started + max(0, wait)
    while True:
        fd = lock.guard(max(deadline, time.monotonic() + 10))
        try:
            found = lock.read()
            action = decide(found, run, takeover, state, clear)
            if check_mode or action in ("keep", "none", "wait"):
                pass
            elif action == "take":
                try:
                    lock.create(record)
                except FileExistsError:  # made by something that did not take the guard: held, read it next time
                    action = "wait"
            elif action == "takeover":
                lock.replace(record)
            elif action == "release":
                lock.remove()
        finally:
            os.close(fd)
        if action != "wait" or check_mode or time.monotonic() >= deadline:
            return action, found, round(time.monotonic() - started, 1)
        sleep(min(1.0, max(0.0, deadline - time.monotonic())))
