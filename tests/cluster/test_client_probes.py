"""The real clients of the client_view lab (tests/lab/clients), against a real Redis Cluster on loopback.

Each probe is a real client: redis-py (this venv's), ioredis (Node.js, pinned in tests/lab/clients/ioredis.lock,
fetched by tests/lab/lab.sh clients) and the JVM's own sockets (Probe.java). Each prints, per node it talked
to, what the server saw: CLIENT INFO's ``laddr`` (the server address the client connected to, so the family it
used) and ``addr``, and the client name it set, which proves the entry is that probe's own connection. Here they
are checked against the cluster's own ports, over plain TCP with addresses announced and over TLS (the cluster's
own CA, host name verification) with the hostname ``localhost`` announced; and a CA that did not sign the servers'
certificates must be a one-line error from each. Which family each picks for a name with both is the client_view
lab's part (its own DNS server): on loopback the host's ``localhost`` may resolve to one family only.
"""

import json
import os
import shutil
import socket
import subprocess
import sys

import pytest

from lab_ca import make_certificates
from redis_cluster import wait_for

CLIENTS = os.path.join(os.path.dirname(__file__), "..", "lab", "clients")
IOREDIS = os.path.join(os.environ.get("IOREDIS_DIR", "/var/cache/dualstack-lab/ioredis"), "node_modules")


def java():
    for path in sorted(os.listdir("/usr/lib/jvm")) if os.path.isdir("/usr/lib/jvm") else []:
        candidate = os.path.join("/usr/lib/jvm", path, "bin", "java")
        if path.startswith("java-17-openjdk") and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module", autouse=True)
def clients_installed():
    missing = []
    if not shutil.which("node") or not os.path.isdir(os.path.join(IOREDIS, "ioredis")):
        missing.append("Node.js with ioredis")
    if not java():
        missing.append("OpenJDK 17")
    if missing:
        pytest.fail("%s not installed: run tests/lab/lab.sh clients (make test does)" % " and ".join(missing), pytrace=False)


def run_probe(kind, *args):
    """Run one probe with ``args``; the finished process."""
    argv = {"redis-py": [sys.executable, os.path.join(CLIENTS, "probe_redis_py.py")],
            "ioredis": ["node", os.path.join(CLIENTS, "probe_ioredis.js")],
            "jvm": [java(), os.path.join(CLIENTS, "Probe.java")]}[kind]
    env = dict(os.environ, NODE_PATH=IOREDIS)
    env.pop("JAVA_TOOL_OPTIONS", None)
    return subprocess.run(argv + list(args), capture_output=True, text=True, timeout=90, env=env, check=False)


def probe(kind, host, port, *extra):
    done = run_probe(kind, host, str(port), "--name", "probe-" + kind, *extra)
    assert done.returncode == 0, (kind, done.stdout, done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def split(hostport):
    host, port = hostport.rsplit(":", 1)
    return host.strip("[]"), int(port)


KINDS = ["redis-py", "ioredis", "jvm"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_client_reaches_every_master_and_reports_the_servers_view(cluster, kind):
    seen = probe(kind, "127.0.0.1", cluster.ports[0], "--cluster")
    assert sorted(entry["port"] for entry in seen) == sorted(cluster.ports)
    for entry in seen:
        assert entry["name"] == "probe-" + kind  # the probe's own connection, as the server saw it
        assert split(entry["laddr"]) == ("127.0.0.1", entry["port"])
        assert split(entry["addr"])[0] == "127.0.0.1"


@pytest.mark.parametrize("engine", ["valkey"], indirect=True)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("family", ["ipv4", "ipv6"])
def test_on_a_per_family_valkey_each_client_stays_on_the_family_it_came_over(cluster, kind, family):
    """Valkey 8's cluster-announce-client-ipv4/ipv6: a real client that bootstraps over one family is given that
    family's addresses and reaches every master over it; what cluster_ip_discovery reports as ``clients_get``."""
    address = {"ipv4": "127.0.0.1", "ipv6": "::1"}[family]
    cluster.announce_per_family()
    try:
        wait_for(lambda: all(set(cluster.announced_over(p, f).values()) == {a} for p in cluster.ports
                             for f, a in (("ipv4", "127.0.0.1"), ("ipv6", "::1"))), 15, "per-family answers from every node")
        seen = probe(kind, address, cluster.ports[0], "--cluster")
    finally:
        cluster.clear_per_family()
    assert sorted(entry["port"] for entry in seen) == sorted(cluster.ports)
    for entry in seen:
        assert entry["name"] == "probe-" + kind
        assert split(entry["laddr"]) == (address, entry["port"]), entry  # every node over the family it came over
        assert split(entry["addr"])[0] == address


@pytest.fixture(scope="module")
def tls_by_hostname(tls_cluster):
    """The TLS cluster announcing the hostname localhost (in its certificate) as every node's endpoint."""
    for port in tls_cluster.ports:
        tls_cluster.announce(port, "localhost", setting="cluster-announce-hostname")
        tls_cluster.announce(port, "hostname", setting="cluster-preferred-endpoint-type")

    def by_hostname():
        with tls_cluster.client(tls_cluster.ports[0]) as client:
            slots = client.execute_command("CLUSTER", "SLOTS")
        return all(row[2][0] == "localhost" for row in slots)

    wait_for(by_hostname, 15, "CLUSTER SLOTS to give localhost for every master")
    return tls_cluster


@pytest.mark.parametrize("kind", KINDS)
def test_over_tls_each_client_resolves_the_announced_hostname_its_own_way(tls_by_hostname, kind):
    cluster = tls_by_hostname
    seen = probe(kind, "localhost", cluster.ports[0], "--cluster", "--ca", cluster.ca)
    assert sorted(entry["port"] for entry in seen) == sorted(cluster.ports)
    resolved = {info[4][0] for info in socket.getaddrinfo("localhost", cluster.ports[0], type=socket.SOCK_STREAM)}
    for entry in seen:
        assert entry["name"] == "probe-" + kind
        used, port = split(entry["laddr"])
        assert port == entry["port"] and used in resolved
        if kind == "redis-py":
            # Found here: redis-py's ClusterNode turns the name "localhost" (only that name) into an IPv4 address with
            # gethostbyname(), so its nodes are 127.0.0.1 whatever gai.conf says. The lab's own names are not touched.
            assert entry["endpoint"] == "127.0.0.1" and used == "127.0.0.1"
        else:
            assert entry["endpoint"] == "localhost"
        if kind == "jvm":  # java.net.preferIPv6Addresses unset: IPv4 first, whatever gai.conf says
            assert used == "127.0.0.1"


def test_a_wrong_ca_is_a_one_line_error_for_every_client(tls_by_hostname, tmp_path):
    other = tmp_path / "other-ca.crt"
    other_ca = make_certificates(str(tmp_path / "other"))
    shutil.copy(other_ca, other)
    for kind in KINDS:
        done = run_probe(kind, "localhost", str(tls_by_hostname.ports[0]), "--ca", str(other))
        assert done.returncode == 1 and done.stdout == "", (kind, done.stdout, done.stderr)
        assert done.stderr.strip().splitlines()[-1].startswith("probe_"), (kind, done.stderr)
