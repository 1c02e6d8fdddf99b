"""Which clients follow the host's preference: each client's real resolver against a real server (issue 28).

A name, ``dual.test``, has an IPv4 and an IPv6 address (127.0.0.1 and ::1, in /etc/hosts), and a redis-server
listens on both. The host prefers IPv4 or IPv6 by its gai.conf, written by the collection's own planner (what the
``gai_conf`` module writes for ``prefer: ipv4`` or ``ipv6``). Each probe connects by that name and prints what the
server saw (CLIENT INFO ``laddr``: the server address the client connected to, so the family it used). The host's
own /etc is not touched: each probe runs in a private mount namespace with an overlay on /etc that holds the test's
hosts and gai.conf, and everything that reads them (glibc, the JDK through glibc, Netty's and Go's own resolvers,
which read /etc/hosts themselves) sees that overlay.

The table these tests hold the clients to (roles/protocol_preference/README.md, "What each Redis client does with
the preference"):

============================  =====================================================================
client (resolver)             family for a name with both, on a host that prefers IPv4 / IPv6
============================  =====================================================================
redis-py (getaddrinfo)        follows the preference
ioredis 5.8.2+ (Node's lookup) follows the preference
ioredis up to 5.8.1           IPv4 / IPv4 (``family: 4``: A records only)
JVM, JDK resolver             IPv4 / IPv4; ``preferIPv6Addresses=system``: follows; ``=true``: IPv6
JVM, Netty's resolver         IPv4 / IPv4, also with ``=system`` (Netty reads it as false); ``=true``: IPv6
JVM, Jedis 4.1+ (shuffled)    either, per connection, whatever the preference
Go, cgo resolver              follows the preference
Go, pure-Go resolver          its own RFC 6724 table: the same family for both preferences (IPv6 here:
                              ::1 has precedence 50 in Go's table, IPv4 35)
============================  =====================================================================

Jedis and Lettuce themselves are not packaged here: the JVM probe (tests/lab/clients/Probe.java) resolves with the
JDK as Jedis 3.6 does, shuffles as Jedis 4.1+ does (its documented algorithm, written in the probe) and resolves
with Debian's Netty 4.1 DnsNameResolver, built as Lettuce builds it. ioredis runs at the pinned current release and
at 5.8.1, the last one with ``family: 4`` (tests/lab/clients/ioredis-5.8.1.lock).
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

from redis_cluster import plain_server
from test_client_probes import CLIENTS, IOREDIS, java

from ansible_collections.dualstack.redis.plugins.module_utils._gai_conf import plan
from ansible_collections.dualstack.redis.plugins.module_utils._policy_table import GLIBC_PRECEDENCE, wanted_rows

IOREDIS_5_8_1 = IOREDIS.replace(os.sep + "node_modules", "-5.8.1" + os.sep + "node_modules")
NAME = "dual.test"
FAMILY = {"127.0.0.1": "ipv4", "::1": "ipv6"}
NETTY_JARS = ["/usr/share/java/netty-%s.jar" % part
              for part in ("common", "buffer", "transport", "resolver", "resolver-dns", "codec", "codec-dns", "handler")]
GO_CACHE = os.path.join(os.environ.get("DUALSTACK_REDIS_CACHE", os.path.expanduser("~/.cache/dualstack-redis")), "go-build")


@pytest.fixture(scope="module", autouse=True)
def resolvers_installed():
    missing = [jar for jar in NETTY_JARS if not os.path.exists(jar)]
    missing += [tool for tool in ("go", "gcc", "unshare", "node") if not shutil.which(tool)]
    missing += [name for name, path in (("ioredis", IOREDIS), ("ioredis 5.8.1", IOREDIS_5_8_1))
                if not os.path.isdir(os.path.join(path, "ioredis"))]
    missing += [] if java() else ["OpenJDK 17"]
    if missing:
        pytest.fail("%s not installed: run tests/lab/lab.sh clients (make test does)" % ", ".join(missing), pytrace=False)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A redis-server listening on 127.0.0.1 and ::1: its port."""
    with plain_server(str(tmp_path_factory.mktemp("server")), bind=("127.0.0.1", "::1")) as port:
        yield port


