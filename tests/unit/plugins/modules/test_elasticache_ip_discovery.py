"""elasticache_ip_discovery against botocore's Stubber: the real client, serializer checks and service model.

The module makes its client the way it does in production (boto3 Session, region, endpoint, retries,
timeouts); the ``aws`` fixture only puts a Stubber on that client as it is made. Stubber refuses a call that
was not expected (and checks the parameters of those that were) and validates every canned response against
botocore's ElastiCache model, so these tests catch wrong operation names, parameter names and response keys.
The retry and timeout tests use a small query-API server on loopback instead, since Stubber answers before
botocore's retry handler runs, and the engine rule is also run over HTTP against the ElastiCache stand-in
(tests/standins/elasticache_api.py, no Redis behind it: nothing here makes it propagate a change). No AWS
account is involved, and nothing leaves this machine: the environment's AWS variables and config files are
replaced, and the EC2 metadata service is switched off.
"""

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import botocore.endpoint
import pytest
from botocore.stub import Stubber
from elasticache_standin import ElastiCacheStandIn

from ansible_collections.dualstack.redis.plugins.module_utils import _aws as aws_utils
from ansible_collections.dualstack.redis.plugins.module_utils import _elasticache as ec
from ansible_collections.dualstack.redis.plugins.modules import elasticache_ip_discovery as module

REGION = "eu-west-1"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN"


class FakeAWS:
    """Queues Stubber expectations, and puts them on each client the module makes."""

    def __init__(self):
        self.expected = []
        self.made = []  # (client, the session that made it, the keyword arguments of Session.client())
        self.stubbers = []

    def add_response(self, *args, **kwargs):
        self.expected.append(("add_response", args, kwargs))

    def add_client_error(self, *args, **kwargs):
        self.expected.append(("add_client_error", args, kwargs))

    def wrap(self, original):
        def client(session, service, **kwargs):
            made = original(session, service, **kwargs)
            stubber = Stubber(made)
            for method, args, kw in self.expected:
                getattr(stubber, method)(*args, **kw)
            stubber.activate()
            self.made.append((made, session, kwargs))
            self.stubbers.append(stubber)
            return made

        return client

    @property
    def client(self):
        assert len(self.made) == 1, "the module made %d clients" % len(self.made)
        return self.made[0][0]


