"""Benchmark: cluster_ip_discovery against floors measured in the same run, on a real Redis Cluster.

A cluster of 3 masters and 3 replicas (redis-server on loopback, tests/cluster/redis_cluster.py).
1. Whole module runs (wait: false, every node's view) against a plain ansible.builtin.ping on localhost:
   medians of whole `ansible` runs; target <= 1.5x ping.
2. One poll of the module's probe (connections kept for the run) against the hand-written redis-py loop
   from the ip_discovery role's README (a new connection per node per poll): median seconds per poll over
   many polls, and connections opened per poll (INFO stats); target <= 1.0x the hand-written loop.
3. The same poll on a Valkey 8.1 cluster that answers each family with its own addresses (issue 27): the module
   reads both views (IPv4 and IPv6, every node over each) against the hand-written loop's one view on the same
   cluster; target <= 2.0x.
Exit status 1 when a target is missed.
"""

import argparse
import ipaddress
import os
import statistics
import sys
import time

import redis

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "cluster"))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))

from collection_tree import link_checkout  # noqa: E402
from module_runs import run_adhoc  # noqa: E402
from redis_cluster import RedisCluster  # noqa: E402

TARGETS = {"module run": 1.5, "poll": 1.0, "per-family poll": 2.0}


def ansible_run(tree, module, args):
    """Seconds one ad hoc run of ``module`` takes; it must succeed."""
    start = time.perf_counter()
    result = run_adhoc(module, args, tree)
    took = time.perf_counter() - start
    assert not result.get("failed"), "%s failed: %s" % (module, result.get("msg"))
    return took


def hand_written_poll(port):
    """The README's loop body: CLUSTER SHARDS from the given node and from every node it names."""
    def families(host, node_port):
        with redis.Redis(host, node_port, decode_responses=True) as node:
            shards = node.execute_command("CLUSTER", "SHARDS")
        return {(n["endpoint"], n["port"]): ipaddress.ip_address(n["ip"]).version for s in shards for n in s["nodes"]}

    seen = families("127.0.0.1", port)
    views = [seen] + [families(*node) for node in seen]
    return all(version == 4 for view in views for version in view.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--polls", type=int, default=200)
    args = parser.parse_args()
    tree = link_checkout("dualstack-redis-bench-")
    cluster = RedisCluster(masters=3, replicas=1).start()
    try:
        from ansible_collections.dualstack.redis.plugins.module_utils import _cluster_probe as cp

        module_args = dict(host="127.0.0.1", port=cluster.ports[0], family="ipv4", wait=False)
        pings, runs = [], []
        for _round in range(args.rounds):
            pings.append(ansible_run(tree, "ansible.builtin.ping", None))
            runs.append(ansible_run(tree, "dualstack.redis.cluster_ip_discovery", module_args))

        params = dict(module_args, timeout=0, interval=1.0, all_nodes=True, connect_timeout=5.0, username=None, password=None,
                      tls=False, validate_certs=True, ca_certs=None, client_cert_file=None, client_key_file=None)
        probe = cp.Probe(cp.connect_kwargs(params))
        before = sum(cluster.connections_received().values())
        start = time.perf_counter()
        for _poll in range(args.polls):
            assert cp.watch(probe, params)["converged"]
        module_poll = (time.perf_counter() - start) / args.polls
        probe.close()
        module_connections = sum(cluster.connections_received().values()) - before - len(cluster.ports)

        before = sum(cluster.connections_received().values())
        start = time.perf_counter()
        for _poll in range(args.polls):
            assert hand_written_poll(cluster.ports[0])
        hand_poll = (time.perf_counter() - start) / args.polls
        hand_connections = sum(cluster.connections_received().values()) - before - len(cluster.ports)
    finally:
        cluster.stop()

    valkey = RedisCluster(masters=3, replicas=1, engine="valkey").start()
    try:
        valkey.announce_per_family()
        params = dict(params, port=valkey.ports[0], family="ipv4")
        probe = cp.Probe(cp.connect_kwargs(params))
        start = time.perf_counter()
        for _poll in range(args.polls):
            result = cp.watch(probe, params)
            assert result["converged"] and result["read_over"] == ["ipv4", "ipv6"], result
        both_poll = (time.perf_counter() - start) / args.polls
        probe.close()
        start = time.perf_counter()
        for _poll in range(args.polls):
            assert hand_written_poll(valkey.ports[0])
        one_poll = (time.perf_counter() - start) / args.polls
    finally:
        valkey.stop()

    ratios = {"module run": statistics.median(runs) / statistics.median(pings), "poll": module_poll / hand_poll,
              "per-family poll": both_poll / one_poll}
    print("cluster_ip_discovery on %d nodes (3 masters, 3 replicas), %d rounds, %d polls:" % (len(cluster.ports), args.rounds, args.polls))
    print("  ansible.builtin.ping run     median %.2f s" % statistics.median(pings))
    print("  cluster_ip_discovery run     median %.2f s   ratio %.2fx (target <= %.1fx)" % (
        statistics.median(runs), ratios["module run"], TARGETS["module run"]))
    print("  hand-written redis-py poll   %.2f ms, %.1f connections per poll" % (hand_poll * 1000, hand_connections / args.polls))
    print("  module poll (kept connections) %.2f ms, %d connections in all   ratio %.2fx (target <= %.1fx)" % (
        module_poll * 1000, module_connections, ratios["poll"], TARGETS["poll"]))
    print("  Valkey 8.1 answering per family: hand-written poll (one view) %.2f ms, module poll (both views) %.2f ms"
          "   ratio %.2fx (target <= %.1fx)" % (one_poll * 1000, both_poll * 1000, ratios["per-family poll"],
                                                TARGETS["per-family poll"]))
    missed = [name for name, ratio in ratios.items() if ratio > TARGETS[name]]
    if missed:
        print("  MISSED: %s" % ", ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
