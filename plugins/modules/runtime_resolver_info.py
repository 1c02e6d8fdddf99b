#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: runtime_resolver_info
short_description: Whether programs on this host follow gai.conf when they order a name's addresses
version_added: 0.2.0
description:
  - gai.conf decides the order only for programs that resolve with glibc's C(getaddrinfo()) and keep its order.
    Several runtimes do not. For each program or systemd service in O(runtimes) this module says which runtime it
    is, whether it follows gai.conf, why, and what would make it follow.
  - Go programs use Go's own resolver by default on Linux (it sorts addresses itself); they follow gai.conf only
    when built with cgo and run with C(GODEBUG=netdns=cgo) (or built with C(-tags netcgo)). The build settings
    are read from the binary's Go build information (Go 1.18+).
  - Node.js keeps C(getaddrinfo())'s order from Node 17 on (C(dns-result-order) C(verbatim)); older versions and
    C(--dns-result-order=ipv4first) or C(ipv6first) (command line or C(NODE_OPTIONS)) reorder it. C(ipv6first)
    exists from Node 22.1 and 20.13; older versions keep the resolver's order with it (a warning says so). The
    version is read by running C(node --version), bounded by O(timeout).
  - A JVM follows gai.conf only with C(-Djava.net.preferIPv6Addresses=system) (command line, C(JAVA_TOOL_OPTIONS),
    C(JDK_JAVA_OPTIONS) or C(_JAVA_OPTIONS)); without it IPv4 comes first. C(java.net.preferIPv4Stack=true) turns
    IPv6 off in the JVM entirely, and C(java.net.preferIPv6Stack) does not exist; both are reported as warnings.
  - musl's C(getaddrinfo()) never reads gai.conf.
  - For a running service the module reads what the process really has (C(/proc/PID/exe), its command line and
    its environment); for a stopped one, the unit's C(ExecStart) and C(Environment) and the service manager's
    C(DefaultEnvironment). For a path or a command name the environment it will run with is not known, and the
    answer is then V(null) where it depends on it.
  - The Redis client library decides too, after the runtime (RV(runtimes[].clients)). Found from what the program
    runs with - Lettuce and Jedis among a JVM's jars (its class path, the C(dir/*) entries, an executable jar's nested
    C(BOOT-INF/lib) or C(WEB-INF/lib) jars and its manifest's C(Class-Path)); ioredis in the C(node_modules) Node
    finds from the script; redis-py in a process's E(PYTHONPATH) directories, then installed for its Python
    interpreter; go-redis in a Go binary's module list.
  - Lettuce with C(netty-resolver-dns) on the class path resolves with Netty, which never reads gai.conf and puts
    IPv4 first unless C(java.net.preferIPv6Addresses=true) (it reads V(system) as false); Jedis 4.1.0 and later
    shuffle the addresses (a random family per connection); ioredis before 5.8.2 looks names up over IPv4 only.
author:
  - dualstack.redis maintainers (@dualstack)
extends_documentation_fragment:
  - dualstack.redis._attributes
  - dualstack.redis._attributes.INFO_MODULE
  - dualstack.redis._attributes.PLATFORM_LINUX
