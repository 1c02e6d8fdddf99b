"""The hosts_file_names filter and the reader behind it (tests/netns checks the reader against real glibc)."""

import pytest
from ansible.errors import AnsibleError

from ansible_collections.dualstack.redis.plugins.filter.hosts_file_names import FilterModule, hosts_file_names
from ansible_collections.dualstack.redis.plugins.plugin_utils._hosts_file import maps, names_for

DEBIAN = "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\nff02::1\t\tip6-allnodes\n"


def test_filter_is_registered():
    assert FilterModule().filters() == {"hosts_file_names": hosts_file_names}


def test_debian_default_file():
    assert hosts_file_names(DEBIAN, "::1") == ["localhost", "ip6-localhost", "ip6-loopback"]
    assert hosts_file_names(DEBIAN, "0:0:0:0:0:0:0:1") == ["localhost", "ip6-localhost", "ip6-loopback"]
    assert hosts_file_names(DEBIAN, "127.0.0.1") == ["localhost"]
    assert hosts_file_names(DEBIAN, "::2") == []


@pytest.mark.parametrize("text, expected", [
    ("::1 localhost\r\n", True),                 # CRLF: \r is white space to glibc
    ("::1\flocalhost\n", True),
    ("::1 LocalHost\n", True),                   # ASCII case ignored
    ("#::1 localhost\n", False),
    ("::1 ip6-localhost # localhost\n", False),  # in the comment
    ("::1\xa0localhost\n", False),               # a no-break space is part of the field
    ("::1 localhost.\n", False),
    ("::1%lo localhost\n", False),               # glibc parses no zone index here
    ("localhost ::1\n", False),
    ("::1\n", False),
    (b"::1 localhost \xff\n", True),             # bytes that are not UTF-8 elsewhere on the line
    ("", False),
])
def test_maps_localhost(text, expected):
    assert maps(text, "::1", "localhost") is expected


def test_every_line_counts():
    assert names_for("::1 a\n::1 b c\n", "::1") == ["a", "b", "c"]


def test_not_an_address():
    with pytest.raises(AnsibleError, match="'localhost' is not an IP address"):
        hosts_file_names(DEBIAN, "localhost")
