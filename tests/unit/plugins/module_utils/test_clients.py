"""_clients and runtime_resolver_info's search for them: which Redis client library a program runs and what it does
with the host's preference (the table of tests/cluster/test_client_resolvers.py, measured there with real resolvers),
and where the module finds the libraries (class paths, executable jars, node_modules, site-packages)."""

import json
import os
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.dualstack.redis.plugins.module_utils import _clients as cl
from ansible_collections.dualstack.redis.plugins.modules import runtime_resolver_info as rri


@pytest.mark.parametrize("name, expected", [
    ("lettuce-core-6.1.6.RELEASE.jar", ("lettuce-core", "6.1.6.RELEASE")),
    ("netty-resolver-dns-4.1.118.Final.jar", ("netty-resolver-dns", "4.1.118.Final")),
    ("netty-resolver-dns.jar", ("netty-resolver-dns", None)),  # Debian's unversioned link
    ("netty-resolver-dns-native-macos-4.1.48.Final.jar", ("netty-resolver-dns-native-macos", "4.1.48.Final")),
    ("jedis-4.3.1.jar", ("jedis", "4.3.1")),
    ("jedis-5.0.0-beta2.jar", ("jedis", "5.0.0-beta2")),
    ("/opt/app/lib/jedis-3.6.0.jar", ("jedis", "3.6.0")),
    ("spring-data-redis-3.2.0.jar", ("spring-data-redis", "3.2.0")),
    ("README.txt", None),
    ("-1.jar", None),
])
def test_jar_names(name, expected):
    assert cl.jar_artifact(name) == expected


@given(st.text(max_size=80))
def test_jar_names_never_raise(name):
    """Property: any file name is either a jar the rules can read or None, never an error."""
    parsed = cl.jar_artifact(name)
    assert parsed is None or (name.endswith(".jar") and parsed[0])


@given(st.lists(st.integers(0, 999), min_size=1, max_size=4), st.sampled_from(["", ".RELEASE", ".Final", "-beta2"]))
def test_jar_name_round_trip(numbers, suffix):
    """Property: artifact-VERSION.jar gives back the artifact and the version, and the version's numbers."""
    version = ".".join(str(n) for n in numbers) + suffix
    assert cl.jar_artifact("lettuce-core-%s.jar" % version) == ("lettuce-core", version)
    assert cl.version_key(version) == tuple(numbers)


def test_versions_compare_by_their_numbers():
    assert cl.at_least("4.1.0", (4, 1)) is True
    assert cl.at_least("4.0.9", (4, 1)) is False
    assert cl.at_least("5.8.1", (5, 8, 2)) is False
    assert cl.at_least("5.10.0", (5, 8, 2)) is True
    assert cl.at_least("v9.5.1", (9,)) is True
    assert cl.at_least(None, (1,)) is None
    assert cl.at_least("latest", (1,)) is None


@pytest.mark.parametrize("argv, env, expected", [
    (["java", "-cp", "a.jar:lib/*", "Main"], {}, (["a.jar", "lib/*"], None)),
    (["java", "-Dx=1", "-classpath", "a.jar", "-cp", "b.jar", "Main", "-cp", "c.jar"], {}, (["b.jar"], None)),
    (["java", "--class-path=x.jar::y.jar", "Main"], {}, (["x.jar", "y.jar"], None)),
    (["java", "Main"], {"CLASSPATH": "/opt/a.jar:/opt/lib/*"}, (["/opt/a.jar", "/opt/lib/*"], None)),
    (["java", "-cp", "a.jar", "-jar", "app.jar", "-cp", "z.jar"], {}, ([], "app.jar")),
    (["java", "-jar"], {}, ([], None)),
    (["java"], {}, ([], None)),
])
def test_java_class_paths(argv, env, expected):
    assert cl.java_classpath(argv, env) == expected


