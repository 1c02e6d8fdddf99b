"""Make the checkout importable as ``ansible_collections.dualstack.redis`` for plain pytest.

The collection's code imports itself by its full name. Instead of asking for an installed copy, the
test session links the checkout into a temporary ``ansible_collections/dualstack/redis`` tree and puts
that tree first on ``sys.path``. ``ansible_collections`` is a namespace package, so the collections that
the ``ansible`` package installs stay importable beside it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
_TREE = tempfile.mkdtemp(prefix="dualstack-redis-units-")
os.makedirs(os.path.join(_TREE, "ansible_collections", "dualstack"))
os.symlink(ROOT, os.path.join(_TREE, "ansible_collections", "dualstack", "redis"))
sys.path.insert(0, _TREE)
atexit.register(shutil.rmtree, _TREE, True)
