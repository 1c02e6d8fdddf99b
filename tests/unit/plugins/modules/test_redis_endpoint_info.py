"""redis_endpoint_info in-process: its options (the shared Redis connection options, its old names as aliases), the
checks before it resolves or connects, and what the options become at the connection (the connection itself is
faked; the real-server tests are in tests/cluster/test_resp_client.py)."""

import datetime
import socket
import ssl
import threading
import time

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.dualstack.redis.plugins.doc_fragments._redis import ModuleDocFragment
from ansible_collections.dualstack.redis.plugins.module_utils import _endpoint_info as endpoint
from ansible_collections.dualstack.redis.plugins.module_utils import _redis as rd
from ansible_collections.dualstack.redis.plugins.module_utils import _resp as resp
from ansible_collections.dualstack.redis.plugins.modules import redis_endpoint_info

# What the argument spec and the documentation must agree on (validate-modules checks it too).
KEYS = ("type", "required", "default", "aliases", "choices", "elements")


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("the module resolved or connected although its options were wrong")
    monkeypatch.setattr(resp, "resolve", refuse)
    monkeypatch.setattr(resp, "connect", refuse)


# --- the options -------------------------------------------------------------------------------------------------

def test_spec_is_the_shared_one_with_the_old_names_as_aliases():
    spec = endpoint.argument_spec()
    shared = rd.redis_argument_spec()
    assert sorted(spec) == sorted(list(shared) + ["cluster"])
    old_names = {"ca_certs": ["ca_path"], "connect_timeout": ["timeout"]}
    for name, option in shared.items():
        if name in old_names:
            option = dict(option, aliases=option.get("aliases", []) + old_names[name])
        assert spec[name] == option, name
    assert spec["password"]["no_log"] is True and spec["cluster"] == dict(type="raw", default="auto")
    # The module's copy took the aliases, not the shared spec (cluster_ip_discovery has its own ``timeout``).
    assert "aliases" not in rd.redis_argument_spec()["connect_timeout"]
    assert "aliases" not in rd.redis_argument_spec()["ca_certs"]


def test_spec_and_documentation_agree():
    """As ansible-doc merges them: the fragment's options, each replaced by the module's own entry of that name."""
    documented = dict(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"])
    module_doc = yaml.safe_load(redis_endpoint_info.DOCUMENTATION)
    assert "dualstack.redis._redis" in module_doc["extends_documentation_fragment"]
    documented.update(module_doc["options"])
    spec = endpoint.argument_spec()
    assert sorted(documented) == sorted(spec)
    for name, option in spec.items():
        as_spec = {key: option[key] for key in KEYS if option.get(key) not in (None, False)}
        as_doc = {key: documented[name][key] for key in KEYS if documented[name].get(key) not in (None, False)}
        assert as_spec == as_doc, name


def test_the_fragment_is_options_only_and_redis_py_is_cluster_ip_discovery_s_requirement():
    """The module speaks RESP itself: the shared fragment has the options only, and cluster_ip_discovery, which
    connects with redis-py, states that requirement in its own documentation."""
    from ansible_collections.dualstack.redis.plugins.modules import cluster_ip_discovery

    assert list(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)) == ["options"]
    assert "redis-py" not in " ".join(yaml.safe_load(redis_endpoint_info.DOCUMENTATION).get("requirements", []))
    assert "redis-py" in " ".join(yaml.safe_load(cluster_ip_discovery.DOCUMENTATION)["requirements"])


