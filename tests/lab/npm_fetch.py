#!/usr/bin/env python
"""Fetch pinned npm packages into DIR/node_modules without npm: the lab's Node.js clients (ioredis).

Debian's npm would pull in hundreds of packages; the lab needs a handful of pure-JavaScript ones. Each line of the
lock file is ``name version sha512-integrity``; every tarball is checked against its integrity (the registry's
``dist.integrity``, SRI sha512) before anything is extracted, and extracted member by member under
``node_modules/<name>`` with the tarball's ``package/`` prefix removed. A member that would land outside that
directory (an absolute path, ``..``, a link) is refused. Already fetched packages (a ``.integrity`` file that
matches) are left alone, so a second run needs no network.

    python tests/lab/npm_fetch.py LOCK DIR [--registry URL] [--timeout S]
"""

import argparse
import base64
import hashlib
import io
import os
import shutil
import sys
import tarfile
import urllib.request

REGISTRY = "https://registry.npmjs.org"


class FetchError(Exception):
    """A package that could not be fetched or does not match its lock line."""


def read_lock(text):
    """Lock file text -> [(name, version, integrity)]; blank lines and # comments are skipped."""
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) != 3 or not fields[2].startswith("sha512-"):
            raise FetchError("lock line %d: expected 'name version sha512-...', got %r" % (number, line))
        entries.append(tuple(fields))
    return entries


def tarball_url(registry, name, version):
    """The registry's tarball address: a scoped name keeps its scope in the path, not in the file name."""
    return "%s/%s/-/%s-%s.tgz" % (registry.rstrip("/"), name, name.rsplit("/", 1)[-1], version)


def check_integrity(data, integrity):
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != integrity:
        raise FetchError("integrity mismatch: expected %s, got %s" % (integrity, digest))


def extract(data, target):
    """Extract a package tarball's ``package/`` tree into ``target`` (which must not exist yet)."""
    os.makedirs(target)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            parts = member.name.split("/")
            if len(parts) < 2 or parts[0] != "package":
                raise FetchError("tarball member outside package/: %r" % member.name)
            rel = os.path.normpath("/".join(parts[1:]))
            if os.path.isabs(rel) or rel == ".." or rel.startswith("../") or member.issym() or member.islnk():
                raise FetchError("tarball member refused: %r" % member.name)
            path = os.path.join(target, rel)
            if member.isdir():
                os.makedirs(path, exist_ok=True)
            elif member.isfile():
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with archive.extractfile(member) as src, open(path, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                os.chmod(path, 0o644)
            else:
                raise FetchError("tarball member of an odd kind refused: %r" % member.name)


def fetch(entries, directory, registry=REGISTRY, timeout=60, opener=urllib.request.urlopen):
    """Install every entry under directory/node_modules; returns the names fetched (not already there)."""
    modules = os.path.join(directory, "node_modules")
    fetched = []
    for name, version, integrity in entries:
        target = os.path.join(modules, name)
        stamp = os.path.join(target, ".integrity")
        if os.path.exists(stamp) and open(stamp).read().strip() == integrity:
            continue
        url = tarball_url(registry, name, version)
        try:
            with opener(url, timeout=timeout) as response:
                data = response.read()
        except OSError as exc:
            raise FetchError("%s %s: cannot download %s: %s" % (name, version, url, exc))
        try:
            check_integrity(data, integrity)
        except FetchError as exc:
            raise FetchError("%s %s: %s" % (name, version, exc))
        partial = target + ".partial"
        shutil.rmtree(partial, ignore_errors=True)
        extract(data, partial)
        with open(os.path.join(partial, ".integrity"), "w") as handle:
            handle.write(integrity + "\n")
        shutil.rmtree(target, ignore_errors=True)
        os.rename(partial, target)
        fetched.append(name)
    return fetched


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("lock")
    parser.add_argument("directory")
    parser.add_argument("--registry", default=REGISTRY)
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args(argv)
    try:
        with open(args.lock) as handle:
            entries = read_lock(handle.read())
        fetched = fetch(entries, args.directory, args.registry, args.timeout)
    except (OSError, FetchError) as exc:
        sys.exit("npm_fetch: %s" % exc)
    print("npm_fetch: %d packages in %s/node_modules (%d fetched)" % (len(entries), args.directory, len(fetched)))


if __name__ == "__main__":
    main()
