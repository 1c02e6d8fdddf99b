"""The ip_discovery role and playbook end to end: ansible-playbook, botocore against the ElastiCache stand-in
(tests/standins/elasticache_api.py), and a real Redis Cluster behind it that switches when the stand-in is
told to, the way ElastiCache propagates a new IP discovery setting.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
import yaml

import elasticache_standin
from collection_tree import ROOT
from conftest import TREE, _cluster
from module_runs import json_callback_env
from redis_cluster import wait_for

PLAYBOOK = os.path.join(ROOT, "playbooks", "ip_discovery.yml")


def ElastiCacheStandIn(directory, cluster, groups, gap=0.5):  # noqa: N802  (the stand-in in front of ``cluster``)
    return elasticache_standin.ElastiCacheStandIn(directory, cluster.ports, groups, gap=gap, announce=cluster.addresses)


@pytest.fixture
def standin(on_ipv4, tmp_path):
    made = []

    def start(*groups, gap=0.5):
        made.append(ElastiCacheStandIn(str(tmp_path / "elasticache"), on_ipv4, groups, gap=gap))
        return made[-1]

    yield start
    for item in made:
        item.stop()


def write_inventory(tmp_path, clusters, clients=None):
    inventory = {"redis_clusters": {"hosts": clusters}}
    if clients:
        inventory["redis_clients"] = {"hosts": clients}
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory))
    return str(path)


def playbook(inventory, *extra, timeout=180):
    """Run the playbook; (rc, result of each task by name for each host, stats, stderr)."""
    env = json_callback_env(TREE)
    env.update(AWS_ACCESS_KEY_ID="AKIDSTANDIN", AWS_SECRET_ACCESS_KEY="standin-secret", AWS_REGION="us-east-1")
    proc = subprocess.run(["ansible-playbook", "-i", inventory, PLAYBOOK] + list(extra), env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)
    assert "{" in proc.stdout, proc.stderr
    data = json.loads(proc.stdout[proc.stdout.index("{"):])
    tasks = {}
    failed = []
    for play in data["plays"]:
        for task in play["tasks"]:
            tasks[task["task"]["name"].split(" : ", 1)[-1]] = task["hosts"]
            failed += ["%s on %s: %s" % (task["task"]["name"], host, result.get("msg"))
                       for host, result in task["hosts"].items() if result.get("failed")]
    # the failed tasks' messages first, then the end of stderr, for assertion messages
    return proc.returncode, tasks, data["stats"], "\n".join(failed) + "\n" + proc.stderr[-2000:]


def orders(ec, **extra):
    host = dict(ansible_connection="local", ansible_python_interpreter=sys.executable,
                ip_discovery_replication_group_id="orders", ip_discovery_aws_endpoint_url=ec.url,
                ip_discovery_interval=1, ip_discovery_timeout=60)
    host.update(extra)
    return host


def test_switches_elasticache_then_waits_for_every_node(standin, on_ipv4, tmp_path):
    # Nodes switch 3 s apart, so the wait sees the change under way however slowly ansible starts its next task.
    ec = standin("orders:dual_stack:ipv4", gap=3)
    inventory = write_inventory(tmp_path, {"orders": orders(ec)})
    report_path = tmp_path / "change.md"
    rc, tasks, stats, err = playbook(inventory, "-e", "ip_discovery_family=ipv6", "-e", "ip_discovery_report_path=%s" % report_path)
    assert rc == 0, err
    modify = ec.calls("ModifyReplicationGroup")
    assert [c["params"] for c in modify] == [{"ReplicationGroupId": "orders", "IpDiscovery": "ipv6", "ApplyImmediately": "true"}]
    waited = tasks["Wait until every node reports ipv6"]["orders"]
    assert waited["converged"] and waited["families"] == ["ipv6"] and waited["polls"] > 1
    assert on_ipv4.settled("ipv6")  # the real nodes, read by the test itself
    assert "ElastiCache IP discovery ipv4 -> ipv6 (changed)" in tasks["Report"]["orders"]["msg"]
    assert stats["orders"]["changed"] == 1 and stats["orders"]["failures"] == 0
    # The change report: the same figures as the wait's own result, ElastiCache's before and after, and the file
    report = tasks["Build the change report"]["orders"]["ansible_facts"]["ip_discovery_report"]
    (cluster,) = report["clusters"]
    assert cluster["elasticache"]["before"] == "ipv4" and cluster["elasticache"]["after"] == "ipv6"
    assert cluster["elasticache"]["id"] == "orders" and cluster["elasticache"]["changed"]
    assert cluster["watch"]["converged"] and cluster["watch"]["polls"] == waited["polls"]
    assert cluster["watch"]["elapsed"] == waited["elapsed"] and len(cluster["watch"]["nodes"]) == len(waited["nodes"])
    assert report["summary"] == "1 cluster on the asked family" and not report["run"]["check_mode"]
    assert report_path.read_text() == report["markdown"] and (report_path.stat().st_mode & 0o777) == 0o600
    assert "| orders | ipv6 | ipv4 | ipv6 | %d of %d | ipv6 |" % (len(waited["nodes"]), len(waited["nodes"])) in report["markdown"]


def test_nodes_announcing_another_address_than_loopback(request, tmp_path):
    # The demo's cluster (molecule/full_lab) announces the lab network's gateway, which its containers reach, not
    # loopback: the stand-in switches it to the address the nodes were started with, and the role waits for that.
    cluster = _cluster(request, family="ipv6", engine="valkey", addresses={"ipv4": "127.0.0.2"})
    ec = ElastiCacheStandIn(str(tmp_path / "elasticache"), cluster, ["orders:dual_stack:ipv6"])
    request.addfinalizer(ec.stop)
    rc, tasks, _stats, err = playbook(write_inventory(tmp_path, {"orders": orders(ec)}), "-e", "ip_discovery_family=ipv4")
    assert rc == 0, err
    waited = tasks["Wait until every node reports ipv4"]["orders"]
    assert waited["converged"] and {node["ip"] for node in waited["nodes"]} == {"127.0.0.2"}, waited
    assert cluster.settled("ipv4") and set(cluster.announced(cluster.ports[0]).values()) == {"127.0.0.2"}


def test_second_run_changes_nothing(standin, on_ipv4, tmp_path):
    on_ipv4.switch("ipv6")
    wait_for(lambda: on_ipv4.settled("ipv6"), 15, "the cluster on ::1")
    ec = standin("orders:dual_stack:ipv6")
    inventory = write_inventory(tmp_path, {"orders": orders(ec)})
    rc, tasks, stats, err = playbook(inventory, "-e", "ip_discovery_family=ipv6")
    assert rc == 0, err
    assert ec.calls("ModifyReplicationGroup") == []
    assert tasks["Wait until every node reports ipv6"]["orders"]["polls"] == 1
    assert stats["orders"]["changed"] == 0


def test_check_mode_predicts_and_changes_nothing(standin, on_ipv4, tmp_path):
    ec = standin("orders:dual_stack:ipv4")
    inventory = write_inventory(tmp_path, {"orders": orders(ec)})
    rc, tasks, stats, err = playbook(inventory, "-e", "ip_discovery_family=ipv6", "--check", "--diff")
    assert rc == 0, err
    assert ec.calls("ModifyReplicationGroup") == [] and ec.group("orders")["IpDiscovery"] == "ipv4"
    changed = tasks["Set IP discovery on ElastiCache"]["orders"]
    assert changed["changed"] and changed["diff"] == {"before": {"ip_discovery": "ipv4"}, "after": {"ip_discovery": "ipv6"}}
    looked = tasks["Wait until every node reports ipv6"]["orders"]
    assert looked["polls"] == 1 and looked["converged"] is False and looked["families"] == ["ipv4"]
    assert "read once, not waited for: check mode" in tasks["Report"]["orders"]["msg"]
    assert on_ipv4.settled("ipv4")
    report = tasks["Build the change report"]["orders"]["ansible_facts"]["ip_discovery_report"]
    assert report["run"]["check_mode"] and report["clusters"][0]["watch"]["converged"] is False
    assert report["summary"] == "check mode: nothing was changed"


def test_network_type_refusal_stops_before_any_change(standin, on_ipv4, tmp_path):
    ec = standin("legacy:ipv4:ipv4")
    inventory = write_inventory(tmp_path, {"legacy": orders(ec, ip_discovery_replication_group_id="legacy")})
    rc, tasks, _stats, _err = playbook(inventory, "-e", "ip_discovery_family=ipv6")
    assert rc == 2
    failed = tasks["Set IP discovery on ElastiCache"]["legacy"]
    assert failed["failed"] and "network type ipv4" in failed["msg"] and "dual_stack" in failed["msg"]
    assert ec.calls("ModifyReplicationGroup") == []
    assert "Wait until every node reports ipv6" not in tasks
    assert on_ipv4.settled("ipv4")


def test_bad_inputs_fail_before_anything_runs(on_ipv4, tmp_path):
    inventory = write_inventory(tmp_path, {"c": dict(ansible_connection="local", ip_discovery_host={"not": "a string"})})
    rc, tasks, _stats, _err = playbook(inventory, "-e", "ip_discovery_family=ipv6")
    assert rc == 2
    checked = tasks["Check every input by the collection's rule for its kind"]["c"]
    assert checked["failed"] and "ip_discovery_host must be a string" in checked["msg"]
    assert "Check the inputs" not in tasks
    inventory = write_inventory(tmp_path, {"c": dict(ansible_connection="local")})
    rc, tasks, _stats, _err = playbook(inventory, "-e", "ip_discovery_family=ipv6")
    assert rc == 2
    assert "give ip_discovery_replication_group_id" in tasks["Check the inputs"]["c"]["msg"]
    rc, tasks, _stats, err = playbook(inventory, "-e", "ip_discovery_family=ipv5")
    assert rc == 2
    assert "ipv5" in json.dumps(tasks) or "ipv5" in err


def test_self_managed_tls_style_cluster_sets_client_preference(on_ipv4, tmp_path):
    cluster = on_ipv4
    for port in cluster.ports:
        cluster.announce(port, "localhost", setting="cluster-announce-hostname")
        cluster.announce(port, "hostname", setting="cluster-preferred-endpoint-type")
    gai_conf = tmp_path / "gai.conf"
    inventory = write_inventory(
        tmp_path,
        {"self-managed": dict(ansible_connection="local", ip_discovery_host="127.0.0.1", ip_discovery_port=cluster.ports[0],
                              ip_discovery_interval=1, ip_discovery_timeout=60)},
        {"client-1": dict(ansible_connection="local", ansible_python_interpreter=sys.executable,
                          protocol_preference_gai_conf_path=str(gai_conf))})
    switch = threading.Thread(target=lambda: (time.sleep(2), cluster.switch("ipv6", gap=0.5)), daemon=True)
    switch.start()
    rc, tasks, stats, err = playbook(inventory, "-e", "ip_discovery_family=ipv6", "-e", "ip_discovery_clients=tls",
                                     "-e", "ip_discovery_client_view=true")
    switch.join(10)
    assert rc == 0, err
    # The report from the client host: how it connected, and the family its resolver gives the announced name first.
    first = socket.getaddrinfo("localhost", cluster.ports[0], 0, socket.SOCK_STREAM)[0][4][0]
    view = tasks["Report what this client host uses"]["client-1"]["msg"]
    assert view == ["self-managed: connected to 127.0.0.1 over ipv4, the server saw ipv4, nodes reached over %s"
                    % ("ipv6" if ":" in first else "ipv4")], view
    waited = tasks["Wait until every node reports ipv6"]["self-managed"]
    assert waited["converged"] and waited["hostname_endpoints"]
    assert "endpoints are hostnames" in tasks["Report"]["self-managed"]["msg"]
    text = gai_conf.read_text()
    assert "BEGIN dualstack.redis.gai_conf" in text and "precedence" in text
    assert stats["client-1"]["changed"] >= 1


@pytest.mark.parametrize("engine", ["valkey"], indirect=True)
def test_a_self_managed_valkey_answering_per_family_is_reported_so(on_ipv4, tmp_path):
    """Valkey 8 with cluster-announce-client-ipv4/ipv6, reached over IPv4 and asked for IPv6: no wait (IPv6 clients
    already get IPv6), and the report says what each family's clients get."""
    cluster = on_ipv4
    cluster.announce_per_family()
    try:
        wait_for(lambda: all(set(cluster.announced_over(p, "ipv6").values()) == {"::1"} for p in cluster.ports), 15,
                 "IPv6 clients to get ::1 from every node")
        inventory = write_inventory(tmp_path, {"self-managed": dict(
            ansible_connection="local", ansible_python_interpreter=sys.executable, ip_discovery_host="127.0.0.1",
            ip_discovery_port=cluster.ports[0], ip_discovery_interval=1, ip_discovery_timeout=60)})
        rc, tasks, _stats, err = playbook(inventory, "-e", "ip_discovery_family=ipv6")
    finally:
        cluster.clear_per_family()
    assert rc == 0, err
    waited = tasks["Wait until every node reports ipv6"]["self-managed"]
    assert waited["converged"] and waited["per_family"] and waited["polls"] == 1
    report = tasks["Report"]["self-managed"]["msg"]
    assert "every node on ipv6 for ipv6 clients" in report, report
    assert report.rstrip().endswith("per family: ipv4 clients get ipv4, ipv6 clients get ipv6"), report


