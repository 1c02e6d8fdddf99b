"""elasticache_ip_discovery against botocore's Stubber: the real client, serializer checks and service model.

Stubber refuses a call that was not expected (and checks the parameters of those that were) and validates
every canned response against botocore's ElastiCache model, so these tests catch wrong operation names,
parameter names and response keys. No AWS account is involved.
"""

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.dualstack.redis.plugins.module_utils import _elasticache as ec
from ansible_collections.dualstack.redis.plugins.modules import elasticache_ip_discovery as module

REGION = "eu-west-1"


@pytest.fixture
def stub(monkeypatch):
    client = boto3.client("elasticache", region_name=REGION, aws_access_key_id="AKIDEXAMPLE",
                          aws_secret_access_key="secret")
    stubber = Stubber(client)
    made = []

    def fake_client(self, service, retry_decorator=None, **_kwargs):
        made.append(service)
        return RetryingBotoClientWrapper(client, retry_decorator) if retry_decorator else client

    monkeypatch.setattr(AnsibleAWSModule, "client", fake_client)
    monkeypatch.setattr(ec.time, "sleep", lambda _s: None)
    with stubber:
        yield stubber
        stubber.assert_no_pending_responses()
    assert made in ([], ["elasticache"])


def group(ip_discovery="ipv4", network_type="dual_stack", status="available", **extra):
    data = dict(ReplicationGroupId="orders", Status=status, ClusterEnabled=True,
                ConfigurationEndpoint=dict(Address="clustercfg.orders.example.cache.amazonaws.com", Port=6379))
    if ip_discovery:
        data["IpDiscovery"] = ip_discovery
    if network_type:
        data["NetworkType"] = network_type
    data.update(extra)
    return data


def cache_cluster(ip_discovery="ipv4", network_type="dual_stack", status="available", **extra):
    data = dict(CacheClusterId="sessions", CacheClusterStatus=status, Engine="valkey",
                IpDiscovery=ip_discovery, NetworkType=network_type)
    data.update(extra)
    return data


def args(**kw):
    base = dict(replication_group_id="orders", ip_discovery="ipv6", region=REGION,
                access_key="AKIDEXAMPLE", secret_key="secret")
    base.update(kw)
    return base


def expect_describe_group(stub, **kw):
    stub.add_response("describe_replication_groups", {"ReplicationGroups": [group(**kw)]}, {"ReplicationGroupId": "orders"})


def test_changes_a_replication_group_once(stub, run_module):
    expect_describe_group(stub, ip_discovery="ipv4")
    stub.add_response("modify_replication_group", {"ReplicationGroup": group(ip_discovery="ipv4", status="modifying")},
                      {"ReplicationGroupId": "orders", "IpDiscovery": "ipv6", "ApplyImmediately": True})
    failed, result = run_module(module, dict(args(), _ansible_diff=True))
    assert not failed, result
    assert result["changed"] is True
    assert result["before"] == {"ip_discovery": "ipv4", "network_type": "dual_stack", "status": "available"}
    assert result["after"] == {"ip_discovery": "ipv6", "network_type": "dual_stack", "status": "modifying"}
    assert result["diff"] == {"before": {"ip_discovery": "ipv4"}, "after": {"ip_discovery": "ipv6"}}
    assert result["replication_group"]["configuration_endpoint"]["address"].startswith("clustercfg.")


def test_already_set_makes_no_modify_call(stub, run_module):
    expect_describe_group(stub, ip_discovery="ipv6")
    failed, result = run_module(module, args())
    assert not failed and result["changed"] is False
    assert result["before"] == result["after"]


def test_check_mode_predicts_without_modifying(stub, run_module):
    expect_describe_group(stub, ip_discovery="ipv4")
    failed, result = run_module(module, dict(args(), _ansible_check_mode=True))
    assert not failed and result["changed"] is True
    assert result["after"]["ip_discovery"] == "ipv6" and result["after"]["status"] == "available"


@pytest.mark.parametrize("network_type,wanted", [("ipv4", "ipv6"), ("ipv6", "ipv4")])
def test_refuses_a_family_the_network_type_cannot_have(stub, run_module, network_type, wanted):
    current = "ipv4" if wanted == "ipv6" else "ipv6"
    expect_describe_group(stub, ip_discovery=current, network_type=network_type)
    failed, result = run_module(module, args(ip_discovery=wanted))
    assert failed
    assert "network type %s" % network_type in result["msg"] and "cannot be changed" in result["msg"]
    assert "dual_stack" in result["msg"]
    assert result["before"]["ip_discovery"] == current


def test_resource_from_before_ip_discovery_counts_as_ipv4(stub, run_module):
    expect_describe_group(stub, ip_discovery=None, network_type=None)
    failed, result = run_module(module, args(ip_discovery="ipv4"))
    assert not failed and result["changed"] is False
    assert result["before"]["ip_discovery"] == "ipv4" and result["before"]["network_type"] == "ipv4"


