# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small Redis client on the standard library only, for modules that run on client hosts (no redis-py there).

Private to dualstack.redis: not a public API, may change in any release. Python 3.6+.

It speaks RESP2 (no HELLO): commands go out as arrays of bulk strings, replies come back as bytes (simple and
bulk strings), int, None (null bulk or array) or lists; an error reply raises ReplyError. It connects the way
clients do: every address getaddrinfo gives for the host, in that order, the first one that accepts the
connection (``connect()`` says which it was and why the others failed). Everything is bounded: one deadline for
connecting and one per reply, and sizes (a bulk string, an array, nesting), so a server that is not Redis, or
that stops talking, gives a clear error instead of a hang or unbounded memory.
"""

import os
import socket
import ssl
import threading
import time

# ``host:port`` with an IPv6 address in brackets, as everywhere in the collection's messages.
from ansible_collections.dualstack.redis.plugins.module_utils._cluster_topology import where

MAX_BULK = 64 * 1024 * 1024
MAX_ELEMENTS = 1024 * 1024
MAX_DEPTH = 8
MAX_LINE = 64 * 1024
# At most this many lookups run at once in resolve_many().
MAX_LOOKUPS = 16


class RespError(Exception):
    """Cannot talk to the server: refused, timed out, TLS, or not Redis. ``kind`` names which."""

    def __init__(self, kind, msg):
        super(RespError, self).__init__(msg)
        self.kind = kind


class ReplyError(Exception):
    """The server answered with an error reply (``-ERR ...``, ``-WRONGPASS ...``); the text is the message."""

    @property
    def code(self):
        """The first word of the error (``ERR``, ``WRONGPASS``, ``NOAUTH``, ``NOPERM``...)."""
        return str(self).split(" ", 1)[0]


def encode(*args):
    """A command as RESP: an array of bulk strings (str arguments in UTF-8, int as their digits)."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        if isinstance(arg, bool) or not isinstance(arg, (bytes, str, int)):
            raise TypeError("a Redis command argument must be bytes, str or int, not %s" % type(arg).__name__)
        data = arg if isinstance(arg, bytes) else str(arg).encode("utf-8")
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


class Parser:
    """Reads replies from a ``recv(n)`` callable (bytes; b"" when the peer closed), buffering what it got."""

    def __init__(self, recv):
        self.recv = recv
        self.buffer = b""

    def _fill(self):
        data = self.recv(65536)
        if not data:
            raise RespError("closed", "the server closed the connection" + (" in the middle of a reply" if self.buffer else ""))
        self.buffer += data

    def _line(self):
        while True:
            end = self.buffer.find(b"\r\n")
            if end >= 0:
                line, self.buffer = self.buffer[:end], self.buffer[end + 2:]
                return line
            if len(self.buffer) > MAX_LINE:
                raise RespError("protocol", "not a Redis reply: a line of more than %d bytes without CRLF" % MAX_LINE)
            self._fill()

    def _exactly(self, length):
        while len(self.buffer) < length + 2:
            self._fill()
        data, tail, self.buffer = self.buffer[:length], self.buffer[length:length + 2], self.buffer[length + 2:]
        if tail != b"\r\n":
            raise RespError("protocol", "not a Redis reply: a bulk string not followed by CRLF")
        return data

    @staticmethod
    def _number(line, what):
        try:
            return int(line[1:])
        except ValueError:
            raise RespError("protocol", "not a Redis reply: %s %.60r is not a number" % (what, line))

    def reply(self, depth=0):
        """The next reply. ReplyError for an error reply at the top level (nested ones are returned as ReplyError
        objects, as they appear in MULTI/EXEC results)."""
        line = self._line()
        kind = line[:1]
        if kind == b"+":
            return line[1:]
        if kind == b"-":
            error = ReplyError(line[1:].decode("utf-8", "replace"))
            if depth == 0:
                raise error
            return error
        if kind == b":":
            return self._number(line, "an integer")
        if kind == b"$":
            length = self._number(line, "a bulk length")
            if length == -1:
                return None
            if not 0 <= length <= MAX_BULK:
                raise RespError("protocol", "not a Redis reply: a bulk string of %d bytes" % length)
            return self._exactly(length)
        if kind == b"*":
            count = self._number(line, "an array length")
            if count == -1:
                return None
            if not 0 <= count <= MAX_ELEMENTS:
                raise RespError("protocol", "not a Redis reply: an array of %d elements" % count)
            if depth >= MAX_DEPTH:
                raise RespError("protocol", "not a Redis reply: arrays nested more than %d deep" % MAX_DEPTH)
            return [self.reply(depth + 1) for _index in range(count)]
        raise RespError("protocol", "not a Redis server (it answered %.60r)" % (line,))


