"""tests/lab/npm_fetch.py: integrity before extraction, no member outside its package, scoped names, no refetch.

Served from a local HTTP server on loopback with tarballs made here; no outside network."""

import base64
import hashlib
import http.server
import io
import os
import sys
import tarfile
import threading

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lab"))

import npm_fetch  # noqa: E402


def tarball(files, links=()):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in links:
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            archive.addfile(info)
    return out.getvalue()


def sri(data):
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


@pytest.fixture
def registry():
    """A loopback HTTP server serving {path: bytes}; yields (url, files, hits)."""
    files, hits = {}, []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            hits.append(self.path)
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_port, files, hits
    server.shutdown()
    server.server_close()


def test_fetches_scoped_and_plain_packages_once(registry, tmp_path):
    url, files, hits = registry
    plain = tarball({"package/package.json": '{"name": "denque"}', "package/lib/index.js": "module.exports = 1\n"})
    scoped = tarball({"package/package.json": '{"name": "@ioredis/commands"}'})
    files["/denque/-/denque-2.1.0.tgz"] = plain
    files["/@ioredis/commands/-/commands-1.10.0.tgz"] = scoped
    entries = [("denque", "2.1.0", sri(plain)), ("@ioredis/commands", "1.10.0", sri(scoped))]
    assert npm_fetch.fetch(entries, str(tmp_path), url, timeout=5) == ["denque", "@ioredis/commands"]
    assert (tmp_path / "node_modules/denque/lib/index.js").read_text() == "module.exports = 1\n"
    assert (tmp_path / "node_modules/@ioredis/commands/package.json").exists()
    assert npm_fetch.fetch(entries, str(tmp_path), url, timeout=5) == []  # already there: no download
    assert len(hits) == 2


def test_a_tarball_that_does_not_match_its_integrity_is_not_extracted(registry, tmp_path):
    url, files, hits = registry
    files["/ms/-/ms-2.1.3.tgz"] = tarball({"package/index.js": "evil()\n"})
    with pytest.raises(npm_fetch.FetchError, match="integrity mismatch"):
        npm_fetch.fetch([("ms", "2.1.3", sri(b"what the lock says"))], str(tmp_path), url, timeout=5)
    assert not (tmp_path / "node_modules" / "ms").exists()


@pytest.mark.parametrize("files, links", [
    ({"package/../../escape.js": "x"}, ()),
    ({"/etc/passwd": "x"}, ()),
    ({"elsewhere/index.js": "x"}, ()),
    ({}, [("package/link", "/etc/passwd")]),
])
def test_members_outside_the_package_are_refused(registry, tmp_path, files, links):
    url, served, hits = registry
    data = tarball(files, links)
    served["/ms/-/ms-2.1.3.tgz"] = data
    with pytest.raises(npm_fetch.FetchError, match="refused|outside package"):
        npm_fetch.fetch([("ms", "2.1.3", sri(data))], str(tmp_path), url, timeout=5)
    assert not (tmp_path / "node_modules" / "ms").exists() and not (tmp_path / "escape.js").exists()


def test_a_missing_package_and_a_bad_lock_line_are_named(registry, tmp_path):
    url, files, hits = registry
    with pytest.raises(npm_fetch.FetchError, match="ms 2.1.3: cannot download"):
        npm_fetch.fetch([("ms", "2.1.3", "sha512-x")], str(tmp_path), url, timeout=5)
    with pytest.raises(npm_fetch.FetchError, match="lock line 2"):
        npm_fetch.read_lock("# comment\nms 2.1.3\n")


def test_the_projects_lock_file_reads():
    lock = os.path.join(os.path.dirname(__file__), "..", "lab", "clients", "ioredis.lock")
    with open(lock) as handle:
        entries = npm_fetch.read_lock(handle.read())
    assert entries[0][:2] == ("ioredis", "5.11.1") and len(entries) == 9
