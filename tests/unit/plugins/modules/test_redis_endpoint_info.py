"""redis_endpoint_info's checks before it resolves or connects (in-process; the real-server tests are in
tests/cluster/test_resp_client.py)."""

import pytest

from ansible_collections.dualstack.redis.plugins.module_utils import _resp as resp
from ansible_collections.dualstack.redis.plugins.modules import redis_endpoint_info


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("the module resolved or connected although its options were wrong")
    monkeypatch.setattr(resp, "resolve", refuse)
    monkeypatch.setattr(resp, "connect", refuse)


@pytest.mark.parametrize("args, message", [
    ({"host": "", "port": 6379}, "host must be a host name or an address"),
    ({"host": "a b", "port": 6379}, "host must be a host name or an address"),
    ({"host": "r.example.com\n", "port": 6379}, "host must be a host name or an address"),
    ({"host": "r.example.com", "port": 70000}, "port must be from 1 to 65535"),
    ({"host": "r.example.com", "timeout": 301}, "timeout must be above 0 and at most 300"),
    ({"host": "r.example.com", "timeout": 0}, "timeout must be above 0"),
    ({"host": "r.example.com", "username": "app"}, "username needs password"),
    ({"host": "r.example.com", "ca_path": "/etc/ca.pem"}, "ca_path applies to TLS only"),
    ({"host": "r.example.com", "cluster": "sometimes"}, "cluster must be auto, true or false, got 'sometimes'"),
])
def test_bad_options_fail_before_any_network(no_network, run_in_process, args, message):
    failed, result = run_in_process(redis_endpoint_info, args)
    assert failed and message in result["msg"], result


def test_several_problems_are_reported_together(no_network, run_in_process):
    failed, result = run_in_process(redis_endpoint_info, {"host": "r.example.com", "port": 0, "username": "app"})
    assert failed and "port must be" in result["msg"] and "username needs password" in result["msg"]
