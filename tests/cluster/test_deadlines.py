"""A deadline on every wait: a resolver that never answers (issue 29, item 2).

getaddrinfo() has no timeout of its own: with a resolver that never answers, glibc waits for the resolver's own
timeout times its attempts (here 4 s x 2, per query). Every module that looks a name up must end within its own
timeout plus a small margin, and say which name it could not resolve in time.

The black hole is real: a UDP and TCP socket on 127.0.0.153 port 53 that takes queries and never answers, and each
module runs ad hoc (AnsiballZ, as Ansible runs it) in a private mount namespace whose overlay on /etc has a
resolv.conf naming it (the host's /etc is not touched; its hosts file does not hold the names asked). The margin is
measured, not guessed: the same ad hoc run of ansible.builtin.ping in the same namespace is the floor, and a module
may take at most its timeout plus MARGIN seconds more than that.
"""

import socket
import subprocess
import time

import pytest

import module_runs
from conftest import TREE

SINK = "127.0.0.153"
NAME = "node1.blackhole.test"
TIMEOUT = 2
MARGIN = 2.0
# The namespace's /etc: an overlay whose resolv.conf is $1/resolv.conf. resolv.conf may be a link out of /etc
# (systemd-resolved): it is removed in the overlay (a whiteout), then written.
SCRIPT = ('mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/upper,workdir=$1/work" /etc'
          ' && rm -f /etc/resolv.conf && cp "$1/resolv.conf" /etc/resolv.conf && shift && exec "$@"')


@pytest.fixture(scope="module")
def silent_resolver():
    """Sockets on SINK:53 that take every query (UDP datagrams queue up, TCP connections wait in the backlog) and
    never answer."""
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    udp.bind((SINK, 53))
    tcp.bind((SINK, 53))
    tcp.listen(128)
    yield SINK
    udp.close()
    tcp.close()


@pytest.fixture
def blackholed(tmp_path, silent_resolver):
    """The argv prefix that runs a command where /etc/resolv.conf names the silent resolver only."""
    for part in ("upper", "work"):
        (tmp_path / part).mkdir()
    (tmp_path / "resolv.conf").write_text("nameserver %s\noptions timeout:4 attempts:2\n" % silent_resolver)
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", SCRIPT, "sh", str(tmp_path)]


def timed(module, args, prefix):
    started = time.monotonic()
    result = module_runs.run_adhoc(module, args, TREE, timeout=120, prefix=prefix)
    return result, time.monotonic() - started


def test_the_black_hole_holds_an_unbounded_lookup(blackholed):
    """The oracle: plain getaddrinfo() in that namespace waits longer than any module may (else the test proves
    nothing)."""
    script = "import socket\ntry:\n    socket.getaddrinfo(%r, 1)\nexcept OSError:\n    pass\n" % NAME
    started = time.monotonic()
    done = subprocess.run(blackholed + ["python3", "-c", script], capture_output=True, text=True, timeout=120, check=False)
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert took > TIMEOUT + MARGIN + 2, took


CASES = {
    "address_order_info": {"name": NAME, "timeout": TIMEOUT},
    "redis_endpoint_info": {"host": NAME, "port": 6379, "connect_timeout": TIMEOUT},
    "cluster_ip_discovery": {"host": NAME, "port": 6379, "family": "ipv6", "wait": False, "connect_timeout": TIMEOUT},
    "re_node_info": {"transport": "rest", "api_url": ["https://%s:9443" % NAME], "api_username": "ops",
                     "api_password": "secret", "api_timeout": TIMEOUT},
    "elasticache_ip_discovery": {"replication_group_id": "orders", "ip_discovery": "ipv6", "region": "us-east-1",
                                 "endpoint_url": "https://%s" % NAME, "access_key": "AKIDEXAMPLE",
                                 "secret_key": "secret", "aws_timeout": TIMEOUT, "aws_retries": 0},
}


@pytest.fixture(scope="module")
def floor(tmp_path_factory, silent_resolver):
    """The seconds an ad hoc run of ansible.builtin.ping takes in such a namespace."""
    path = tmp_path_factory.mktemp("floor")
    for part in ("upper", "work"):
        (path / part).mkdir()
    (path / "resolv.conf").write_text("nameserver %s\n" % silent_resolver)
    prefix = ["unshare", "--mount", "--propagation", "private", "sh", "-c", SCRIPT, "sh", str(path)]
    runs = []
    for _attempt in range(2):
        result, took = timed("ansible.builtin.ping", {"data": "pong"}, prefix)
        assert result.get("ping") == "pong", result
        runs.append(took)
    return min(runs)


@pytest.mark.parametrize("module", sorted(CASES))
def test_each_module_ends_within_its_timeout_and_names_the_name(module, blackholed, floor):
    result, took = timed("dualstack.redis." + module, CASES[module], blackholed)
    assert result.get("failed"), result
    assert NAME in result["msg"], result["msg"]
    assert took - floor <= TIMEOUT + MARGIN, "%s took %.1f s beyond the ad hoc floor (%.1f s): %s" % (
        module, took - floor, floor, result["msg"])


# --- a server that trickles its reply one byte at a time --------------------------------------------------------------

@pytest.fixture
def trickler():
    """A TCP server on 127.0.0.1 that answers every connection with a Redis reply one byte every 0.2 s, for ever
    (a simple string that never ends): each read gets a byte in time, so only a deadline on the whole reply ends it."""
    import threading

    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    stop = threading.Event()

    def serve(conn):
        with conn:
            try:
                conn.sendall(b"+")
                while not stop.wait(0.2):
                    conn.sendall(b"x")
            except OSError:
                pass

    def accept():
        while not stop.is_set():
            try:
                conn, _peer = server.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1]
    stop.set()
    server.close()


@pytest.mark.parametrize("module, args", [
    ("redis_endpoint_info", {"host": "127.0.0.1", "connect_timeout": TIMEOUT}),
    ("cluster_ip_discovery", {"host": "127.0.0.1", "family": "ipv6", "wait": False, "connect_timeout": TIMEOUT}),
])
def test_a_reply_that_trickles_ends_within_the_timeout(module, args, trickler, floor):
    result, took = timed("dualstack.redis." + module, dict(args, port=trickler), [])
    assert result.get("failed"), result
    assert "127.0.0.1" in result["msg"] and str(trickler) in result["msg"], result["msg"]
    assert took - floor <= TIMEOUT + MARGIN, "%s took %.1f s beyond the ad hoc floor (%.1f s): %s" % (
        module, took - floor, floor, result["msg"])
