# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""External commands with a deadline, for the modules that run on managed hosts.

Private to dualstack.redis: not a public API, may change in any release.

``AnsibleModule.run_command`` waits for ever: an ``rladmin`` that cannot reach its cluster, or an ``ip``
stuck on a kernel lock, would hold the task (and a rolling change) indefinitely. ``run()`` starts the
command in a session of its own, with no stdin, and when it outlives its deadline kills the whole session
(the command and anything it started), then raises CommandTimeout. Python 3.6 and later.
"""

import os
import signal
import subprocess

from ansible_collections.dualstack.redis.plugins.module_utils import _checks as checks


class CommandError(Exception):
    """A command could not be started, or outlived its deadline; carries what it printed until then."""

    def __init__(self, msg, out="", err=""):
        super().__init__(msg)
        self.out, self.err = out, err


class CommandTimeout(CommandError):
    """A command outlived its deadline and was killed."""

    def __init__(self, argv, timeout, out, err):
        super().__init__("'%s' did not finish within %s s (command_timeout) and was killed" % (" ".join(argv), timeout), out, err)
        self.argv, self.timeout = argv, timeout


def check_timeout(value, name="command_timeout"):
    """A sentence when ``value`` is not a usable number of seconds for a command, else None."""
    return checks.seconds(value, name, 1, 86400)


def _text(data):
    return data.decode("utf-8", errors="replace") if data else ""


def run(argv, timeout, environ_update=None):
    """Run ``argv`` (a list; no shell) for at most ``timeout`` seconds: (rc, stdout, stderr) as text.

    Raises CommandTimeout after killing the command's session, and CommandError when it cannot be started.
    Bytes that are not UTF-8 come back as U+FFFD.
    """
    env = dict(os.environ)
    env.update(environ_update or {})
    try:
        proc = subprocess.Popen([str(arg) for arg in argv], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, close_fds=True, start_new_session=True)
    except OSError as exc:
        raise CommandError("cannot run %s: %s" % (argv[0], exc))
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_session(proc)
        try:
            out, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:  # a process that left the session still holds the pipes
            out, err = b"", b""
        raise CommandTimeout(list(argv), timeout, _text(out), _text(err))
    return proc.returncode, _text(out), _text(err)


def _kill_session(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:  # already gone
        pass
