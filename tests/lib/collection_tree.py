"""Make the checkout importable as ``ansible_collections.dualstack.redis`` without installing it.

The collection's code imports itself by its full name. ``link_checkout()`` links the checkout into a
temporary ``ansible_collections/dualstack/redis`` tree, puts that tree first on ``sys.path`` and returns it
(for ANSIBLE_COLLECTIONS_PATH too); the tree goes when the process ends. ``ansible_collections`` is a
namespace package, so the collections that the ``ansible`` package installs stay importable beside it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def link_checkout(prefix="dualstack-redis-"):
    tree = tempfile.mkdtemp(prefix=prefix)
    os.makedirs(os.path.join(tree, "ansible_collections", "dualstack"))
    os.symlink(ROOT, os.path.join(tree, "ansible_collections", "dualstack", "redis"))
    sys.path.insert(0, tree)
    atexit.register(shutil.rmtree, tree, True)
    return tree
