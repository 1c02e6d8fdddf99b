"""cluster_probe without a server: command fallback, error classes, one view per node, the wait loop.

The fake client below answers from a dict of node states; the real-server behaviour is covered by
tests/cluster (redis-server on loopback). Combining the views is _cluster_topology's (test_cluster_topology.py).
"""

import pytest
from redis import exceptions as rex

from ansible_collections.dualstack.redis.plugins.module_utils import _cluster_probe as cp
from ansible_collections.dualstack.redis.plugins.module_utils import _cluster_topology as ct

A, B, C = "a" * 40, "b" * 40, "c" * 40


def shards(nodes):
    """A RESP2 CLUSTER SHARDS reply, one shard per (id, ip, port)."""
    return [[b"slots", [], b"nodes", [[b"id", i.encode(), b"port", p, b"ip", ip.encode(), b"endpoint", ip.encode(),
                                       b"role", b"master"]]] for i, ip, p in nodes]


class FakeCluster:
    """addresses[(host, port)] -> node id; views[node id] -> [(id, ip, port)]; errors[(host, port)] -> exception."""

    def __init__(self):
        self.addresses, self.views, self.errors, self.unknown = {}, {}, {}, set()
        self.config = {}  # node id -> {name: value} that CONFIG GET answers (Redis OSS: nothing)
        self.views_over = {}  # (node id, family connected over) -> view, for nodes that answer per family
        self.calls, self.made = [], []

    def factory(self, host, port, **_kwargs):
        self.made.append((host, port))
        cluster = self
        # redis-py connects and authenticates while making a single-connection client
        if isinstance(self.errors.get((host, port)), (rex.ConnectionError, rex.AuthenticationError)):
            raise self.errors[(host, port)]

        class Client:
            def execute_command(self, *argv):
                cluster.calls.append((host, port) + argv)
                if (host, port) in cluster.errors:
                    raise cluster.errors[(host, port)]
                myid = cluster.addresses[(host, port)]
                if argv[0] == "CONFIG":
                    return [x for k, v in cluster.config.get(myid, {}).items() for x in (k.encode(), v.encode())]
                if argv[1] == "MYID":
                    return myid.encode()
                if argv[1] in cluster.unknown:
                    raise rex.ResponseError("ERR unknown subcommand '%s'. Try CLUSTER HELP." % argv[1].lower())
                view = cluster.views_over.get((myid, ct.family(host)), cluster.views[myid])
                if argv[1] == "SHARDS":
                    return shards(view)
                if argv[1] == "SLOTS":
                    return [[0, 1, [ip.encode(), p, i.encode(), []]] for i, ip, p in view]
                return "\n".join("%s %s:%d@1%d %s - 0 0 1 connected" % (i, ip, p, p, "myself,master" if i == myid else "master")
                                 for i, ip, p in view).encode()

            def close(self):
                pass

        return Client()


def params(**kw):
    base = dict(host="127.0.0.1", port=7000, family="ipv6", wait=True, timeout=10, interval=1.0, all_nodes=True)
    base.update(kw)
    return base


@pytest.fixture
def cluster():
    fake = FakeCluster()
    for node, port in ((A, 7000), (B, 7001), (C, 7002)):
        fake.addresses[("127.0.0.1", port)] = node
        fake.addresses[("::1", port)] = node
    on_v4 = [(A, "127.0.0.1", 7000), (B, "127.0.0.1", 7001), (C, "127.0.0.1", 7002)]
    fake.views = {A: list(on_v4), B: list(on_v4), C: list(on_v4)}
    return fake


def test_one_poll_reads_every_node_once(cluster):
    probe = cp.Probe({}, factory=cluster.factory)
    result = cp.watch(probe, params(wait=False))
    assert result["families"] == ["ipv4"] and result["converged"] is False
    assert [n["id"] for n in result["nodes"]] == [A, B, C]
    assert all(len(n["reported"]) == 3 for n in result["nodes"])
    assert sorted(cluster.made) == [("127.0.0.1", 7000), ("127.0.0.1", 7001), ("127.0.0.1", 7002)]