def test_executable_jars_carry_their_libraries():
    names = ["META-INF/MANIFEST.MF", "BOOT-INF/lib/lettuce-core-6.3.2.RELEASE.jar", "BOOT-INF/lib/netty-resolver-dns-4.1.107.Final.jar",
             "BOOT-INF/classes/app/Main.class", "WEB-INF/lib/jedis-4.4.3.jar", "lib/deep/nested/x.jar", "lib/jedis-3.6.0.jar"]
    assert cl.nested_jars(names) == ["lettuce-core-6.3.2.RELEASE.jar", "netty-resolver-dns-4.1.107.Final.jar",
                                     "jedis-4.4.3.jar", "jedis-3.6.0.jar"]


def test_manifest_class_path_with_continuation_lines_and_crlf():
    text = ("Manifest-Version: 1.0\r\nClass-Path: lib/lettuce-core-6.1.6.RELEASE.jar lib/netty-res\r\n olver-dns-4.1.65.F"
            "inal.jar\r\n  lib/jedis-3.6.0.jar\r\nMain-Class: app.Main\r\n")
    assert cl.manifest_class_path(text) == ["lib/lettuce-core-6.1.6.RELEASE.jar", "lib/netty-resolver-dns-4.1.65.Final.jar",
                                            "lib/jedis-3.6.0.jar"]
    assert cl.manifest_class_path("Manifest-Version: 1.0\n") == []


@given(st.text(max_size=300))
def test_manifests_never_raise(text):
    assert isinstance(cl.manifest_class_path(text), list)


NETTY = {"lettuce-core": "6.1.6.RELEASE", "netty-resolver-dns": "4.1.65.Final"}


@pytest.mark.parametrize("found, props, runtime_follows, expected", [
    # (library, resolver, follows, family): the rows of tests/cluster/test_client_resolvers.py
    (NETTY, {}, False, ("lettuce", "netty", False, "ipv4")),
    (NETTY, {"java.net.preferIPv6Addresses": "system"}, True, ("lettuce", "netty", False, "ipv4")),
    (NETTY, {"java.net.preferIPv6Addresses": "true"}, False, ("lettuce", "netty", False, "ipv6")),
    (NETTY, {"java.net.preferIPv6Addresses": "true", "java.net.preferIPv4Stack": "true"}, False, ("lettuce", "netty", False, "ipv4")),
    ({"lettuce-core": "6.1.6.RELEASE"}, {"java.net.preferIPv6Addresses": "system"}, True, ("lettuce", "jdk", True, None)),
    ({"lettuce-core": "6.1.6.RELEASE"}, {}, False, ("lettuce", "jdk", False, "ipv4")),
    ({"jedis": "3.6.0"}, {"java.net.preferIPv6Addresses": "system"}, True, ("jedis", "jdk", True, None)),
    ({"jedis": "3.6.0"}, {"java.net.preferIPv6Addresses": "true"}, False, ("jedis", "jdk", False, "ipv6")),
    ({"jedis": "4.0.1"}, {}, None, ("jedis", "jdk", None, None)),  # the JVM's own verdict unknown
    ({"jedis": "4.1.0"}, {"java.net.preferIPv6Addresses": "system"}, True, ("jedis", "jdk-shuffled", False, "random")),
    ({"jedis": "5.1.0"}, {"java.net.preferIPv4Stack": "true"}, False, ("jedis", "jdk-shuffled", False, "ipv4")),
    ({"jedis": None}, {}, True, ("jedis", "jdk", None, None)),
])
def test_java_client_rules(found, props, runtime_follows, expected):
    (client,) = cl.java_clients(found, props, runtime_follows)
    assert (client["library"], client["resolver"], client["follows_preference"], client["family"]) == expected
    assert client["why"]
    # a client that does not follow says what would make it (or that nothing per network does)
    assert client["fix"] or client["follows_preference"] is not False or client["family"] in ("ipv6", "ipv4")


