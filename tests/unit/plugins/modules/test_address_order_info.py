"""address_order_info: real getaddrinfo() on loopback names, and the result shape on a stubbed resolver."""

import socket

from ansible_collections.dualstack.redis.plugins.modules import address_order_info


def test_ordered_addresses_dedupes_and_keeps_order():
    infos = [
        (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("fd00::5", 0, 0, 0)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("172.31.5.5", 0)),
        (socket.AF_INET6, socket.SOCK_DGRAM, 17, "", ("fd00::5", 0, 0, 0)),
    ]
    assert address_order_info.ordered_addresses(infos) == [
        {"address": "fd00::5", "family": "ipv6"}, {"address": "172.31.5.5", "family": "ipv4"}]


def test_module_reports_order_from_getaddrinfo(run_in_process, monkeypatch):
    calls = []

    def fake(name, port, family, socktype):
        calls.append((name, port, family, socktype))
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("172.31.5.5", 6379)),
                (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("fd00::5", 6379, 0, 0))]

    monkeypatch.setattr(address_order_info.socket, "getaddrinfo", fake)
    failed, result = run_in_process(address_order_info, {"name": "dual.test", "port": "6379"})
    assert not failed and not result["changed"]
    assert calls == [("dual.test", "6379", socket.AF_UNSPEC, socket.SOCK_STREAM)]
    assert result["first"] == "172.31.5.5" and result["first_family"] == "ipv4"
    assert result["families"] == ["ipv4", "ipv6"]


def test_module_resolves_a_real_numeric_name(run_in_process):
    failed, result = run_in_process(address_order_info, {"name": "127.0.0.1"})
    assert not failed
    assert result["addresses"] == [{"address": "127.0.0.1", "family": "ipv4"}]


def test_family_filter_is_passed_to_getaddrinfo(run_in_process):
    failed, result = run_in_process(address_order_info, {"name": "127.0.0.1", "family": "ipv6"})
    assert failed and "cannot resolve 127.0.0.1" in result["msg"]


def test_unknown_name_fails_clearly(run_in_process, monkeypatch):
    def fake(*_args):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(address_order_info.socket, "getaddrinfo", fake)
    failed, result = run_in_process(address_order_info, {"name": "nowhere.invalid"})
    assert failed and result["msg"].startswith("cannot resolve nowhere.invalid")


# --- issue 13: every refusal is a one-line message, none a traceback (real getaddrinfo) --------------

import pytest  # noqa: E402


@pytest.mark.parametrize("name, words", [
    ("a" * 64 + ".example", "has a label longer than 63 characters"),
    ("x." * 130 + "example", "is longer than 253 characters"),
    ("", "is empty"),
    ("   ", "is empty"),
    ("bad..example", "has an empty label"),
    ("nul\x00byte", "holds whitespace or a control character"),
    ("\u00e9" * 70 + ".example", "has a label longer than 63 characters"),
])
def test_names_getaddrinfo_cannot_take_are_messages(run_in_process, name, words):
    """The collection's rule for host names (_checks.hostname), before getaddrinfo() is called."""
    failed, result = run_in_process(address_order_info, {"name": name})
    assert failed and result["msg"].startswith("name ") and words in result["msg"] and "\n" not in result["msg"]
    assert "exception" not in result or "Traceback" not in result["exception"]


def test_a_non_ascii_label_too_long_once_encoded_is_a_message(run_in_process):
    """60 characters, but its IDNA (punycode) form is longer than 63: refused before getaddrinfo()."""
    failed, result = run_in_process(address_order_info, {"name": "\u00e9\u00e8" * 30 + ".example"})
    assert failed and result["msg"].startswith("name ") and "is not a name a resolver can take" in result["msg"]


def test_an_unknown_service_is_a_message(run_in_process):
    failed, result = run_in_process(address_order_info, {"name": "127.0.0.1", "port": "no-such-service-dsr"})
    assert failed and result["msg"].startswith("cannot resolve 127.0.0.1:")
