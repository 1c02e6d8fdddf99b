"""cluster_ip_discovery against a real Redis Cluster: redis-server processes on 127.0.0.1 and ::1.

The address family is switched at run time with CONFIG SET cluster-announce-ip, the way a self-managed
cluster changes it and close to what ElastiCache does when IpDiscovery changes (nodes switch one by one and
the change spreads by gossip).
"""

from __future__ import annotations

import datetime
import socket
import threading
import time

import pytest
import redis

from ansible_collections.dualstack.redis.plugins.module_utils import _cluster_probe as cp
from ansible_collections.dualstack.redis.plugins.module_utils import _cluster_topology as ct
from redis_cluster import RedisCluster, free_ports, plain_server, wait_for


def args(cluster, **kw):
    base = dict(host="127.0.0.1", port=cluster.ports[0], family="ipv6", timeout=30, interval=0.5, connect_timeout=2)
    base.update(kw)
    return base


def when(result):
    return datetime.datetime.fromisoformat(result["checked_at"]).timestamp()


def switch_later(cluster, family, delay, gap):
    """Switch every node, ``gap`` s apart, starting after ``delay`` s; returns (thread, times)."""
    times = {}

    def act():
        time.sleep(delay)
        times["last"] = cluster.switch(family, gap=gap)

    thread = threading.Thread(target=act, daemon=True)
    thread.start()
    return thread, times


def test_waits_until_every_node_switched_and_notices_within_an_interval(on_ipv4, start_adhoc):
    cluster = on_ipv4
    before = cluster.connections_received()
    finish = start_adhoc(args(cluster, interval=0.5))
    thread, times = switch_later(cluster, "ipv6", delay=2.0, gap=1.0)
    result = finish()
    thread.join(10)
    assert not result.get("failed"), result.get("msg")
    assert result["converged"] is True and result["families"] == ["ipv6"]
    assert {n["ip"] for n in result["nodes"]} == {"::1"} and len(result["nodes"]) == 3
    assert all(len(n["reported"]) == 3 for n in result["nodes"])
    lag = when(result) - times["last"]
    # gossip (within the cluster's node timeout of 1 s) plus at most one interval
    assert 0 < lag <= 0.5 + 1.0, "noticed %.2f s after the last node switched" % lag
    assert result["polls"] >= 5  # it really was waiting through the switch
    # one connection per node for the whole wait, one more per node whose address changed
    # (less the test's own: one per node to switch it, one per node to read the count)
    opened = {port: count - before[port] - 2 for port, count in cluster.connections_received().items()}
    assert sum(opened.values()) == result["connections"] <= 6, opened
    assert all(count <= 2 for count in opened.values()), opened


def test_wrong_family_fails_at_the_timeout_naming_every_node(on_ipv4, run_adhoc):
    cluster = on_ipv4
    started = time.monotonic()
    result = run_adhoc(args(cluster, timeout=3, interval=0.5))
    took = time.monotonic() - started
    assert result["failed"] is True and result["converged"] is False
    assert result["msg"].startswith("timed out after 3s")
    for port in cluster.ports:
        assert "127.0.0.1:%d (reported as 127.0.0.1 by 3 of 3 views)" % port in result["msg"]
    assert 3.0 <= result["elapsed"] < 4.0
    assert took < 3.0 + 10  # the module's own time plus ansible's start-up


def test_a_stopped_node_cannot_hold_the_wait_past_the_timeout(on_ipv4, run_adhoc):
    """A node that accepts connections but never answers (SIGSTOP): each read may last connect_timeout (5 s),
    yet the module returns by its timeout (3 s); today's code took 5 s or more."""
    import os
    import signal

    cluster = on_ipv4
    stopped = cluster.pids[2]
    os.kill(stopped, signal.SIGSTOP)
    try:
        result = run_adhoc(args(cluster, timeout=3, interval=0.5, connect_timeout=5))
    finally:
        os.kill(stopped, signal.SIGCONT)
    assert result["failed"] is True and result["msg"].startswith("timed out after 3s")
    assert result["elapsed"] <= 3.2, result["elapsed"]
    assert ":%d" % cluster.ports[2] in result["msg"]


def test_without_wait_reports_the_mixed_state_mid_switch(on_ipv4, run_adhoc):
    cluster = on_ipv4
    first = cluster.ports[0]
    cluster.announce(first, "::1")
    wait_for(lambda: all(cluster.announced(p)[first] == "::1" for p in cluster.ports), 10, "the first node's switch to spread")
    result = run_adhoc(args(cluster, wait=False))
    assert not result.get("failed") and result["converged"] is False
    assert result["families"] == ["ipv4", "ipv6"]
    by_port = {n["port"]: n for n in result["nodes"]}
    assert by_port[first]["family"] == "ipv6" and by_port[first]["converged"] is True
    assert [by_port[p]["family"] for p in cluster.ports[1:]] == ["ipv4", "ipv4"]
    assert "not every node is announced on ipv6" in result["msg"]