@pytest.fixture(scope="module")
def go_probes(tmp_path_factory):
    """{'netgo': path, 'cgo': path}: tests/lab/clients/probe_go.go built with each resolver by Debian's Go."""
    out = tmp_path_factory.mktemp("go")
    built = {}
    for resolver, cgo, tag in (("netgo", "0", "netgo"), ("cgo", "1", "netcgo")):
        path = str(out / ("probe_go_" + resolver))
        env = dict(os.environ, CGO_ENABLED=cgo, GO111MODULE="off", GOCACHE=GO_CACHE, GOPATH=str(out / "gopath"))
        done = subprocess.run(["go", "build", "-tags", tag, "-ldflags", "-X main.resolver=" + resolver, "-o", path,
                               os.path.join(CLIENTS, "probe_go.go")], capture_output=True, text=True, env=env,
                              timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        built[resolver] = path
    return built


def gai_conf(prefer):
    """What the gai_conf module writes into an empty gai.conf for ``prefer``."""
    return plan("", wanted_rows(prefer, [], GLIBC_PRECEDENCE))[0]


def in_namespace(tmp_path, prefer, argv, hosts=("127.0.0.1", "::1"), node_path=IOREDIS):
    """Run ``argv`` where /etc/hosts gives NAME ``hosts`` (in that order) and /etc/gai.conf prefers ``prefer``.

    A private mount namespace with an overlay on /etc (root); the host's /etc is not changed. The finished process.
    """
    layer = tmp_path / ("etc-" + prefer)
    for part in ("upper", "work"):
        (layer / part).mkdir(parents=True, exist_ok=True)
    (layer / "gai.conf").write_text(gai_conf(prefer))
    (layer / "hosts").write_text("".join("%s %s\n" % (address, NAME) for address in hosts))
    script = ('mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/upper,workdir=$1/work" /etc'
              ' && cat "$1/hosts" >>/etc/hosts && cp "$1/gai.conf" /etc/gai.conf && shift && exec "$@"')
    env = dict(os.environ, NODE_PATH=node_path)
    env.pop("JAVA_TOOL_OPTIONS", None)
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", str(layer)]
                          + list(argv), capture_output=True, text=True, timeout=120, env=env, check=False)


def families(tmp_path, prefer, argv, **kwargs):
    """The family of each connection the probe made (as the server saw it)."""
    done = in_namespace(tmp_path, prefer, argv, **kwargs)
    assert done.returncode == 0, (argv, done.stdout, done.stderr)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen and all(entry["port"] == int(argv[argv.index(NAME) + 1]) for entry in seen)
    return [FAMILY[entry["laddr"].rsplit(":", 1)[0].strip("[]")] for entry in seen]


def jvm(server, *extra, properties=()):
    return [java()] + list(properties) + ["-cp", ":".join(NETTY_JARS), os.path.join(CLIENTS, "Probe.java"),
                                          NAME, str(server)] + list(extra)


PREFERENCES = ["ipv4", "ipv6"]


@pytest.mark.parametrize("prefer", PREFERENCES)
def test_glibc_itself_puts_the_preferred_family_first(tmp_path, prefer):
    """The oracle the rest depends on: with this gai.conf, glibc's getaddrinfo gives the preferred family first, and
    with the hosts file's order reversed too (the order comes from gai.conf, not from the file)."""
    for hosts in (("127.0.0.1", "::1"), ("::1", "127.0.0.1")):
        done = in_namespace(tmp_path, prefer, ["getent", "ahosts", NAME], hosts=hosts)
        assert done.returncode == 0, done.stderr
        assert FAMILY[done.stdout.split()[0]] == prefer, (hosts, done.stdout)


@pytest.mark.parametrize("prefer", PREFERENCES)
def test_redis_py_follows_the_preference(tmp_path, server, prefer):
    assert families(tmp_path, prefer, [sys.executable, os.path.join(CLIENTS, "probe_redis_py.py"), NAME, str(server)]) == [prefer]