def test_each_view_is_the_answering_nodes_own(cluster):
    cluster.views[A] = [(A, "::1", 7000), (B, "::1", 7001), (C, "127.0.0.1", 7002)]
    cluster.views[C] = [(A, "127.0.0.1", 7000), (B, "::1", 7001), (C, "::1", 7002)]
    result = cp.watch(cp.Probe({}, factory=cluster.factory), params(wait=False))
    by_id = {n["id"]: n for n in result["nodes"]}
    # C as it announces itself (its CLUSTER MYID), not as the first view (A's) reports it
    assert by_id[C]["ip"] == "::1" and by_id[C]["reported"][0]["ip"] == "127.0.0.1"
    # each node read where the given node's view announces it
    assert [r["view"] for r in by_id[B]["reported"]] == ["127.0.0.1:7000", "[::1]:7001", "127.0.0.1:7002"]
    assert by_id[A]["family"] == "mixed" and not result["converged"]


def test_wait_polls_until_converged_and_keeps_connections(cluster):
    clock = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        clock[0] += seconds
        if len(sleeps) == 2:  # the switch lands between the second and third poll
            for node in (A, B, C):
                cluster.views[node] = [(A, "::1", 7000), (B, "::1", 7001), (C, "::1", 7002)]

    probe = cp.Probe({}, factory=cluster.factory)
    result = cp.watch(probe, params(interval=1.5), clock=lambda: clock[0], sleep=sleep)
    assert result["converged"] and result["polls"] == 3 and sleeps == [1.5, 1.5]
    assert result["elapsed"] == 3.0
    # one connection per node, one more for each node whose address changed (B and C; A is the given node)
    assert probe.connections == 5


def test_wait_stops_at_the_timeout(cluster):
    clock = [0.0]

    def sleep(seconds):
        clock[0] += seconds

    result = cp.watch(cp.Probe({}, factory=cluster.factory), params(timeout=4, interval=1.5), clock=lambda: clock[0], sleep=sleep)
    assert not result["converged"]
    # polls at 0, 1.5 and 3; the last sleep is cut short at 4, the deadline, after which nothing is read
    assert result["polls"] == 3 and result["elapsed"] == 4.0


def test_falls_back_to_slots_then_nodes_and_remembers(cluster):
    cluster.unknown = {"SHARDS"}
    result = cp.watch(cp.Probe({}, factory=cluster.factory), params(wait=False))
    assert result["commands"] == ["SLOTS"]
    cluster.unknown = {"SHARDS", "SLOTS"}
    cluster.calls.clear()
    probe = cp.Probe({}, factory=cluster.factory)
    cp.watch(probe, params(wait=False))
    cp.watch(probe, params(wait=False))
    asked = [call[3] for call in cluster.calls if call[:3] == ("127.0.0.1", 7000, "CLUSTER")]
    assert asked == ["MYID", "SHARDS", "SLOTS", "NODES", "NODES"]