def resolve(host, port):
    """This host's getaddrinfo for ``host`` (TCP), in its order, each address once: [(family, sockaddr)]."""
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise RespError("resolve", "cannot resolve %s: %s" % (host, exc.strerror or exc))
    except UnicodeError as exc:  # a name IDNA cannot encode (an empty or over-long label)
        raise RespError("resolve", "cannot resolve %r: %s" % (host, exc))
    seen, out = set(), []
    for family, _type, _proto, _name, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6) and sockaddr[0] not in seen:
            seen.add(sockaddr[0])
            out.append((family, sockaddr))
    return out


def resolve_many(targets, timeout, clock=time.monotonic, lookup=None):
    """{(host, port): resolve()'s list, or the RespError it raised} for each of ``targets``, looked up together (at
    most MAX_LOOKUPS at once) within one deadline of ``timeout`` seconds for all of them: getaddrinfo has no timeout
    of its own (a resolver that never answers holds it for its retries times its timeout, per name), so each runs in
    a daemon thread, and a lookup not done by the deadline is a RespError of kind ``timeout`` (its thread is left
    behind; it ends with the resolver's own timeout or with the process). ``lookup`` is resolve() unless given."""
    lookup = lookup or resolve
    pending = []
    for target in targets:
        if target not in pending:
            pending.append(target)
    results, guard = {}, threading.Lock()

    def work():
        while True:
            with guard:
                if not pending:
                    return
                target = pending.pop(0)
            try:
                value = lookup(*target)
            except RespError as exc:
                value = exc
            except Exception as exc:  # pylint: disable=broad-except
                # (in a thread: whatever fails there, the lookup did)
                value = RespError("resolve", "cannot resolve %s: %s" % (target[0], exc))
            with guard:
                results[target] = value

    waiting = list(pending)
    deadline = clock() + timeout
    workers = [threading.Thread(target=work) for _index in range(min(MAX_LOOKUPS, len(pending)))]
    for worker in workers:
        worker.daemon = True
        worker.start()
    for worker in workers:
        worker.join(max(0.0, deadline - clock()))
    with guard:
        pending[:] = []  # lookups not started by the deadline never start
        done = dict(results)
    for target in waiting:
        if target not in done:
            done[target] = RespError("timeout", "cannot resolve %s: no answer within %s s" % (target[0], timeout))
    return done


def resolve_within(host, port, timeout, clock=time.monotonic):
    """resolve() bounded by ``timeout`` seconds (resolve_many()); RespError of kind ``timeout`` when it takes longer."""
    value = resolve_many([(host, port)], timeout, clock)[(host, port)]
    if isinstance(value, RespError):
        raise value
    return value


def addresses(host, port, timeout=None):
    """reported(resolve()), within ``timeout`` seconds when given."""
    return reported(resolve(host, port) if timeout is None else resolve_within(host, port, timeout))


def reported(found):
    """resolve()'s list as the modules report it: [{address, family}] with ``ipv4``/``ipv6``."""
    return [dict(address=sockaddr[0], family=_family_name(family)) for family, sockaddr in found]


