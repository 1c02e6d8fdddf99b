# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Redis client library a program uses, and what that library does with a name that has both families.

Private to dualstack.redis: not a public API, may change in any release. Python 3.6+, standard library only.

The runtime decides whether the host's resolver order reaches a program (``_runtimes``); the client library can
then keep that order, ignore it, or throw it away. The rules below were measured with each library's resolver
against a real redis-server (tests/cluster/test_client_resolvers.py) or read from its source where it is not
packaged here:

- Lettuce with netty-resolver-dns on the class path (an optional dependency before 6.7.0, a regular one from 6.7.0)
  resolves with Netty's own DNS client: it reads /etc/hosts and resolv.conf itself, never glibc, and connects to one
  address. Netty orders IPv4 first unless ``java.net.preferIPv6Addresses`` is ``true``; it reads ``system`` as
  false (NetUtil). Without netty-resolver-dns, Lettuce uses the JDK's resolver.
- Jedis up to 4.0 connects to the JDK resolver's first address. Jedis 4.1.0 and later shuffle every address the JDK
  gives (DefaultJedisSocketFactory), so the family is random per connection; only ``preferIPv4Stack=true`` forces one.
- ioredis up to 5.8.1 looks names up with ``family: 4`` by default (IPv4 only); 5.8.2 made it 0 (Node's order).
- redis-py resolves with getaddrinfo() and tries each address in order: it follows the runtime.
- go-redis dials with Go's net.Dialer: it follows the runtime's resolver (Go's own or cgo's).

Nothing is executed here; file names, ZIP directories and package metadata are read by the caller.
"""

import re

JAR_NAME = re.compile(r"^(?P<artifact>[A-Za-z][A-Za-z0-9_.]*(?:-[A-Za-z][A-Za-z0-9_.]*)*?)"
                      r"(?:-(?P<version>\d[0-9A-Za-z.+_-]*))?\.jar$")
NETTY_DNS = "netty-resolver-dns"
GO_REDIS_MODULES = ("github.com/redis/go-redis/", "github.com/go-redis/redis")
MAX_JARS = 5000


def jar_artifact(name):
    """(artifact, version or None) from a jar's file name (``lettuce-core-6.1.6.RELEASE.jar``), or None."""
    match = JAR_NAME.match(name.rsplit("/", 1)[-1])
    if not match:
        return None
    return match.group("artifact"), match.group("version")


def version_key(text):
    """The leading numbers of a version (``6.1.6.RELEASE`` -> (6, 1, 6)), or None when it has none."""
    if not text:
        return None
    numbers = re.match(r"v?(\d+(?:\.\d+)*)", text)
    return tuple(int(part) for part in numbers.group(1).split(".")) if numbers else None


def at_least(version, floor):
    """True or False when ``version`` is known, else None."""
    key = version_key(version)
    return None if key is None else key >= floor


def java_classpath(argv, env):
    """(class path entries, main jar or None) of a java command line: -cp/-classpath/--class-path (the last one
    wins), else CLASSPATH; with -jar the main jar (and the JVM then ignores the class path options)."""
    entries, main_jar = None, None
    index = 1
    while index < len(argv):
        word = argv[index]
        if word in ("-cp", "-classpath", "--class-path") and index + 1 < len(argv):
            entries = argv[index + 1].split(":")
            index += 2
            continue
        if word.startswith("--class-path="):
            entries = word.split("=", 1)[1].split(":")
        elif word == "-jar" and index + 1 < len(argv):
            main_jar = argv[index + 1]
            break
        elif not word.startswith("-"):
            break  # the main class: what follows is the program's own arguments
        index += 1
    if main_jar is not None:
        return [], main_jar
    if entries is None:
        entries = env.get("CLASSPATH", "").split(":") if env.get("CLASSPATH") else []
    return [entry for entry in entries if entry], None


def nested_jars(names):
    """The jar names inside an executable jar's ZIP directory: Spring Boot's BOOT-INF/lib, a WAR's WEB-INF/lib, and
    jars one level down in lib/ (the layouts that carry their dependencies inside)."""
    found = []
    for name in names:
        if name.endswith(".jar") and re.match(r"^(BOOT-INF/lib|WEB-INF/lib|lib)/[^/]+$", name):
            found.append(name.rsplit("/", 1)[-1])
    return found


def manifest_class_path(text):
    """The Class-Path attribute of a MANIFEST.MF (continuation lines start with one space): its entries."""
    value, reading = [], False
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if reading and line.startswith(" "):
            value.append(line[1:])
            continue
        reading = False
        if line.lower().startswith("class-path:"):
            value.append(line.split(":", 1)[1].lstrip(" "))
            reading = True
    return [entry for entry in "".join(value).split(" ") if entry]


def artifacts(jar_names):
    """{artifact: version or None} of jar file names (a versioned name wins over an unversioned one)."""
    found = {}
    for name in jar_names[:MAX_JARS]:
        parsed = jar_artifact(name)
        if parsed and (parsed[0] not in found or found[parsed[0]] is None):
            found[parsed[0]] = parsed[1]
    return found


def _client(library, version, resolver, follows, family, why, fix):
    return dict(library=library, version=version, resolver=resolver, follows_preference=follows, family=family,
                why=why, fix=fix)


def java_clients(found, props, runtime_follows):
    """The Redis clients among a JVM's jars (``found``: {artifact: version}), given its java.net properties and
    whether the JVM's own resolver follows gai.conf (``runtime_follows``: True, False or None)."""
    clients = []
    ipv6_true = props.get("java.net.preferIPv6Addresses", "").lower() == "true"
    ipv4_stack = props.get("java.net.preferIPv4Stack", "").lower() == "true"
    # the family the JDK's resolver puts first when it does not follow gai.conf (None: it follows, or not known)
    jdk_family = "ipv4" if ipv4_stack else None if runtime_follows is not False else "ipv6" if ipv6_true else "ipv4"
    if "lettuce-core" in found:
        version = found["lettuce-core"]
        if NETTY_DNS in found:
            family = "ipv6" if ipv6_true and not ipv4_stack else "ipv4"
            clients.append(_client(
                "lettuce", version, "netty", False, family,
                "Lettuce resolves with Netty's own DNS client (%s is on the class path): it reads /etc/hosts and "
                "resolv.conf itself, never gai.conf, and puts %s first (java.net.preferIPv6Addresses=%s; Netty reads "
                "only true as IPv6 first, system as false)" % (NETTY_DNS, family.replace("ip", "IP"),
                                                               props.get("java.net.preferIPv6Addresses", "unset")),
                None if ipv6_true else
                "no per-network rule reaches Netty's resolver: -Djava.net.preferIPv6Addresses=true (protocol_preference_java: "
                "ipv6) makes it put IPv6 first for every name; or give Lettuce the JDK's resolver "
                "(ClientResources.addressResolverGroup(DefaultAddressResolverGroup.INSTANCE)) and use =system"))
        else:
            note = ("" if at_least(version, (6, 7)) is not True else
                    " (Lettuce 6.7+ depends on %s: check the application is not started with it elsewhere)" % NETTY_DNS)
            clients.append(_client(
                "lettuce", version, "jdk", runtime_follows, jdk_family,
                "Lettuce without %s resolves with the JDK: the host's preference reaches it only as it reaches the JVM "
                "(java.net.preferIPv6Addresses=system)%s" % (NETTY_DNS, note),
                None if runtime_follows else "set -Djava.net.preferIPv6Addresses=system (protocol_preference_java: system)"))
    if "jedis" in found:
        version = found["jedis"]
        shuffled = at_least(version, (4, 1))
        if shuffled:
            clients.append(_client(
                "jedis", version, "jdk-shuffled", False, "ipv4" if ipv4_stack else "random",
                "Jedis 4.1.0 and later shuffle every address the JDK gives: the family is random per connection, "
                "whatever gai.conf or java.net.preferIPv6Addresses say",
                None if ipv4_stack else
                "none per network: -Djava.net.preferIPv4Stack=true forces IPv4 (and turns IPv6 off in the JVM); for IPv6, "
                "a JedisSocketFactory of the application's own"))
        else:
            clients.append(_client(
                "jedis", version, "jdk", runtime_follows if shuffled is False else None,
                jdk_family if shuffled is False else None,
                "Jedis before 4.1.0 connects to the JDK resolver's first address: the host's preference reaches it only "
                "as it reaches the JVM (java.net.preferIPv6Addresses=system)"
                if shuffled is False else
                "Jedis of an unknown version: before 4.1.0 it follows the JVM, from 4.1.0 it shuffles the addresses",
                None if runtime_follows and shuffled is False else
                "set -Djava.net.preferIPv6Addresses=system (protocol_preference_java: system)" if shuffled is False else
                "look at the Jedis version the application bundles"))
    return clients


def ioredis_client(version, runtime_follows):
    """ioredis at ``version`` in a Node.js whose own order follows gai.conf or not."""
    follows_family = at_least(version, (5, 8, 2))
    if follows_family is False:
        return _client("ioredis", version, "node-family-4", False, "ipv4",
                       "ioredis before 5.8.2 looks names up with family 4 by default: IPv4 only, whatever the host "
                       "prefers", "upgrade ioredis to 5.8.2 or later, or set family: 0 in its options")
    if follows_family is None:
        return _client("ioredis", version, "node", None, None,
                       "ioredis of an unknown version: before 5.8.2 it looks names up over IPv4 only", None)
    return _client("ioredis", version, "node", runtime_follows, None,
                   "ioredis 5.8.2 and later keep Node's order (family 0): it follows gai.conf as Node does", None)


def redis_py_client(version, runtime_follows):
    return _client("redis-py", version, "getaddrinfo", runtime_follows, None,
                   "redis-py resolves with getaddrinfo() and tries each address in its order", None)


def go_clients(deps, runtime_follows):
    """The Go Redis clients among a binary's module dependencies ({module path: version})."""
    clients = []
    for path, version in sorted(deps.items()):
        if path.startswith(GO_REDIS_MODULES):
            clients.append(_client(
                "go-redis", version, "go", runtime_follows, None,
                "go-redis (%s) dials with Go's net.Dialer: it follows the program's resolver (Go's own never reads "
                "gai.conf; cgo's does)" % path, None))
    return clients


def summary(runtime, client):
    """One line about one client."""
    verdict = {True: "follows the host's preference", False: "does NOT follow the host's preference"}.get(
        client["follows_preference"], "may not follow the host's preference")
    family = {"ipv4": ": IPv4 first", "ipv6": ": IPv6 first", "random": ": a random family per connection"}.get(
        client["family"], "")
    text = "%s: %s %s %s%s (%s)" % (runtime, client["library"], client["version"] or "(version unknown)", verdict, family,
                                    client["why"])
    return text + (". To fix: " + client["fix"] if client["fix"] and client["follows_preference"] is not True else "")
