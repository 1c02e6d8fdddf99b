"""Make the checkout importable as ``ansible_collections.dualstack.redis`` for plain pytest
(tests/lib/collection_tree.py), and run modules in-process."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from collection_tree import link_checkout  # noqa: E402

link_checkout("dualstack-redis-units-")


# --- running a module's main() in-process -------------------------------------------------------

import json  # noqa: E402

import pytest  # noqa: E402


def _patch_args(args):
    """ansible-core 2.19's patch_module_args, or the older _ANSIBLE_ARGS attribute."""
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # ansible-core < 2.19
        from unittest import mock

        from ansible.module_utils import basic
        from ansible.module_utils.common.text.converters import to_bytes

        return mock.patch.object(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args})))
    return patch_module_args(args)


@pytest.fixture
def run_module(capsys, monkeypatch):
    """run_module(module, args) -> (failed, result): runs module.main() and parses its JSON output."""

    def runner(module, args):
        # Importing controller code (the filter tests do) makes ansible-core 2.19 route module
        # warnings to the controller's display; a module run in-process must see itself as a module.
        from ansible.module_utils import _internal

        monkeypatch.setattr(_internal, "is_controller", False, raising=False)
        with _patch_args(args):
            with pytest.raises(SystemExit):
                module.main()
        out = capsys.readouterr().out
        result = json.loads(out)
        # ansible-core 2.19 modules emit warnings as structured summaries; older ones as strings.
        result["warnings"] = [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]
        return bool(result.get("failed")), result

    return runner