class FakeClock:
    """time.monotonic and time.sleep for the module's wait: sleeping moves the clock on at once."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No AWS_* variable from the machine, empty AWS config files, no EC2 metadata service."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    config = tmp_path / "aws-config"
    config.write_text("")
    credentials = tmp_path / "aws-credentials"
    credentials.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # No DNS from unit tests: the endpoint's bounded lookup (aws.client) answers from here, and says what it was asked.
    looked_up.clear()
    monkeypatch.setattr(aws_utils.resp, "resolve_within", lambda host, port, timeout: looked_up.append((host, port, timeout)) or [])
    return tmp_path


looked_up = []


@pytest.fixture
def stub(monkeypatch, clean_env):
    fake = FakeAWS()
    monkeypatch.setattr(boto3.session.Session, "client", fake.wrap(boto3.session.Session.client))
    monkeypatch.setattr(ec, "time", FakeClock())  # the wait's clock only: botocore keeps the real one
    yield fake
    for stubber in fake.stubbers:
        stubber.assert_no_pending_responses()
    assert len(fake.made) <= 1
    if fake.expected:
        assert fake.made, "the module made no client"


@pytest.fixture
def run_module(run_in_process):
    return run_in_process


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
                access_key="AKIDEXAMPLE", secret_key=SECRET)
    base.update(kw)
    return {k: v for k, v in base.items() if v is not None}


def expect_describe_group(stub, **kw):
    stub.add_response("describe_replication_groups", {"ReplicationGroups": [group(**kw)]}, {"ReplicationGroupId": "orders"})


# --- the module's behaviour ------------------------------------------------------------------------


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


def test_api_error_on_modify_is_one_line_with_its_code_and_message(stub, run_module):
    expect_describe_group(stub, ip_discovery="ipv4")
    stub.add_client_error("modify_replication_group", service_error_code="InvalidReplicationGroupState",
                          service_message="Replication group must be in available state", http_status_code=400)
    failed, result = run_module(module, args())
    assert failed
    assert result["msg"] == ("cannot change IP discovery of replication group orders to ipv6: InvalidReplicationGroupState: "
                             "Replication group must be in available state (HTTP 400)")
    assert result["error"] == {"code": "InvalidReplicationGroupState", "message": "Replication group must be in available state"}
    assert "exception" not in result and "\n" not in result["msg"]


def test_api_error_on_describe_is_one_line_with_its_code_and_message(stub, run_module):
    stub.add_client_error("describe_replication_groups", service_error_code="AccessDenied",
                          service_message="User: arn:aws:iam::123456789012:user/ops is not authorized to perform: "
                                          "elasticache:DescribeReplicationGroups", http_status_code=403)
    failed, result = run_module(module, args())
    assert failed
    assert result["msg"].startswith("cannot read replication group orders: AccessDenied: User: arn:aws:iam::")
    assert result["msg"].endswith("elasticache:DescribeReplicationGroups (HTTP 403)")
    assert result["error"]["code"] == "AccessDenied" and "exception" not in result


def test_cache_cluster_is_changed_with_modify_cache_cluster(stub, run_module):
    stub.add_response("describe_cache_clusters", {"CacheClusters": [cache_cluster(ip_discovery="ipv6")]},
                      {"CacheClusterId": "sessions"})
    stub.add_response("modify_cache_cluster", {"CacheCluster": cache_cluster(ip_discovery="ipv4", status="modifying")},
                      {"CacheClusterId": "sessions", "IpDiscovery": "ipv4", "ApplyImmediately": False})
    failed, result = run_module(module, args(replication_group_id=None, cache_cluster_id="sessions", ip_discovery="ipv4",
                                             apply_immediately=False))
    assert not failed and result["changed"] is True
    assert result["cache_cluster"]["cache_cluster_id"] == "sessions"
    assert any("maintenance window" in w for w in result["warnings"])


def test_member_of_a_replication_group_is_refused(stub, run_module):
    stub.add_response("describe_cache_clusters",
                      {"CacheClusters": [cache_cluster(ReplicationGroupId="orders")]}, {"CacheClusterId": "sessions"})
    failed, result = run_module(module, args(replication_group_id=None, cache_cluster_id="sessions"))
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


def test_wait_fails_at_its_timeout(stub, run_module):
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
    (dict(wait_delay=0), "wait_delay must be from 1 to 3600 seconds, got 0"),
    (dict(aws_retries=-1), "aws_retries must be a whole number from 0 to 50, got -1"),
    (dict(aws_timeout=0), "aws_timeout must be from 1 to 3600 seconds, got 0"),
    (dict(secret_key=None), "access_key is set but secret_key is not"),
    (dict(profile="staging"), "give either profile (staging) or access_key and secret_key, not both"),
])
def test_bad_input_fails_before_any_call(stub, run_module, extra, message):
    failed, result = run_module(module, args(**extra))
    assert failed and message in result["msg"], result["msg"]
    assert stub.made == []


# --- the engine rule (ElastiCache user guide "Choosing a network type" and the API reference's IpDiscovery) ---


def expect_group_with_engine(stub, engine="valkey", version="8.0", member="orders-0001-001", member_engine=None, **kw):
    """DescribeReplicationGroups (Engine, MemberClusters, no EngineVersion, as the service model has it), then
    DescribeCacheClusters of the first member (Engine and EngineVersion)."""
    kw.setdefault("ip_discovery", "ipv4")
    extra = dict(MemberClusters=[member, "orders-0002-001"])
    if engine is not None:
        extra["Engine"] = engine
    stub.add_response("describe_replication_groups", {"ReplicationGroups": [group(**dict(kw, **extra))]},
                      {"ReplicationGroupId": "orders"})
    member_data = cache_cluster(CacheClusterId=member, ReplicationGroupId="orders", Engine=member_engine or engine)
    if member_data["Engine"] is None:
        del member_data["Engine"]
    if version is not None:
        member_data["EngineVersion"] = version
    stub.add_response("describe_cache_clusters", {"CacheClusters": [member_data]}, {"CacheClusterId": member})


def expect_modify_group(stub):
    stub.add_response("modify_replication_group", {"ReplicationGroup": group(status="modifying")},
                      {"ReplicationGroupId": "orders", "IpDiscovery": "ipv6", "ApplyImmediately": True})


@pytest.mark.parametrize("check_mode", [False, True])
@pytest.mark.parametrize("engine,version,needed", [
    ("redis", "5.0.6", "Redis OSS 6.2 or later"),
    ("redis", "6.0", "Redis OSS 6.2 or later"),
    ("valkey", "7.0", "Valkey 7.2 or later"),
])
def test_an_engine_both_sources_rule_out_is_refused_before_any_modify(stub, run_module, engine, version, needed, check_mode):
    expect_group_with_engine(stub, engine=engine, version=version)
    failed, result = run_module(module, dict(args(), _ansible_check_mode=check_mode))
    assert failed and result["changed"] is False
    assert result["msg"].startswith("replication group orders: the engine is %s %s, and IP discovery ipv6 needs %s"
                                    % ("Redis OSS" if engine == "redis" else "Valkey", version, needed))
    assert "user guide" in result["msg"] and "API reference" in result["msg"]
    assert (result["engine"], result["engine_version"]) == (engine, version)
    assert result["before"]["ip_discovery"] == "ipv4"  # Stubber: no Modify was expected, none was made


def test_an_old_engine_on_an_ipv4_network_gives_both_reasons(stub, run_module):
    expect_group_with_engine(stub, engine="redis", version="5.0.6", network_type="ipv4")
    failed, result = run_module(module, args())
    assert failed
    assert "Redis OSS 5.0.6" in result["msg"] and "; replication group orders has network type ipv4" in result["msg"]


def test_a_memcached_cache_cluster_before_1_6_6_is_refused(stub, run_module):
    stub.add_response("describe_cache_clusters", {"CacheClusters": [cache_cluster(Engine="memcached", EngineVersion="1.5.16")]},
                      {"CacheClusterId": "sessions"})
    failed, result = run_module(module, args(replication_group_id=None, cache_cluster_id="sessions"))
    assert failed
    assert result["msg"].startswith("cache cluster sessions: the engine is Memcached 1.5.16, and IP discovery ipv6 "
                                    "needs Memcached 1.6.6 or later")


def test_a_memcached_cache_cluster_from_1_6_6_is_changed(stub, run_module):
    stub.add_response("describe_cache_clusters", {"CacheClusters": [cache_cluster(Engine="memcached", EngineVersion="1.6.22")]},
                      {"CacheClusterId": "sessions"})
    stub.add_response("modify_cache_cluster", {"CacheCluster": cache_cluster(status="modifying")},
                      {"CacheClusterId": "sessions", "IpDiscovery": "ipv6", "ApplyImmediately": True})
    failed, result = run_module(module, args(replication_group_id=None, cache_cluster_id="sessions"))
    assert not failed and result["changed"] is True, result
    assert (result["engine"], result["engine_version"]) == ("memcached", "1.6.22")
    assert not result.get("warnings")


@pytest.mark.parametrize("engine,version", [("valkey", "8.0"), ("valkey", "7.2.4"), ("redis", "7.1.0"), ("redis", "6.2.6")])
def test_a_supported_engine_changes_without_a_warning(stub, run_module, engine, version):
    expect_group_with_engine(stub, engine=engine, version=version)
    expect_modify_group(stub)
    failed, result = run_module(module, args())
    assert not failed and result["changed"] is True, result
    assert (result["engine"], result["engine_version"]) == (engine, version)
    assert not result.get("warnings")
    assert result["before"] == {"ip_discovery": "ipv4", "network_type": "dual_stack", "status": "available"}


@pytest.mark.parametrize("engine,version,words", [
    ("redis", "7.2.4", "names Redis OSS 6.2 to 7.1 only"),  # only the API reference rules it out
    ("redis", "6.x", "the version does not tell"),           # the old style: 6.0 or 6.2
    ("mysql", "8.0", "not one this module knows"),
    ("valkey", None, "Valkey with no engine version"),
    (None, "7.1.0", "the engine is not reported"),
])
def test_what_cannot_be_ruled_out_is_warned_about_and_changed(stub, run_module, engine, version, words):
    expect_group_with_engine(stub, engine=engine, version=version)
    expect_modify_group(stub)
    failed, result = run_module(module, args())
    assert not failed and result["changed"] is True, result
    assert [w for w in result["warnings"] if w.startswith("replication group orders: ") and words in w], result["warnings"]


def test_a_group_that_does_not_report_its_engine_takes_its_members(stub, run_module):
    expect_group_with_engine(stub, engine=None, member_engine="redis", version="5.0.6")
    failed, result = run_module(module, args())
    assert failed and "the engine is Redis OSS 5.0.6" in result["msg"]
    assert (result["engine"], result["engine_version"]) == ("redis", "5.0.6")


def test_no_warning_when_nothing_changes(stub, run_module):
    expect_group_with_engine(stub, engine="redis", version="7.2.4", ip_discovery="ipv6")
    failed, result = run_module(module, args())
    assert not failed and result["changed"] is False and not result.get("warnings")
    assert result["engine_version"] == "7.2.4"


def test_ipv4_is_not_checked_against_the_engine(stub, run_module):
    expect_group_with_engine(stub, engine="redis", version="5.0.6", ip_discovery="ipv6")
    stub.add_response("modify_replication_group", {"ReplicationGroup": group(status="modifying")},
                      {"ReplicationGroupId": "orders", "IpDiscovery": "ipv4", "ApplyImmediately": True})
    failed, result = run_module(module, args(ip_discovery="ipv4"))
    assert not failed and result["changed"] is True and not result.get("warnings")


def test_a_failed_member_read_is_a_warning_not_a_failure(stub, run_module):
    stub.add_response("describe_replication_groups",
                      {"ReplicationGroups": [group(Engine="valkey", MemberClusters=["orders-0001-001"])]},
                      {"ReplicationGroupId": "orders"})
    stub.add_client_error("describe_cache_clusters", service_error_code="AccessDenied",
                          service_message="not authorized to perform: elasticache:DescribeCacheClusters",
                          http_status_code=403)
    expect_modify_group(stub)
    failed, result = run_module(module, args())
    assert not failed and result["changed"] is True, result
    assert (result["engine"], result["engine_version"]) == ("valkey", None)
    assert any("could not be read: DescribeCacheClusters of member orders-0001-001: AccessDenied" in w
               for w in result["warnings"]), result["warnings"]


def test_a_group_without_members_reads_no_version(stub, run_module):
    expect_describe_group(stub, ip_discovery="ipv6", Engine="redis")
    failed, result = run_module(module, args())
    assert not failed and (result["engine"], result["engine_version"]) == ("redis", None)


# --- the AWS connection ----------------------------------------------------------------------------


def test_region_from_the_option(stub, run_module, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    expect_describe_group(stub, ip_discovery="ipv6")
    failed, result = run_module(module, args(region="ap-south-1"))
    assert not failed, result
    assert stub.client.meta.region_name == "ap-south-1"
    assert stub.client.meta.endpoint_url == "https://elasticache.ap-south-1.amazonaws.com"


@pytest.mark.parametrize("env,region", [
    ({"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "eu-central-1"}, "us-west-2"),
    ({"AWS_DEFAULT_REGION": "eu-central-1"}, "eu-central-1"),
])
def test_region_from_the_environment(stub, run_module, monkeypatch, env, region):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    expect_describe_group(stub, ip_discovery="ipv6")
    failed, result = run_module(module, args(region=None))
    assert not failed, result
    assert stub.client.meta.region_name == region


def test_region_and_credentials_from_a_profile(stub, run_module, clean_env):
    (clean_env / "aws-config").write_text("[profile staging]\nregion = sa-east-1\n")
    (clean_env / "aws-credentials").write_text("[staging]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = %s\n" % SECRET)
    expect_describe_group(stub, ip_discovery="ipv6")
    failed, result = run_module(module, args(region=None, access_key=None, secret_key=None, profile="staging"))
    assert not failed, result
    assert stub.client.meta.region_name == "sa-east-1"
    assert stub.made[0][1].get_credentials().access_key == "AKIDPROFILE"


def test_no_region_anywhere_is_a_clear_error(stub, run_module):
    failed, result = run_module(module, args(region=None))
    assert failed
    assert result["msg"] == ("no AWS region: set region (or the environment variable AWS_REGION or AWS_DEFAULT_REGION, "
                             "or a region in the AWS profile)")
    assert stub.made == []


def test_unknown_profile_is_a_clear_error(stub, run_module):
    failed, result = run_module(module, args(access_key=None, secret_key=None, profile="nosuch"))
    assert failed and result["msg"] == "AWS profile nosuch is not in the AWS config or credentials file"


def test_credentials_from_the_environment_as_awx_injects_them(stub, run_module, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMAWX")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SECURITY_TOKEN", TOKEN)
    expect_describe_group(stub, ip_discovery="ipv6")
    failed, result = run_module(module, args(access_key=None, secret_key=None))
    assert not failed, result
    credentials = stub.made[0][1].get_credentials()
    assert (credentials.access_key, credentials.secret_key, credentials.token) == ("AKIDFROMAWX", SECRET, TOKEN)


def test_session_token_prefers_aws_session_token(stub, run_module, monkeypatch):
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-" + TOKEN)
    monkeypatch.setenv("AWS_SECURITY_TOKEN", TOKEN)
    expect_describe_group(stub, ip_discovery="ipv6")
    failed, result = run_module(module, args())
    assert not failed, result
    assert stub.made[0][1].get_credentials().token == "session-" + TOKEN


def test_secrets_never_reach_the_result(stub, run_module):
    """secret_key and session_token are no_log: masked wherever they would appear, even in an error."""
    stub.add_client_error("describe_replication_groups", service_error_code="InvalidClientTokenId",
                          service_message="The security token %s included in the request is invalid" % TOKEN,
                          http_status_code=403)
    failed, result = run_module(module, dict(args(session_token=TOKEN), _ansible_verbosity=3))
    assert failed and "InvalidClientTokenId" in result["msg"]
    text = json.dumps(result)
    assert SECRET not in text and TOKEN not in text
    assert "********" in result["msg"]
    specs = aws_utils.argument_spec()
    assert specs["secret_key"]["no_log"] is True and specs["session_token"]["no_log"] is True


def test_secret_key_aliases_are_no_log_too(stub, run_module):
    expect_describe_group(stub, ip_discovery="ipv4", network_type="ipv4")
    given = args(secret_key=None, aws_secret_access_key=SECRET, aws_session_token=TOKEN, ip_discovery="ipv6")
    failed, result = run_module(module, dict(given, _ansible_verbosity=3))
    assert failed and "network type ipv4" in result["msg"]
    assert SECRET not in json.dumps(result) and TOKEN not in json.dumps(result)
    assert stub.made[0][1].get_credentials().secret_key == SECRET


def test_retries_timeouts_endpoint_and_certificates_reach_botocore(stub, run_module, clean_env):
    bundle = clean_env / "ca.pem"
    bundle.write_text("")
    expect_describe_group(stub, ip_discovery="ipv6")
    failed, result = run_module(module, args(aws_retries=7, aws_timeout=12, endpoint_url="https://vpce.example.internal",
                                             aws_ca_bundle=str(bundle)))
    assert not failed, result
    client, _session, kwargs = stub.made[0]
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 8}
    assert (client.meta.config.connect_timeout, client.meta.config.read_timeout) == (12, 12)
    assert client.meta.endpoint_url == "https://vpce.example.internal"
    assert kwargs["verify"] == str(bundle)


def test_without_endpoint_url_botocore_reads_its_own_endpoint_settings(stub, run_module, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_ELASTICACHE", "https://elasticache.test.internal")
    monkeypatch.setenv("AWS_URL", "https://not-read.example.internal")  # amazon.aws's name: not read
    expect_describe_group(stub, ip_discovery="ipv6")
    failed, result = run_module(module, args())
    assert not failed, result
    assert stub.client.meta.endpoint_url == "https://elasticache.test.internal"


@pytest.mark.parametrize("extra,verify", [
    (dict(), None),                                  # botocore's own bundle (or AWS_CA_BUNDLE)
    (dict(validate_certs=False), False),
    (dict(validate_certs=False, aws_ca_bundle="/etc/ssl/x.pem"), False),
])
def test_certificate_checks(stub, run_module, extra, verify):
    expect_describe_group(stub, ip_discovery="ipv6")
    failed, result = run_module(module, args(**extra))
    assert not failed, result
    assert stub.made[0][2]["verify"] == verify
    assert stub.client.meta.config.retries == {"mode": "standard", "total_max_attempts": 6}  # the default: 5 retries


def test_missing_boto3_is_reported_with_what_to_install(stub, run_module, monkeypatch):
    monkeypatch.setattr(aws_utils, "HAS_BOTO3", False)
    monkeypatch.setattr(aws_utils, "BOTO3_IMPORT_ERROR", "Traceback: No module named 'boto3'")
    failed, result = run_module(module, args())
    assert failed and "boto3 and botocore" in result["msg"]


# --- retries and timeouts, over HTTP on loopback ------------------------------------------------------


class QueryAPI:
    """An ElastiCache query-API endpoint on 127.0.0.1 that answers every call with ``reply(number)``."""

    def __init__(self, reply):
        self.calls = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.calls.append(time.monotonic())
                status, body, delay = reply(len(outer.calls))
                threading.Event().wait(delay)  # not time.sleep: no_backoff replaces it
                data = body.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/xml")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (timeout test)
                    pass

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


def xml_error(code, message):
    return ('<ErrorResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/"><Error><Type>Sender</Type>'
            '<Code>%s</Code><Message>%s</Message></Error><RequestId>r-1</RequestId></ErrorResponse>' % (code, message))


def xml_groups(ip_discovery):
    return ('<DescribeReplicationGroupsResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/">'
            '<DescribeReplicationGroupsResult><ReplicationGroups><ReplicationGroup><ReplicationGroupId>orders'
            '</ReplicationGroupId><Status>available</Status><IpDiscovery>%s</IpDiscovery><NetworkType>dual_stack'
            '</NetworkType></ReplicationGroup></ReplicationGroups></DescribeReplicationGroupsResult>'
            '<ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></DescribeReplicationGroupsResponse>'
            % ip_discovery)


@pytest.fixture
def no_backoff(clean_env, monkeypatch):
    """botocore's retry backoff without the wait (botocore.endpoint sleeps between attempts)."""
    monkeypatch.setattr(botocore.endpoint.time, "sleep", lambda _s: None)


