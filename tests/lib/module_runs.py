"""Run a module outside a playbook, the two ways the tests do it.

``run_in_process(module, args)``: the module's ``main()`` in this Python, with its arguments patched in
(ansible-core's ``patch_module_args``), its JSON output parsed. Fast, and mocks reach the module's code;
the unit tests use it (the ``run_in_process`` fixture of tests/unit/conftest.py).

``run_adhoc(module, args, collections_path)``: ``ansible localhost -m MODULE -a ARGS`` in a subprocess, the
way Ansible runs a module (AnsiballZ, this Python as the interpreter), its result read from the JSON
callback. ``start_adhoc()`` does the same in the background while the test acts. The tests against a real
Redis Cluster use them (the ``run_adhoc`` and ``start_adhoc`` fixtures of tests/cluster/conftest.py).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from unittest import mock

# --- in-process --------------------------------------------------------------------------------


def _patch_args(args):
    """ansible-core 2.19's patch_module_args, or the older _ANSIBLE_ARGS attribute."""
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # ansible-core < 2.19
        from ansible.module_utils import basic
        from ansible.module_utils.common.text.converters import to_bytes

        return mock.patch.object(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args})))
    return patch_module_args(args)


def run_in_process(module, args):
    """Run ``module.main()`` (an imported module) with ``args``; returns (failed, result).

    ``result["warnings"]`` holds the warnings' texts, in every ansible-core release.
    """
    # Importing controller code (the filter tests do) makes ansible-core 2.19 route module warnings
    # to the controller's display; a module run in-process must see itself as a module.
    # ansible-core < 2.19 has no such switch (nor the routing).
    try:
        from ansible.module_utils import _internal
    except ImportError:
        as_module = contextlib.nullcontext()
    else:
        as_module = mock.patch.object(_internal, "is_controller", False, create=True)

    # Warnings and deprecations are process-wide in ansible-core: a run must not return an earlier run's.
    from ansible.module_utils.common import warnings as ansible_warnings
    ansible_warnings._global_warnings.clear()
    ansible_warnings._global_deprecations.clear()

    out = io.StringIO()
    with as_module, _patch_args(args), contextlib.redirect_stdout(out):
        try:
            module.main()
        except SystemExit:
            pass
        else:
            raise AssertionError("%s.main() returned without exit_json() or fail_json()" % module.__name__)
    result = json.loads(out.getvalue())
    # ansible-core 2.19 modules emit warnings as structured summaries; older ones as strings.
    result["warnings"] = [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]
    return bool(result.get("failed")), result


# --- ad hoc, in a subprocess --------------------------------------------------------------------


def json_callback_env(collections_path):
    """The environment for ``ansible``/``ansible-playbook`` with the collections in ``collections_path``
    and the JSON callback on stdout."""
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=collections_path,
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
    )
    return env


def adhoc_argv(module, args=None):
    """``ansible localhost -m module -a ARGS`` (args as JSON; none for None), this Python as the interpreter."""
    beside = os.path.join(os.path.dirname(sys.executable), "ansible")  # this venv's, also when PATH lacks it
    argv = [beside if os.path.exists(beside) else "ansible", "localhost", "-c", "local", "-i", "localhost,",
            "-e", "ansible_python_interpreter=%s" % sys.executable, "-m", module]
    return argv + (["-a", json.dumps(args)] if args is not None else [])


def _task_result(stdout, stderr, returncode):
    """The one task's result from the JSON callback's output."""
    if "{" not in stdout:
        raise AssertionError("ansible printed no JSON (rc %s): %s" % (returncode, stderr[-2000:]))
    data = json.loads(stdout[stdout.index("{"):])
    return data["plays"][0]["tasks"][0]["hosts"]["localhost"]


def run_adhoc(module, args, collections_path, timeout=120, prefix=()):
    """Run ``module`` with ``args`` ad hoc on localhost; returns its result dict (``failed`` when it failed).

    ``prefix``: argv to run ``ansible`` under, e.g. ``["ip", "netns", "exec", NAME]``.
    """
    proc = subprocess.run(list(prefix) + adhoc_argv(module, args), env=json_callback_env(collections_path),
                          capture_output=True, text=True, timeout=timeout, check=False)
    return _task_result(proc.stdout, proc.stderr, proc.returncode)


def start_adhoc(module, args, collections_path):
    """``run_adhoc()`` in the background: returns (process, finish), ``finish(timeout=120)`` -> the result dict.

    The caller kills the process if it never calls finish().
    """
    proc = subprocess.Popen(adhoc_argv(module, args), env=json_callback_env(collections_path), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)

    def finish(timeout=120):
        out, err = proc.communicate(timeout=timeout)
        return _task_result(out, err, proc.returncode)

    return proc, finish
