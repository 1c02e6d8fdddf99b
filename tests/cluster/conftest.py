"""Fixtures for the tests against a real Redis Cluster (redis-server from Debian, on loopback).

The module runs the way Ansible runs it: ``ansible localhost -m dualstack.redis.cluster_ip_discovery`` in a
subprocess (AnsiballZ, the venv's Python as the interpreter), with the JSON callback for its result.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))

from collection_tree import link_checkout  # noqa: E402

_TREE = link_checkout("dualstack-redis-cluster-tests-")

from redis_cluster import RedisCluster, wait_for  # noqa: E402
MODULE = "dualstack.redis.cluster_ip_discovery"


def ansible_env():
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=_TREE,
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
    )
    return env


def module_argv(args, module=MODULE):
    return ["ansible", "localhost", "-c", "local", "-i", "localhost,", "-e", "ansible_python_interpreter=%s" % sys.executable,
            "-m", module, "-a", json.dumps(args)]


def task_result(stdout):
    """The one task's result from the JSON callback's output."""
    data = json.loads(stdout[stdout.index("{"):])
    return data["plays"][0]["tasks"][0]["hosts"]["localhost"]


@pytest.fixture(scope="session", autouse=True)
def needs_redis_server():
    missing = [tool for tool in ("redis-server", "redis-cli") if not shutil.which(tool)]
    if missing:
        pytest.fail("%s not installed: run tests/lab/lab.sh redis (make test does)" % " and ".join(missing), pytrace=False)


@pytest.fixture
def run_module():
    """run_module(args, timeout=120) -> the module's result dict (with ``failed``)."""

    def run(args, timeout=120, module=MODULE):
        proc = subprocess.run(module_argv(args, module), env=ansible_env(), capture_output=True, text=True,
                              timeout=timeout, check=False)
        assert "{" in proc.stdout, "ansible printed no JSON (rc %d): %s" % (proc.returncode, proc.stderr[-2000:])
        return task_result(proc.stdout)

    return run


@pytest.fixture
def start_module():
    """start_module(args) -> finish(): the module running in the background while the test acts."""
    started = []

    def start(args, module=MODULE):
        proc = subprocess.Popen(module_argv(args, module), env=ansible_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        started.append(proc)

        def finish(timeout=120):
            out, err = proc.communicate(timeout=timeout)
            assert "{" in out, "ansible printed no JSON (rc %d): %s" % (proc.returncode, err[-2000:])
            return task_result(out)

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
def cluster(request):
    """Three masters, announcing 127.0.0.1."""
    return _cluster(request, masters=3)


@pytest.fixture
def on_ipv4(cluster):
    """The three-master cluster back on 127.0.0.1 with no hostnames, every node agreeing, before the test."""
    for port in cluster.ports:
        cluster.announce(port, "", setting="cluster-announce-hostname")
        cluster.announce(port, "ip", setting="cluster-preferred-endpoint-type")
    cluster.switch("ipv4")
    wait_for(lambda: cluster.settled("ipv4"), 15, "every node to see every node on 127.0.0.1")
    return cluster
