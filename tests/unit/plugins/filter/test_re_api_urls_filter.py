"""re_api_urls: node addresses and names -> the REST API URLs the roles give the modules."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.dualstack.redis.plugins.filter.re_api_urls import FilterModule, re_api_urls


def test_registered():
    assert FilterModule().filters()["re_api_urls"] is re_api_urls


def test_addresses_names_order_and_repeats():
    hosts = ["10.0.0.11", "FD00:0::12", None, "", ["re-3.Example.COM.", "10.0.0.11"], "[fd00::12]"]
    assert re_api_urls(hosts) == ["https://10.0.0.11:9443", "https://[fd00::12]:9443", "https://re-3.example.com:9443"]
    assert re_api_urls("10.0.0.11", 443) == ["https://10.0.0.11:443"]
    assert re_api_urls([]) == []


@pytest.mark.parametrize("hosts, port, message", [
    (["cluster..example.com"], 9443, "neither an IP address nor a host name"),
    (["a b"], 9443, "neither an IP address nor a host name"),
    (["https://10.0.0.1:9443"], 9443, "neither an IP address nor a host name"),
    (["10.0.0.1"], 0, "port 0 is not from 1 to 65535"),
    (["10.0.0.1"], True, "port True is not from 1 to 65535"),
])
def test_refusals(hosts, port, message):
    with pytest.raises(AnsibleFilterError, match=message):
        re_api_urls(hosts, port)
