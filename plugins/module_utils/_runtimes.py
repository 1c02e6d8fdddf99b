# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which programs follow gai.conf when they order a name's addresses, and which do not.

Private to dualstack.redis: not a public API, may change in any release. Python 3.6+, standard library only.

What decides it, per runtime (the facts each rule follows):

- A program linked against glibc that resolves with getaddrinfo() follows gai.conf (gai.conf(5)).
- musl's getaddrinfo() does not read gai.conf at all; its order is compiled in.
- Go (package net): on Linux the pure-Go resolver is the default; it sorts addresses with its own RFC 6724
  code and never reads gai.conf. ``GODEBUG=netdns=cgo`` (or building with ``-tags netcgo``) makes it call
  getaddrinfo(), which needs a binary built with cgo; ``netgo`` (tag or ``GODEBUG=netdns=go``) forces the
  pure-Go one. Go also falls back to getaddrinfo() by itself when ``LOCALDOMAIN`` is set or ``RES_OPTIONS`` or
  ``HOSTALIASES`` is not empty, or when nsswitch.conf or resolv.conf ask for what its resolver does not do.
  The build settings (Go 1.18+) are in the binary's build information (``\\xff Go buildinf:``).
- Node.js: ``dns.lookup`` keeps getaddrinfo()'s order (``verbatim``) by default from Node 17; older versions,
  and ``--dns-result-order=ipv4first``/``ipv6first`` (on the command line or in ``NODE_OPTIONS``), reorder it.
- The JVM: follows gai.conf only with ``-Djava.net.preferIPv6Addresses=system``; by default (``false``) it puts
  IPv4 first, with ``true`` IPv6 first. ``java.net.preferIPv4Stack=true`` turns IPv6 off in the JVM entirely;
  ``java.net.preferIPv6Stack`` does not exist. Options come from the command line and ``JAVA_TOOL_OPTIONS``,
  ``JDK_JAVA_OPTIONS`` (java launcher, JDK 9+) and ``_JAVA_OPTIONS``.