def test_hostname_endpoints_are_reported_with_the_resolver_hint(on_ipv4, start_adhoc):
    cluster = on_ipv4
    for port in cluster.ports:
        cluster.announce(port, "localhost", setting="cluster-announce-hostname")
        cluster.announce(port, "hostname", setting="cluster-preferred-endpoint-type")
    finish = start_adhoc(args(cluster, interval=0.5))
    thread, _times = switch_later(cluster, "ipv6", delay=1.0, gap=0.3)
    result = finish()
    thread.join(10)
    assert not result.get("failed"), result.get("msg")
    assert result["hostname_endpoints"] is True and result["hostnames_only"] is False
    assert {n["endpoint"] for n in result["nodes"]} == {"localhost"}
    assert {n["endpoint_type"] for n in result["nodes"]} == {"hostname"}
    assert result["converged"] and {n["ip"] for n in result["nodes"]} == {"::1"}
    assert any("protocol_preference" in w for w in _warnings(result))


def test_the_three_topology_commands_agree_on_a_real_cluster(on_ipv4):
    cluster = on_ipv4
    cluster.announce(cluster.ports[1], "::1")
    wait_for(lambda: cluster.announced(cluster.ports[0])[cluster.ports[1]] == "::1", 10, "the switch to spread")
    client = redis.Redis(port=cluster.ports[0])
    try:
        readers = (("SHARDS", ct.nodes_from_shards), ("SLOTS", ct.nodes_from_slots), ("NODES", ct.nodes_from_nodes))
        seen = {name: sorted((n["id"], n["ip"], n["port"], n["role"], n["family"]) for n in reader(client.execute_command("CLUSTER", name)))
                for name, reader in readers}
    finally:
        client.close()
    assert seen["SHARDS"] == seen["SLOTS"] == seen["NODES"]
    assert [entry[4] for entry in seen["SHARDS"]].count("ipv6") == 1


def test_unreachable_endpoint_fails_clearly(run_adhoc):
    port = free_ports(1)[0]
    result = run_adhoc(dict(host="127.0.0.1", port=port, family="ipv6", connect_timeout=1))
    assert result["failed"] and result["msg"].startswith("cannot reach 127.0.0.1:%d" % port)
    assert result["error_kind"] == "unreachable"


def test_not_a_cluster_fails_clearly(run_adhoc, tmp_path, engine):
    with plain_server(str(tmp_path), engine) as port:
        result = run_adhoc(dict(host="127.0.0.1", port=port, family="ipv4"))
    assert result["failed"] and "not a cluster-mode Redis (cluster support disabled)" in result["msg"]
    assert result["error_kind"] == "not_cluster"


@pytest.fixture(scope="module")
def secured(request, engine):
    """Three masters with three replicas, a password on every node."""
    cluster = RedisCluster(masters=3, replicas=1, password="s3cret-for-tests", engine=engine)
    request.addfinalizer(cluster.stop)
    return cluster.start()


def test_wrong_password_fails_and_stays_out_of_the_result(secured, run_adhoc):
    result = run_adhoc(dict(host="127.0.0.1", port=secured.ports[0], password="not-the-password", family="ipv4"))
    assert result["failed"] and result["error_kind"] == "auth"
    assert "authentication failed at 127.0.0.1:%d" % secured.ports[0] in result["msg"]
    assert "not-the-password" not in str(result)
    result = run_adhoc(dict(host="127.0.0.1", port=secured.ports[0], family="ipv4"))
    assert result["failed"] and result["error_kind"] == "auth"


def test_login_aliases_connect_and_authenticate(secured, run_adhoc):
    # the names community.general's redis modules use: login_host, login_user, login_password
    result = run_adhoc(dict(login_host="127.0.0.1", port=secured.ports[0], login_user="default",
                            login_password=secured.password, family="ipv4", wait=False))
    assert not result.get("failed"), result.get("msg")
    assert result["converged"] and len(result["nodes"]) == 6
    assert secured.password not in str(result)