@pytest.mark.parametrize("error,kind,words", [
    (rex.AuthenticationError("WRONGPASS invalid username-password pair or user is disabled."), "auth", "check username and password"),
    (rex.ResponseError("NOAUTH Authentication required."), "auth", "authentication failed at 127.0.0.1:7000"),
    (rex.NoPermissionError("NOPERM this user has no permissions to run the 'cluster|shards' command"), "auth", "CLUSTER MYID"),
    (rex.ResponseError("ERR This instance has cluster support disabled"), "not_cluster", "not a cluster-mode Redis"),
    (rex.ConnectionError("Error 111 connecting to 127.0.0.1:7000. Connection refused."), "unreachable", "cannot reach 127.0.0.1:7000"),
    (rex.TimeoutError("Timeout connecting to server"), "unreachable", "cannot reach"),
    (rex.ConnectionError("Error 1 connecting to 127.0.0.1:7000. [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
     "tls", "give ca_certs the CA"),
])
def test_the_given_node_failing_is_classified(cluster, error, kind, words):
    cluster.errors[("127.0.0.1", 7000)] = error
    with pytest.raises(cp.ProbeError) as info:
        cp.watch(cp.Probe({}, factory=cluster.factory), params())
    assert info.value.kind == kind and words in str(info.value)


def test_another_node_not_answering_blocks_convergence_and_is_named(cluster):
    for node in (A, B, C):
        cluster.views[node] = [(A, "::1", 7000), (B, "::1", 7001), (C, "::1", 7002)]
    cluster.errors[("::1", 7002)] = rex.ConnectionError("Connection refused")
    result = cp.watch(cp.Probe({}, factory=cluster.factory), params(wait=False))
    assert not result["converged"]
    assert result["unreachable"][0]["id"] == C and result["unreachable"][0]["address"] == "[::1]:7002"
    assert "cccccccc [::1]:7002 did not answer" in ct.describe_laggards(result, "ipv6")


def test_auth_failing_on_another_node_fails_at_once(cluster):
    cluster.errors[("127.0.0.1", 7001)] = rex.AuthenticationError("WRONGPASS")
    with pytest.raises(cp.ProbeError) as info:
        cp.watch(cp.Probe({}, factory=cluster.factory), params())
    assert info.value.kind == "auth"


def test_given_node_lost_mid_wait_is_retried_until_the_timeout(cluster):
    clock = [0.0]

    def sleep(seconds):
        clock[0] += seconds
        cluster.errors[("127.0.0.1", 7000)] = rex.ConnectionError("Connection reset by peer")

    result = cp.watch(cp.Probe({}, factory=cluster.factory), params(timeout=2.5, interval=1), clock=lambda: clock[0], sleep=sleep)
    assert not result["converged"] and result["polls"] == 3
    assert "Connection reset" in result["unreachable"][0]["error"]


def test_only_the_given_node_with_all_nodes_false(cluster):
    result = cp.watch(cp.Probe({}, factory=cluster.factory), params(wait=False, all_nodes=False))
    assert cluster.made == [("127.0.0.1", 7000)]
    assert all(len(n["reported"]) == 1 for n in result["nodes"])


def test_hostname_only_announcements_stop_the_wait():
    node = [b"id", A.encode(), b"port", 6379, b"endpoint", b"node-a.cache.example",
            b"hostname", b"node-a.cache.example", b"role", b"master"]
    reply = [[b"slots", [], b"nodes", [node]]]

    class Client:
        def execute_command(self, *argv):
            return A.encode() if argv[1] == "MYID" else reply

        def close(self):
            pass

    result = cp.watch(cp.Probe({}, factory=lambda **_k: Client()), params(timeout=60))
    assert result["hostnames_only"] and result["hostname_endpoints"] and result["polls"] == 1
    assert result["nodes"][0]["endpoint_type"] == "hostname" and not result["converged"]


@pytest.mark.parametrize("change,words", [
    (dict(timeout=-1), "timeout must be from 0 to 86400 seconds, got -1"),
    (dict(interval=0), "interval must be more than 0 to 3600 seconds, got 0"),
    (dict(interval=float("nan")), "interval must be more than 0 to 3600 seconds, got nan"),
    (dict(interval=float("inf")), "interval must be more than 0 to 3600 seconds, got inf"),
    (dict(connect_timeout=1e300), "connect_timeout must be more than 0 to 3600 seconds, got 1e+300"),
    (dict(port=0, interval=0), "port must be between 1 and 65535"),  # with the connection options' problems
    (dict(host="a..example", interval=0), "host 'a..example' has an empty label"),
])
def test_argument_problems(change, words):
    base = dict(host="redis.example", port=6379, timeout=10, interval=1.0, connect_timeout=5.0, tls=False)
    base.update(change)
    problems = cp.argument_problems(base)
    assert any(words in p for p in problems) and len(problems) == len(change)


def test_connect_kwargs_one_attempt_one_connection_per_client():
    kwargs = cp.connect_kwargs(dict(host="127.0.0.1", port=7000, username="ops", password="pw", connect_timeout=2.0,
                                    tls=True, validate_certs=True))
    assert kwargs["single_connection_client"] is True and kwargs["retry"].get_retries() == 0
    assert kwargs["client_name"] == "dualstack.redis.cluster_ip_discovery"
    assert kwargs["ssl"] is True and kwargs["username"] == "ops" and kwargs["socket_timeout"] == 2.0


def test_probe_connects_to_each_node_where_it_is_announced(cluster):
    seen = []

    def factory(**kwargs):
        seen.append(kwargs)
        return cluster.factory(**kwargs)

    cp.watch(cp.Probe(dict(host="127.0.0.1", port=7000, socket_timeout=2.0), factory=factory), params(wait=False))
    assert [(k["host"], k["port"]) for k in seen] == [("127.0.0.1", 7000), ("127.0.0.1", 7001), ("127.0.0.1", 7002)]
    assert all(k["socket_timeout"] == 2.0 for k in seen)


class SlowCluster(FakeCluster):
    """Every command takes ``cost`` seconds of the fake clock; a node in ``stopped`` never answers, so a read
    of it lasts until its socket timeout (the one the probe set last) and then fails."""

    def __init__(self, clock, cost, stopped):
        super().__init__()
        self.clock, self.cost, self.stopped, self.timeouts = clock, cost, stopped, []

    def factory(self, **kwargs):
        client = super().factory(**kwargs)
        cluster, address = self, (kwargs["host"], kwargs["port"])
        connection = type("Connection", (), {})()
        connection.socket_timeout = kwargs.get("socket_timeout")
        real = client.execute_command

        def execute_command(*args):
            cluster.timeouts.append(connection.socket_timeout)
            if address in cluster.stopped:
                cluster.clock[0] += connection.socket_timeout
                raise rex.TimeoutError("Timeout reading from %s:%s" % address)
            cluster.clock[0] += cluster.cost
            return real(*args)

        client.connection, client.execute_command = connection, execute_command
        return client


def test_a_stopped_node_cannot_hold_the_wait_past_its_deadline(cluster):
    """connect_timeout 5, timeout 3: today's code waited 5 s for the stopped node; no read may outlast 3 s."""
    clock = [0.0]
    slow = SlowCluster(clock, 0.1, stopped={("127.0.0.1", 7002)})
    slow.views, slow.addresses = cluster.views, cluster.addresses
    result = cp.watch(cp.Probe({"socket_timeout": 5.0}, factory=slow.factory), params(timeout=3, interval=1),
                      clock=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s))
    assert not result["converged"] and clock[0] <= 3.0 + 1e-9
    assert max(slow.timeouts) <= 3.0 and min(slow.timeouts) > 0
    assert any("7002" in (entry["address"] or "") for entry in result["unreachable"])