def test_throttling_is_retried_then_succeeds(no_backoff, run_module):
    def reply(number):
        if number <= 2:
            return 400, xml_error("Throttling", "Rate exceeded"), 0
        return 200, xml_groups("ipv6"), 0

    with QueryAPI(reply) as api:
        failed, result = run_module(module, args(endpoint_url=api.url, aws_retries=2))
    assert not failed, result
    assert result["changed"] is False and len(api.calls) == 3


def test_retries_are_bounded_and_the_error_is_one_line(no_backoff, run_module):
    with QueryAPI(lambda _n: (400, xml_error("Throttling", "Rate exceeded"), 0)) as api:
        failed, result = run_module(module, args(endpoint_url=api.url, aws_retries=3))
    assert failed
    assert len(api.calls) == 4  # the first attempt and 3 retries
    assert result["msg"] == "cannot read replication group orders: Throttling: Rate exceeded (HTTP 400)"
    assert result["error"] == {"code": "Throttling", "message": "Rate exceeded"}


def test_a_slow_endpoint_times_out_at_aws_timeout(no_backoff, run_module):
    # The endpoint would answer after 20 s; the module gives up after aws_timeout (1 s). The bound on the
    # whole run leaves room for a loaded machine (boto3's import alone takes a second there) and stays far
    # below the endpoint's delay.
    with QueryAPI(lambda _n: (200, xml_groups("ipv6"), 20)) as api:
        started = time.monotonic()
        failed, result = run_module(module, args(endpoint_url=api.url, aws_retries=0, aws_timeout=1))
        took = time.monotonic() - started
    assert failed and len(api.calls) == 1
    assert result["msg"].startswith("cannot read replication group orders: ReadTimeoutError: Read timeout on endpoint URL")
    assert api.url in result["msg"] and "\n" not in result["msg"]
    assert took < 12


