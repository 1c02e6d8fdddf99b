"""Benchmark: redis_endpoint_info against a plain ping measured in the same run, on a real Redis Cluster.

A cluster of 3 masters and 3 replicas (redis-server on loopback, tests/cluster/redis_cluster.py). Whole ad hoc
module runs on localhost, alternating: ansible.builtin.ping, then redis_endpoint_info reading the cluster's
topology from one node (resolve, connect, CLIENT INFO, INFO cluster, CLUSTER SHARDS). Medians of the rounds;
target <= 1.5x ping (issue 15). Exit status 1 when the target is missed.
"""

import argparse
import os
import statistics
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "cluster"))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))

from collection_tree import link_checkout  # noqa: E402
from module_runs import run_adhoc  # noqa: E402
from redis_cluster import RedisCluster  # noqa: E402

TARGET = 1.5


def ansible_run(tree, module, args):
    """Seconds one ad hoc run of ``module`` takes; it must succeed."""
    start = time.perf_counter()
    result = run_adhoc(module, args, tree)
    took = time.perf_counter() - start
    assert not result.get("failed"), "%s failed: %s" % (module, result.get("msg"))
    return took, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    tree = link_checkout("dualstack-redis-bench-")
    cluster = RedisCluster(masters=3, replicas=1).start()
    try:
        module_args = dict(host="127.0.0.1", port=cluster.ports[0], cluster=True)
        pings, runs = [], []
        for _round in range(args.rounds):
            pings.append(ansible_run(tree, "ansible.builtin.ping", None)[0])
            took, result = ansible_run(tree, "dualstack.redis.redis_endpoint_info", module_args)
            assert len(result["topology"]) == len(cluster.ports), result["topology"]
            runs.append(took)
    finally:
        cluster.stop()
    ratio = statistics.median(runs) / statistics.median(pings)
    print("redis_endpoint_info on %d nodes (3 masters, 3 replicas), %d rounds:" % (len(cluster.ports), args.rounds))
    print("  ansible.builtin.ping run   median %.2f s" % statistics.median(pings))
    print("  redis_endpoint_info run    median %.2f s   ratio %.2fx (target <= %.1fx)%s" % (
        statistics.median(runs), ratio, TARGET, "" if ratio <= TARGET else "  MISSED"))
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
