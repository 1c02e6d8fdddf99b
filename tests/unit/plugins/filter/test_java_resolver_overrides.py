"""The java_resolver_overrides filter: what the host's preference does to each Java service whose Redis client
resolves with Netty (the Netty rows of tests/cluster/test_client_resolvers.py: IPv4 first with =system, IPv6 first
only with =true)."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.dualstack.redis.plugins.filter.java_resolver_overrides import FilterModule, java_resolver_overrides

NETTY = {"library": "lettuce", "version": "6.1.6.RELEASE", "resolver": "netty"}
JDK = {"library": "jedis", "version": "3.6.0", "resolver": "jdk"}


def runtime(name, clients, kind="jvm"):
    return {"runtime": name, "kind": kind, "clients": clients}


REPORT = [runtime("orders.service", [NETTY]), runtime("billing.service", [JDK]), runtime("pid:42", [NETTY]),
          runtime("/opt/app/bin/java", [NETTY]), runtime("cache.service", [dict(NETTY, resolver="node")], kind="node"),
          runtime("both.service", [JDK, dict(NETTY, version=None)])]


def test_the_filter_is_registered():
    assert FilterModule().filters() == {"java_resolver_overrides": java_resolver_overrides}


@pytest.mark.parametrize("prefer, networks, action", [
    ("ipv6", [], "prefer_ipv6"),
    ("ipv4", [], "none"),
    ("system", [], "cannot"),
    ("ipv6", [{"prefix": "10.0.0.0/8"}], "cannot"),
    ("system", [{"prefix": "2001:db8::/32", "precedence": 90}], "cannot"),
])
def test_only_services_with_a_netty_resolved_client_and_what_reaches_them(prefer, networks, action):
    out = java_resolver_overrides(REPORT, prefer, networks)
    # services only (not a pid, not a path), Netty-resolved clients only (not the JDK-resolved billing.service)
    assert [entry["service"] for entry in out] == ["orders.service", "both.service"]
    assert {entry["action"] for entry in out} == {action}
    assert "lettuce 6.1.6.RELEASE" in out[0]["why"] and "lettuce (version unknown)" in out[1]["why"]
    if action == "cannot":
        assert "IPv4 first for every name" in out[0]["why"]
    if action == "prefer_ipv6":
        assert "-Djava.net.preferIPv6Addresses=true" in out[0]["why"]


def test_nothing_found_is_nothing_to_do():
    assert java_resolver_overrides([], "ipv6") == []
    assert java_resolver_overrides([runtime("x.service", [])], "ipv6") == []
    assert java_resolver_overrides([{"runtime": "y.service", "kind": "missing"}], "ipv6") == []


@pytest.mark.parametrize("runtimes, prefer", [(REPORT, "IPv6"), ("orders.service", "ipv6"), ([["x"]], "ipv6")])
def test_bad_input_is_a_clear_error(runtimes, prefer):
    with pytest.raises(AnsibleFilterError, match="java_resolver_overrides"):
        java_resolver_overrides(runtimes, prefer)