def test_missing_replication_group(stub, run_module):
    stub.add_client_error("describe_replication_groups", service_error_code="ReplicationGroupNotFoundFault",
                          service_message="ReplicationGroup orders not found.", http_status_code=404)
    failed, result = run_module(module, args())
    assert failed
    assert result["msg"] == "replication group orders not found in region %s" % REGION


def test_api_error_on_modify_is_reported_with_its_code(stub, run_module):
    expect_describe_group(stub, ip_discovery="ipv4")
    stub.add_client_error("modify_replication_group", service_error_code="InvalidReplicationGroupState",
                          service_message="Replication group must be in available state", http_status_code=400)
    failed, result = run_module(module, args())
    assert failed
    assert "cannot change IP discovery of replication group orders to ipv6" in result["msg"]
    assert "InvalidReplicationGroupState" in result["msg"] or result.get("error", {}).get("code") == "InvalidReplicationGroupState"


def test_cache_cluster_is_changed_with_modify_cache_cluster(stub, run_module):
    stub.add_response("describe_cache_clusters", {"CacheClusters": [cache_cluster(ip_discovery="ipv6")]},
                      {"CacheClusterId": "sessions"})
    stub.add_response("modify_cache_cluster", {"CacheCluster": cache_cluster(ip_discovery="ipv4", status="modifying")},
                      {"CacheClusterId": "sessions", "IpDiscovery": "ipv4", "ApplyImmediately": False})
    failed, result = run_module(module, dict(cache_cluster_id="sessions", ip_discovery="ipv4", apply_immediately=False,
                                             region=REGION, access_key="AKIDEXAMPLE", secret_key="secret"))
    assert not failed and result["changed"] is True
    assert result["cache_cluster"]["cache_cluster_id"] == "sessions"
    assert any("maintenance window" in w for w in result["warnings"])


def test_member_of_a_replication_group_is_refused(stub, run_module):
    stub.add_response("describe_cache_clusters",
                      {"CacheClusters": [cache_cluster(ReplicationGroupId="orders")]}, {"CacheClusterId": "sessions"})
    failed, result = run_module(module, dict(cache_cluster_id="sessions", ip_discovery="ipv6", region=REGION,
                                             access_key="AKIDEXAMPLE", secret_key="secret"))
    assert failed and "use replication_group_id: orders" in result["msg"]


def test_wait_reads_until_available_with_the_new_value(stub, run_module):
    expect_describe_group(stub, ip_discovery="ipv4")
    stub.add_response("modify_replication_group", {"ReplicationGroup": group(status="modifying")},
                      {"ReplicationGroupId": "orders", "IpDiscovery": "ipv6", "ApplyImmediately": True})
    expect_describe_group(stub, ip_discovery="ipv4", status="modifying")
    expect_describe_group(stub, ip_discovery="ipv6", status="modifying")
    expect_describe_group(stub, ip_discovery="ipv6", status="available")
    failed, result = run_module(module, args(wait=True, wait_delay=1))
    assert not failed, result
    assert result["after"] == {"ip_discovery": "ipv6", "network_type": "dual_stack", "status": "available"}


def test_wait_fails_at_its_timeout(stub, run_module, monkeypatch):
    ticks = iter(range(0, 1000, 5))
    monkeypatch.setattr(ec.time, "monotonic", lambda: next(ticks))
    expect_describe_group(stub, ip_discovery="ipv4")
    stub.add_response("modify_replication_group", {"ReplicationGroup": group(status="modifying")},
                      {"ReplicationGroupId": "orders", "IpDiscovery": "ipv6", "ApplyImmediately": True})
    for _attempt in range(3):
        expect_describe_group(stub, ip_discovery="ipv4", status="modifying")
    failed, result = run_module(module, args(wait=True, wait_timeout=10, wait_delay=5))
    assert failed
    assert "did not report ip_discovery ipv6 and status available within 10s" in result["msg"]
    assert result["after"]["status"] == "modifying"


@pytest.mark.parametrize("extra,message", [
    (dict(cache_cluster_id="x"), "mutually exclusive"),
    (dict(replication_group_id=None), "one of the following is required"),
    (dict(replication_group_id=" "), "give a non-empty replication_group_id or cache_cluster_id"),
    (dict(ip_discovery="dual_stack"), "value of ip_discovery must be one of"),
    (dict(wait_delay=0), "wait_delay 1 or more"),
])
def test_bad_input_fails_before_any_call(stub, run_module, extra, message):
    given = {k: v for k, v in args(**extra).items() if v is not None}
    failed, result = run_module(module, given)
    assert failed and message in result["msg"]
