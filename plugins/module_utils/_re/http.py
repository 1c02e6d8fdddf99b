# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTPS to a Redis Enterprise cluster's REST API, as a real cluster answers: several endpoints (the first that
answers serves), redirects to the master followed safely, a deadline and a size limit on every exchange, TLS
connections kept for the next request to the same host. Standard library only (http.client, ssl); Python 3.6+.

Private to dualstack.redis: not a public API, may change in any release.

The rules, and why:
- ``api_url`` may list several URLs (e.g. every node's). A request goes to the one that answered last, else to the
  first of the others that accepts a TCP connection (all are dialled at once, so that a node that is down, whose
  address may not answer at all, costs nothing when another answers); one that cannot be reached or answers 503 (a
  node that is down or not a member of the cluster, REST reference) is skipped, and the next is tried. When none
  answers, one line names each with its reason.
- With the cluster setting ``handle_redirects`` false (its default), a node that is not the master answers
  every API request with ``307 Temporary Redirect`` to the master's internal address on the same port (REST
  reference, cluster object; release notes RS40641, RS182423). A 307 or 308 is followed with the same method, body
  and credentials only when its ``Location`` is an absolute ``https://`` URL with a host, no credentials, and the
  same port as the request; and its host is a host of ``api_url`` or an address of a node of this cluster read in
  this run (``GET /v1/nodes``), or, when certificates are verified, any host that then proves with the CA of
  ``ca_path`` and the name of the ``api_url`` in use that it holds the cluster's certificate. So the password only
  goes to this cluster's nodes. At most MAX_HOPS redirects per request, none back to a URL already visited; any
  other redirect, and a refused one, is an error naming its Location, and nothing is sent there. The target of a
  redirect is asked directly for the rest of the module's run (one round trip less per request; when it stops
  answering, the URL itself is asked again).
- ``api_timeout`` bounds each exchange as a whole (connecting, the TLS handshake, sending, the reply's status,
  headers and body), not each socket operation: a watchdog closes the connection when it runs out, so a server
  trickling one byte at a time cannot hold the task. Connecting gets at most CONNECT_TIMEOUT of it, so that a node
  that is down is skipped quickly. A reply larger than MAX_REPLY is refused.
