"""_runtimes and runtime_resolver_info: ELF and Go build information as the toolchains write them, the rules per
runtime, and this machine's real programs (podman is Go, python3 glibc, node and java real)."""

import os
import shutil
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.dualstack.redis.plugins.module_utils import _runtimes as rt
from ansible_collections.dualstack.redis.plugins.modules import runtime_resolver_info


def uvarint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def go_blob(version, settings):
    """Go 1.18+ build information: magic, pointer size, flags (2: inline strings), padding to 32, two strings."""
    info = "path\texample.com/app\n" + "".join("build\t%s=%s\n" % item for item in settings.items())
    head = rt.GO_MAGIC + bytes([8, 2]) + bytes(16)
    return head + uvarint(len(version)) + version.encode() + uvarint(len(info.encode())) + info.encode()


def elf(interp=None, go=None, klass=2, big=False):
    """A minimal ELF file: header, one program header (PT_INTERP when ``interp``), the name, and ``go`` 16-aligned."""
    end = ">" if big else "<"
    ident = rt.ELF_MAGIC + bytes([klass, 2 if big else 1, 1]) + bytes(9)
    if klass == 2:
        phoff, phentsize, ehsize = 64, 56, 64
        header = ident + struct.pack(end + "HHIQQQIHHHHHH", 2, 62, 1, 0, phoff, 0, 0, ehsize, phentsize, 1, 0, 0, 0)
    else:
        phoff, phentsize, ehsize = 52, 32, 52
        header = ident + struct.pack(end + "HHIIIIIHHHHHH", 2, 3, 1, 0, phoff, 0, 0, ehsize, phentsize, 1, 0, 0, 0)
    name = (interp.encode() + b"\0") if interp else b""
    at = phoff + phentsize
    ptype = rt.PT_INTERP if interp else 1  # PT_LOAD otherwise
    if klass == 2:
        ph = struct.pack(end + "IIQQQQQQ", ptype, 4, at, 0, 0, len(name), len(name), 1)
    else:
        ph = struct.pack(end + "IIIIIIII", ptype, at, 0, 0, len(name), len(name), 4, 1)
    data = header + ph + name
    if go is not None:
        data += bytes(-len(data) % 16) + go
    return data


@pytest.mark.parametrize("klass, big", [(2, False), (2, True), (1, False), (1, True)])
def test_elf_interpreter_in_every_class_and_byte_order(tmp_path, klass, big):
    path = tmp_path / "prog"
    path.write_bytes(elf("/lib/ld-musl-x86_64.so.1", klass=klass, big=big))
    info = rt.read_binary(str(path))
    assert info == {"elf": True, "interp": "/lib/ld-musl-x86_64.so.1", "go": None, "go_deps": {}, "shebang": None}
    path.write_bytes(elf(None, klass=klass, big=big))
    assert rt.read_binary(str(path))["interp"] == ""


@pytest.mark.parametrize("data", [b"", b"\x7fELF", b"#!", b"hello world\n" * 10, b"\x7fELF" + bytes([3, 1]) + bytes(60)])
def test_not_elf_or_broken_is_said(tmp_path, data):
    path = tmp_path / "f"
    path.write_bytes(data)
    try:
        info = rt.read_binary(str(path))
    except rt.BinaryError:
        return
    assert info["elf"] is False and info["interp"] is None