def test_a_jvm_with_both_libraries_reports_both_and_one_without_none():
    both = cl.java_clients(dict(NETTY, jedis="4.3.1"), {}, False)
    assert [c["library"] for c in both] == ["lettuce", "jedis"]
    assert cl.java_clients({"spring-data-redis": "3.2.0"}, {}, True) == []


@pytest.mark.parametrize("version, runtime_follows, expected", [
    ("5.8.1", True, ("node-family-4", False, "ipv4")),
    ("4.28.5", True, ("node-family-4", False, "ipv4")),
    ("5.8.2", True, ("node", True, None)),
    ("5.11.1", False, ("node", False, None)),  # Node itself reorders (--dns-result-order=ipv4first)
    ("", True, ("node", None, None)),
])
def test_ioredis_rules(version, runtime_follows, expected):
    client = cl.ioredis_client(version or None, runtime_follows)
    assert (client["resolver"], client["follows_preference"], client["family"]) == expected


def test_go_redis_among_a_binarys_modules():
    deps = {"github.com/redis/go-redis/v9": "v9.5.1", "github.com/go-redis/redis/v8": "v8.11.5", "golang.org/x/net": "v0.1.0"}
    found = cl.go_clients(deps, False)
    assert [(c["library"], c["version"], c["follows_preference"]) for c in found] == [
        ("go-redis", "v8.11.5", False), ("go-redis", "v9.5.1", False)]
    assert cl.go_clients({"golang.org/x/net": "v0.1.0"}, True) == []


def test_one_line_per_client_says_the_verdict_and_the_fix():
    (client,) = cl.java_clients(NETTY, {"java.net.preferIPv6Addresses": "system"}, True)
    line = cl.summary("orders.service", client)
    assert line.startswith("orders.service: lettuce 6.1.6.RELEASE does NOT follow the host's preference: IPv4 first (")
    assert "To fix: no per-network rule reaches Netty's resolver: -Djava.net.preferIPv6Addresses=true" in line
    follows = cl.redis_py_client("5.0.1", True)
    assert cl.summary("pid:1", follows) == ("pid:1: redis-py 5.0.1 follows the host's preference (redis-py resolves with "
                                            "getaddrinfo() and tries each address in its order)")


# --- where the module finds them -------------------------------------------------------------------------------------

def jar(path, names=(), manifest="Manifest-Version: 1.0\r\n"):
    with zipfile.ZipFile(str(path), "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", manifest)
        for name in names:
            archive.writestr(name, b"")
    return str(path)


def test_jars_of_a_class_path_relative_to_the_working_directory(tmp_path):
    (tmp_path / "lib").mkdir()
    jar(tmp_path / "lib" / "lettuce-core-6.1.6.RELEASE.jar")
    jar(tmp_path / "lib" / "netty-resolver-dns-4.1.65.Final.jar")
    (tmp_path / "lib" / "notes.txt").write_text("x")
    argv = ["java", "-cp", "app.jar:lib/*:classes", "app.Main"]
    assert rri.java_jars(argv, {}, str(tmp_path)) == ["app.jar", "lettuce-core-6.1.6.RELEASE.jar", "netty-resolver-dns-4.1.65.Final.jar"]
    # relative entries need the working directory; absolute ones do not
    assert rri.java_jars(argv, {}, None) == []
    assert rri.java_jars(["java", "-cp", str(tmp_path / "lib") + "/*", "M"], {}, None) == [
        "lettuce-core-6.1.6.RELEASE.jar", "netty-resolver-dns-4.1.65.Final.jar"]


def test_jars_of_an_executable_jar(tmp_path):
    jar(tmp_path / "app.jar", ["BOOT-INF/lib/jedis-4.3.1.jar", "BOOT-INF/classes/App.class"],
        manifest="Manifest-Version: 1.0\r\nClass-Path: ext/lettuce-core-6.7.0.RELEASE.jar\r\n")
    expected = ["app.jar", "jedis-4.3.1.jar", "lettuce-core-6.7.0.RELEASE.jar"]
    assert rri.java_jars(["java", "-jar", "app.jar"], {}, str(tmp_path)) == expected
    (tmp_path / "broken.jar").write_bytes(b"PK\x03\x04 not really")
    assert rri.java_jars(["java", "-jar", str(tmp_path / "broken.jar")], {}, None) == ["broken.jar"]


