"""_resp (the standard-library Redis client) and _client_view (CLIENT INFO/LIST), against a real redis-server and
valkey-server (the ``engine`` fixture).
(Here rather than in tests/unit: the stage that runs tests/cluster installs redis-server first.)

The server is Debian's redis-server, started on loopback for this module (a random free port, IPv4 and IPv6, a
password for the default user and an ACL user), as clients on a host meet it. Faults: a refused port, a server
that is not Redis, one that accepts and never answers, one that closes mid-reply; all on loopback.
"""

import os
import socket
import subprocess
import threading
import time

import pytest

from ansible_collections.dualstack.redis.plugins.module_utils import _client_view as cv
from ansible_collections.dualstack.redis.plugins.module_utils import _resp as resp
from redis_cluster import binaries

PASSWORD = "s3cret pass"  # (a space: the password travels as one bulk string)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, engine):
    port = free_port()
    work = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([binaries(engine)[0], "--port", str(port), "--bind", "127.0.0.1 ::1", "--save", "", "--appendonly", "no",
                             "--dir", str(work), "--requirepass", PASSWORD, "--user", "app", "on", ">apppass", "~*", "+@all"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("redis-server did not listen within 10 s")
    yield port
    proc.terminate()
    proc.wait(timeout=10)


def test_connect_auth_and_client_info_over_each_family(server):
    for host, family in (("127.0.0.1", "ipv4"), ("::1", "ipv6")):
        conn, attempts = resp.connect(host, server, timeout=5)
        try:
            assert attempts == [] and conn.address == host and conn.family == family
            with pytest.raises(resp.ReplyError) as denied:
                conn.command("PING")
            assert denied.value.code == "NOAUTH"
            assert conn.command("AUTH", PASSWORD) == b"OK"
            seen = cv.seen(conn.command("CLIENT", "INFO"))
            assert seen["address"] == host and seen["family"] == family
            # The CLIENT LIST fallback finds the same client by its id.
            entry = cv.own_line(conn.command("CLIENT", "LIST"), conn.command("CLIENT", "ID"))
            assert cv.seen(entry) == seen
        finally:
            conn.close()


def test_acl_user_and_wrong_password(server):
    conn, _attempts = resp.connect("127.0.0.1", server, timeout=5)
    try:
        assert conn.command("AUTH", "app", "apppass") == b"OK"
        assert conn.command("ACL", "WHOAMI") == b"app"
        with pytest.raises(resp.ReplyError) as wrong:
            conn.command("AUTH", "app", "nope")
        assert wrong.value.code == "WRONGPASS"
    finally:
        conn.close()


def test_localhost_follows_getaddrinfo_order(server):
    order = [sockaddr[0] for _family, sockaddr in resp.resolve("localhost", server)]
    conn, _attempts = resp.connect("localhost", server, timeout=5)
    try:
        assert conn.address == order[0]
    finally:
        conn.close()


def test_refused_names_every_address_tried():
    port = free_port()
    with pytest.raises(resp.RespError) as refused:
        resp.connect("127.0.0.1", port, timeout=2)
    assert refused.value.kind == "refused"
    assert "127.0.0.1:%d" % port in str(refused.value) and "refused" in str(refused.value).lower()


class OneShotServer:
    """A loopback TCP server that answers the first connection with ``reply`` (then ``close``s it, or keeps it
    open and silent); for what is not Redis."""

    def __init__(self, reply, close=True, family=socket.AF_INET, host="127.0.0.1"):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.reply, self.close, self.done = reply, close, threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        conn, _peer = self.sock.accept()
        conn.recv(65536)
        if self.reply:
            conn.sendall(self.reply)
        if self.close:
            conn.close()
        else:
            self.done.wait(10)
            conn.close()
        self.sock.close()


@pytest.mark.parametrize("reply, kind, text", [
    (b"HTTP/1.1 400 Bad Request\r\n\r\n", "protocol", "not a Redis server"),
    (b"SSH-2.0-OpenSSH_9.2\r\n", "protocol", "not a Redis server"),
    (b"$10\r\nabc", "closed", "in the middle of a reply"),
    (b"", "closed", "closed the connection"),
    (b"*2\r\n:1\r\n$x\r\n", "protocol", "is not a number"),
])
def test_not_redis_or_cut_short(reply, kind, text):
    fake = OneShotServer(reply)
    conn, _attempts = resp.connect("127.0.0.1", fake.port, timeout=2)
    try:
        with pytest.raises(resp.RespError) as failed:
            conn.command("PING")
        assert failed.value.kind == kind and text in str(failed.value)
    finally:
        conn.close()


def test_a_server_that_never_answers_times_out():
    fake = OneShotServer(b"", close=False)
    conn, _attempts = resp.connect("127.0.0.1", fake.port, timeout=0.5)
    start = time.monotonic()
    try:
        with pytest.raises(resp.RespError) as silent:
            conn.command("PING")
        assert silent.value.kind == "timeout" and time.monotonic() - start < 2
    finally:
        fake.done.set()
        conn.close()


def test_tls_context_refuses_a_missing_ca_file(tmp_path):
    with pytest.raises(resp.RespError) as missing:
        resp.tls_context(ca_path=os.path.join(str(tmp_path), "none.pem"))
    assert missing.value.kind == "tls" and "none.pem" in str(missing.value)


# --- the module redis_endpoint_info, run the way Ansible runs it (ansible localhost -m ...) ------------------

ENDPOINT = "dualstack.redis.redis_endpoint_info"


@pytest.mark.parametrize("host, family", [("127.0.0.1", "ipv4"), ("::1", "ipv6")])
def test_module_reports_the_family_the_server_saw(server, run_adhoc, host, family):
    result = run_adhoc({"host": host, "port": server, "password": PASSWORD}, module=ENDPOINT)
    assert not result.get("failed"), result
    assert result["changed"] is False and result["cluster"] is False and "topology" not in result
    assert result["resolved"] == [{"address": host, "family": family}]
    assert result["connected"] == {"address": host, "port": server, "family": family}
    assert result["server_saw"]["address"] == host and result["server_saw"]["family"] == family
    assert PASSWORD not in str(result)


def test_module_takes_the_shared_login_aliases(server, run_adhoc):
    result = run_adhoc({"login_host": "::1", "port": server, "login_user": "app", "login_password": "apppass",
                        "connect_timeout": 3}, module=ENDPOINT)
    assert not result.get("failed"), result
    assert result["server_saw"]["family"] == "ipv6" and "apppass" not in str(result)


@pytest.mark.parametrize("args, kind, text", [
    ({"password": "wrong"}, "auth", "authentication as the default user failed at 127.0.0.1:"),
    ({"username": "app", "password": "nope"}, "auth", "authentication as user app failed"),
    ({}, "auth", "needs a password"),
    ({"password": PASSWORD, "cluster": True}, "not_cluster", "is not a cluster node"),
])
def test_module_failures_are_one_line(server, run_adhoc, args, kind, text):
    result = run_adhoc(dict({"host": "127.0.0.1", "port": server}, **args), module=ENDPOINT)
    assert result.get("failed") and result["kind"] == kind and text in result["msg"], result
    assert "\n" not in result["msg"] and "nope" not in str(result) and PASSWORD not in str(result)


def test_module_refused_port_and_bad_options(run_adhoc):
    port = free_port()
    refused = run_adhoc({"host": "127.0.0.1", "port": port}, module=ENDPOINT)
    assert refused.get("failed") and refused["kind"] == "refused" and "127.0.0.1:%d" % port in refused["msg"]
    bad = run_adhoc({"host": "127.0.0.1", "port": 0, "timeout": 0, "ca_path": "/x", "cluster": "maybe"}, module=ENDPOINT)
    assert bad.get("failed") and "cluster must be auto, true or false" in bad["msg"]
    # The shared connection options' messages (as cluster_ip_discovery's), under the old names as under the new.
    expected = "port must be between 1 and 65535, got 0; connect_timeout must be more than 0 to 3600 seconds, got 0.0; " \
               "ca_certs only apply with tls: true"
    bad = run_adhoc({"host": "127.0.0.1", "port": 0, "timeout": 0, "ca_path": "/x"}, module=ENDPOINT)
    assert bad.get("failed") and bad["msg"] == expected, bad
    bad = run_adhoc({"login_host": "127.0.0.1", "port": 0, "connect_timeout": 0, "ca_certs": "/x"}, module=ENDPOINT)
    assert bad.get("failed") and bad["msg"] == expected, bad


def test_module_reads_a_cluster_topology(on_ipv4, run_adhoc):
    port = on_ipv4.ports[0]
    result = run_adhoc({"host": "127.0.0.1", "port": port}, module=ENDPOINT)
    assert not result.get("failed"), result
    assert result["cluster"] is True and result["topology_command"] == "SHARDS"
    assert sorted(entry["port"] for entry in result["topology"]) == sorted(on_ipv4.ports)
    assert {entry["family"] for entry in result["topology"]} == {"ipv4"}
    assert result["server_saw"]["family"] == "ipv4"


def test_module_resolves_nodes_announced_by_name_in_this_hosts_order(on_ipv4, run_adhoc):
    """As a TLS cluster announcing host names: the family clients use is this host's resolver's first answer."""
    for port in on_ipv4.ports:
        on_ipv4.announce(port, "localhost", setting="cluster-announce-hostname")
        on_ipv4.announce(port, "hostname", setting="cluster-preferred-endpoint-type")
    expected = [{"address": sockaddr[0], "family": "ipv6" if family == socket.AF_INET6 else "ipv4"}
                for family, sockaddr in resp.resolve("localhost", on_ipv4.ports[0])]
    result = run_adhoc({"host": "127.0.0.1", "port": on_ipv4.ports[0]}, module=ENDPOINT)
    assert not result.get("failed"), result
    assert {entry["endpoint"] for entry in result["topology"]} == {"localhost"}
    assert {entry["family"] for entry in result["topology"]} == {"hostname"}
    assert all(entry["resolved"] == expected for entry in result["topology"]), (result["topology"], expected)
    assert all(entry["ip"] == "127.0.0.1" for entry in result["topology"])


# --- TLS: the cluster harness's own CA, certificate for localhost, 127.0.0.1 and ::1 -----------------------

def test_module_over_tls_with_the_clusters_ca(tls_cluster, run_adhoc):
    port = tls_cluster.ports[0]
    for host, ca in (("127.0.0.1", "ca_path"), ("::1", "ca_certs"), ("localhost", "ca_path")):  # (ca_path: the old name)
        result = run_adhoc({"host": host, "port": port, "tls": True, ca: tls_cluster.ca}, module=ENDPOINT)
        assert not result.get("failed"), result
        assert result["connected"]["address"] == result["resolved"][0]["address"] == result["server_saw"]["address"]
        assert result["cluster"] is True and len(result["topology"]) == 3


def test_module_over_mutual_tls(tls_cluster, run_adhoc):
    """A node that asks clients for a certificate (tls-auth-clients yes, set for this test): the module gives one with
    client_cert_file and client_key_file (the nodes' own certificate, which the cluster's CA signed)."""
    import redis

    port = tls_cluster.ports[0]
    tls_dir = os.path.dirname(tls_cluster.ca)
    cert, key = os.path.join(tls_dir, "server.crt"), os.path.join(tls_dir, "server.key")
    admin = redis.Redis(host="127.0.0.1", port=port, ssl=True, ssl_ca_certs=tls_cluster.ca, ssl_certfile=cert,
                        ssl_keyfile=key, socket_timeout=5, socket_connect_timeout=5)
    args = {"host": "127.0.0.1", "port": port, "tls": True, "ca_certs": tls_cluster.ca, "connect_timeout": 3}
    admin.config_set("tls-auth-clients", "yes")
    try:
        without = run_adhoc(args, module=ENDPOINT)
        assert without.get("failed") and without["kind"] in ("tls", "closed"), without
        mutual = run_adhoc(dict(args, client_cert_file=cert, client_key_file=key), module=ENDPOINT)
        assert not mutual.get("failed"), mutual
        assert mutual["server_saw"]["family"] == "ipv4" and mutual["cluster"] is True
    finally:
        admin.config_set("tls-auth-clients", "no")
        admin.close()


def test_module_tls_failures_say_what_to_do(tls_cluster, run_adhoc):
    port = tls_cluster.ports[0]
    unknown_ca = run_adhoc({"host": "127.0.0.1", "port": port, "tls": True}, module=ENDPOINT)
    assert unknown_ca.get("failed") and unknown_ca["kind"] == "tls" and "with ca_certs," in unknown_ca["msg"], unknown_ca
    unchecked = run_adhoc({"host": "127.0.0.1", "port": port, "tls": True, "validate_certs": False}, module=ENDPOINT)
    assert not unchecked.get("failed") and unchecked["server_saw"]["family"] == "ipv4", unchecked
    plain = run_adhoc({"host": "127.0.0.1", "port": port, "timeout": 2}, module=ENDPOINT)
    assert plain.get("failed") and "tls: true" in plain["msg"], plain


def test_module_tls_name_mismatch_and_unencodable_names(tls_cluster, run_adhoc):
    """The certificate names localhost, 127.0.0.1 and ::1: "127.1" (getaddrinfo reads it as 127.0.0.1, TLS checks it
    as a name) reaches the server but not a certificate for that name: kind tls."""
    port = tls_cluster.ports[0]
    other_name = run_adhoc({"host": "127.1", "port": port, "tls": True, "ca_path": tls_cluster.ca}, module=ENDPOINT)
    assert other_name.get("failed") and other_name["kind"] == "tls" and "127.0.0.1:%d" % port in other_name["msg"], other_name
    assert "not for this name" in other_name["msg"], other_name
    empty_label = run_adhoc({"host": "a..example", "port": port}, module=ENDPOINT)
    # refused by the collection's rule for host names before anything is resolved (issue 29)
    assert empty_label.get("failed") and "host 'a..example' has an empty label" in empty_label["msg"], empty_label
    assert "Traceback" not in str(empty_label), empty_label