def test_replicas_are_followed_too(secured, start_adhoc):
    finish = start_adhoc(dict(host="127.0.0.1", port=secured.ports[0], password=secured.password, family="ipv6",
                              timeout=30, interval=0.5))
    thread, times = switch_later(secured, "ipv6", delay=1.5, gap=0.4)
    result = finish()
    thread.join(10)
    assert not result.get("failed"), result.get("msg")
    assert result["converged"] and len(result["nodes"]) == 6
    assert sorted(n["role"] for n in result["nodes"]) == ["master"] * 3 + ["replica"] * 3
    assert all(len(n["reported"]) == 6 for n in result["nodes"])
    assert when(result) - times["last"] <= 0.5 + 1.0
    assert "s3cret-for-tests" not in str(result)


def _warnings(result):
    return [w if isinstance(w, str) else w.get("msg", str(w)) for w in result.get("warnings", [])] + \
        [str(w) for w in result.get("deprecations", [])]


def test_tls_with_the_cluster_ca_follows_a_switch(tls_cluster, start_adhoc):
    cluster = tls_cluster
    finish = start_adhoc(args(cluster, tls=True, ca_certs=cluster.ca))
    thread, times = switch_later(cluster, "ipv6", delay=1.0, gap=0.3)
    try:
        result = finish()
        thread.join(10)
        assert not result.get("failed"), result.get("msg")
        # after the switch the module connects to [::1]: the certificate must name ::1 too (checked by redis-py)
        assert result["converged"] and {n["ip"] for n in result["nodes"]} == {"::1"}
        # one interval, gossip (within the node timeout, 1 s), and three new TLS handshakes to the new addresses:
        # measured 0.56 to 1.49 s on both engines with the CPU busy, so 0.5 s is allowed for the handshakes
        assert when(result) - times["last"] <= 0.5 + 1.0 + 0.5
    finally:  # the next tests of this module need the cluster on IPv4, whatever happened here
        thread.join(10)
        cluster.switch("ipv4")
        wait_for(lambda: cluster.settled("ipv4"), 15, "the TLS cluster back on 127.0.0.1")


def test_tls_certificate_not_trusted_fails_clearly(tls_cluster, run_adhoc):
    result = run_adhoc(args(tls_cluster, tls=True, family="ipv4"))
    assert result["failed"] and result["error_kind"] == "tls"
    assert "the server certificate was not accepted" in result["msg"] and "ca_certs" in result["msg"]


def test_tls_without_validation_reads_the_cluster(tls_cluster, run_adhoc):
    result = run_adhoc(args(tls_cluster, tls=True, validate_certs=False, family="ipv4", wait=False))
    assert not result.get("failed"), result.get("msg")
    assert result["converged"] and len(result["nodes"]) == 3


# --- clusters that answer each family with its own addresses (Valkey 8+) -----------------------------------------

@pytest.fixture
def per_family(on_ipv4):
    """The Valkey cluster giving clients that came over IPv4 127.0.0.1 and those over IPv6 ::1 (every node, seen
    from every node), as a self-managed dual-stack Valkey is set up."""
    cluster = on_ipv4
    cluster.announce_per_family()
    wait_for(lambda: all(set(cluster.announced_over(p, "ipv6").values()) == {"::1"}
                         and set(cluster.announced_over(p, "ipv4").values()) == {"127.0.0.1"} for p in cluster.ports),
             15, "every node to answer each family with its own addresses")
    yield cluster
    cluster.clear_per_family()


@pytest.mark.parametrize("engine", ["valkey"], indirect=True)
@pytest.mark.parametrize("host,wanted", [("127.0.0.1", "ipv6"), ("::1", "ipv4"), ("localhost", "ipv6")])
def test_a_per_family_cluster_is_read_over_each_family(per_family, run_adhoc, host, wanted):
    """Reached over one family and asked for the other, the module used to wait its whole timeout ("every node
    reported as 127.0.0.1 by 3 of 3 views") while every client of the other family already got its addresses."""
    cluster = per_family
    started = time.monotonic()
    result = run_adhoc(args(cluster, host=host, family=wanted, timeout=20))
    took = time.monotonic() - started
    assert not result.get("failed"), result.get("msg")
    assert result["converged"] is True and result["per_family"] is True
    assert result["clients_get"] == {"ipv4": ["ipv4"], "ipv6": ["ipv6"]}
    assert result["read_over"] == ["ipv4", "ipv6"]
    assert result["msg"].startswith("clients that connect over %s get %s addresses for every node" % (wanted, wanted))
    assert any("each address family's clients their own addresses" in w for w in result.get("warnings", []))
    assert result["polls"] == 1 and took < 15
    for node in result["nodes"]:
        overs = sorted(r["over"] for r in node["reported"])
        assert overs == ["ipv4"] * 3 + ["ipv6"] * 3, node["reported"]  # every node read over each family
        assert {r["family"] for r in node["reported"] if r["over"] == wanted} == {wanted}
    if host != "localhost":
        assert result["announced"] == {"ipv4": "127.0.0.1", "ipv6": "::1"}  # read with CONFIG GET