No process is started here except ``node --version`` (by the caller, bounded); files are read, not executed.
"""

import mmap
import os
import re
import shlex
import struct

GO_MAGIC = b"\xff Go buildinf:"
ELF_MAGIC = b"\x7fELF"
PT_INTERP = 3
MAX_INTERP = 4096
JAVA_OPTION_VARS = ("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")
NODE_ORDERS = ("verbatim", "ipv4first", "ipv6first")


class BinaryError(ValueError):
    """A file this module cannot read as what it claims to be."""


def elf_interpreter(head, read_at):
    """The PT_INTERP path of an ELF file ('' when it has none: static), or None when it is not ELF.

    ``head`` is the file's first 64 bytes; ``read_at(offset, size)`` reads more.
    """
    if len(head) < 52 or not head.startswith(ELF_MAGIC):
        return None
    klass, data = head[4], head[5]
    if klass not in (1, 2) or data not in (1, 2):
        raise BinaryError("an ELF header with class %d and data encoding %d" % (klass, data))
    end = "<" if data == 1 else ">"
    if klass == 2:
        if len(head) < 64:
            return None
        phoff, = struct.unpack(end + "Q", head[32:40])
        phentsize, phnum = struct.unpack(end + "HH", head[54:58])
        entry = end + "IIQQQQQQ"  # type, flags, offset, vaddr, paddr, filesz, memsz, align
    else:
        phoff, = struct.unpack(end + "I", head[28:32])
        phentsize, phnum = struct.unpack(end + "HH", head[42:46])
        entry = end + "IIIIIIII"  # type, offset, vaddr, paddr, filesz, memsz, flags, align
    size = struct.calcsize(entry)
    if phentsize < size or phnum > 4096:
        raise BinaryError("an ELF header with %d program headers of %d bytes" % (phnum, phentsize))
    table = read_at(phoff, phentsize * phnum)
    for index in range(phnum):
        chunk = table[index * phentsize:index * phentsize + size]
        if len(chunk) < size:
            raise BinaryError("the ELF program headers end early")
        fields = struct.unpack(entry, chunk)
        if fields[0] != PT_INTERP:
            continue
        offset, filesz = (fields[2], fields[5]) if klass == 2 else (fields[1], fields[4])
        if filesz > MAX_INTERP:
            raise BinaryError("an ELF interpreter name of %d bytes" % filesz)
        return read_at(offset, filesz).split(b"\0", 1)[0].decode("utf-8", "replace")
    return ""


def _uvarint(data, pos):
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise BinaryError("a Go build information string length that does not end")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _go_info(blob):
    """(version, module info text) from the bytes at Go's build information magic; (None, '') before Go 1.18; None
    when ``blob`` does not start with the magic."""
    if not blob.startswith(GO_MAGIC) or len(blob) < 32:
        return None
    if not blob[15] & 2:
        return None, ""
    version_len, pos = _uvarint(blob, 32)
    version = blob[pos:pos + version_len].decode("utf-8", "replace")
    pos += version_len
    info_len, pos = _uvarint(blob, pos)
    return version, blob[pos:pos + info_len].decode("utf-8", "replace")


def go_dependencies(blob):
    """{module path: version} of the ``dep`` lines of Go's build information (a ``=>`` replacement line gives the
    version that was built in); {} when there are none or the binary predates Go 1.18."""
    parsed = _go_info(blob)
    deps, last = {}, None
    for line in (parsed[1] if parsed else "").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[0] == "dep":
            deps[parts[1]], last = parts[2], parts[1]
        elif len(parts) >= 3 and parts[0] == "=>" and last is not None:
            deps[last] = parts[2]
    return deps


def go_buildinfo(blob):
    """Go's build information from the bytes at its magic: (version, {setting: value}) or None.

    Go 1.18+ (flag 2) stores two varint-prefixed strings at offset 32: the Go version and the module info, whose
    ``build\\tKEY=VALUE`` lines hold the build settings (CGO_ENABLED, -tags...). Older binaries store pointers:
    the version is then unknown here (None, {}).
    """
    parsed = _go_info(blob)
    if parsed is None:
        return None
    version, info = parsed
    if version is None:
        return None, {}
    settings = {}
    for line in info.splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and parts[0] == "build" and "=" in parts[1]:
            key, value = parts[1].split("=", 1)
            settings[key] = value
    return version, settings


def read_binary(path):
    """(interpreter, go) of a file: interpreter as elf_interpreter(); go = go_buildinfo() or None; or a shebang.

    Returns dict(elf=bool, interp=str|None, go=(version, settings)|None, shebang=[words]|None).
    """
    with open(path, "rb") as handle:
        head = handle.read(64)
        if head.startswith(b"#!"):
            line = (head + handle.read(192)).split(b"\n", 1)[0][2:]
            # The kernel passes the interpreter one argument at most: the rest of the line, spaces and all.
            return dict(elf=False, interp=None, go=None, shebang=line.decode("utf-8", "replace").strip().split(None, 1))

        def read_at(offset, size):
            handle.seek(offset)
            return handle.read(size)

        interp = elf_interpreter(head, read_at)
        if interp is None:
            return dict(elf=False, interp=None, go=None, shebang=None)
        go, go_deps = None, {}
        size = os.fstat(handle.fileno()).st_size
        if size:
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                at = mapped.find(GO_MAGIC)
                while at != -1 and at % 16:  # the magic is 16-byte aligned; a string elsewhere is not it
                    at = mapped.find(GO_MAGIC, at + 1)
                if at != -1:
                    blob = mapped[at:at + 32 + 2 * 10 + 65536]
                    go, go_deps = go_buildinfo(blob), go_dependencies(blob)
        return dict(elf=True, interp=interp, go=go, go_deps=go_deps if go else {}, shebang=None)


def parse_environment(text):
    """``systemctl show -p Environment`` (``A=1 "B=two words"``) or /proc/PID/environ (NUL-separated) -> dict."""
    words = text.split("\0") if "\0" in text else shlex.split(text)
    env = {}
    for word in words:
        if "=" in word:
            key, value = word.split("=", 1)
            env[key] = value
    return env


def parse_exec_start(text):
    """``systemctl show -p ExecStart --value``: ``{ path=/usr/bin/x ; argv[]=/usr/bin/x -a ; ... }`` -> argv list."""
    match = re.search(r"argv\[\]=(.*?) ;", text)
    if match:
        return shlex.split(match.group(1))
    match = re.search(r"path=(\S+)", text)
    return [match.group(1)] if match else []


def java_properties(argv, env):
    """-Dkey=value from the command line and the JVM's option variables, later ones winning (as the JVM reads them:
    JAVA_TOOL_OPTIONS, then JDK_JAVA_OPTIONS, the command line, then _JAVA_OPTIONS)."""
    words = []
    for source in (env.get("JAVA_TOOL_OPTIONS", ""), env.get("JDK_JAVA_OPTIONS", "")):
        words += shlex.split(source) if source else []
    words += list(argv[1:])
    words += shlex.split(env.get("_JAVA_OPTIONS", "")) if env.get("_JAVA_OPTIONS") else []
    props = {}
    for word in words:
        if word.startswith("-D"):
            key, value = (word[2:].split("=", 1) + [""])[:2]
            props[key] = value
    return props


def node_order(argv, env, version):
    """The dns.lookup order a Node.js process starts with, and a warning or None.

    The last --dns-result-order (the command line over NODE_OPTIONS) wins, else Node's default: verbatim from 17,
    ipv4first before. ``ipv6first`` exists from Node 22.1 and 20.13. Measured: Node 18.20 takes any value but ipv4first
    as verbatim; Node 20.20 refuses to start with a value it does not know. ``version`` is (major, minor) or None.
    """
    order = None
    for word in shlex.split(env.get("NODE_OPTIONS", "")) if env.get("NODE_OPTIONS") else []:
        if word.startswith("--dns-result-order="):
            order = word.split("=", 1)[1]
    for index, word in enumerate(argv[1:], 1):
        if word.startswith("--dns-result-order="):
            order = word.split("=", 1)[1]
        elif word == "--dns-result-order" and index + 1 < len(argv):
            order = argv[index + 1]
        elif not word.startswith("-"):
            break  # the script: what follows is its own arguments
    if version is None:
        return order, None
    if order is None:
        return ("verbatim" if version[0] >= 17 else "ipv4first"), None
    if order == "ipv6first" and (version < (20, 13) or version[0] == 21):
        return "verbatim", ("--dns-result-order=ipv6first is not known to Node %d.%d (it came in 22.1 and 20.13); Node 18 "
                            "keeps the resolver's order with it (measured), later versions may refuse to start" % version)
    if order not in NODE_ORDERS:
        return "verbatim", ("--dns-result-order=%s is not a value Node knows; Node 20 refuses to start with it (measured: "
                            "20.20), Node 18 keeps the resolver's order" % order)
    return order, None


def go_netdns(env):
    """GODEBUG's netdns mode (``go`` or ``cgo``; ``netdns=go+1`` counts as go), or None."""
    for item in env.get("GODEBUG", "").split(","):
        key, value = (item.strip().split("=", 1) + [""])[:2]
        if key == "netdns":
            mode = value.split("+", 1)[0]
            if mode in ("go", "cgo"):
                return mode
    return None


