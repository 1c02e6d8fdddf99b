"""cluster_ip_discovery against a real Redis Cluster: redis-server processes on 127.0.0.1 and ::1.

The address family is switched at run time with CONFIG SET cluster-announce-ip, the way a self-managed
cluster changes it and close to what ElastiCache does when IpDiscovery changes (nodes switch one by one and
the change spreads by gossip).
"""

from __future__ import annotations

import datetime
import threading
import time

import pytest
import redis

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


def test_not_a_cluster_fails_clearly(run_adhoc, tmp_path):
    with plain_server(str(tmp_path)) as port:
        result = run_adhoc(dict(host="127.0.0.1", port=port, family="ipv4"))
    assert result["failed"] and "not a cluster-mode Redis (cluster support disabled)" in result["msg"]
    assert result["error_kind"] == "not_cluster"


@pytest.fixture(scope="module")
def secured(request):
    """Three masters with three replicas, a password on every node."""
    cluster = RedisCluster(masters=3, replicas=1, password="s3cret-for-tests")
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
        assert when(result) - times["last"] <= 0.5 + 1.0
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