# --- the checks before any network -------------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    ({"host": "", "port": 6379}, "host must be a host name or an address"),
    ({"host": "a b", "port": 6379}, "host must be a host name or an address"),
    ({"host": "r.example.com\n", "port": 6379}, "host must be a host name or an address"),
    ({"login_host": "a b"}, "host must be a host name or an address"),
    ({"host": "r.example.com", "port": 70000}, "port must be between 1 and 65535, got 70000"),
    ({"host": "r.example.com", "timeout": 3601}, "connect_timeout must be more than 0 to 3600 seconds, got 3601"),
    ({"host": "r.example.com", "timeout": 0}, "connect_timeout must be more than 0 to 3600 seconds, got 0"),
    ({"host": "r.example.com", "connect_timeout": -1}, "connect_timeout must be more than 0 to 3600 seconds, got -1"),
    ({"host": "r.example.com", "username": "app"}, "username needs password"),
    ({"host": "r.example.com", "login_user": "app"}, "username needs password"),
    ({"host": "r.example.com", "ca_path": "/etc/ca.pem"}, "ca_certs only apply with tls: true"),
    ({"host": "r.example.com", "ca_certs": "/etc/ca.pem", "client_cert_file": "/c.pem", "client_key_file": "/k.pem"},
     "ca_certs, client_cert_file, client_key_file only apply with tls: true"),
    ({"host": "r.example.com", "tls": True, "client_cert_file": "/c.pem"}, "client_cert_file and client_key_file go together"),
    ({"host": "r.example.com", "tls": True, "client_key_file": "/k.pem"}, "client_cert_file and client_key_file go together"),
    ({"host": "r.example.com", "cluster": "sometimes"}, "cluster must be auto, true or false, got 'sometimes'"),
])
def test_bad_options_fail_before_any_network(no_network, run_in_process, args, message):
    failed, result = run_in_process(redis_endpoint_info, args)
    assert failed and message in result["msg"], result


@pytest.mark.parametrize("args", [
    {"port": 0},
    {"timeout": 0},
    {"connect_timeout": 3600.5},
    {"ca_path": "/etc/ca.pem"},
    {"tls": True, "client_cert_file": "/c.pem"},
    {"port": 65536, "timeout": 0, "ca_certs": "/x", "client_key_file": "/k.pem"},
])
def test_connection_problems_are_the_shared_ones(no_network, run_in_process, args):
    """Word for word what every Redis module of the collection says (cluster_ip_discovery too)."""
    args = dict(args, host="r.example.com")
    shared = rd.connection_problems(ArgumentSpecValidator(endpoint.argument_spec()).validate(args).validated_parameters)
    assert shared
    failed, result = run_in_process(redis_endpoint_info, args)
    assert failed and result["msg"] == "; ".join(shared), result


def test_several_problems_are_reported_together(no_network, run_in_process):
    failed, result = run_in_process(redis_endpoint_info, {"host": "r.example.com", "port": 0, "username": "app"})
    assert failed and "port must be between 1 and 65535, got 0" in result["msg"] and "username needs password" in result["msg"]


# --- what the options become at the connection -------------------------------------------------------------------

