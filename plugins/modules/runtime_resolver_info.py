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
author:
  - dualstack.redis maintainers (@dualstack)
extends_documentation_fragment:
  - dualstack.redis._attributes
  - dualstack.redis._attributes.INFO_MODULE
  - dualstack.redis._attributes.PLATFORM_LINUX
options:
  runtimes:
    description:
      - Programs to look at. An item ending in C(.service) is a systemd service; an absolute path is a program or a
        script (its C(#!) interpreter is what runs); anything else is a command name looked up on C(PATH).
    type: list
    elements: str
    required: true
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
"""

RETURN = r"""
runtimes:
  description: One entry per item of O(runtimes), in the same order.
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
"""

import os
import re
import shutil

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dualstack.redis.plugins.module_utils import _commands as commands
from ansible_collections.dualstack.redis.plugins.module_utils import _runtimes as runtimes


class Unreadable(Exception):
    """Why a runtime could not be looked at."""


def _read(path):
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", "replace")


def service(name, timeout):
    """(path, argv, env, running) of a systemd service: from its process when it runs, else from the unit."""
    argv_show = ["systemctl", "show", "--property=LoadState", "--property=MainPID", "--property=ExecStart",
                 "--property=Environment", "--", name]
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
            path = os.readlink("/proc/%d/exe" % pid)
            argv = [word for word in _read("/proc/%d/cmdline" % pid).split("\0") if word]
            env = runtimes.parse_environment(_read("/proc/%d/environ" % pid))
            return path, argv, env, True
        except OSError:
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
    return (argv[0] if argv else None), argv, env, False


def node_version(path, timeout):
    """(major, minor) from ``node --version``, or None."""
    try:
        rc, out, err = commands.run([path, "--version"], timeout)
    except (OSError, commands.CommandTimeout):
        return None
    match = re.match(r"v(\d+)\.(\d+)\.", out.strip())
    return (int(match.group(1)), int(match.group(2))) if rc == 0 and match else None


def look(item, timeout):
    """The report for one item of runtimes."""
    entry = dict(runtime=item, path=None, running=None, kind="missing", follows_gai_conf=None, fix=None, details={},
                 warnings=[])
    env, env_known = {}, False
    try:
        if item.endswith(".service"):
            path, argv, env, running = service(item, timeout)
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
        argv = [path] + list(argv[1:])
        version = node_version(path, timeout) if os.path.basename(path) in ("node", "nodejs") else None
        entry.update(runtimes.judge(info, argv, env, node_version=version, env_known=env_known))
    except Unreadable as exc:
        entry["why"] = str(exc)
    except (OSError, runtimes.BinaryError, ValueError) as exc:
        entry.update(kind="unknown", why="cannot read %s: %s" % (item, exc))
    return entry


def main():
    module = AnsibleModule(
        argument_spec=dict(runtimes=dict(type="list", elements="str", required=True),
                           timeout=dict(type="int", default=10)),
        supports_check_mode=True,
    )
    timeout = module.params["timeout"]
    if not 1 <= timeout <= 300:
        module.fail_json(msg="timeout must be from 1 to 300 seconds, got %d" % timeout)
    items = module.params["runtimes"]
    empty = [index for index, item in enumerate(items) if not item or not item.strip()]
    if empty:
        module.fail_json(msg="runtimes[%d] is empty" % empty[0])
    report = [look(item, timeout) for item in items]
    for entry in report:
        for text in entry["warnings"]:
            module.warn("%s: %s" % (entry["runtime"], text))
    module.exit_json(changed=False, runtimes=report)


if __name__ == "__main__":
    main()