options:
  runtimes:
    description:
      - Programs to look at. An item ending in C(.service) is a systemd service; C(pid:N) is the running process N;
        an absolute path is a program or a script (its C(#!) interpreter is what runs); anything else is a command
        name looked up on C(PATH).
      - At least one of O(runtimes) and O(redis_ports) is needed.
    type: list
    elements: str
    default: []
  redis_ports:
    description:
      - Also look at every process that has an established TCP connection to one of these remote ports (clients of a
        Redis server on them), as C(pid:N) items after O(runtimes) (RV(found)). Read from C(/proc/net/tcp) and
        C(tcp6) of each network namespace and each process's sockets; run as root to see every process.
    type: list
    elements: int
    default: []
  timeout:
    description: Seconds each C(systemctl show) and C(node --version) may take; 1 to 300.
    type: int
    default: 10
notes:
  - Read-only. Run as root to read the environment of other users' services.
  - What a program does in its own code (Node's C(dns.setDefaultResultOrder()), a Go program dialing C(tcp4), Java
    code setting the property before the first lookup) is not visible from outside and not reported.
seealso:
  - module: dualstack.redis.gai_conf
  - module: dualstack.redis.resolver_processes_info
  - name: Go net package, name resolution
    description: The pure-Go and cgo resolvers, GODEBUG netdns.
    link: https://pkg.go.dev/net#hdr-Name_Resolution
  - name: Node.js dns.lookup and --dns-result-order
    description: The order Node.js gives addresses in.
    link: https://nodejs.org/api/dns.html#dnslookuphostname-options-callback
  - name: Java networking properties
    description: java.net.preferIPv6Addresses and java.net.preferIPv4Stack.
    link: https://docs.oracle.com/en/java/javase/17/docs/api/java.base/java/net/doc-files/net-properties.html
"""

EXAMPLES = r"""
- name: Which of our clients will follow the new gai.conf?
  dualstack.redis.runtime_resolver_info:
    runtimes:
      - orders-api.service
      - /opt/billing/bin/billing-worker
      - node
  register: runtimes

- name: Say which do not
  ansible.builtin.debug:
    msg: "{{ item.runtime }}: {{ item.why }}; {{ item.fix }}"
  loop: "{{ runtimes.runtimes | rejectattr('follows_gai_conf') | list }}"
  loop_control:
    label: "{{ item.runtime }}"

- name: Every program talking to Redis on this host, and what its client library does with the preference
  dualstack.redis.runtime_resolver_info:
    redis_ports: [6379, 6380]
  register: redis_clients

- name: One line per client library found
  ansible.builtin.debug:
    msg: "{{ redis_clients.runtimes | map(attribute='summary') | flatten }}"
"""

RETURN = r"""
runtimes:
  description: One entry per item of O(runtimes), in the same order, then one per process of RV(found).
  returned: always
  type: list
  elements: dict
  contains:
    runtime:
      description: The item as given.
      type: str
    path:
      description: The program that runs it (a script's interpreter), V(null) when none was found.
      type: str
    running:
      description: For a service, whether it runs (what it has was then read from its process).
      type: bool
    kind:
      description: V(glibc), V(musl), V(go), V(node), V(jvm), V(static) (not Go), V(unknown) or V(missing).
      type: str
    follows_gai_conf:
      description: V(true), V(false), or V(null) when it depends on what is not known here.
      type: bool
    why:
      description: The reason, in one sentence.
      type: str
    fix:
      description: What would make it follow gai.conf, or V(null).
      type: str
    details:
      description:
        - What the answer was read from. Go - C(go_version), C(cgo), C(tags), C(netdns). Node.js - C(node_version),
          C(dns_result_order) (what it takes effect as). JVM - C(java_properties) (the C(java.net.*) ones). glibc and musl - C(interpreter).
      type: dict
    warnings:
      description: Settings that do not do what their name suggests (also given as module warnings).
      type: list
      elements: str
    clients:
      description: The Redis client libraries found for it, and what each does with the host's preference.
      type: list
      elements: dict
      contains:
        library:
          description: V(lettuce), V(jedis), V(ioredis), V(redis-py) or V(go-redis).
          type: str
        version:
          description: Its version as found (a jar's or a package's), V(null) when not known.
          type: str
        resolver:
          description:
            - What turns a name into the address it connects to. V(netty) (Netty's DNS client), V(jdk) (the JVM's),
              V(jdk-shuffled) (the JVM's, shuffled), V(node-family-4) (Node, IPv4 only), V(node), V(getaddrinfo),
              V(go) (the Go program's resolver).
          type: str
        follows_preference:
          description: Whether the host's preference reaches it; V(null) when that is not known here.
          type: bool
        family:
          description: When it does not follow, the family it uses - V(ipv4), V(ipv6), or V(random) (per connection).
          type: str
        why:
          description: The reason, in one sentence.
          type: str
        fix:
          description: The setting that would make it follow (or the closest there is), V(null) when none is needed.
          type: str
    summary:
      description: One line per client of RV(runtimes[].clients).
      type: list
      elements: str
  sample:
    - runtime: orders-api.service
      path: /usr/lib/jvm/java-17-openjdk-amd64/bin/java
      running: true
      kind: jvm
      follows_gai_conf: false
      why: "a JVM without java.net.preferIPv6Addresses: IPv4 first, whatever gai.conf says"
      fix: set -Djava.net.preferIPv6Addresses=system (protocol_preference_java system does it host-wide)
      details: {java_properties: {}}
      warnings: []
      clients:
        - library: lettuce
          version: 6.1.6.RELEASE
          resolver: netty
          follows_preference: false
          family: ipv4
          why: "Lettuce resolves with Netty's own DNS client (netty-resolver-dns is on the class path): ..."
          fix: "no per-network rule reaches Netty's resolver: -Djava.net.preferIPv6Addresses=true ..."
      summary: ["orders-api.service: lettuce 6.1.6.RELEASE does NOT follow the host's preference: IPv4 first (...)"]
found:
  description: The processes found connected to O(redis_ports), as C(pid:N) items.
  returned: always
  type: list
  elements: str
  sample: [pid:4242]
"""

import glob
import json
import os
import re
import shutil
import zipfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dualstack.redis.plugins.module_utils import _clients as clients
from ansible_collections.dualstack.redis.plugins.module_utils import _commands as commands
from ansible_collections.dualstack.redis.plugins.module_utils import _procs as procs
from ansible_collections.dualstack.redis.plugins.module_utils import _runtimes as runtimes


class Unreadable(Exception):
    """Why a runtime could not be looked at."""


def _read(path):
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", "replace")


def service(name, timeout):
    """(path, argv, env, running, cwd) of a systemd service: from its process when it runs, else from the unit
    (cwd None when not known)."""
    argv_show = ["systemctl", "show", "--property=LoadState", "--property=MainPID", "--property=ExecStart",
                 "--property=Environment", "--property=WorkingDirectory", "--", name]
    try:
        rc, out, err = commands.run(argv_show, timeout)
    except (OSError, commands.CommandTimeout) as exc:
        raise Unreadable("systemctl show failed: %s" % exc)
    if rc != 0:
        raise Unreadable("systemctl show failed: %s" % (err.strip() or out.strip()))
    props = {}
    for line in out.splitlines():
        key, value = (line.split("=", 1) + [""])[:2]
        props[key] = value
    if props.get("LoadState") != "loaded":
        raise Unreadable("systemd does not know %s (LoadState=%s)" % (name, props.get("LoadState", "")))
    pid = int(props.get("MainPID") or 0)
    if pid > 0:
        try:
            path, argv, env, cwd = process(pid)
            return path, argv, env, True, cwd
        except Unreadable:
            pass  # gone meanwhile, or not ours to read: the unit's own settings then
    argv = runtimes.parse_exec_start(props.get("ExecStart", ""))
    env = {}
    try:
        # The service manager's own Environment property is its DefaultEnvironment= (given to every service).
        rc, out, err = commands.run(["systemctl", "show", "--property=Environment", "--value"], timeout)
        if rc == 0:
            env.update(runtimes.parse_environment(out.strip()))
    except (OSError, commands.CommandTimeout):
        pass
    env.update(runtimes.parse_environment(props.get("Environment", "")))
    cwd = props.get("WorkingDirectory", "").lstrip("-") or "/"  # systemd's default for system services is /
    return (argv[0] if argv else None), argv, env, False, (cwd if cwd.startswith("/") else None)


def process(pid):
    """(path, argv, env, cwd) of a running process, read from /proc."""
    try:
        path = os.readlink("/proc/%d/exe" % pid)
        argv = [word for word in _read("/proc/%d/cmdline" % pid).split("\0") if word]
        env = runtimes.parse_environment(_read("/proc/%d/environ" % pid))
    except OSError as exc:
        raise Unreadable("cannot read process %d: %s" % (pid, exc.strerror or exc))
    try:
        cwd = os.readlink("/proc/%d/cwd" % pid)
    except OSError:
        cwd = None
    return path.replace(" (deleted)", ""), argv, env, cwd


def node_version(path, timeout):
    """(major, minor) from ``node --version``, or None."""
    try:
        rc, out, err = commands.run([path, "--version"], timeout)
    except (OSError, commands.CommandTimeout):
        return None
    match = re.match(r"v(\d+)\.(\d+)\.", out.strip())
    return (int(match.group(1)), int(match.group(2))) if rc == 0 and match else None


MAX_ZIP_ENTRIES = 100000
MAX_WALK_UP = 64


def _under(cwd, path):
    """``path`` made absolute against ``cwd``; None when it is relative and cwd is not known."""
    if os.path.isabs(path):
        return path
    return os.path.join(cwd, path) if cwd else None


def _jar_contents(path):
    """(nested jar names, Class-Path entries) of a jar file; ([], []) when it cannot be read as one."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                return [], []
            names = [info.filename for info in infos]
            manifest = ""
            if "META-INF/MANIFEST.MF" in names:
                info = archive.getinfo("META-INF/MANIFEST.MF")
                if info.file_size <= 1024 * 1024:
                    manifest = archive.read(info).decode("utf-8", "replace")
            return clients.nested_jars(names), clients.manifest_class_path(manifest)
    except (OSError, zipfile.BadZipFile, ValueError, RuntimeError):
        return [], []


def java_jars(argv, env, cwd):
    """The jar file names a JVM started with ``argv`` has on its class path (directories' jars for ``dir/*``, an
    executable jar's nested jars and its manifest's Class-Path)."""
    entries, main_jar = clients.java_classpath(argv, env)
    names = []
    if main_jar is not None:
        path = _under(cwd, main_jar)
        names.append(os.path.basename(main_jar))
        if path and os.path.isfile(path):
            nested, class_path = _jar_contents(path)
            names += nested
            names += [os.path.basename(entry) for entry in class_path if entry.endswith(".jar")]
        return names
    for entry in entries:
        path = _under(cwd, entry)
        if path is None:
            continue
        if path.endswith("*"):
            directory = path[:-1] or "/"
            try:
                names += sorted(name for name in os.listdir(directory) if name.endswith((".jar", ".JAR")))
            except OSError:
                pass
        elif path.endswith(".jar"):
            names.append(os.path.basename(path))
        if len(names) > clients.MAX_JARS:
            break
    return names


def node_script(argv):
    """The script a node command line runs (None for -e/-p, the REPL, or when not found)."""
    takes_value = ("-r", "--require", "--import", "--loader", "--experimental-loader", "--dns-result-order",
                   "--env-file", "--title", "--input-type")
    index = 1
    while index < len(argv):
        word = argv[index]
        if word in ("-e", "--eval", "-p", "--print"):
            return None
        if word in takes_value:
            index += 2
            continue
        if word == "--":
            return argv[index + 1] if index + 1 < len(argv) else None
        if not word.startswith("-"):
            return word
        index += 1
    return None


def package_version(path):
    """The ``version`` of a package.json, or None."""
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read(1024 * 1024).decode("utf-8", "replace"))
    except (OSError, ValueError):
        return None
    version = data.get("version") if isinstance(data, dict) else None
    return version if isinstance(version, str) else None


def ioredis_version(script, cwd, env):
    """(version, package.json) of the ioredis Node finds from ``script``: node_modules in the script's directory and
    above, then NODE_PATH's directories (as require() looks); (None, None) when there is none."""
    path = _under(cwd, script)
    candidates = []
    if path:
        directory = os.path.dirname(os.path.realpath(path))
        for _step in range(MAX_WALK_UP):
            candidates.append(os.path.join(directory, "node_modules", "ioredis", "package.json"))
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
    for directory in env.get("NODE_PATH", "").split(":"):
        where = _under(cwd, directory) if directory else None
        if where:
            candidates.append(os.path.join(where, "ioredis", "package.json"))
    for candidate in candidates:
        if os.path.isfile(candidate):
            return package_version(candidate), candidate
    return None, None


def redis_py_version(interpreters, path_dirs=()):
    """The version of redis-py a Python process imports, from the dist-info directory's name: the first of PYTHONPATH's
    directories (``path_dirs``, which come first in sys.path; pip install --target puts the dist-info there) holding
    one, else its interpreter's prefix's site-packages or Debian's dist-packages; None when none is found.
    ``interpreters``: the paths it was started by (a virtual environment's bin/python, whose prefix holds the
    environment's packages) and runs as."""
    prefixes = set()
    for interpreter in interpreters:
        prefixes |= {os.path.dirname(os.path.dirname(interpreter)), os.path.dirname(os.path.dirname(os.path.realpath(interpreter)))}
    patterns = [os.path.join(directory, "redis-*.dist-info") for directory in path_dirs]
    for prefix in sorted(prefixes):
        patterns += [os.path.join(prefix, "lib", "python3*", "site-packages", "redis-*.dist-info"),
                     os.path.join(prefix, "lib", "python3*", "dist-packages", "redis-*.dist-info"),
                     os.path.join(prefix, "lib", "python3", "dist-packages", "redis-*.dist-info"),
                     os.path.join(prefix, "local", "lib", "python3*", "dist-packages", "redis-*.dist-info")]
    for pattern in patterns:
        for found in sorted(glob.glob(pattern)):
            match = re.match(r"redis-(\d[^-]*)\.dist-info$", os.path.basename(found))
            if match:
                return match.group(1)
    return None


def client_libraries(entry, info, argv, env, cwd, started_as=None):
    """The Redis client libraries found for a runtime whose verdict is ``entry``; ``started_as``: the program as the
    command line names it (a virtual environment's python is a link to the interpreter it runs as)."""
    follows, kind = entry.get("follows_gai_conf"), entry.get("kind")
    if kind == "jvm":
        props = runtimes.java_properties(argv, env)
        return clients.java_clients(clients.artifacts(java_jars(argv, env, cwd)), props, follows)
    if kind == "node":
        script = node_script(argv)
        version, _where = ioredis_version(script, cwd, env) if script else (None, None)
        return [clients.ioredis_client(version, follows)] if version else []
    if kind == "go":
        return clients.go_clients(info.get("go_deps") or {}, follows)
    pythons = [path for path in (started_as and _under(cwd, started_as), argv[0] if argv else None)
               if path and os.path.basename(path).startswith("python")]
    if pythons:
        path_dirs = [_under(cwd, directory) for directory in env.get("PYTHONPATH", "").split(":") if directory]
        version = redis_py_version(pythons, [directory for directory in path_dirs if directory])
        return [clients.redis_py_client(version, follows)] if version else []
    return []


def look(item, timeout):
    """The report for one item of runtimes."""
    entry = dict(runtime=item, path=None, running=None, kind="missing", follows_gai_conf=None, fix=None, details={},
                 warnings=[], clients=[], summary=[])
    env, env_known, cwd = {}, False, None
    try:
        if re.match(r"^pid:[0-9]+$", item):
            path, argv, env, cwd = process(int(item[4:]))
            entry["running"], env_known = True, True
        elif item.endswith(".service"):
            path, argv, env, running, cwd = service(item, timeout)
            entry["running"], env_known = running, True
        else:
            path = item if os.path.isabs(item) else shutil.which(item)
            argv = [path or item]
        if not path or not os.path.isfile(path):
            raise Unreadable("no program %s" % (path or item))
        info = runtimes.read_binary(path)
        if info["shebang"]:
            words = info["shebang"]
            if not words:
                raise Unreadable("%s starts with #! but names no interpreter" % path)
            if os.path.basename(words[0]) == "env" and len(words) > 1:
                # env NAME runs NAME from PATH; env -S splits the rest into words.
                rest = words[1][2:].split() if words[1].startswith("-S") else [words[1]]
                if not rest:
                    raise Unreadable("%s: env -S with nothing to run" % path)
                words = [shutil.which(rest[0]) or rest[0]] + rest[1:]
            argv = words + list(argv)  # the interpreter runs the script, with the script's own arguments after it
            path = words[0]
            if not os.path.isfile(path):
                raise Unreadable("the script's interpreter %s is not there" % path)
            info = runtimes.read_binary(path)
        entry["path"] = path
        started_as = argv[0] if argv else None
        argv = [path] + list(argv[1:])
        version = node_version(path, timeout) if os.path.basename(path) in ("node", "nodejs") else None
        entry.update(runtimes.judge(info, argv, env, node_version=version, env_known=env_known))
        entry["clients"] = client_libraries(entry, info, argv, env, cwd, started_as)
        if any(client["resolver"] == "netty" for client in entry["clients"]):
            # What the JVM's own resolver does matters less than the client's: Netty reads =system as false.
            entry["fix"] = None
            entry["why"] += "; its Redis client resolves with Netty, which never reads gai.conf (see its clients entry)"
        entry["summary"] = [clients.summary(item, client) for client in entry["clients"]]
    except Unreadable as exc:
        entry["why"] = str(exc)
    except (OSError, runtimes.BinaryError, ValueError) as exc:
        entry.update(kind="unknown", why="cannot read %s: %s" % (item, exc))
    return entry


def main():
    module = AnsibleModule(
        argument_spec=dict(runtimes=dict(type="list", elements="str", default=[]),
                           redis_ports=dict(type="list", elements="int", default=[]),
                           timeout=dict(type="int", default=10)),
        required_one_of=[("runtimes", "redis_ports")],
        supports_check_mode=True,
    )
    timeout = module.params["timeout"]
    if not 1 <= timeout <= 300:
        module.fail_json(msg="timeout must be from 1 to 300 seconds, got %d" % timeout)
    items = list(module.params["runtimes"])
    empty = [index for index, item in enumerate(items) if not item or not item.strip()]
    if empty:
        module.fail_json(msg="runtimes[%d] is empty" % empty[0])
    ports = module.params["redis_ports"]
    bad = [port for port in ports if isinstance(port, bool) or not 1 <= port <= 65535]
    if bad:
        module.fail_json(msg="redis_ports: %r is not a TCP port (1 to 65535)" % (bad[0],))
    found = []
    if ports:
        found = ["pid:%d" % pid for pid in procs.connected_to(set(ports), skip={os.getpid(), os.getppid()})]
        items += [item for item in found if item not in items]
    if not items:
        module.exit_json(changed=False, runtimes=[], found=[])
    report = [look(item, timeout) for item in items]
    for entry in report:
        for text in entry["warnings"]:
            module.warn("%s: %s" % (entry["runtime"], text))
    module.exit_json(changed=False, runtimes=report, found=found)


if __name__ == "__main__":
    main()