# --- per-family answers (Valkey 8's cluster-announce-client-ipv4/ipv6) ----------------------------------------

ON_V4 = [(A, "127.0.0.1", 7000), (B, "127.0.0.1", 7001), (C, "127.0.0.1", 7002)]
ON_V6 = [(A, "::1", 7000), (B, "::1", 7001), (C, "::1", 7002)]


def both_families(host, port, family, kind):
    return [(cp.socket.AF_INET6, kind, 6, "", ("::1", port, 0, 0)), (cp.socket.AF_INET, kind, 6, "", ("127.0.0.1", port))]


@pytest.fixture
def per_family(cluster):
    for node in (A, B, C):
        cluster.views_over[(node, "ipv4")] = list(ON_V4)
        cluster.views_over[(node, "ipv6")] = list(ON_V6)
    return cluster


def test_entry_points():
    assert cp.entry_points("10.0.0.5", 6379) == [("ipv4", "10.0.0.5")]
    assert cp.entry_points("2600:1f18::15", 6379) == [("ipv6", "2600:1f18::15")]
    assert cp.entry_points("redis.test", 6379, resolve=both_families) == [("ipv6", "::1"), ("ipv4", "127.0.0.1")]
    assert cp.entry_points("redis.test", 6379, tls=True, resolve=both_families) == [(None, "redis.test")]

    def fails(*_a):
        raise cp.socket.gaierror(-2, "Name or service not known")
    assert cp.entry_points("nowhere.test", 6379, resolve=fails) == [(None, "nowhere.test")]