def test_numbers_given_as_strings_with_e_work(standin, on_ipv4, tmp_path):
    """-e key=value gives strings: ip_discovery_timeout=60 used to crash the input check ('>=' between str and int)."""
    ec = standin("orders:dual_stack:ipv4")
    host = orders(ec)
    for key in ("ip_discovery_interval", "ip_discovery_timeout"):
        del host[key]
    inventory = write_inventory(tmp_path, {"orders": host})
    rc, tasks, _stats, err = playbook(inventory, "-e", "ip_discovery_family=ipv6", "-e", "ip_discovery_timeout=60",
                                      "-e", "ip_discovery_interval=1")
    assert rc == 0, err
    assert tasks["Wait until every node reports ipv6"]["orders"]["converged"]


@pytest.mark.parametrize("extra", ["ip_discovery_timeout=soon", "ip_discovery_interval=0", "ip_discovery_interval=nan"])
def test_numbers_that_are_not_numbers_are_named(on_ipv4, tmp_path, extra):
    inventory = write_inventory(tmp_path, {"c": dict(ansible_connection="local", ip_discovery_host="127.0.0.1")})
    rc, tasks, _stats, err = playbook(inventory, "-e", "ip_discovery_family=ipv6", "-e", extra)
    assert rc == 2
    # The role's argument spec refuses what cannot be converted at all; the role's own check the rest.
    name, value = extra.split("=")
    assert name in err and value in err, err  # err: the failed tasks' messages
    assert "Wait until every node reports ipv6" not in tasks