def test_an_unreachable_endpoint_is_one_line(no_backoff, run_module):
    with QueryAPI(lambda _n: (200, "", 0)) as api:
        url = api.url
    failed, result = run_module(module, args(endpoint_url=url, aws_retries=1))
    assert failed
    assert result["msg"].startswith("cannot read replication group orders: EndpointConnectionError: Could not connect")
    assert url in result["msg"] and "exception" not in result


# --- the engine rule over HTTP, against the ElastiCache stand-in ------------------------------------------


def calls(api):
    """(action, params) of each call the stand-in received."""
    return [(c["action"], c["params"]) for c in api.calls()]


@pytest.fixture
def standin(clean_env):
    started = []

    def start(*groups):
        # a dummy Redis Cluster port list: no test here makes it propagate (that needs a Modify with
        # ApplyImmediately), so no Redis is needed
        started.append(ElastiCacheStandIn(clean_env / ("elasticache-%d" % len(started)), [1, 2, 3], groups))
        return started[-1]

    yield start
    for item in started:
        item.stop()


def test_over_http_an_old_engine_is_refused_before_any_modify(standin, run_module):
    # dual_stack on Redis OSS 6.0.5 cannot exist on AWS; the stand-in builds it so that only the module can refuse.
    ec_api = standin("legacy:dual_stack:ipv4:redis:6.0.5")
    failed, result = run_module(module, args(replication_group_id="legacy", endpoint_url=ec_api.url))
    assert failed
    assert result["msg"].startswith("replication group legacy: the engine is Redis OSS 6.0.5, and IP discovery ipv6 "
                                    "needs Redis OSS 6.2 or later")
    assert calls(ec_api) == [("DescribeReplicationGroups", {"ReplicationGroupId": "legacy"}),
                             ("DescribeCacheClusters", {"CacheClusterId": "legacy-0001-001"})]