- The certificate of a redirect's target is checked against the name of the ``api_url`` that led there: Redis
  Enterprise's proxy certificate names the cluster, not each node's internal address. With ``api_tls_name`` (the
  cluster's name), every connection's certificate is checked against that name (and it is the SNI), so that
  ``api_url`` can list the nodes by address while the certificate names the cluster.
"""

import base64
import errno
import http.client
import ipaddress
import json
import queue
import socket
import ssl
import threading
import time
from urllib.parse import urlsplit

from ansible_collections.dualstack.redis.plugins.module_utils import _resp as resp

MAX_HOPS = 3
MAX_REPLY = 8 * 1024 * 1024
# Connecting gets at most this much of api_timeout, so that a node that is down (and the next URL) costs little.
CONNECT_TIMEOUT = 5
REDIRECTS = (307, 308)
SKIP_CODES = (503,)


class HttpError(Exception):
    """A request that failed, one line naming the URL and what to do; ``skip`` says whether another endpoint may
    serve it (the node is down or unreachable)."""

    def __init__(self, msg, skip=False):
        super(HttpError, self).__init__(msg)
        self.skip = skip


class Reply(object):
    """An HTTP reply: status, headers (lower-cased names), body bytes, and the URL that gave it."""

    def __init__(self, status, headers, body, url):
        self.status, self.headers, self.body, self.url = status, headers, body, url
        self.base = self.host = self.port = None   # the https://host:port that gave it, its host and port

    def json(self):
        """The body as JSON (None when empty); raises HttpError."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise HttpError("%s: the reply is not JSON: %r" % (self.url, self.body[:120]))


def _label_problem(host):
    """Why ``host`` (a URL's hostname) cannot be a DNS name, or None."""
    if len(host) > 253:
        return "is longer than 253 characters"
    for label in host.rstrip(".").split("."):
        if not label:
            return "has an empty label"
        if len(label) > 63:
            return "has a label longer than 63 characters"
        if label.startswith("-") or label.endswith("-"):
            return "has a label starting or ending with '-'"
    try:
        host.encode("idna")
    except UnicodeError as exc:
        return "cannot be encoded for DNS (%s)" % exc
    return None


def parse_url(text, option="api_url"):
    """(base ``https://host:port``, host, port) of one API URL; raises ValueError with a message naming ``option``."""
    text = (text or "").strip()
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError("%s %r has a space or control character in it" % (option, text))
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValueError("%s %r is not a URL (%s)" % (option, text, exc))
    if parts.scheme != "https":
        raise ValueError("%s %r must start with https:// (the REST API serves HTTPS, port 9443 by default; basic auth must "
                         "not travel in clear)" % (option, text))
    if parts.username is not None or parts.password is not None:
        raise ValueError("%s must not carry credentials; give them in api_username and api_password" % option)
    host = parts.hostname
    if not host:
        raise ValueError("%s %r has no host" % (option, text))
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("%s %r must be only scheme, host and port (e.g. https://cluster.example.com:9443)" % (option, text))
    if port is not None and not 0 < port < 65536:
        raise ValueError("%s %r has port %s, outside 1 to 65535" % (option, text, port))
    try:
        host = ipaddress.ip_address(host).compressed
    except ValueError:
        problem = _label_problem(host)
        if problem:
            raise ValueError("%s %r: its host %s %s" % (option, text, host, problem))
        host = host.lower()
    port = port or 443
    return "https://%s:%d" % ("[%s]" % host if ":" in host else host, port), host, port


def _host_key(host):
    try:
        return ipaddress.ip_address(host.strip("[]")).compressed
    except ValueError:
        return host.lower().rstrip(".")


def tls_context(validate_certs, ca_path):
    """The TLS context of every connection; raises ValueError naming ca_path when it cannot be used."""
    if not validate_certs:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        context = ssl.create_default_context(cafile=ca_path) if ca_path else ssl.create_default_context()
    except (IOError, OSError) as exc:
        if isinstance(exc, ssl.SSLError):
            raise ValueError("ca_path %s holds no PEM certificate that can be read (%s); give the CA that signed the cluster's "
                             "certificate (or the self-signed certificate itself), in PEM" % (ca_path, exc.reason or exc))
        raise ValueError("ca_path %s cannot be read: %s" % (ca_path, exc.strerror or exc))
    # Python 3.13 turns on OpenSSL's strict X.509 checks by default, which refuse certificates without an Authority
    # Key Identifier, as self-signed certificates and older CAs' often are (the tests' own CA's too: found by the
    # host-module matrix on 3.13). The chain and the name are still verified, as by OpenSSL's and curl's defaults.
    context.verify_flags &= ~getattr(ssl, "VERIFY_X509_STRICT", 0)
    return context


class _Connection(http.client.HTTPSConnection):
    """An HTTPS connection whose certificate is checked against ``tls_name`` (SNI too), whatever host it dials."""

    def __init__(self, host, port, tls_name, context, timeout):
        http.client.HTTPSConnection.__init__(self, host, port, timeout=timeout, context=context)
        self.tls_name = tls_name

    def connect(self):
        raw = dial(self.host, self.port, min(self.timeout, CONNECT_TIMEOUT))
        raw.settimeout(self.timeout)
        try:
            # the TLS socket exists before the handshake, so that stop() can end a handshake that drags on too
            self.sock = self._context.wrap_socket(raw, server_hostname=self.tls_name, do_handshake_on_connect=False)
            self.sock.do_handshake()
        except BaseException:
            raw.close()
            if self.sock is not None:
                self.sock.close()
                self.sock = None
            raise

    def stop(self):
        """From another thread: end whatever the connection is blocked in. The TCP connection is shut down under TLS
        (socket.shutdown, not SSLSocket.shutdown, which would drop the TLS object under the reading thread)."""
        sock = self.sock
        if sock is not None:
            try:
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass


def tls_problem(url, tls_name, exc, ca_path):
    """One line for a failed TLS handshake, with the fix that fits what failed."""
    text = str(exc)
    code = getattr(exc, "verify_code", None)
    mismatch = ("doesn't match", "Hostname mismatch", "IP address mismatch")
    if (isinstance(exc, getattr(ssl, "CertificateError", ())) and code is None) or code in (62, 64) or any(m in text for m in mismatch):
        return ("%s: the TLS certificate is valid but not for the name %s (%s); use in api_url a name the cluster's "
                "certificate holds, or give that name in api_tls_name, or set validate_certs: false"
                % (url, tls_name, getattr(exc, "verify_message", None) or text))
    if code == 10 or "certificate has expired" in text:
        return "%s: the TLS certificate has expired (%s); renew the cluster's certificate" % (url, text)
    if "CERTIFICATE_VERIFY_FAILED" in text or code is not None:
        where = "ca_path %s" % ca_path if ca_path else "the system's trusted CAs"
        return ("%s: the TLS certificate is signed by a CA not in %s (%s); give that CA in ca_path (Redis Enterprise's own "
                "certificates are self-signed: give the certificate itself), or set validate_certs: false"
                % (url, where, getattr(exc, "verify_message", None) or text))
    return "%s: the TLS handshake failed: %s" % (url, text)


def dial(host, port, timeout):
    """socket.create_connection((host, port)) with ``timeout`` for the whole of it, the name's lookup included
    (getaddrinfo has no timeout of its own: resp.resolve_within bounds it); each address is tried in getaddrinfo's
    order with what is left. OSError (socket.timeout when the time runs out) as create_connection raises it."""
    deadline = time.monotonic() + timeout
    try:
        found = resp.resolve_within(host, port, timeout)
    except resp.RespError as exc:
        raise (socket.timeout if exc.kind == "timeout" else OSError)(str(exc))
    last = OSError("%s has no IPv4 or IPv6 address" % host)
    for family, sockaddr in found:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("connecting to %s port %s: no answer within %s s" % (host, port, timeout))
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(left)
        try:
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    raise last


def _first_reachable(endpoints, timeout):
    """The index of the first of ``endpoints`` ((host, port) pairs) to accept a TCP connection, all dialled at once;
    None when none does within ``timeout`` seconds."""
    results = queue.Queue()

    def try_one(index, host, port):
        try:
            dial(host, port, timeout).close()
            results.put((index, True))
        except (OSError, ValueError):
            results.put((index, False))

    for index, (host, port) in enumerate(endpoints):
        worker = threading.Thread(target=try_one, args=(index, host, port))
        worker.daemon = True
        worker.start()
    deadline = time.monotonic() + timeout + 0.5
    for _answer in endpoints:
        try:
            index, reached = results.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return None
        if reached:
            return index
    return None


class Client(object):
    """The REST API behind one or more URLs, with basic auth. ``known`` collects the hosts a redirect may lead to
    without a verified certificate: those of ``urls`` and the addresses of the nodes this run has read (learn())."""

    def __init__(self, urls, username, password, validate_certs=True, ca_path=None, timeout=30, tls_name=None):
        self.bases = []
        for url in urls:
            parsed = parse_url(url)
            if parsed not in self.bases:
                self.bases.append(parsed)
        if not self.bases:
            raise ValueError("api_url is empty; give the cluster's REST API URL (or every node's)")
        self.context = tls_context(validate_certs, ca_path)
        if tls_name is not None and tls_name.strip():
            try:
                self.tls_name = ipaddress.ip_address(tls_name.strip().strip("[]")).compressed
            except ValueError:
                problem = _label_problem(tls_name.strip())
                if problem:
                    raise ValueError("api_tls_name %r %s" % (tls_name, problem))
                self.tls_name = tls_name.strip().lower()
        else:
            self.tls_name = None
        self.validate_certs, self.ca_path, self.timeout = validate_certs, ca_path, timeout
        self.auth = "Basic " + base64.b64encode(("%s:%s" % (username, password)).encode("utf-8")).decode("ascii")
        self.known = set(host for _base, host, _port in self.bases)
        self.connections = {}
        self.preferred = 0
        self.answered = False   # whether the preferred URL answered the last request
        self.served_by = None
        self.exchanges = 0
        self.redirected = {}   # index of a URL -> (base, host, port) it redirected to: asked directly from then on

    def learn(self, addresses):
        """Hosts a redirect may go to without a verified certificate: addresses of this cluster's nodes."""
        for address in addresses:
            self.known.add(_host_key(address))

    def request(self, method, path, body=None):
        """One request (``body``: an object sent as JSON); the Reply of the endpoint that served it, redirects
        followed. Raises HttpError."""
        data = None if body is None else json.dumps(body, sort_keys=True).encode("utf-8")
        tried, skipped = set(), []
        while len(tried) < len(self.bases):
            index = self._pick(tried)
            tried.add(index)
            base, host, port = self.bases[index]
            try:
                reply = self._remembered(index, method, path, data)
                if reply is None:
                    reply = self._follow(method, base, self.tls_name or host, host, port, path, data)
            except HttpError as exc:
                if index == self.preferred:
                    self.answered = False
                if exc.skip and len(self.bases) > 1:
                    skipped.append(str(exc))
                    continue
                if skipped:
                    raise HttpError("%s (after: %s)" % (exc, "; ".join(skipped)))
                raise
            if reply.base != base:
                self.redirected[index] = (reply.base, reply.host, reply.port)
            self.preferred, self.answered = index, True
            self.served_by = reply.base
            return reply
        raise HttpError("no api_url answered %s %s: %s; check that one of them is a node of the cluster that is up"
                        % (method, path, "; ".join(skipped)))

    def _pick(self, tried):
        """The next URL to ask: the one that answered last, else the first of the others that accepts a TCP connection
        (all are dialled at once, so that a node that is down costs nothing when another answers), else the first."""
        left = [i for i in range(len(self.bases)) if i not in tried]
        if self.answered and self.preferred in left:
            return self.preferred
        if len(left) == 1:
            return left[0]
        winner = _first_reachable([(self.bases[i][1], self.bases[i][2]) for i in left], min(self.timeout, CONNECT_TIMEOUT))
        return left[winner] if winner is not None else left[0]

    def _remembered(self, index, method, path, data):
        """The reply of the endpoint this URL redirected to earlier in this run (the master, asked directly: one round
        trip less), or None when there is none or it fails to answer (then the URL itself is asked again)."""
        if index not in self.redirected:
            return None
        base, host, port = self.redirected[index]
        try:
            return self._follow(method, base, self.tls_name or self.bases[index][1], host, port, path, data)
        except HttpError as exc:
            if not exc.skip:
                raise
            del self.redirected[index]
            return None

    def _follow(self, method, base, tls_name, host, port, path, data):
        url = base + path
        visited = [url]
        for _hop in range(MAX_HOPS + 1):
            reply = self._exchange(method, url, host, port, tls_name, path, data)
            reply.base, reply.host, reply.port = base, host, port
            if reply.status not in REDIRECTS:
                if reply.status in SKIP_CODES:
                    raise HttpError("%s %s: HTTP %d (the node is down or not a member of the cluster)" % (method, url, reply.status),
                                    skip=True)
                return reply
            location = reply.headers.get("location")
            base, path, host, port = self._redirect(method, url, reply.status, location, port)
            if base + path in visited:
                raise HttpError("%s %s: redirect %d to %s loops back to a URL already visited (%s); the cluster's API is "
                                "misconfigured, nothing was sent there" % (method, url, reply.status, location, " -> ".join(visited)))
            url = base + path
            visited.append(url)
        raise HttpError("%s %s: more than %d redirects (%s); nothing more was sent" % (method, visited[0], MAX_HOPS, " -> ".join(visited)))

    def _redirect(self, method, url, status, location, port):
        """(base, path, host, port) of a redirect that may be followed; raises HttpError naming the Location."""
        why = None
        try:
            parts = urlsplit(location or "")
            target_port = parts.port or 443
        except ValueError:
            parts, target_port = None, None
        if not location:
            why = "it has no Location"
        elif parts is None or not parts.scheme or not parts.hostname:
            why = "its Location has no host"
        elif parts.scheme != "https":
            why = "its Location is not https:// (credentials never travel in clear)"
        elif parts.username is not None or parts.password is not None:
            why = "its Location carries credentials"
        elif target_port != port:
            why = "its Location's port %s is not the API port %s of the request" % (target_port, port)
        else:
            host = _host_key(parts.hostname)
            if host not in self.known and not self.validate_certs:
                why = ("%s is neither a host of api_url nor the address of a node of this cluster read in this run (with "
                       "validate_certs: false nothing proves it is the cluster): list every node's URL in api_url, or verify "
                       "certificates (ca_path), or set the cluster's handle_redirects to true" % parts.hostname)
        if why:
            raise HttpError("%s %s: redirect %d to %s refused: %s; nothing was sent there" % (method, url, status, location, why))
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        host = _host_key(parts.hostname)
        base = "https://%s:%d" % ("[%s]" % host if ":" in host else host, target_port)
        return base, path, host, target_port

    def _connection(self, host, port, tls_name, timeout):
        key = (host, port, tls_name)
        connection = self.connections.get(key)
        if connection is None:
            connection = _Connection(host, port, tls_name, self.context, timeout)
            self.connections[key] = connection
        connection.timeout = timeout
        if connection.sock is not None:
            connection.sock.settimeout(timeout)
        return connection

    def _exchange(self, method, url, host, port, tls_name, path, data):
        """One request and its whole reply within ``timeout`` seconds (a watchdog closes the connection when the time
        is up); retried once on a fresh connection when a kept one turns out closed."""
        for attempt in (1, 2):
            connection = self._connection(host, port, tls_name, self.timeout)
            reused = connection.sock is not None
            try:
                return self._timed(connection, method, url, path, data)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self._drop(host, port, tls_name)
                if reused and attempt == 1:
                    continue
                raise HttpError("%s %s: the API closed the connection (%s)" % (method, url, exc), skip=True)
        raise HttpError("%s %s: no reply" % (method, url), skip=True)  # not reached

    def _drop(self, host, port, tls_name):
        connection = self.connections.pop((host, port, tls_name), None)
        if connection is not None:
            connection.close()

    def _timed(self, connection, method, url, path, data):
        expired = threading.Event()

        def watchdog():
            expired.set()
            connection.stop()

        timer = threading.Timer(self.timeout, watchdog)
        timer.daemon = True
        timer.start()
        self.exchanges += 1
        try:
            headers = {"Accept": "application/json", "Authorization": self.auth, "User-Agent": "dualstack.redis"}
            if data is not None:
                headers["Content-Type"] = "application/json"
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            length = response.getheader("Content-Length")
            if length is not None and length.isdigit() and int(length) > MAX_REPLY:
                raise HttpError("%s %s: the reply is %s bytes, more than the %d this module reads" % (method, url, length, MAX_REPLY))
            chunks, size = [], 0
            while True:
                chunk = response.read(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_REPLY:
                    raise HttpError("%s %s: the reply is more than the %d bytes this module reads" % (method, url, MAX_REPLY))
                chunks.append(chunk)
            if expired.is_set():
                raise self._late(method, url)
            if length is not None and length.isdigit() and size < int(length):
                raise http.client.IncompleteRead(b"".join(chunks), int(length) - size)
            reply = Reply(response.status, dict((k.lower(), v) for k, v in response.getheaders()), b"".join(chunks), url)
            if response.will_close:
                self._drop(connection.host, connection.port, connection.tls_name)
            return reply
        except HttpError:
            self._drop(connection.host, connection.port, connection.tls_name)
            raise
        except http.client.IncompleteRead as exc:
            self._drop(connection.host, connection.port, connection.tls_name)
            if expired.is_set():
                raise self._late(method, url)
            raise HttpError("%s %s: the reply was cut short after %d bytes (%s more expected); the API or the network "
                            "dropped the connection" % (method, url, len(exc.partial), exc.expected), skip=True)
        except ssl.SSLError as exc:
            self._drop(connection.host, connection.port, connection.tls_name)
            if expired.is_set():
                raise self._late(method, url)
            if isinstance(exc, getattr(ssl, "SSLCertVerificationError", ())) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
                raise HttpError(tls_problem(url, connection.tls_name, exc, self.ca_path))
            raise HttpError("%s %s: TLS failed: %s" % (method, url, exc), skip=True)
        except getattr(ssl, "CertificateError", ValueError) as exc:  # Python 3.6: the name is checked after the handshake
            self._drop(connection.host, connection.port, connection.tls_name)
            raise HttpError(tls_problem(url, connection.tls_name, exc, self.ca_path))
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            if expired.is_set():
                self._drop(connection.host, connection.port, connection.tls_name)
                raise self._late(method, url)
            raise
        except (http.client.HTTPException, OSError, ValueError) as exc:
            self._drop(connection.host, connection.port, connection.tls_name)
            if expired.is_set() or isinstance(exc, socket.timeout):
                raise self._late(method, url)
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            if isinstance(exc, socket.gaierror):
                reason = "cannot resolve %s (%s)" % (connection.host, reason)
            unreachable = (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ECONNRESET, errno.ECONNABORTED)
            skip = isinstance(exc, socket.gaierror) or (isinstance(exc, OSError) and getattr(exc, "errno", None) in unreachable)
            raise HttpError("%s %s: cannot reach the REST API: %s" % (method, url, reason), skip=skip)
        finally:
            timer.cancel()

    def _late(self, method, url):
        return HttpError("%s %s: no complete reply within %s s (api_timeout, for the whole exchange)" % (method, url, self.timeout),
                         skip=True)

    def close(self):
        for connection in self.connections.values():
            connection.close()
        self.connections = {}