def test_sliced_job_two_clusters_at_once(standin, on_ipv4, tmp_path):
    """The IP discovery job is sliceable (issue 26): as two AWX slices (one cluster each, --limit) started together,
    each switches its own replication group exactly once and both end converged. (Both stand-in groups front the one
    real cluster of this test, which switches when either is modified: the point here is that the two runs share
    nothing on the controller and that neither touches the other's group.)"""
    ec = standin("orders:dual_stack:ipv4", "carts:dual_stack:ipv4", gap=1)
    inventory = write_inventory(tmp_path, {"orders": orders(ec), "carts": orders(ec, ip_discovery_replication_group_id="carts")})
    env = json_callback_env(TREE)
    env.update(AWS_ACCESS_KEY_ID="AKIDSTANDIN", AWS_SECRET_ACCESS_KEY="standin-secret", AWS_REGION="us-east-1")
    runs = [subprocess.Popen(["ansible-playbook", "-i", inventory, PLAYBOOK, "-e", "ip_discovery_family=ipv6", "--limit", host],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for host in ("orders", "carts")]
    for host, run in zip(("orders", "carts"), runs):
        out, err = run.communicate(timeout=180)
        assert run.returncode == 0, err[-2000:] + out[-2000:]
        stats = json.loads(out[out.index("{"):])["stats"]
        assert list(stats) == [host] and stats[host]["changed"] == 1 and stats[host]["failures"] == 0, (stats, out[-3000:])
    modified = sorted(c["params"]["ReplicationGroupId"] for c in ec.calls("ModifyReplicationGroup"))
    assert modified == ["carts", "orders"]
    # The role waits for the nodes, not for the control plane: with both groups fronting one cluster, a run may see
    # it converged (the other group's switch) before its own group reads ipv6/available, as on AWS.
    wait_for(lambda: ec.group("orders")["IpDiscovery"] == ec.group("carts")["IpDiscovery"] == "ipv6", 60,
             "both stand-in groups to report ipv6")
    assert on_ipv4.settled("ipv6")