@pytest.mark.parametrize("prefer", PREFERENCES)
def test_ioredis_current_follows_the_preference(tmp_path, server, prefer):
    """ioredis 5.8.2 and later (the pinned one) look names up with family 0: Node keeps getaddrinfo's order."""
    assert families(tmp_path, prefer, ["node", os.path.join(CLIENTS, "probe_ioredis.js"), NAME, str(server)]) == [prefer]


def test_ioredis_up_to_5_8_1_stays_on_ipv4(tmp_path, server):
    """ioredis 5.8.1 looks names up with ``family: 4``: IPv4 whatever the host prefers."""
    argv = ["node", os.path.join(CLIENTS, "probe_ioredis.js"), NAME, str(server)]
    version = in_namespace(tmp_path, "ipv4", ["node", "-p", "require('ioredis/package.json').version"], node_path=IOREDIS_5_8_1)
    assert version.stdout.strip() == "5.8.1", version
    seen = {prefer: families(tmp_path, prefer, argv, node_path=IOREDIS_5_8_1) for prefer in PREFERENCES}
    assert seen == {"ipv4": ["ipv4"], "ipv6": ["ipv4"]}


@pytest.mark.parametrize("prefer", PREFERENCES)
def test_go_with_cgo_follows_the_preference(tmp_path, server, go_probes, prefer):
    assert families(tmp_path, prefer, [go_probes["cgo"], NAME, str(server)]) == [prefer]


def test_go_with_its_own_resolver_ignores_the_preference(tmp_path, server, go_probes):
    """The pure-Go resolver sorts with Go's own RFC 6724 table: the same family whatever gai.conf says."""
    seen = {prefer: families(tmp_path, prefer, [go_probes["netgo"], NAME, str(server)]) for prefer in PREFERENCES}
    assert seen == {"ipv4": ["ipv6"], "ipv6": ["ipv6"]}


# (JVM properties, resolver) -> family per host preference
JVM_TABLE = [
    ((), "jdk", {"ipv4": "ipv4", "ipv6": "ipv4"}),
    (("-Djava.net.preferIPv6Addresses=false",), "jdk", {"ipv4": "ipv4", "ipv6": "ipv4"}),
    (("-Djava.net.preferIPv6Addresses=system",), "jdk", {"ipv4": "ipv4", "ipv6": "ipv6"}),
    (("-Djava.net.preferIPv6Addresses=true",), "jdk", {"ipv4": "ipv6", "ipv6": "ipv6"}),
    ((), "netty", {"ipv4": "ipv4", "ipv6": "ipv4"}),
    # what the protocol_preference role's "system" gives a Lettuce application: IPv4 on a host that prefers IPv6
    (("-Djava.net.preferIPv6Addresses=system",), "netty", {"ipv4": "ipv4", "ipv6": "ipv4"}),
    (("-Djava.net.preferIPv6Addresses=true",), "netty", {"ipv4": "ipv6", "ipv6": "ipv6"}),
]


@pytest.mark.parametrize("properties,resolver,expected", JVM_TABLE,
                         ids=["%s-%s" % (row[1], (row[0][0].split("=")[1] if row[0] else "unset")) for row in JVM_TABLE])
def test_jvm_resolvers(tmp_path, server, properties, resolver, expected):
    seen = {prefer: families(tmp_path, prefer, jvm(server, "--resolver", resolver, properties=properties))
            for prefer in PREFERENCES}
    assert seen == {prefer: [family] for prefer, family in expected.items()}


@pytest.mark.parametrize("prefer", PREFERENCES)
def test_jedis_shuffle_uses_both_families_whatever_the_preference(tmp_path, server, prefer):
    """Jedis 4.1+ shuffles every address: over 24 connections both families (all one family: 2 in 2**24)."""
    seen = families(tmp_path, prefer, jvm(server, "--resolver", "shuffle", "--repeat", "24",
                                          properties=("-Djava.net.preferIPv6Addresses=system",)))
    assert len(seen) == 24 and set(seen) == {"ipv4", "ipv6"}, seen
