"""A deadline on every wait: a resolver that never answers (issue 29, item 2).

getaddrinfo() has no timeout of its own: with a resolver that never answers, glibc waits for the resolver's own
timeout times its attempts (here 4 s x 2, per query). Every module that looks a name up must end within its own
timeout plus a small margin, and say which name it could not resolve in time.

The black hole is real: a UDP and TCP socket on 127.0.0.153 port 53 that takes queries and never answers, and each
module's main() runs in a subprocess (tests/cluster/deadline_runner.py) in a private mount namespace whose overlay on /etc has a
resolv.conf naming it (the host's /etc is not touched; its hosts file does not hold the names asked). The time is the
module's own (from main() to its exit_json or fail_json, as run_in_process sees it), not Python's and Ansible's
start-up, which a loaded CI machine stretches by seconds: a module may take its timeout plus MARGIN seconds.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest


SINK = "127.0.0.153"
NAME = "node1.blackhole.test"
TIMEOUT = 2
MARGIN = 2.0
RUNNER = os.path.join(os.path.dirname(__file__), "deadline_runner.py")
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
    """(result, seconds the module's main() took): run in a subprocess under ``prefix`` (deadline_runner.py), so that
    a loaded machine's start-up time of Python and Ansible does not count; the lookups a module leaves behind do not
    hold it."""
    done = subprocess.run(list(prefix) + [sys.executable, RUNNER, module.split(".")[-1], json.dumps(args)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout.strip(), done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return out["result"], out["took"]


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


@pytest.mark.parametrize("module", sorted(CASES))
def test_each_module_ends_within_its_timeout_and_names_the_name(module, blackholed):
    result, took = timed("dualstack.redis." + module, CASES[module], blackholed)
    assert result.get("failed"), result
    assert NAME in result["msg"], result["msg"]
    assert took <= TIMEOUT + MARGIN, "%s took %.1f s: %s" % (module, took, result["msg"])


# --- a server that trickles its reply one byte at a time --------------------------------------------------------------

def serving(handle, rcvbuf=None):
    """A TCP server on 127.0.0.1 that gives each connection it accepts to ``handle(conn, stop)`` in a thread of its
    own: (port, stop event, the connections); the caller sets ``stop`` and closes the server."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if rcvbuf is not None:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # (inherited by the accepted sockets)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    stop = threading.Event()
    held = []

    def accept():
        while not stop.is_set():
            try:
                conn, _peer = server.accept()
            except OSError:
                return
            held.append(conn)
            threading.Thread(target=handle, args=(conn, stop), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return server, stop, held


@pytest.fixture
def trickler():
    """A TCP server on 127.0.0.1 that answers every connection with a Redis reply one byte every 0.2 s, for ever
    (a simple string that never ends): each read gets a byte in time, so only a deadline on the whole reply ends it."""
    def serve(conn, stop):
        with conn:
            try:
                conn.sendall(b"+")
                while not stop.wait(0.2):
                    conn.sendall(b"x")
            except OSError:
                pass

    server, stop, _held = serving(serve)
    yield server.getsockname()[1]
    stop.set()
    server.close()


@pytest.mark.parametrize("module, args", [
    ("redis_endpoint_info", {"host": "127.0.0.1", "port": "PORT", "connect_timeout": TIMEOUT}),
    ("cluster_ip_discovery", {"host": "127.0.0.1", "port": "PORT", "family": "ipv6", "wait": False,
                              "connect_timeout": TIMEOUT}),
    # botocore's read timeout bounds each read: the module bounds each call as a whole
    ("elasticache_ip_discovery", {"replication_group_id": "orders", "ip_discovery": "ipv6", "region": "us-east-1",
                                  "endpoint_url": "http://127.0.0.1:PORT", "access_key": "AKIDEXAMPLE",
                                  "secret_key": "secret", "aws_timeout": TIMEOUT, "aws_retries": 0}),
])
def test_a_reply_that_trickles_ends_within_the_timeout(module, args, trickler):
    args = {key: (int(value.replace("PORT", str(trickler))) if value == "PORT" else value.replace("PORT", str(trickler)))
            if isinstance(value, str) else value for key, value in args.items()}
    result, took = timed("dualstack.redis." + module, args, [])
    limit = 2 * TIMEOUT if module == "elasticache_ip_discovery" else TIMEOUT  # (connecting, then the whole reply)
    assert result.get("failed"), result
    assert "127.0.0.1" in result["msg"] and str(trickler) in result["msg"], result["msg"]
    assert took <= limit + MARGIN, "%s took %.1f s: %s" % (module, took, result["msg"])


# --- a peer that never reads (nor answers) ----------------------------------------------------------------------------

@pytest.fixture
def deaf_peer():
    """A TCP server on 127.0.0.1 that accepts every connection and then neither reads nor writes, for ever, with the
    smallest receive buffer the kernel allows (so a request of more than a few KB would block the sender too): a TLS
    handshake, an HTTP request or a Redis command is taken by the kernel and never answered. Only a deadline on the
    whole exchange ends it."""
    server, stop, held = serving(lambda conn, stop: None, rcvbuf=1)  # (held, never read, until the test ends)
    yield server.getsockname()[1], held
    stop.set()
    server.close()
    for conn in held:
        conn.close()


@pytest.mark.parametrize("module, args, limit", [
    ("redis_endpoint_info", {"host": "127.0.0.1", "port": "PORT", "connect_timeout": TIMEOUT}, TIMEOUT),
    ("cluster_ip_discovery", {"host": "127.0.0.1", "port": "PORT", "family": "ipv6", "wait": False,
                              "connect_timeout": TIMEOUT}, TIMEOUT),
    # the REST API over TLS: the handshake is what waits
    ("re_node_info", {"transport": "rest", "api_url": ["https://127.0.0.1:PORT"], "api_username": "ops",
                      "api_password": "secret", "api_timeout": TIMEOUT}, TIMEOUT),
    ("elasticache_ip_discovery", {"replication_group_id": "orders", "ip_discovery": "ipv6", "region": "us-east-1",
                                  "endpoint_url": "http://127.0.0.1:PORT", "access_key": "AKIDEXAMPLE",
                                  "secret_key": "secret", "aws_timeout": TIMEOUT, "aws_retries": 0}, 2 * TIMEOUT),
])
def test_a_peer_that_never_reads_ends_within_the_timeout(module, args, limit, deaf_peer):
    port, held = deaf_peer
    args = {key: (value.replace("PORT", str(port)) if isinstance(value, str) else
                  [item.replace("PORT", str(port)) for item in value] if isinstance(value, list) else value)
            for key, value in args.items()}
    args = {key: int(value) if value == str(port) else value for key, value in args.items()}
    result, took = timed("dualstack.redis." + module, args, [])
    assert held, "the module never connected: the test proves nothing"
    assert result.get("failed"), result
    assert "127.0.0.1" in result["msg"] and str(port) in result["msg"], result["msg"]
    assert took <= limit + MARGIN, "%s took %.1f s: %s" % (module, took, result["msg"])