@pytest.mark.parametrize("engine", ["valkey"], indirect=True)
def test_a_per_family_cluster_switching_the_wanted_family_is_waited_for(on_ipv4, start_adhoc):
    """IPv6 clients get 127.0.0.1 (the announced address) until each node's cluster-announce-client-ipv6 is set:
    that is waited for, node by node, on the view over IPv6 (the given node, set first, says where to read it)."""
    cluster = on_ipv4
    first, rest = cluster.ports[0], cluster.ports[1:]
    for port in cluster.ports:
        cluster.announce(port, "127.0.0.1", setting="cluster-announce-client-ipv4")
    cluster.announce(first, "::1", setting="cluster-announce-client-ipv6")
    wait_for(lambda: cluster.announced_over(rest[0], "ipv6")[first] == "::1", 15, "the first node's setting to spread")
    finish = start_adhoc(args(cluster, host="127.0.0.1", family="ipv6", timeout=30))
    time.sleep(4)  # ansible's start-up, then a few polls
    switched = time.time()
    for port in rest:
        cluster.announce(port, "::1", setting="cluster-announce-client-ipv6")
        time.sleep(0.5)
    result = finish()
    assert not result.get("failed"), result.get("msg")
    assert result["converged"] is True and result["per_family"] is True and result["polls"] >= 2
    assert when(result) > switched  # it was still waiting when the last nodes switched
    assert result["clients_get"] == {"ipv4": ["ipv4"], "ipv6": ["ipv6"]}


@pytest.mark.parametrize("engine", ["valkey"], indirect=True)
def test_the_wanted_familys_view_unreadable_returns_at_once_with_the_reason(on_ipv4, run_adhoc):
    """The nodes send IPv6 clients to an address that does not answer (an IPv4-mapped address of 127.0.0.2, where
    nothing listens: the connection stays on loopback): no wait can change that, so the module says so at once."""
    cluster = on_ipv4
    for port in cluster.ports:
        cluster.announce(port, "::ffff:127.0.0.2", setting="cluster-announce-client-ipv6")
    started = time.monotonic()
    result = run_adhoc(args(cluster, host="127.0.0.1", family="ipv6", timeout=60))
    took = time.monotonic() - started
    for port in cluster.ports:
        cluster.announce(port, "", setting="cluster-announce-client-ipv6")
    assert result["failed"] is True and result["error_kind"] == "per_family"
    assert result["msg"].startswith("not waiting: the given node announces ::ffff:127.0.0.2 to clients that connect over ipv6")
    assert "[::ffff:127.0.0.2]:%d did not answer" % cluster.ports[0] in result["msg"]
    assert result["polls"] == 1 and took < 20


def test_a_name_with_both_families_reads_both_views_of_an_ordinary_cluster(on_ipv4):
    """Redis 7.0 (no per-family settings) and Valkey without them answer both families alike: reached by a name
    with both address families, the topology is read over both, the cluster is not per family, and the wait
    works as before. (The real cluster, the module's own poll loop; the name's resolution is given, since this
    machine's localhost has no ::1.)"""
    cluster = on_ipv4

    def resolve(host, port, family, kind):
        assert host == "redis.test"
        return [(socket.AF_INET6, kind, 6, "", ("::1", port, 0, 0)), (socket.AF_INET, kind, 6, "", ("127.0.0.1", port))]

    params = dict(args(cluster, host="redis.test", interval=0.5, timeout=30), wait=True, all_nodes=True, tls=False)
    probe = cp.Probe(cp.connect_kwargs(dict(params, username=None, password=None, validate_certs=True, ca_certs=None,
                                            client_cert_file=None, client_key_file=None)))
    thread, _times = switch_later(cluster, "ipv6", delay=1.5, gap=0.5)
    try:
        result = cp.watch(probe, params, resolve=resolve)
    finally:
        probe.close()
    thread.join(10)
    assert result["converged"] is True and result["per_family"] is False and result["polls"] >= 2
    assert result["read_over"] == ["ipv4", "ipv6"] and result["announced"] == {}
    # each node read once over each family: from ::1 (the entry) over IPv6, and where it is announced
    assert all(sorted({r["over"] for r in n["reported"]}) == ["ipv4", "ipv6"] or n["ip"] == "::1" for n in result["nodes"])
    assert probe.connections <= 3 * 2 + 3
