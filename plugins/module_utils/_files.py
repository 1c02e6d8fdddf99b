# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small text files managed by a module: check the destination and the file options before any write,
read byte for byte (regular files only, without blocking), replace atomically with an optional backup, and
a transaction that knows what it wrote and can put it back.

Private to dualstack.redis: not a public API, may change in any release.

Nothing here calls ``fail_json``: every problem is a FileProblem whose ``written`` lists the files already
changed when it was raised, so that the module's ``main()`` can report a partial change as it happened.

Text is decoded with ``surrogateescape``: bytes that are not UTF-8 survive a read and a write unchanged (use
_text.json_safe() before putting such text into a result).
"""

import errno
import grp
import os
import pwd
import re
import shutil
import stat
import tempfile
import time

try:
    from ansible.module_utils.compat import selinux as _selinux
except ImportError:  # no libselinux on this host: nothing to label
    _selinux = None

from ansible_collections.dualstack.redis.plugins.module_utils._text import is_digits

# What a new file gets before the user's mode applies, whatever the umask: files such as /etc/gai.conf must be
# readable by every process that resolves names (a 0600 file silently gives non-root programs glibc's defaults).
NEW_FILE_MODE = 0o644
# A configuration file larger than this is not one a module should rewrite: refused rather than read whole.
MAX_READ = 4 * 1024 * 1024
_SYMBOLIC_MODE = re.compile(r"^[ugoa]*(?:[-+=][rwxXstugo]*)+$")


class FileProblem(Exception):
    """The destination, a file option or a file cannot work; the message names it and says what to do.
    ``written``: the files changed (written, removed or made) before the problem, in order."""

    def __init__(self, msg, written=None):
        super(FileProblem, self).__init__(msg)
        self.written = list(written or [])


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


def kind(mode):
    """What a file of ``st_mode`` is, in words."""
    for test, what in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return what
    return "not a regular file"


def read_text(target, option=None):
    """The file's text (undecodable bytes as surrogates), or None when it does not exist.

    Only a regular file is read: a FIFO, a device, a socket or a directory is refused with its path named, and is
    opened without blocking (a FIFO with no writer would hold ``open()`` for ever). A symlink is followed; a dangling
    one, or a loop, is refused (it is not "no file": the program reading it would not find one either, but the
    administrator meant one). Raises FileProblem; its message starts with ``option`` (the module option that named the
    file) when given."""
    shown = "%s %s" % (option, target) if option else target
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            if os.path.islink(target):
                raise FileProblem("%s is a symbolic link to %s, which does not exist; remove the link or make its target"
                                  % (shown, os.readlink(target)))
            return None
        if exc.errno == errno.ELOOP:
            raise FileProblem("%s is a loop of symbolic links; fix or remove it" % shown)
        raise FileProblem("cannot read %s: %s" % (shown, exc.strerror or exc))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem("%s is %s, not a regular file; the module reads and writes regular files only"
                              % (shown, kind(info.st_mode)))
        if info.st_size > MAX_READ:
            raise FileProblem("%s is %d bytes, more than the %d this module reads; edit it by hand" % (shown, info.st_size, MAX_READ))
        chunks = []
        size = 0
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_READ:
                raise FileProblem("%s grew past %d bytes while it was read; edit it by hand" % (target, MAX_READ))
            chunks.append(chunk)
    except (IOError, OSError) as exc:
        raise FileProblem("cannot read %s: %s" % (target, exc.strerror or exc))
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8", "surrogateescape")


def check_writable(target):
    """Refuse, before anything is written, a file that could not be replaced: its directory (or the first existing
    parent of a directory still to be made) must be writable, and an existing ``target`` a regular file.
    Raises FileProblem."""
    if os.path.lexists(target) and not os.path.islink(target) and not stat.S_ISREG(os.lstat(target).st_mode):
        raise FileProblem("%s is %s, not a regular file" % (target, kind(os.lstat(target).st_mode)))
    directory = os.path.dirname(target)
    while directory and not os.path.isdir(directory):
        if os.path.lexists(directory):
            raise FileProblem("cannot write %s: %s is not a directory" % (target, directory))
        directory = os.path.dirname(directory)
    if not os.access(directory, os.W_OK | os.X_OK):
        raise FileProblem("cannot write %s: %s is not writable here (%s)"
                          % (target, directory, "read-only file system" if _read_only(directory) else "permission denied"))


def _read_only(directory):
    try:
        return bool(os.statvfs(directory).f_flag & getattr(os, "ST_RDONLY", 1))
    except OSError:
        return False


def backup_copy(target):
    """A copy of ``target`` beside it, named as Ansible names backups (``NAME.PID.YYYY-MM-DD@HH:MM:SS~``), with its
    mode and ownership; returns its path. Raises FileProblem."""
    dest = "%s.%s.%s" % (target, os.getpid(), time.strftime("%Y-%m-%d@%H:%M:%S~", time.localtime()))
    try:
        shutil.copy2(target, dest)
        info = os.stat(target)
        try:
            os.chown(dest, info.st_uid, info.st_gid)
        except OSError:
            pass
    except (IOError, OSError, shutil.Error) as exc:
        raise FileProblem("cannot make a backup of %s: %s" % (target, exc))
    return dest


def _label(tmp, target, existing, mode):
    """Give ``tmp`` the SELinux context ``target`` has (or, new, the one the policy gives its path), as Ansible's
    atomic_move does; nothing when SELinux is off."""
    if _selinux is None:
        return
    try:
        if not _selinux.is_selinux_enabled():
            return
        if existing:
            context = _selinux.lgetfilecon_raw(target)[1]
        else:
            context = _selinux.matchpathcon(target, mode)[1]
        if context:
            _selinux.lsetfilecon(tmp, context)
    except OSError as exc:
        raise FileProblem("cannot give %s the SELinux context of %s: %s" % (tmp, target, exc))


# rename() errors after which Ansible's unsafe_writes writes the file in place (a bind-mounted file, for one)
_UNSAFE_ERRNOS = (errno.EPERM, errno.EXDEV, errno.EACCES, errno.ETXTBSY, errno.EBUSY)


def replace(target, text, mode=None, unsafe_writes=False):
    """Replace ``target`` with ``text`` atomically: a temporary file beside it, flushed to disk, then renamed over it.

    An existing file keeps its mode and ownership (and SELinux context); a new one gets ``mode`` (default
    NEW_FILE_MODE, whatever the umask). The directory must exist. With ``unsafe_writes`` (Ansible's option of that
    name), a file that cannot be renamed over (a bind mount) is written in place. Raises FileProblem; the target is
    then unchanged."""
    directory = os.path.dirname(target)
    existing = os.path.exists(target)
    tmp = None
    try:
        info = os.stat(target) if existing else None
        fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(target), dir=directory)
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8", "surrogateescape"))
            handle.flush()
            os.fsync(handle.fileno())
        if info is not None:
            os.chmod(tmp, stat.S_IMODE(info.st_mode))
            try:
                os.chown(tmp, info.st_uid, info.st_gid)
            except OSError:
                pass  # not root: the file becomes the user's, as with atomic_move
        else:
            os.chmod(tmp, NEW_FILE_MODE if mode is None else mode)
        _label(tmp, target, existing, NEW_FILE_MODE if mode is None else mode)
        try:
            os.rename(tmp, target)
        except OSError as exc:
            if not (unsafe_writes and existing and exc.errno in _UNSAFE_ERRNOS):
                raise
            with open(target, "wb") as handle:
                handle.write(text.encode("utf-8", "surrogateescape"))
        else:
            tmp = None
    except (IOError, OSError) as exc:
        raise FileProblem("cannot write %s: %s" % (target, exc.strerror or exc))
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def write_text(target, text, backup=False, mode=None, unsafe_writes=False):
    """Replace ``target`` with ``text`` (replace()), after a backup copy when asked; returns the backup's path or
    None. Raises FileProblem, having changed nothing (a backup copy may be left)."""
    backup_file = backup_copy(target) if backup and os.path.exists(target) else None
    replace(target, text, mode, unsafe_writes)
    return backup_file


class Transaction(object):
    """Several files changed as one: each write is atomic, and ``rollback()`` puts back every file as it was before
    the transaction touched it. ``written`` lists the files changed so far, in order; ``backups`` the copies made."""

    def __init__(self, backup=False):
        self.backup = backup
        self.written = []
        self.backups = []
        self._before = {}     # path -> (text, mode) before the first change (text None: there was no file)
        self._made = []       # directories this transaction made, outermost first

    def _remember(self, path):
        if path not in self._before:
            text = read_text(path)
            self._before[path] = (text, stat.S_IMODE(os.stat(path).st_mode) if text is not None else None)

    def write(self, path, text, mode=None, dir_mode=None):
        """Write ``path`` (making its directory with ``dir_mode`` when it is missing). Raises FileProblem carrying
        what was already written."""
        try:
            self._remember(path)
            self._makedirs(os.path.dirname(path), dir_mode)
            if self.backup and self._before[path][0] is not None and path not in self.written:
                self.backups.append(backup_copy(path))
            replace(path, text, mode)
        except FileProblem as exc:
            raise FileProblem(str(exc), self.written)
        if path not in self.written:
            self.written.append(path)

    def remove(self, path):
        try:
            self._remember(path)
            if self._before[path][0] is None:
                return
            if self.backup and path not in self.written:
                self.backups.append(backup_copy(path))
            os.unlink(path)
        except FileProblem as exc:
            raise FileProblem(str(exc), self.written)
        except OSError as exc:
            raise FileProblem("cannot remove %s: %s" % (path, exc.strerror or exc), self.written)
        if path not in self.written:
            self.written.append(path)

    def _makedirs(self, directory, mode):
        missing = []
        while directory and not os.path.isdir(directory):
            missing.append(directory)
            directory = os.path.dirname(directory)
        for path in reversed(missing):
            try:
                os.mkdir(path)
                # the mode must hold whatever the umask (mkdir's is masked by it: 0700 under umask 077)
                os.chmod(path, 0o755 if mode is None else mode)
            except OSError as exc:
                raise FileProblem("cannot make directory %s: %s" % (path, exc.strerror or exc), self.written)
            self._made.append(path)
            self.written.append(path)

    def rollback(self):
        """Put every changed file back (newest first) and remove the directories made. Returns the paths that could
        not be put back (empty when all were)."""
        failed = []
        for path in reversed([p for p in self.written if p not in self._made]):
            before, mode = self._before.get(path, (None, None))
            try:
                if before is None:
                    if os.path.lexists(path):
                        os.unlink(path)
                else:
                    replace(path, before, mode)
            except (FileProblem, OSError):
                failed.append(path)
        for path in reversed(self._made):
            try:
                os.rmdir(path)
            except OSError:
                failed.append(path)
        if not failed:
            self.written = []
            self._made = []
        return failed
