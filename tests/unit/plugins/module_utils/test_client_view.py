"""_client_view: CLIENT INFO/LIST lines as Redis 6.2-7.x print them, and _resp's encoder and parser without a server."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.dualstack.redis.plugins.module_utils import _client_view as cv
from ansible_collections.dualstack.redis.plugins.module_utils import _resp as resp

# Redis 7.0's CLIENT INFO (one client over IPv6 on loopback), and a CLIENT LIST with an IPv4-mapped client.
INFO_V6 = ("id=7 addr=[::1]:50012 laddr=[::1]:6379 fd=8 name= age=0 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=26 "
           "qbuf-free=20448 argv-mem=10 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=0 tot-mem=22554 events=r cmd=client|info "
           "user=default redir=-1 resp=2\n")
LIST = ("id=3 addr=198.51.100.7:40001 laddr=198.51.100.1:6379 fd=9 name=app age=10 idle=0 flags=N db=0 cmd=get user=app\n"
        "id=4 addr=::ffff:198.51.100.8:40002 laddr=::ffff:198.51.100.1:6379 fd=10 name= age=1 idle=0 flags=N db=0 cmd=client|list "
        "user=default\n")


def test_client_info_ipv6_in_brackets():
    assert cv.seen(INFO_V6) == {"address": "::1", "port": 50012, "family": "ipv6"}
    assert cv.fields(INFO_V6)["name"] == "" and cv.fields(INFO_V6)["cmd"] == "client|info"


def test_client_list_own_line_and_ipv4_mapped_is_ipv4():
    entry = cv.own_line(LIST.encode(), 4)
    assert cv.seen(entry) == {"address": "::ffff:c633:6408", "port": 40002, "family": "ipv4"}
    assert cv.seen(cv.own_line(LIST, b"3"))["family"] == "ipv4"
    with pytest.raises(cv.ClientViewError, match="no client with id 99"):
        cv.own_line(LIST, 99)


@pytest.mark.parametrize("value, expected", [
    ("127.0.0.1:6379", ("127.0.0.1", 6379)),
    ("[2001:db8::1]:7000", ("2001:db8::1", 7000)),
    ("2001:db8::1:7000", ("2001:db8::1", 7000)),  # no brackets (older releases): the port is after the last colon
    ("[fe80::1%eth0]:7000", ("fe80::1", 7000)),
])
def test_split_addr(value, expected):
    assert cv.split_addr(value) == expected


@pytest.mark.parametrize("bad", ["", "localhost:6379", "127.0.0.1", "[::1]6379", "1.2.3.4:99999", "id=3", "a b"])
def test_split_addr_refuses(bad):
    with pytest.raises(cv.ClientViewError):
        cv.split_addr(bad)


@pytest.mark.parametrize("line", ["addr=1.2.3.4:5", "id=1 junk", "id=1 =x addr=1.2.3.4:5", "\xff\xfe"])
def test_fields_refuses_what_is_not_client_info(line):
    with pytest.raises(cv.ClientViewError):
        cv.fields(line)


@given(st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)), st.integers(0, 65535), st.booleans())
def test_split_addr_reads_what_redis_writes(address, port, bracket):
    """Property: whatever address and port Redis formats (IPv6 with or without brackets), split_addr reads them back."""
    written = ("[%s]:%d" if address.version == 6 and bracket else "%s:%d") % (address.compressed, port)
    assert cv.split_addr(written) == (address.compressed, port)
    assert cv.family(address.compressed) == ("ipv4" if address.version == 4 or address.ipv4_mapped else "ipv6")


REPLIES = st.recursive(
    st.one_of(st.binary(max_size=40), st.integers(-2 ** 63, 2 ** 63 - 1), st.none()),
    lambda children: st.lists(children, max_size=5), max_leaves=20)


def write(value):
    """RESP2 as a server writes it (bulk strings, integers, null bulk, arrays)."""
    if value is None:
        return b"$-1\r\n"
    if isinstance(value, int):
        return b":%d\r\n" % value
    if isinstance(value, bytes):
        return b"$%d\r\n%s\r\n" % (len(value), value)
    return b"*%d\r\n" % len(value) + b"".join(write(item) for item in value)


def chunks(data, size):
    pieces = [data[i:i + size] for i in range(0, len(data), size)]
    return lambda _n: pieces.pop(0) if pieces else b""


@given(REPLIES, st.integers(1, 7))
def test_parser_reads_any_reply_in_any_chunking(value, size):
    """Property: a reply written by a server is read back as it was, however the bytes arrive."""
    depth = 0
    probe = [value]
    while any(isinstance(v, list) for v in probe):
        probe = [item for v in probe if isinstance(v, list) for item in v]
        depth += 1
    if depth > resp.MAX_DEPTH:
        return
    assert resp.Parser(chunks(write(value), size)).reply() == value


@given(st.lists(st.one_of(st.binary(max_size=30), st.text(max_size=30), st.integers()), min_size=1, max_size=6))
def test_encode_is_what_redis_reads(args):
    """Property: encode() writes an array of bulk strings; read back, it is the arguments as bytes."""
    expected = [a if isinstance(a, bytes) else str(a).encode("utf-8") for a in args]
    assert resp.Parser(chunks(resp.encode(*args), 5)).reply() == expected


def test_parser_limits_and_error_replies():
    with pytest.raises(resp.ReplyError) as error:
        resp.Parser(chunks(b"-WRONGPASS invalid username-password pair\r\n", 100)).reply()
    assert error.value.code == "WRONGPASS"
    assert isinstance(resp.Parser(chunks(b"*1\r\n-ERR inside\r\n", 100)).reply()[0], resp.ReplyError)
    with pytest.raises(resp.RespError, match="bulk string of"):
        resp.Parser(chunks(b"$%d\r\n" % (resp.MAX_BULK + 1), 100)).reply()
    with pytest.raises(resp.RespError, match="without CRLF"):
        resp.Parser(chunks(b"+" + b"x" * (resp.MAX_LINE + 10), 4096)).reply()
    with pytest.raises(TypeError):
        resp.encode("GET", None)
