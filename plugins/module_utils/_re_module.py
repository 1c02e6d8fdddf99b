# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The I/O side of the Redis Enterprise modules: run rladmin, fail with its own output.

Private to dualstack.redis: not a public API, may change in any release.
"""

import os

from ansible_collections.dualstack.redis.plugins.module_utils import _rladmin as rl

RLADMIN_ARGS = dict(rladmin_path=dict(type="path", default=rl.DEFAULT_RLADMIN))


def rladmin_path(module):
    """The rladmin executable, or a failure that says where it was looked for."""
    path = module.params["rladmin_path"]
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        module.fail_json(msg="rladmin not found or not executable at %s; is this a Redis Enterprise node? "
                             "(set rladmin_path otherwise)" % path)
    return path


def run(module, argv, success=None, **result):
    """Run rladmin (argv list, no shell, no terminal to prompt on); fail the module on any failure.

    With ``success``, the reply must also contain that line (rladmin's documented success reply).
    Returns stdout.
    """
    rc, out, err = module.run_command(argv, data=None, environ_update={"LC_ALL": "C.UTF-8"})
    if success is not None:
        problem = rl.check_reply(argv, rc, out, err, success)
    elif rc != 0:
        problem = "'%s' exited %d: %s" % (" ".join(argv), rc, "\n".join(p for p in (out.strip(), err.strip()) if p) or "no output")
    else:
        problem = None
    if problem:
        module.fail_json(msg=problem, rc=rc, stdout=out, stderr=err, **result)
    return out


def read_nodes(module, rladmin, **result):
    """``rladmin status nodes`` parsed; fails the module with rladmin's output when unreadable."""
    out = run(module, [rladmin, "status", "nodes"], **result)
    try:
        return rl.parse_status_nodes(out)
    except rl.RladminError as exc:
        module.fail_json(msg=str(exc), stdout=out, **result)
    return None
