"""HTTPS servers on loopback that misbehave on purpose, for the REST transport's fault tests: each answers every
request with what its ``behave(handler)`` function does (a redirect anywhere, a reply trickled one byte at a time, cut
short, too large, nothing at all). TLS with the tests' own CA (tests/lib/lab_ca.py); the requests each server saw
are kept (method, path, headers, body), so a test can assert that nothing was sent to a place it must not be.
"""

from __future__ import annotations

import os
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lab_ca import make_certificates  # noqa: E402


class Server:
    def __init__(self, directory, behave, host="127.0.0.1", names=("localhost", "127.0.0.1"), port=0):
        self.ca = make_certificates(directory, list(names))
        self.seen = []
        server_self = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_one(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server_self.seen.append((method, self.path, dict(self.headers), body))
                behave(self)

            def do_GET(self):
                self.handle_one("GET")

            def do_PUT(self):
                self.handle_one("PUT")

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.path.join(directory, "server.crt"), os.path.join(directory, "server.key"))
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.host, self.port = host, self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "https://%s:%d" % (self.host, self.port)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def reply(handler, code, body=b"", headers=()):
    handler.send_response(code)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