def test_ioredis_found_up_the_tree_then_on_node_path(tmp_path):
    app = tmp_path / "srv" / "app"
    (app / "dist").mkdir(parents=True)
    (app / "dist" / "server.js").write_text("")
    package = tmp_path / "srv" / "node_modules" / "ioredis"
    package.mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": "ioredis", "version": "5.8.1"}))
    assert rri.ioredis_version("dist/server.js", str(app), {})[0] == "5.8.1"
    other = tmp_path / "global" / "ioredis"
    other.mkdir(parents=True)
    (other / "package.json").write_text(json.dumps({"version": "5.11.1"}))
    assert rri.ioredis_version(str(tmp_path / "x.js"), None, {"NODE_PATH": str(tmp_path / "global")})[0] == "5.11.1"
    assert rri.ioredis_version("x.js", None, {}) == (None, None)
    (package / "package.json").write_bytes(b"\xff\xfe not json")
    assert rri.ioredis_version(str(app / "dist" / "server.js"), None, {})[0] is None


@pytest.mark.parametrize("argv, script", [
    (["node", "server.js", "--port", "1"], "server.js"),
    (["node", "--dns-result-order", "ipv4first", "-r", "dotenv/config", "app.js"], "app.js"),
    (["node", "--max-old-space-size=512", "--", "app.js"], "app.js"),
    (["node", "-e", "1"], None),
    (["node"], None),
])
def test_the_script_a_node_command_line_runs(argv, script):
    assert rri.node_script(argv) == script


def test_redis_py_of_a_virtual_environment(tmp_path):
    venv = tmp_path / "venv"
    (venv / "lib" / "python3.11" / "site-packages" / "redis-5.0.1.dist-info").mkdir(parents=True)
    (venv / "bin").mkdir()
    os.symlink("/usr/bin/python3", str(venv / "bin" / "python"))
    assert rri.redis_py_version([str(venv / "bin" / "python")]) == "5.0.1"
    assert rri.redis_py_version([str(tmp_path / "elsewhere" / "bin" / "python3")]) is None


def test_redis_py_on_pythonpath_comes_before_the_interpreters_own(tmp_path):
    """PYTHONPATH's directories come first in sys.path (pip install --target puts the dist-info there); a relative
    entry counts against the process's working directory, and is skipped when that is unknown."""
    venv = tmp_path / "venv"
    (venv / "lib" / "python3.11" / "site-packages" / "redis-5.0.1.dist-info").mkdir(parents=True)
    (venv / "bin").mkdir()
    os.symlink("/usr/bin/python3", str(venv / "bin" / "python"))
    (tmp_path / "app" / "vendor" / "redis-4.1.2.dist-info").mkdir(parents=True)
    (tmp_path / "empty").mkdir()
    python = [str(venv / "bin" / "python")]
    assert rri.redis_py_version(python, [str(tmp_path / "empty"), str(tmp_path / "app" / "vendor")]) == "4.1.2"
    assert rri.redis_py_version(python, [str(tmp_path / "empty")]) == "5.0.1"
    argv = [str(venv / "bin" / "python"), "app.py"]
    entry = {"kind": "python", "follows_gai_conf": True}
    found = rri.client_libraries(entry, {}, argv, {"PYTHONPATH": "vendor:" + str(tmp_path / "empty")}, str(tmp_path / "app"))
    assert [(c["library"], c["version"]) for c in found] == [("redis-py", "4.1.2")]
    found = rri.client_libraries(entry, {}, argv, {"PYTHONPATH": "vendor"}, None)
    assert [(c["library"], c["version"]) for c in found] == [("redis-py", "5.0.1")]
