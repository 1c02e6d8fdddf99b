# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading and atomically replacing small text files from a module, with backup and diff.

Private to dualstack.redis: not a public API, may change in any release.
"""

import os
import tempfile

from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text


def read_text(module, path):
    """The file's text, or None when it does not exist. Fails the module on a directory or no access."""
    if os.path.isdir(path):
        module.fail_json(msg="path %s is a directory, not a file" % path)
    try:
        with open(path, "rb") as handle:
            return to_text(handle.read(), errors="surrogate_or_strict")
    except FileNotFoundError:
        return None
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot read %s: %s" % (path, to_native(exc)))
    return None


def write_text(module, path, text, backup=False):
    """Replace ``path`` with ``text`` atomically (temp file beside it, then rename). Returns the backup path.

    Ownership and mode of an existing file are kept (atomic_move copies them); the caller applies the
    user's file attributes afterwards. Nothing is written in check mode.
    """
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        module.fail_json(msg="cannot write %s: directory %s does not exist" % (path, directory))
    backup_file = None
    if backup and os.path.exists(path):
        backup_file = module.backup_local(path)
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(to_bytes(text, errors="surrogate_or_strict"))
        if not os.path.exists(path):
            os.chmod(tmp, 0o644)
        module.atomic_move(tmp, path, unsafe_writes=module.params.get("unsafe_writes", False))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return backup_file