def test_truncated_program_headers_are_an_error(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(elf("/lib64/ld-linux-x86-64.so.2")[:70])
    with pytest.raises(rt.BinaryError):
        rt.read_binary(str(path))


@given(st.text(alphabet="go1.234567890rc", min_size=1, max_size=12),
       st.dictionaries(st.sampled_from(["CGO_ENABLED", "-tags", "GOOS", "-trimpath", "-ldflags"]),
                       st.text(alphabet="abcdefgh,=01 -", max_size=200), max_size=5))
def test_go_buildinfo_round_trip(version, settings):
    """Property: any version and build settings written the way Go 1.18+ writes them are read back."""
    assert rt.go_buildinfo(go_blob(version, settings)) == (version, settings)


def test_go_dependencies_and_their_replacements():
    blob = go_blob("go1.22.1", {"CGO_ENABLED": "0"})
    info = ("path\texample.com/app\nmod\texample.com/app\t(devel)\t\n"
            "dep\tgithub.com/redis/go-redis/v9\tv9.5.1\th1:abc=\n"
            "dep\tgithub.com/cespare/xxhash/v2\tv2.2.0\th1:x=\n"
            "dep\tgithub.com/go-redis/redis/v8\tv8.11.5\t\n=>\tgithub.com/fork/redis/v8\tv8.11.6\th1:y=\n"
            "build\tCGO_ENABLED=0\n")
    head = rt.GO_MAGIC + bytes([8, 2]) + bytes(16)
    blob = head + uvarint(len("go1.22.1")) + b"go1.22.1" + uvarint(len(info)) + info.encode()
    assert rt.go_dependencies(blob) == {"github.com/redis/go-redis/v9": "v9.5.1", "github.com/cespare/xxhash/v2": "v2.2.0",
                                        "github.com/go-redis/redis/v8": "v8.11.6"}
    assert rt.go_buildinfo(blob) == ("go1.22.1", {"CGO_ENABLED": "0"})
    assert rt.go_dependencies(go_blob("go1.19", {})) == {}
    assert rt.go_dependencies(rt.GO_MAGIC + bytes([8, 0]) + bytes(40)) == {}
    assert rt.go_dependencies(b"not it") == {}


def test_go_buildinfo_before_go_1_18_has_no_settings():
    assert rt.go_buildinfo(rt.GO_MAGIC + bytes([8, 0]) + bytes(40)) == (None, {})
    assert rt.go_buildinfo(b"not it") is None


def test_a_go_magic_that_is_not_aligned_is_not_taken(tmp_path):
    data = elf("/lib64/ld-linux-x86-64.so.2")
    data += bytes(-len(data) % 16 + 3) + rt.GO_MAGIC + bytes(40)  # a string in some data, not the section
    (tmp_path / "p").write_bytes(data)
    assert rt.read_binary(str(tmp_path / "p"))["go"] is None


GLIBC = "/lib64/ld-linux-x86-64.so.2"


@pytest.mark.parametrize("interp, settings, env, follows, fix_has", [
    ("", {"CGO_ENABLED": "0"}, {}, False, "rebuild it with cgo"),
    ("", {"CGO_ENABLED": "0"}, {"GODEBUG": "netdns=cgo"}, False, "rebuild it with cgo"),  # no cgo to use
    (GLIBC, {"CGO_ENABLED": "1"}, {}, False, "GODEBUG=netdns=cgo"),
    (GLIBC, {"CGO_ENABLED": "1"}, {"GODEBUG": "http2client=0,netdns=cgo+1"}, True, None),
    (GLIBC, {"CGO_ENABLED": "1", "-tags": "netcgo"}, {}, True, None),
    (GLIBC, {"CGO_ENABLED": "1", "-tags": "netcgo"}, {"GODEBUG": "netdns=go"}, False, "remove netdns=go"),
    (GLIBC, {"CGO_ENABLED": "1", "-tags": "netgo"}, {"GODEBUG": "netdns=cgo"}, False, "rebuild"),
    (GLIBC, {"CGO_ENABLED": "1"}, {"LOCALDOMAIN": ""}, True, None),
    (GLIBC, {"CGO_ENABLED": "1"}, {"RES_OPTIONS": ""}, False, "GODEBUG=netdns=cgo"),  # empty does not count
    (GLIBC, {}, {"GODEBUG": "netdns=cgo"}, True, None),  # no settings recorded: dynamic means cgo
])
def test_go_rules(interp, settings, env, follows, fix_has):
    verdict = rt.judge({"elf": True, "interp": interp, "go": ("go1.22.1", settings)}, ["/srv/app"], env)
    assert verdict["kind"] == "go" and verdict["follows_gai_conf"] is follows, verdict
    assert (fix_has in verdict["fix"]) if fix_has else verdict["fix"] is None


@pytest.mark.parametrize("argv, env, version, order, follows, warned", [
    (["node", "app.js"], {}, (18, 20), "verbatim", True, False),
    (["node", "app.js"], {}, (16, 20), "ipv4first", False, False),
    (["node", "--dns-result-order=ipv4first", "app.js"], {}, (20, 1), "ipv4first", False, False),
    (["node", "--dns-result-order", "ipv6first", "app.js"], {}, (22, 1), "ipv6first", False, False),
    (["node", "--dns-result-order=ipv6first", "app.js"], {}, (20, 13), "ipv6first", False, False),
    # before 22.1 and 20.13 Node takes ipv6first as verbatim (measured: Node 18.20 in the lab)
    (["node", "--dns-result-order=ipv6first", "app.js"], {}, (20, 12), "verbatim", True, True),
    (["node", "--dns-result-order=ipv6first", "app.js"], {}, (21, 7), "verbatim", True, True),
    (["node", "--dns-result-order=ipv6first", "app.js"], {}, (18, 20), "verbatim", True, True),
    (["node", "--dns-result-order=sideways", "app.js"], {}, (22, 1), "verbatim", True, True),
    (["node", "app.js", "--dns-result-order=ipv4first"], {}, (20, 1), "verbatim", True, False),  # the script's own
    (["node", "app.js"], {"NODE_OPTIONS": "--max-old-space-size=512 --dns-result-order=ipv4first"}, (20, 1), "ipv4first",
     False, False),
    (["node", "--dns-result-order=verbatim", "app.js"], {"NODE_OPTIONS": "--dns-result-order=ipv4first"}, (14, 18),
     "verbatim", True, False),
    (["node", "app.js"], {}, None, None, None, False),
])
def test_node_rules(argv, env, version, order, follows, warned):
    verdict = rt.judge({"elf": True, "interp": GLIBC, "go": None}, argv, env, node_version=version)
    assert verdict["kind"] == "node" and verdict["details"]["dns_result_order"] == order
    assert verdict["follows_gai_conf"] is follows and bool(verdict["warnings"]) is warned, verdict


@pytest.mark.parametrize("argv, env, env_known, follows, warned", [
    (["java", "-jar", "a.jar"], {}, True, False, []),
    (["java", "-jar", "a.jar"], {}, False, None, []),
    (["java", "-Djava.net.preferIPv6Addresses=system", "-jar", "a.jar"], {}, True, True, []),
    (["java", "-jar", "a.jar"], {"JAVA_TOOL_OPTIONS": "-Djava.net.preferIPv6Addresses=system"}, True, True, []),
    (["java", "-Djava.net.preferIPv6Addresses=false"], {"JAVA_TOOL_OPTIONS": "-Djava.net.preferIPv6Addresses=system"},
     True, False, []),  # the command line comes after JAVA_TOOL_OPTIONS
    (["java"], {"JAVA_TOOL_OPTIONS": "-Djava.net.preferIPv6Addresses=system",
                "_JAVA_OPTIONS": "-Djava.net.preferIPv4Stack=true"}, True, False, ["preferIPv4Stack=true turns IPv6 off"]),
    (["java", "-Djava.net.preferIPv6Stack=true", "-Djava.net.preferIPv6Addresses=system"], {}, True, True,
     ["preferIPv6Stack does not exist"]),
])
def test_jvm_rules(argv, env, env_known, follows, warned):
    verdict = rt.judge({"elf": True, "interp": GLIBC, "go": None}, argv, env, env_known=env_known)
    assert verdict["kind"] == "jvm" and verdict["follows_gai_conf"] is follows, verdict
    assert len(verdict["warnings"]) == len(warned) and all(w in " ".join(verdict["warnings"]) for w in warned)


def test_musl_glibc_static_unknown():
    assert rt.judge({"elf": True, "interp": "/lib/ld-musl-aarch64.so.1", "go": None}, ["x"], {})["follows_gai_conf"] is False
    assert rt.judge({"elf": True, "interp": GLIBC, "go": None}, ["x"], {})["follows_gai_conf"] is True
    assert rt.judge({"elf": True, "interp": "", "go": None}, ["x"], {})["kind"] == "static"
    assert rt.judge({"elf": False, "interp": None, "go": None}, ["x"], {})["kind"] == "unknown"


@pytest.mark.parametrize("text, env", [
    ('JAVA_TOOL_OPTIONS=-Dx=y "NODE_OPTIONS=--a --b" EMPTY=', {"JAVA_TOOL_OPTIONS": "-Dx=y", "NODE_OPTIONS": "--a --b", "EMPTY": ""}),
    ("A=1\0B=two words\0\0", {"A": "1", "B": "two words"}),
    ("", {}),
])
def test_parse_environment(text, env):
    assert rt.parse_environment(text) == env


def test_parse_exec_start():
    text = ("{ path=/usr/bin/node ; argv[]=/usr/bin/node --dns-result-order=ipv4first /srv/app.js ; ignore_errors=no ; "
            "start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }")
    assert rt.parse_exec_start(text) == ["/usr/bin/node", "--dns-result-order=ipv4first", "/srv/app.js"]
    assert rt.parse_exec_start("") == []


# --- the module, on this machine's real programs ----------------------------------------------------------------

def test_module_on_real_programs_and_scripts(tmp_path, run_in_process):
    script = tmp_path / "client"
    script.write_text("#!/usr/bin/env -S node --dns-result-order=ipv4first\nconsole.log(1)\n")
    plain = tmp_path / "plain"
    plain.write_text("#!%s --dns-result-order=verbatim\nconsole.log(1)\n" % (shutil.which("node") or "/usr/bin/node"))
    go_static = tmp_path / "static-go"
    go_static.write_bytes(elf(None, go_blob("go1.21.6", {"CGO_ENABLED": "0", "-tags": "netgo"})))
    items = ["python3", str(go_static), str(tmp_path / "none"), str(script), str(plain)]
    podman = shutil.which("podman")
    if podman:
        items.append(podman)
    failed, result = run_in_process(runtime_resolver_info, {"runtimes": items})
    assert not failed, result
    by = {entry["runtime"]: entry for entry in result["runtimes"]}
    assert [entry["runtime"] for entry in result["runtimes"]] == items
    assert by["python3"]["kind"] == "glibc" and by["python3"]["follows_gai_conf"] is True
    assert by[str(go_static)]["kind"] == "go" and by[str(go_static)]["follows_gai_conf"] is False
    assert by[str(go_static)]["details"]["tags"] == ["netgo"]
    assert by[str(tmp_path / "none")]["kind"] == "missing"
    if shutil.which("node"):
        entry = by[str(script)]
        assert entry["kind"] == "node" and entry["details"]["dns_result_order"] == "ipv4first", entry
        assert entry["follows_gai_conf"] is False and int(entry["details"]["node_version"].split(".")[0]) >= 12
        entry = by[str(plain)]
        assert entry["details"]["dns_result_order"] == "verbatim" and entry["follows_gai_conf"] is True, entry
    if podman:  # podman is a Go program built with cgo: real Go build information
        entry = by[podman]
        assert entry["kind"] == "go" and entry["details"]["go_version"].startswith("go1."), entry
        assert entry["details"]["cgo"] is True and entry["follows_gai_conf"] is None  # environment unknown


def test_module_refuses_bad_input(run_in_process):
    failed, result = run_in_process(runtime_resolver_info, {"runtimes": ["node", " "]})
    assert failed and result["msg"] == "runtimes[1] is empty"
    failed, result = run_in_process(runtime_resolver_info, {"runtimes": ["node"], "timeout": 0})
    assert failed and "timeout must be from 1 to 300" in result["msg"]


def test_module_says_an_unknown_service_is_unknown(run_in_process, monkeypatch):
    def fake_run(argv, timeout, environ_update=None):
        assert timeout == 10 and argv[:2] == ["systemctl", "show"]
        return 0, "LoadState=not-found\nMainPID=0\nExecStart=\nEnvironment=\n", ""
    monkeypatch.setattr(runtime_resolver_info.commands, "run", fake_run)
    failed, result = run_in_process(runtime_resolver_info, {"runtimes": ["nosuch.service"]})
    assert not failed and result["runtimes"][0]["kind"] == "missing"
    assert "systemd does not know nosuch.service" in result["runtimes"][0]["why"]


def test_module_reads_a_running_service_from_its_process(run_in_process, monkeypatch):
    """A service that runs is read from /proc/PID: here this test's own process stands in for its main PID."""
    pid = os.getpid()

    def fake_run(argv, timeout, environ_update=None):
        return 0, "LoadState=loaded\nMainPID=%d\nExecStart=\nEnvironment=\n" % pid, ""
    monkeypatch.setattr(runtime_resolver_info.commands, "run", fake_run)
    failed, result = run_in_process(runtime_resolver_info, {"runtimes": ["me.service"]})
    entry = result["runtimes"][0]
    assert not failed and entry["running"] is True and entry["path"] == os.readlink("/proc/self/exe")
    assert entry["kind"] == "glibc" and entry["follows_gai_conf"] is True
