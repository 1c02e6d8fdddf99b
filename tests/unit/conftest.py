"""Make the checkout importable as ``ansible_collections.dualstack.redis`` for plain pytest
(tests/lib/collection_tree.py), and run modules in-process (tests/lib/module_runs.py)."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

import module_runs  # noqa: E402
from collection_tree import link_checkout  # noqa: E402

link_checkout("dualstack-redis-units-")


@pytest.fixture
def run_in_process():
    """run_in_process(module, args) -> (failed, result): module.main() in this process (tests/lib/module_runs.py)."""
    return module_runs.run_in_process


# Property-based tests (tests/unit/properties): no example database in the checkout, and the same examples on
# every run unless HYPOTHESIS_PROFILE=explore asks for new random ones (and more of them).
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("ci", database=None, derandomize=True, deadline=None, max_examples=150,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", database=None, deadline=None, max_examples=3000,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
