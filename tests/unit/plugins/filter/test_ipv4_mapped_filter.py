"""The ipv4_mapped filter (the protocol_preference scenario uses it through Ansible's templating)."""

import pytest
from ansible.errors import AnsibleError

from ansible_collections.dualstack.redis.plugins.filter.ipv4_mapped import FilterModule, ipv4_mapped_filter


def test_filter_is_registered():
    assert FilterModule().filters() == {"ipv4_mapped": ipv4_mapped_filter}


@pytest.mark.parametrize("value, expected", [("172.31.0.0/16", "::ffff:172.31.0.0/112"), ("0.0.0.0/0", "::ffff:0:0/96")])
def test_filter_maps(value, expected):
    assert ipv4_mapped_filter(value) == expected


def test_filter_error_names_the_problem():
    with pytest.raises(AnsibleError, match="host bits set; the network is '172.31.0.0/16'"):
        ipv4_mapped_filter("172.31.9.0/16")