class Connection:
    """One connection to a Redis server, opened by ``connect()``. Each reply must come within ``timeout``."""

    def __init__(self, sock, address, port, family, timeout, clock=time.monotonic):
        self.sock, self.address, self.port, self.family = sock, address, port, family
        self.timeout, self.clock = timeout, clock
        self.deadline = None
        self.parser = Parser(self._recv)

    def _recv(self, size):
        left = self.deadline - self.clock()
        if left <= 0:
            raise RespError("timeout", "%s did not answer within %s s" % (where(self.address, self.port), self.timeout))
        self.sock.settimeout(left)
        try:
            return self.sock.recv(size)
        except socket.timeout:
            raise RespError("timeout", "%s did not answer within %s s" % (where(self.address, self.port), self.timeout))
        except ssl.SSLError as exc:
            raise RespError("tls", "TLS error from %s: %s" % (where(self.address, self.port), exc))
        except OSError as exc:
            raise RespError("closed", "connection to %s lost: %s" % (where(self.address, self.port), exc))

    def command(self, *args):
        """Send one command and return its reply (ReplyError for an error reply)."""
        self.deadline = self.clock() + self.timeout
        self.sock.settimeout(self.timeout)
        try:
            self.sock.sendall(encode(*args))
        except socket.timeout:
            raise RespError("timeout", "%s did not take the command within %s s" % (where(self.address, self.port), self.timeout))
        except OSError as exc:
            raise RespError("closed", "connection to %s lost: %s" % (where(self.address, self.port), exc))
        return self.parser.reply()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def tls_context(ca_path=None, validate_certs=True):
    """The TLS context clients use: the system's CAs (or ``ca_path``, a file or a directory), hostname checked."""
    context = ssl.create_default_context()
    if ca_path:
        try:
            if os.path.isdir(ca_path):
                context.load_verify_locations(capath=ca_path)
            else:
                context.load_verify_locations(cafile=ca_path)
        except (OSError, ssl.SSLError) as exc:
            raise RespError("tls", "cannot load the CA certificates from %s: %s" % (ca_path, exc))
    if not validate_certs:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def connect(host, port, timeout, tls=None, clock=time.monotonic, create=socket.socket):
    """(Connection, attempts): the first of getaddrinfo's addresses for ``host`` (looked up within ``timeout``) that
    accepts within what is left of ``timeout``, as clients do; ``attempts`` lists {address, family, error} for each address tried before it.

    ``tls`` is an ssl.SSLContext (``tls_context()``) or None; the certificate is checked against ``host`` as given.
    RespError (kind ``refused``, ``timeout``, ``tls``, ``resolve``, ``unreachable``) when none works, naming each.
    """
    deadline = clock() + timeout
    attempts = []
    for family, sockaddr in resolve_within(host, port, timeout, clock):
        left = deadline - clock()
        if left <= 0:
            attempts.append(dict(address=sockaddr[0], family=_family_name(family), error="not tried: %s s spent" % timeout))
            continue
        sock = create(family, socket.SOCK_STREAM)
        sock.settimeout(left)
        try:
            sock.connect(sockaddr)
            if tls is not None:
                sock = tls.wrap_socket(sock, server_hostname=host)
        except (ssl.SSLError, ssl.CertificateError) as exc:  # (Python 3.6 checks the name apart: CertificateError)
            sock.close()
            raise RespError("tls", "TLS with %s failed: %s%s" % (where(sockaddr[0], port), getattr(exc, "reason", None) or exc, _tls_hint(exc)))
        except socket.timeout:
            sock.close()
            attempts.append(dict(address=sockaddr[0], family=_family_name(family), error="timed out"))
            continue
        except OSError as exc:
            sock.close()
            attempts.append(dict(address=sockaddr[0], family=_family_name(family), error=exc.strerror or str(exc)))
            continue
        return Connection(sock, sockaddr[0], port, _family_name(family), timeout, clock), attempts
    if not attempts:
        raise RespError("resolve", "%s has no IPv4 or IPv6 address" % host)
    kinds = {_error_kind(a["error"]) for a in attempts}
    kind = kinds.pop() if len(kinds) == 1 else "unreachable"
    raise RespError(kind, "cannot connect to %s port %s: %s" % (host, port, "; ".join(
        "%s %s" % (where(a["address"], port), a["error"]) for a in attempts)))


def _tls_hint(exc):
    if "mismatch" in str(exc).lower() or "doesn't match" in str(exc):
        return " (the certificate is not for this name: connect by a name or address it holds, or validate_certs: false)"
    if "CERTIFICATE_VERIFY_FAILED" in str(exc) or isinstance(exc, ssl.CertificateError):
        return " (give the CA that signed the server's certificate with ca_certs, or validate_certs: false to skip the check)"
    return ""


def _error_kind(error):
    lowered = error.lower()
    if "refused" in lowered:
        return "refused"
    if "timed out" in lowered or "not tried" in lowered:
        return "timeout"
    return "unreachable"


def _family_name(family):
    return "ipv6" if family == socket.AF_INET6 else "ipv4"
