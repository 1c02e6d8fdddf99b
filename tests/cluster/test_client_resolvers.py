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
import zipfile

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


def namespaced(tmp_path, prefer, argv, hosts=("127.0.0.1", "::1"), node_path=IOREDIS):
    """(argv, env) that run ``argv`` where /etc/hosts gives NAME ``hosts`` (in that order) and /etc/gai.conf prefers
    ``prefer``: a private mount namespace with an overlay on /etc (root); the host's /etc is not changed. The process
    started is the probe itself (unshare and sh exec it)."""
    layer = tmp_path / ("etc-" + prefer)
    for part in ("upper", "work"):
        (layer / part).mkdir(parents=True, exist_ok=True)
    (layer / "gai.conf").write_text(gai_conf(prefer))
    (layer / "hosts").write_text("".join("%s %s\n" % (address, NAME) for address in hosts))
    script = ('mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/upper,workdir=$1/work" /etc'
              ' && cat "$1/hosts" >>/etc/hosts && cp "$1/gai.conf" /etc/gai.conf && shift && exec "$@"')
    env = dict(os.environ, NODE_PATH=node_path)
    env.pop("JAVA_TOOL_OPTIONS", None)
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", str(layer)] + list(argv), env


def in_namespace(tmp_path, prefer, argv, **kwargs):
    """``argv`` run as namespaced() says: the finished process."""
    full, env = namespaced(tmp_path, prefer, argv, **kwargs)
    return subprocess.run(full, capture_output=True, text=True, timeout=120, env=env, check=False)


def family(entry):
    """The family of the server address a probe's connection came to (CLIENT INFO's laddr)."""
    return FAMILY[entry["laddr"].rsplit(":", 1)[0].strip("[]")]


def families(tmp_path, prefer, argv, **kwargs):
    """The family of each connection the probe made (as the server saw it)."""
    done = in_namespace(tmp_path, prefer, argv, **kwargs)
    assert done.returncode == 0, (argv, done.stdout, done.stderr)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen and all(entry["port"] == int(argv[argv.index(NAME) + 1]) for entry in seen)
    return [family(entry) for entry in seen]


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
    assert seen == {prefer: [fixed] for prefer, fixed in expected.items()}


@pytest.mark.parametrize("prefer", PREFERENCES)
def test_jedis_shuffle_uses_both_families_whatever_the_preference(tmp_path, server, prefer):
    """Jedis 4.1+ shuffles every address: over 24 connections both families (all one family: 2 in 2**24)."""
    seen = families(tmp_path, prefer, jvm(server, "--resolver", "shuffle", "--repeat", "24",
                                          properties=("-Djava.net.preferIPv6Addresses=system",)))
    assert len(seen) == 24 and set(seen) == {"ipv4", "ipv6"}, seen


# --- runtime_resolver_info's verdict against what each probe did ------------------------------------------------------

def fake_jar(directory, name):
    """An empty jar named like a library's (its name is what the module reads): its path."""
    path = os.path.join(str(directory), name)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n")
    return path


def agreement_cases(server, go_probes, jars):
    """(case id, argv of a probe, NODE_PATH) for each client whose verdict the module gives."""
    netty = ":".join(NETTY_JARS)
    java_cp = {"lettuce": netty + ":" + jars["lettuce-core-6.1.6.RELEASE.jar"],
               "jedis-3.6": jars["jedis-3.6.0.jar"], "jedis-4.3": jars["jedis-4.3.1.jar"]}
    system, true = "-Djava.net.preferIPv6Addresses=system", "-Djava.net.preferIPv6Addresses=true"

    def java_probe(class_path, resolver, *props, repeat=1):
        return [java()] + list(props) + ["-cp", class_path, os.path.join(CLIENTS, "Probe.java"), NAME, str(server),
                                         "--resolver", resolver, "--repeat", str(repeat)]

    return {
        "lettuce-netty-system": (java_probe(java_cp["lettuce"], "netty", system), IOREDIS),
        "lettuce-netty-true": (java_probe(java_cp["lettuce"], "netty", true), IOREDIS),
        "jedis-3.6-system": (java_probe(java_cp["jedis-3.6"], "jdk", system), IOREDIS),
        "jedis-3.6-unset": (java_probe(java_cp["jedis-3.6"], "jdk"), IOREDIS),
        "jedis-4.3-shuffled": (java_probe(java_cp["jedis-4.3"], "shuffle", system, repeat=16), IOREDIS),
        "ioredis-5.11.1": (["node", os.path.join(CLIENTS, "probe_ioredis.js"), NAME, str(server)], IOREDIS),
        "ioredis-5.8.1": (["node", os.path.join(CLIENTS, "probe_ioredis.js"), NAME, str(server)], IOREDIS_5_8_1),
        "redis-py": ([sys.executable, os.path.join(CLIENTS, "probe_redis_py.py"), NAME, str(server)], IOREDIS),
        "go-netgo": ([go_probes["netgo"], NAME, str(server)], IOREDIS),
        "go-cgo": ([go_probes["cgo"], NAME, str(server)], IOREDIS),
    }