def make_certificate(directory, name):
    """A self-signed certificate and its key (PEM files), good as a CA file and as a client certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / (name + ".crt"), directory / (name + ".key")
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


class FakeConnection:
    """What resp.connect() returns, answering as a Redis 7 server outside cluster mode."""

    def __init__(self, host, port):
        self.address, self.port, self.family = host, port, "ipv4"
        self.commands = []

    def command(self, *args):
        self.commands.append(args)
        if args[0] == "AUTH":
            return b"OK"
        if args == ("CLIENT", "INFO"):
            return b"id=3 addr=127.0.0.1:50112 laddr=127.0.0.1:%d fd=8 name= db=0\n" % self.port
        if args == ("INFO", "cluster"):
            return b"# Cluster\r\ncluster_enabled:0\r\n"
        raise AssertionError("unexpected command %r" % (args,))

    def close(self):
        pass


@pytest.fixture
def fake_server(monkeypatch):
    """Records what the module connects with: the shared kwargs, then what resp.connect() was given."""
    seen = dict(kwargs=[], connect=[], cert_chains=[])
    shared_kwargs = rd.redis_connect_kwargs

    def spy_kwargs(params):
        kwargs = shared_kwargs(params)
        seen["kwargs"].append(kwargs)
        return kwargs

    def fake_connect(host, port, timeout, tls=None):
        conn = FakeConnection("127.0.0.1", port)
        seen["connect"].append(dict(host=host, port=port, timeout=timeout, tls=tls, conn=conn))
        return conn, []

    load_cert_chain = ssl.SSLContext.load_cert_chain

    def spy_cert_chain(context, certfile, keyfile=None, password=None):
        seen["cert_chains"].append((certfile, keyfile))
        return load_cert_chain(context, certfile, keyfile, password)

    monkeypatch.setattr(rd, "redis_connect_kwargs", spy_kwargs)
    monkeypatch.setattr(resp, "resolve", lambda host, port: [(socket.AF_INET, ("127.0.0.1", port))])
    monkeypatch.setattr(resp, "connect", fake_connect)
    monkeypatch.setattr(ssl.SSLContext, "load_cert_chain", spy_cert_chain)
    return seen


@pytest.mark.parametrize("names", ["old", "shared"])
def test_old_and_shared_names_reach_the_connection_alike(fake_server, run_in_process, tmp_path, names):
    ca, _ca_key = make_certificate(tmp_path, "ca")
    args = {
        "old": {"host": "r.example.com", "port": 6380, "tls": True, "ca_path": ca, "timeout": 2.5,
                "username": "app", "password": "s3cret"},
        "shared": {"login_host": "r.example.com", "port": 6380, "tls": True, "ca_certs": ca, "connect_timeout": 2.5,
                   "login_user": "app", "login_password": "s3cret"},
    }[names]
    failed, result = run_in_process(redis_endpoint_info, args)
    assert not failed, result
    assert fake_server["kwargs"] == [dict(
        host="r.example.com", port=6380, username="app", password="s3cret", socket_connect_timeout=2.5,
        socket_timeout=2.5, ssl=True, ssl_cert_reqs="required", ssl_check_hostname=True, ssl_ca_certs=ca,
        ssl_certfile=None, ssl_keyfile=None)]
    (call,) = fake_server["connect"]
    assert (call["host"], call["port"], call["timeout"]) == ("r.example.com", 6380, 2.5)
    context = call["tls"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname is True
    # (loaded besides the system's, as ssl.create_default_context() and redis-py do)
    assert ((("commonName", "ca"),),) in [entry["subject"] for entry in context.get_ca_certs()]
    assert fake_server["cert_chains"] == []
    assert call["conn"].commands[0] == ("AUTH", "app", "s3cret")
    assert result["connected"] == {"address": "127.0.0.1", "port": 6380, "family": "ipv4"}
    assert result["server_saw"]["address"] == "127.0.0.1" and result["cluster"] is False
    assert "s3cret" not in str(result)


def test_client_certificate_and_unchecked_server(fake_server, run_in_process, tmp_path):
    cert, key = make_certificate(tmp_path, "client")
    failed, result = run_in_process(redis_endpoint_info, {
        "host": "r.example.com", "tls": True, "validate_certs": False, "client_cert_file": cert, "client_key_file": key})
    assert not failed, result
    kwargs = fake_server["kwargs"][0]
    assert (kwargs["ssl_certfile"], kwargs["ssl_keyfile"], kwargs["ssl_ca_certs"]) == (cert, key, None)
    assert kwargs["ssl_cert_reqs"] == "none" and kwargs["ssl_check_hostname"] is False
    assert (kwargs["socket_connect_timeout"], kwargs["socket_timeout"]) == (5.0, 5.0)
    assert (kwargs["username"], kwargs["password"]) == (None, None)
    assert fake_server["cert_chains"] == [(cert, key)]
    (call,) = fake_server["connect"]
    assert call["tls"].verify_mode == ssl.CERT_NONE and call["tls"].check_hostname is False
    assert call["timeout"] == 5.0
    assert not any(command[0] == "AUTH" for command in call["conn"].commands)


def test_no_tls_no_context(fake_server, run_in_process):
    failed, result = run_in_process(redis_endpoint_info, {"host": "r.example.com", "password": "pw"})
    assert not failed, result
    (call,) = fake_server["connect"]
    assert call["tls"] is None and call["port"] == 6379 and call["conn"].commands[0] == ("AUTH", "pw")
    assert fake_server["kwargs"][0]["password"] == "pw" and "ssl" not in fake_server["kwargs"][0]


def test_a_client_key_that_does_not_fit_is_a_tls_error_before_connecting(fake_server, run_in_process, tmp_path):
    cert, _key = make_certificate(tmp_path, "client")
    _other_cert, other_key = make_certificate(tmp_path, "other")
    failed, result = run_in_process(redis_endpoint_info, {
        "host": "r.example.com", "tls": True, "client_cert_file": cert, "client_key_file": other_key})
    assert failed and result["kind"] == "tls", result
    assert result["msg"].startswith("cannot load the client certificate %s with the key %s: " % (cert, other_key)), result
    assert fake_server["connect"] == []


# --- issue 29: the names of the topology are resolved within connect_timeout, all together ----------------------

class FakeClusterConnection(FakeConnection):
    """A cluster node whose CLUSTER SLOTS announces ten masters by hostname (Redis 7's hostname endpoints)."""

    def command(self, *args):
        self.commands.append(args)
        if args == ("INFO", "cluster"):
            return b"# Cluster\r\ncluster_enabled:1\r\n"
        if args == ("CLUSTER", "SHARDS"):
            raise resp.ReplyError("ERR unknown subcommand 'SHARDS'")
        if args == ("CLUSTER", "SLOTS"):
            return [[index * 1000, index * 1000 + 999, [b"node%d.cache.test" % index, 6379, b"%040d" % index]]
                    for index in range(10)]
        return FakeConnection.command(self, *args)


def test_names_a_resolver_never_answers_take_connect_timeout_in_all(monkeypatch, run_in_process):
    """Ten nodes announced by name, a resolver that never answers for them: the module ends within its timeout
    (1 s) plus a margin, not after ten lookups one after another (13 s with a 1.3 s resolver before the fix), and
    names each unresolved node; the seed, by address, resolves at once."""
    released = threading.Event()

    def resolve(host, port):
        if host == "127.0.0.1":
            return [(socket.AF_INET, ("127.0.0.1", port))]
        released.wait(60)  # a black hole: getaddrinfo's own timeout is the resolver's (5 s x 2 tries by default)
        return []

    monkeypatch.setattr(resp, "resolve", resolve)
    monkeypatch.setattr(resp, "connect", lambda host, port, timeout, tls=None: (FakeClusterConnection("127.0.0.1", port), []))
    started = time.monotonic()
    try:
        failed, result = run_in_process(redis_endpoint_info, {"host": "127.0.0.1", "port": 6379, "timeout": 1})
    finally:
        took = time.monotonic() - started
        released.set()  # the lookups left behind end now
    assert not failed, result
    assert took < 3, took
    assert len(result["topology"]) == 10 and all(
        entry["resolved"] == [] and entry["resolve_error"] == "cannot resolve %s: no answer within 1.0 s" % entry["endpoint"]
        for entry in result["topology"]), result["topology"]


def test_names_that_resolve_are_resolved_all_together(monkeypatch):
    """The lookups run at once (a 0.3 s resolver, 10 names: about 0.3 s, not 3 s) and each keeps its own answer."""
    def resolve(host, port):
        time.sleep(0.3)
        number = int(host[4:].split(".")[0])
        return [(socket.AF_INET6, ("fd00::%d" % number, port, 0, 0)), (socket.AF_INET, ("10.0.0.%d" % number, port))]

    monkeypatch.setattr(resp, "resolve", resolve)
    nodes = [dict(id="%040d" % n, role="master", endpoint="node%d.cache.test" % n, port=6379, ip=None, hostname=None)
             for n in range(10)]
    started = time.monotonic()
    entries = endpoint._entries(nodes, 5)
    assert time.monotonic() - started < 2
    assert [entry["resolved"] for entry in entries] == [
        [dict(address="fd00::%d" % n, family="ipv6"), dict(address="10.0.0.%d" % n, family="ipv4")] for n in range(10)]
