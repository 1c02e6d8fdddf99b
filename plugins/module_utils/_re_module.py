# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The I/O side of the Redis Enterprise modules: run rladmin with a deadline, read its replies.

Private to dualstack.redis: not a public API, may change in any release.
"""

import os

from ansible_collections.dualstack.redis.plugins.module_utils import _commands as commands
from ansible_collections.dualstack.redis.plugins.module_utils import _rladmin as rl

RLADMIN_ARGS = dict(
    rladmin_path=dict(type="path", default=rl.DEFAULT_RLADMIN),
    command_timeout=dict(type="int", default=120),
)


class RladminFailed(Exception):
    """rladmin could not be run, failed, hung, or replied something unreadable; ``details`` go into the result."""

    def __init__(self, msg, **details):
        super().__init__(msg)
        self.details = details


class Rladmin:
    """rladmin on this node: the executable, checked, and the deadline of every call.

    Checks the module's common options on creation: make it before the first write.
    """

    def __init__(self, module):
        self.module = module
        problem = commands.check_timeout(module.params["command_timeout"])
        if problem:
            module.fail_json(msg=problem)
        path = module.params["rladmin_path"]
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            module.fail_json(msg="rladmin not found or not executable at %s; is this a Redis Enterprise node? "
                                 "(set rladmin_path otherwise)" % path)
        self.path = path
        self.timeout = module.params["command_timeout"]

    def call(self, argv, success=None):
        """Run ``argv`` (no shell, no stdin: rladmin never waits on a prompt); returns stdout.

        With ``success``, the reply must also contain that line (rladmin's documented success reply).
        Raises RladminFailed when rladmin cannot start, exits non-zero, lacks the reply or outlives
        command_timeout.
        """
        try:
            rc, out, err = commands.run(argv, timeout=self.timeout, environ_update={"LC_ALL": "C.UTF-8"})
        except commands.CommandError as exc:
            raise RladminFailed(str(exc), stdout=exc.out, stderr=exc.err)
        if success is not None:
            problem = rl.check_reply(argv, rc, out, err, success)
        elif rc != 0:
            problem = "'%s' exited %d: %s" % (" ".join(argv), rc, "\n".join(p for p in (out.strip(), err.strip()) if p) or "no output")
        else:
            problem = None
        if problem:
            raise RladminFailed(problem, rc=rc, stdout=out, stderr=err)
        return out

    def nodes(self):
        """``rladmin status nodes``, parsed."""
        out = self.call([self.path, "status", "nodes"])
        try:
            return rl.parse_status_nodes(out)
        except rl.RladminError as exc:
            raise RladminFailed(str(exc), stdout=out)

    def overview(self):
        """``rladmin status`` (every section in one call) -> (nodes, shards, endpoints), parsed."""
        out = self.call([self.path, "status"])
        try:
            return rl.parse_status_nodes(out), rl.parse_table(out, "SHARDS"), rl.parse_table(out, "ENDPOINTS")
        except rl.RladminError as exc:
            raise RladminFailed(str(exc), stdout=out)

    def table(self, words, title):
        """``rladmin status <words>`` read as the table under ``title:``."""
        out = self.call([self.path, "status"] + list(words))
        try:
            return rl.parse_table(out, title)
        except rl.RladminError as exc:
            raise RladminFailed(str(exc), stdout=out)

    def fail(self, exc, **result):
        """Fail the module with an RladminFailed (or RladminError) and ``result``."""
        self.module.fail_json(msg=str(exc), **dict(result, **getattr(exc, "details", {})))
