# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a Redis server says about the client talking to it (CLIENT INFO, CLIENT LIST). No I/O.

Private to dualstack.redis: not a public API, may change in any release. Python 3.6+.

CLIENT INFO (Redis 6.2+) is one line of ``field=value`` pairs separated by single spaces; CLIENT LIST is one such
line per client. ``addr`` is the client's address as the server sees it, ``laddr`` the server's own end; Redis
writes an IPv6 address in brackets (``[::1]:50012``), and older releases without them (``::1:50012``: the port is
after the last colon). Values never hold spaces (a client name cannot).
"""

import ipaddress


class ClientViewError(ValueError):
    """A CLIENT INFO/LIST reply this module cannot read; the message quotes it."""


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def fields(line):
    """One CLIENT INFO/LIST line -> {field: value} (values as text, possibly empty)."""
    out = {}
    for item in _text(line).strip().split(" "):
        if not item:
            continue
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ClientViewError("not a CLIENT INFO field: %.80r in %.200r" % (item, _text(line)))
        out[name] = value
    if "id" not in out or "addr" not in out:
        raise ClientViewError("no id or addr in this CLIENT INFO line: %.200r" % (_text(line),))
    return out


def clients(reply):
    """CLIENT LIST -> one fields() dict per client."""
    return [fields(line) for line in _text(reply).splitlines() if line.strip()]


def split_addr(value):
    """``addr``/``laddr`` -> (address, port): ``[::1]:6379``, ``::1:6379``, ``127.0.0.1:6379``; the address is
    normalised (an IPv4-mapped IPv6 address stays as written). ClientViewError for anything else."""
    text = _text(value)
    if text.startswith("["):
        host, sep, port = text[1:].partition("]:")
    else:
        host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ClientViewError("not an address and port: %.80r" % (text,))
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        raise ClientViewError("not an address and port: %.80r" % (text,))
    return address.compressed, int(port)


def family(address):
    """``ipv4`` or ``ipv6`` for an address as split_addr returns it; an IPv4-mapped IPv6 address (``::ffff:a.b.c.d``,
    an IPv4 client on a dual-stack socket) is ``ipv4``: that client used IPv4."""
    parsed = ipaddress.ip_address(address)
    if parsed.version == 6 and parsed.ipv4_mapped is not None:
        return "ipv4"
    return "ipv%d" % parsed.version


def seen(entry):
    """{address, port, family} of the client as the server saw it, from a CLIENT INFO line or a fields() dict."""
    address, port = split_addr((entry if isinstance(entry, dict) else fields(entry))["addr"])
    return dict(address=address, port=port, family=family(address))


def own_line(client_list, client_id):
    """The CLIENT LIST line of the client with ``client_id`` (CLIENT ID's reply), as fields(); ClientViewError if none."""
    wanted = _text(client_id)
    for entry in clients(client_list):
        if entry["id"] == wanted:
            return entry
    raise ClientViewError("CLIENT LIST has no client with id %s" % wanted)
