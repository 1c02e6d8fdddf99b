# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small text files managed by a module: check the destination and the file options before any write,
read byte for byte, replace atomically with an optional backup.

Private to dualstack.redis: not a public API, may change in any release.

Text is decoded with ``surrogateescape``: bytes that are not UTF-8 survive a read and a write unchanged (use
_text.json_safe() before putting such text into a result).
"""

import grp
import os
import pwd
import re
import stat
import tempfile

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.dualstack.redis.plugins.module_utils._text import is_digits

# What a new file gets before the user's mode applies, whatever the umask: files such as /etc/gai.conf must be
# readable by every process that resolves names (a 0600 file silently gives non-root programs glibc's defaults).
NEW_FILE_MODE = 0o644
_SYMBOLIC_MODE = re.compile(r"^[ugoa]*(?:[-+=][rwxXstugo]*)+$")


class FileProblem(Exception):
    """The destination or a file option cannot work; the message names it and says what to do."""


def destination(path):
    """The file to read and replace for the option ``path``: absolute, with symlinks followed (the link stays a link
    and its target is changed, as ``ln -s`` users expect). Raises FileProblem."""
    if not path:
        raise FileProblem("path is empty; give the absolute path of the file")
    if not os.path.isabs(path):
        raise FileProblem("path %s is relative; give an absolute path" % path)
    target = os.path.realpath(path)
    if os.path.isdir(target):
        raise FileProblem("path %s is a directory, not a file" % path)
    if os.path.exists(target) and not stat.S_ISREG(os.stat(target).st_mode):
        raise FileProblem("path %s is not a regular file" % path)
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise FileProblem("cannot write %s: directory %s does not exist" % (path, directory))
    return target


def check_file_args(params):
    """Refuse an owner, group or mode that could not be applied, before anything is written. Raises FileProblem."""
    for option, lookup in (("owner", pwd.getpwnam), ("group", grp.getgrnam)):
        value = params.get(option)
        if value is None or is_digits(str(value)):
            continue
        try:
            lookup(str(value))
        except KeyError:
            raise FileProblem("%s '%s' does not exist on this host" % (option, value))
    mode = params.get("mode")
    if mode is None:
        return
    if isinstance(mode, int):
        if not 0 <= mode <= 0o7777:
            raise FileProblem("mode %s is not a file mode (0 to 07777)" % mode)
        return
    text = str(mode)
    if re.match(r"^0?[0-7]{1,4}$", text) or all(_SYMBOLIC_MODE.match(part) for part in text.split(",")):
        return
    raise FileProblem("mode '%s' is neither octal (such as '0644') nor symbolic (such as 'u=rw,g=r,o=r')" % mode)


def read_text(module, target):
    """The file's text (undecodable bytes as surrogates), or None when it does not exist."""
    try:
        with open(target, "rb") as handle:
            return handle.read().decode("utf-8", "surrogateescape")
    except FileNotFoundError:
        return None
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot read %s: %s" % (target, to_native(exc)))
    return None


def write_text(module, target, text, backup=False):
    """Replace ``target`` with ``text`` atomically (temp file beside it, then rename). Returns the backup path.

    Ownership and mode of an existing file are kept (atomic_move copies them); a new file gets NEW_FILE_MODE.
    The caller applies the user's file options afterwards. Fails the module, having written nothing, when the
    directory is not writable.
    """
    directory = os.path.dirname(target)
    creating = not os.path.exists(target)
    backup_file = None
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(target), dir=directory)
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8", "surrogateescape"))
    except (IOError, OSError) as exc:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        module.fail_json(msg="cannot write %s: %s; nothing was changed" % (target, to_native(exc)), changed=False)
    try:
        if backup and not creating:
            backup_file = module.backup_local(target)
        module.atomic_move(tmp, target, unsafe_writes=module.params.get("unsafe_writes", False))
        if creating:
            # atomic_move gives a new file 0666 minus the umask: 0600 under umask 077.
            os.chmod(target, NEW_FILE_MODE)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return backup_file