def judge(info, argv, env, node_version=None, env_known=True):
    """What a runtime does with gai.conf: dict(kind, follows_gai_conf, why, fix, details, warnings)."""
    name = os.path.basename(argv[0]) if argv else ""
    interp = info.get("interp")
    details, warnings = {}, []
    if info.get("go") is not None:
        version, settings = info["go"]
        tags = [t for t in settings.get("-tags", "").split(",") if t]
        cgo = settings.get("CGO_ENABLED") == "1" if "CGO_ENABLED" in settings else bool(interp)
        mode = go_netdns(env)
        details.update(go_version=version, cgo=cgo, tags=tags, netdns=mode)
        if "netgo" in tags or mode == "go" or not cgo:
            why = ("a Go program that always uses Go's own resolver (%s), which sorts addresses itself and never reads "
                   "gai.conf" % ("built without cgo" if not cgo else "netgo" if "netgo" in tags else "GODEBUG=netdns=go"))
            fix = ("remove netdns=go from GODEBUG and set GODEBUG=netdns=cgo" if cgo and "netgo" not in tags
                   else "rebuild it with cgo (CGO_ENABLED=1) and run it with GODEBUG=netdns=cgo, or have it dial the "
                   "family it should use")
            return dict(kind="go", follows_gai_conf=False, why=why, fix=fix, details=details, warnings=warnings)
        if mode == "cgo" or "netcgo" in tags:
            why = "a Go program built with cgo that resolves through getaddrinfo() (%s)" % (
                "GODEBUG=netdns=cgo" if mode == "cgo" else "built with -tags netcgo")
            return dict(kind="go", follows_gai_conf=True, why=why, fix=None, details=details, warnings=warnings)
        if any(env.get(k) for k in ("RES_OPTIONS", "HOSTALIASES")) or "LOCALDOMAIN" in env:
            why = "a Go program with cgo whose environment (LOCALDOMAIN, RES_OPTIONS or HOSTALIASES) makes it use getaddrinfo()"
            return dict(kind="go", follows_gai_conf=True, why=why, fix=None, details=details, warnings=warnings)
        why = ("a Go program (with cgo) that uses Go's own resolver by default on Linux; it sorts addresses itself and "
               "does not read gai.conf (unless nsswitch.conf or resolv.conf ask for something that resolver does not do)%s"
               % ("" if env_known else "; its environment is not known here"))
        return dict(kind="go", follows_gai_conf=False if env_known else None, why=why,
                    fix="run it with GODEBUG=netdns=cgo in its environment", details=details, warnings=warnings)
    if interp and "ld-musl" in interp:
        return dict(kind="musl", follows_gai_conf=False, why="linked against musl, whose getaddrinfo() does not read gai.conf",
                    fix="use a glibc build of the program, or have it dial the family it should use",
                    details=dict(interpreter=interp), warnings=warnings)
    if name in ("node", "nodejs"):
        order, warning = node_order(argv, env, node_version)
        major = node_version[0] if node_version else None
        details.update(node_version="%d.%d" % node_version if node_version else None, dns_result_order=order)
        warnings += [warning] if warning else []
        if order == "verbatim":
            return dict(kind="node", follows_gai_conf=True,
                        why="Node.js keeps getaddrinfo()'s order (dns-result-order verbatim%s)"
                        % (", its default from Node 17" if major and major >= 17 else ""),
                        fix=None, details=details, warnings=warnings)
        if order in ("ipv4first", "ipv6first"):
            return dict(kind="node", follows_gai_conf=False,
                        why="Node.js reorders getaddrinfo()'s answer: dns-result-order %s%s" % (
                            order, " (its default before Node 17)" if major is not None and major < 17 else ""),
                        fix="start it with --dns-result-order=verbatim (Node 16.4+), or upgrade to Node 17+ without the flag",
                        details=details, warnings=warnings)
        return dict(kind="node", follows_gai_conf=None, why="Node.js whose version is not known here",
                    fix=None, details=details, warnings=warnings)
    if name == "java":
        props = java_properties(argv, env)
        details.update(java_properties={k: v for k, v in props.items() if k.startswith("java.net.")})
        if "java.net.preferIPv6Stack" in props:
            warnings.append("java.net.preferIPv6Stack does not exist; the JVM ignores it "
                            "(java.net.preferIPv6Addresses=system makes it follow gai.conf)")
        if props.get("java.net.preferIPv4Stack", "").lower() == "true":
            warnings.append("java.net.preferIPv4Stack=true turns IPv6 off in the JVM entirely: it will not connect "
                            "to IPv6 addresses at all")
            return dict(kind="jvm", follows_gai_conf=False, why="a JVM with IPv6 turned off (java.net.preferIPv4Stack=true)",
                        fix="remove -Djava.net.preferIPv4Stack=true and set -Djava.net.preferIPv6Addresses=system",
                        details=details, warnings=warnings)
        value = props.get("java.net.preferIPv6Addresses")
        if value == "system":
            return dict(kind="jvm", follows_gai_conf=True, why="a JVM with java.net.preferIPv6Addresses=system",
                        fix=None, details=details, warnings=warnings)
        if not env_known and value is None:
            return dict(kind="jvm", follows_gai_conf=None,
                        why="a JVM: it follows gai.conf only when started with -Djava.net.preferIPv6Addresses=system, "
                        "which depends on how it is started (its environment is not known here)",
                        fix="protocol_preference_java: system sets it host-wide", details=details, warnings=warnings)
        why = ("a JVM with java.net.preferIPv6Addresses=%s, a fixed order" % value if value is not None
               else "a JVM without java.net.preferIPv6Addresses: IPv4 first, whatever gai.conf says")
        return dict(kind="jvm", follows_gai_conf=False, why=why,
                    fix="set -Djava.net.preferIPv6Addresses=system (protocol_preference_java: system does it host-wide)",
                    details=details, warnings=warnings)
    if interp:
        return dict(kind="glibc", follows_gai_conf=True,
                    why="linked against the system C library (%s): getaddrinfo() reads gai.conf" % interp,
                    fix=None, details=dict(interpreter=interp), warnings=warnings)
    if info.get("elf"):
        return dict(kind="static", follows_gai_conf=None,
                    why="a static program that is not Go: whether it reads gai.conf depends on the C library built into it",
                    fix=None, details=details, warnings=warnings)
    return dict(kind="unknown", follows_gai_conf=None, why="not a program this module can read (neither ELF nor a script)",
                fix=None, details=details, warnings=warnings)