AGREEMENT = ["lettuce-netty-system", "lettuce-netty-true", "jedis-3.6-system", "jedis-3.6-unset", "jedis-4.3-shuffled",
             "ioredis-5.11.1", "ioredis-5.8.1", "redis-py", "go-netgo", "go-cgo"]
# What the module must name: (library, resolver) of its one client, or the runtime's kind when it names none (Go
# programs without go-redis: the runtime's own verdict is the client's).
NAMED = {"lettuce-netty-system": ("lettuce", "netty"), "lettuce-netty-true": ("lettuce", "netty"),
         "jedis-3.6-system": ("jedis", "jdk"), "jedis-3.6-unset": ("jedis", "jdk"),
         "jedis-4.3-shuffled": ("jedis", "jdk-shuffled"), "ioredis-5.11.1": ("ioredis", "node"),
         "ioredis-5.8.1": ("ioredis", "node-family-4"), "redis-py": ("redis-py", "getaddrinfo"),
         "go-netgo": "go", "go-cgo": "go"}


@pytest.fixture(scope="module")
def fake_jars(tmp_path_factory):
    directory = tmp_path_factory.mktemp("jars")
    return {name: fake_jar(directory, name)
            for name in ("lettuce-core-6.1.6.RELEASE.jar", "jedis-3.6.0.jar", "jedis-4.3.1.jar")}


@pytest.mark.parametrize("case", AGREEMENT)
def test_runtime_resolver_info_agrees_with_each_probe(tmp_path, server, go_probes, fake_jars, run_adhoc, case):
    """Each probe holds its connection while the module, finding it by the server's port, judges it: the family the
    probe used on a host that prefers IPv4 and on one that prefers IPv6 is the one the verdict says."""
    argv, node_path = agreement_cases(server, go_probes, fake_jars)[case]
    held, measured = {}, {}
    try:
        for prefer in PREFERENCES:
            full, env = namespaced(tmp_path, prefer, argv + ["--hold", "60"], node_path=node_path)
            proc = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            held[prefer] = proc
            line = proc.stdout.readline()  # printed once connected; the probe then holds its connections
            assert line, proc.stderr.read() if proc.poll() is not None else "no output"
            measured[prefer] = [family(entry) for entry in json.loads(line)]
        result = run_adhoc(dict(redis_ports=[server]), module="dualstack.redis.runtime_resolver_info")
    finally:
        for proc in held.values():
            proc.kill()
            proc.wait(timeout=10)
    assert not result.get("failed"), result
    by_pid = {entry["runtime"]: entry for entry in result["runtimes"]}
    for prefer, proc in held.items():
        entry = by_pid["pid:%d" % proc.pid]
        if isinstance(NAMED[case], str):
            assert entry["kind"] == NAMED[case] and entry["clients"] == [], entry
            verdict = dict(follows_preference=entry["follows_gai_conf"], family=None)
        else:
            assert [(c["library"], c["resolver"]) for c in entry["clients"]] == [NAMED[case]], entry
            verdict = entry["clients"][0]
            assert entry["summary"] and entry["summary"][0].startswith("pid:%d: " % proc.pid)
        seen = measured[prefer]
        if verdict["follows_preference"] is True:
            assert set(seen) == {prefer}, (case, prefer, seen, verdict)
        elif verdict["family"] == "random":
            assert set(seen) == {"ipv4", "ipv6"}, (case, prefer, seen, verdict)
        else:
            assert verdict["follows_preference"] is False, (case, verdict)
            fixed = verdict["family"] or {"go-netgo": "ipv6"}[case]  # Go's own table: ::1 above IPv4
            assert set(seen) == {fixed}, (case, prefer, seen, verdict)
