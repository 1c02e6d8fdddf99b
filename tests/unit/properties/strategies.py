"""Hostile input for the parsers and planners: text with every kind of line end and space, bytes that are not
UTF-8, addresses and prefixes near and past every limit."""

from __future__ import annotations

import ipaddress

from hypothesis import strategies as st

# Characters that Python and C disagree about: line ends, spaces, digits, separators.
TRICKY = ["\n", "\r", "\r\n", "\f", "\v", "\t", " ", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", "\x00",
          "#", "/", ":", ".", ",", "%", "-", "*", "\u00b2", "\u0663", "\ufffd", "\udce9"]


def hostile_text(words=(), max_size=40):
    """Text built from known words, tricky characters and random characters (lone surrogates included, as
    undecodable bytes read with surrogateescape arrive)."""
    pieces = st.one_of(st.sampled_from(TRICKY), st.sampled_from(list(words) or [""]), st.text(max_size=8))
    return st.lists(pieces, max_size=max_size).map("".join)


def ipv4():
    return st.integers(0, 2 ** 32 - 1).map(lambda n: str(ipaddress.IPv4Address(n)))


def ipv6():
    return st.one_of(st.integers(0, 2 ** 128 - 1), st.integers(0, 2 ** 32 - 1).map(lambda n: (0xFFFF << 32) | n)).map(
        lambda n: ipaddress.IPv6Address(n).compressed)


def addresses():
    """Valid and invalid address text: IPv4, IPv6, mapped, zoned, hostnames, junk."""
    return st.one_of(ipv4(), ipv6(), ipv6().map(lambda a: a + "%eth0"), ipv4().map(lambda a: a.replace(".", ". ")),
                     st.sampled_from(["0.0.0.0", "::", "255.255.255.255", "127.0.0.1", "::1", "224.0.0.1", "fe80::1",
                                      "10.0.0.300", "host.example", "", " 10.0.0.1 ", "::ffff:10.0.0.44"]),
                     hostile_text(max_size=6))


def prefixes():
    """Prefix text: address/length with lengths in and out of range, Unicode digits, missing parts."""
    lengths = st.one_of(st.integers(-2, 140).map(str), st.sampled_from(["", "\u00b2", "\u0663", "08", " 8", "8 "]))
    return st.one_of(st.tuples(addresses(), lengths).map(lambda t: "%s/%s" % t), addresses())
