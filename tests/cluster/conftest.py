"""Fixtures for the tests against a real Redis Cluster on loopback, once per engine: Debian's redis-server 7.0 and
valkey-server 8.1 (8.0 for TLS; tests/lab/lab.sh valkey fetches both, pinned). A test that takes ``cluster``,
``tls_cluster``, ``on_ipv4`` or ``engine`` runs once for each (ids ``[redis]`` and ``[valkey]``).

The module runs the way Ansible runs it: ``ansible localhost -m dualstack.redis.cluster_ip_discovery`` in a
subprocess (AnsiballZ, the venv's Python as the interpreter), with the JSON callback for its result
(tests/lib/module_runs.py's run_adhoc and start_adhoc).
"""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))

import module_runs  # noqa: E402
from collection_tree import link_checkout  # noqa: E402

TREE = link_checkout("dualstack-redis-cluster-tests-")

from redis_cluster import ENGINES, RedisCluster, missing_binaries, wait_for  # noqa: E402
MODULE = "dualstack.redis.cluster_ip_discovery"


@pytest.fixture(scope="session", autouse=True)
def needs_redis_server():
    missing = missing_binaries()
    if missing:
        pytest.fail("%s not installed: run tests/lab/lab.sh redis and tests/lab/lab.sh valkey (make test does)"
                    % " and ".join(missing), pytrace=False)


@pytest.fixture(scope="module", params=sorted(ENGINES))
def engine(request):
    """``redis`` or ``valkey``: the server the cluster fixtures start."""
    return request.param


@pytest.fixture
def run_adhoc():
    """run_adhoc(args, timeout=120, module=MODULE) -> the module's result dict (with ``failed``), run ad hoc."""

    def run(args, timeout=120, module=MODULE):
        return module_runs.run_adhoc(module, args, TREE, timeout=timeout)

    return run


@pytest.fixture
def start_adhoc():
    """start_adhoc(args, module=MODULE) -> finish(timeout=120): run_adhoc in the background while the test acts."""
    started = []

    def start(args, module=MODULE):
        proc, finish = module_runs.start_adhoc(module, args, TREE)
        started.append(proc)
        return finish

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def _cluster(request, **kwargs):
    cluster = RedisCluster(**kwargs)
    request.addfinalizer(cluster.stop)
    return cluster.start()


@pytest.fixture(scope="module")
def cluster(request, engine):
    """Three masters, announcing 127.0.0.1."""
    return _cluster(request, masters=3, engine=engine)


@pytest.fixture(scope="module")
def tls_cluster(request, engine):
    """Three masters on TLS only (clients and cluster bus), with a CA of their own (its path: .ca)."""
    return _cluster(request, masters=3, tls=True, engine=engine)


@pytest.fixture
def on_ipv4(cluster):
    """The three-master cluster back on 127.0.0.1 with no hostnames, every node agreeing, before the test."""
    for port in cluster.ports:
        cluster.announce(port, "", setting="cluster-announce-hostname")
        cluster.announce(port, "ip", setting="cluster-preferred-endpoint-type")
    if cluster.engine == "valkey":  # no per-family answers unless a test sets them
        cluster.clear_per_family()
    cluster.switch("ipv4")
    wait_for(lambda: cluster.settled("ipv4"), 15, "every node to see every node on 127.0.0.1")
    return cluster