def test_standin_default_engine_is_valkey_8_and_passes_in_check_mode(standin, run_module):
    ec_api = standin("orders:dual_stack:ipv4")
    failed, result = run_module(module, dict(args(endpoint_url=ec_api.url), _ansible_check_mode=True))
    assert not failed and result["changed"] is True, result
    assert (result["engine"], result["engine_version"]) == ("valkey", "8.0") and not result.get("warnings")
    assert result["replication_group"]["member_clusters"] == ["orders-0001-001", "orders-0002-001", "orders-0003-001"]
    assert [action for action, _params in calls(ec_api)] == ["DescribeReplicationGroups", "DescribeCacheClusters"]


def test_standin_takes_the_modify_the_module_only_warns_about(standin, run_module):
    ec_api = standin("orders:dual_stack:ipv4:redis:7.2.4")
    failed, result = run_module(module, args(endpoint_url=ec_api.url, apply_immediately=False))
    assert not failed and result["changed"] is True, result
    assert any("names Redis OSS 6.2 to 7.1 only" in w for w in result["warnings"]), result["warnings"]
    assert calls(ec_api)[-1] == ("ModifyReplicationGroup", {"ReplicationGroupId": "orders", "IpDiscovery": "ipv6",
                                                            "ApplyImmediately": "false"})


def test_the_endpoint_is_looked_up_within_aws_timeout_first(stub, run_module):
    """Issue 29: botocore's own lookup has no timeout; the module looks the endpoint's name up within aws_timeout
    before the first call (tests/cluster/test_deadlines.py: a resolver that never answers)."""
    expect_describe_group(stub, ip_discovery="ipv6")
    failed, result = run_module(module, args(ip_discovery="ipv6", aws_timeout=7))
    assert not failed, result
    assert looked_up == [("elasticache.eu-west-1.amazonaws.com", 443, 7)]