def test_a_name_with_both_families_reads_each_node_over_each(per_family):
    result = cp.watch(cp.Probe({}, factory=per_family.factory), params(host="redis.test", timeout=10),
                      resolve=both_families)
    assert result["per_family"] is True and result["converged"] is True and result["polls"] == 1
    assert result["clients_get"] == {"ipv4": ["ipv4"], "ipv6": ["ipv6"]}
    assert sorted(per_family.made) == sorted([(h, p) for h in ("127.0.0.1", "::1") for p in (7000, 7001, 7002)])
    for node in result["nodes"]:
        assert sorted(r["over"] for r in node["reported"]) == ["ipv4"] * 3 + ["ipv6"] * 3


def test_an_address_learns_the_other_family_from_the_node(per_family):
    per_family.config[A] = {"cluster-announce-client-ipv4": "127.0.0.1", "cluster-announce-client-ipv6": "::1"}
    result = cp.watch(cp.Probe({}, factory=per_family.factory), params(host="127.0.0.1", family="ipv6", timeout=10))
    assert result["converged"] is True and result["per_family"] is True
    assert result["announced"] == {"ipv4": "127.0.0.1", "ipv6": "::1"} and result["read_over"] == ["ipv4", "ipv6"]


def test_without_the_other_familys_address_it_waits_as_before(per_family):
    """A node that does not say (CONFIG not allowed, as on ElastiCache): one view, the old answer and wait."""
    clock = [0.0]

    def sleep(seconds):
        clock[0] += seconds
    result = cp.watch(cp.Probe({}, factory=per_family.factory), params(host="127.0.0.1", timeout=3, interval=1),
                      clock=lambda: clock[0], sleep=sleep)
    assert result["converged"] is False and result["per_family"] is False and result["read_over"] == ["ipv4"]
    assert result["cannot_converge"] is None and result["polls"] == 3 and result["elapsed"] == 3.0  # waited it out


def test_the_wanted_familys_view_unreadable_stops_at_once(per_family):
    per_family.config[A] = {"cluster-announce-client-ipv6": "::1"}
    per_family.errors[("::1", 7000)] = rex.ConnectionError("Error 111 connecting to ::1:7000. Connection refused.")
    sleeps = []
    result = cp.watch(cp.Probe({}, factory=per_family.factory), params(host="127.0.0.1", family="ipv6", timeout=60),
                      sleep=sleeps.append)
    assert sleeps == [] and result["polls"] == 1 and result["converged"] is False
    assert result["cannot_converge"].startswith("the given node announces ::1 to clients that connect over ipv6")
    assert "[::1]:7000 did not answer" in result["cannot_converge"]


def test_one_family_of_a_name_not_answering_does_not_block_the_other(cluster):
    """An ordinary cluster reached by a name whose IPv6 address does not answer: as before (a client would have
    fallen back to IPv4), converged on what answered, the entry named in unreachable."""
    cluster.errors[("::1", 7000)] = rex.ConnectionError("Error 111 connecting to ::1:7000. Connection refused.")
    result = cp.watch(cp.Probe({}, factory=cluster.factory), params(host="redis.test", family="ipv4"),
                      resolve=both_families)
    assert result["converged"] is True and result["read_over"] == ["ipv4"]
    assert [u["address"] for u in result["unreachable"]] == ["[::1]:7000"] and result["unreachable"][0]["entry"]
