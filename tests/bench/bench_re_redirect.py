"""Benchmark: what a redirect costs the REST transport. A 3-node stand-in cluster whose every node serves the API
on loopback (tests/lib/re_api_cluster.py), with Redis Enterprise's default (handle_redirects false): node 2 answers
307 to node 1, the master. In one run, each measured 40 times (medians), as one module run reads the cluster
(GET /v1/nodes and GET /v1/nodes/status, a new client each time):
- floor: the read from the master itself (two exchanges on one TLS connection);
- redirect: the same read through node 2 (its 307, then the master, which the client then asks directly);
- one exchange: a GET on a TLS connection already open, and one TLS connection made (TCP and handshake).
Prints the exchanges and connections of each, the medians, redirect/floor, and the extra time of the redirect in
exchanges and connections. Target (issue 25): at most one extra round trip, plus the connection to the master.
Needs no lab and no root.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from collection_tree import link_checkout  # noqa: E402
from re_api_cluster import ApiCluster  # noqa: E402

link_checkout("dualstack-redis-bench-")

from ansible_collections.dualstack.redis.plugins.module_utils._re import rest  # noqa: E402

REPEAT = 40


def read(cluster, node):
    transport = rest.Rest(dict(cluster.args(node), validate_certs=True))
    started = time.perf_counter()
    transport.nodes()
    took = time.perf_counter() - started
    counts = (transport.client.exchanges, len(transport.client.connections))
    transport.close()
    return took, counts


def main():
    with tempfile.TemporaryDirectory(prefix="bench-redirect-") as root:
        cluster = ApiCluster(Path(root))
        try:
            for node in (1, 2):   # warm up both paths (imports, the stand-in's first requests)
                read(cluster, node)
            floor, redirect = [], []
            for _round in range(REPEAT):   # interleaved, so that a busy moment of the machine hits both
                took, floor_counts = read(cluster, 1)
                floor.append(took)
                took, redirect_counts = read(cluster, 2)
                redirect.append(took)
            transport = rest.Rest(dict(cluster.args(1), validate_certs=True))
            transport.call("GET", "/v1/nodes/status")
            exchange = []
            for _round in range(REPEAT):
                started = time.perf_counter()
                transport.call("GET", "/v1/nodes/status")
                exchange.append(time.perf_counter() - started)
            connect = []
            for _round in range(REPEAT):
                transport.client.close()
                started = time.perf_counter()
                transport.call("GET", "/v1/nodes/status")
                connect.append(time.perf_counter() - started - statistics.median(exchange))
            transport.close()
        finally:
            cluster.close()
    f, r, e, c = (statistics.median(values) for values in (floor, redirect, exchange, connect))
    extra = r - f
    print("REST redirect benchmark: reading the nodes (2 GETs), a new client each time, medians of %d" % REPEAT)
    print("  floor: from the master            %.1f ms (%d exchanges, %d connection)" % (f * 1000, floor_counts[0], floor_counts[1]))
    print("  through node 2 (one 307)          %.1f ms (%d exchanges, %d connections) = %.2fx the floor"
          % (r * 1000, redirect_counts[0], redirect_counts[1], r / f))
    print("  one exchange on an open connection %.1f ms; one TLS connection made %.1f ms" % (e * 1000, c * 1000))
    print("  the redirect costs %.1f ms = one exchange + %.2fx one TLS connection (target: one exchange + one connection, "
          "the master being another host)" % (extra * 1000, (extra - e) / c if c > 0 else 0.0))
    ok = redirect_counts[0] - floor_counts[0] <= 1 and redirect_counts[1] - floor_counts[1] <= 1
    print("  extra exchanges %d, extra connections %d: %s"
          % (redirect_counts[0] - floor_counts[0], redirect_counts[1] - floor_counts[1], "ok" if ok else "OVER TARGET"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
