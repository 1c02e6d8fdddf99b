"""The hosts-file reader of the internal_address pre-flight (``::1 localhost`` on IPv6 clusters) against real glibc.

Each example is bind-mounted over /etc/hosts in a mount namespace of its own (``unshare -m``) and looked up with
``getent -s hosts:files hosts localhost`` (glibc's files backend only). The texts use no IPv6 address but ``::1``
in its spellings, so glibc answers with an IPv6 address exactly when the file maps ``::1`` to ``localhost``.
Needs root (mount namespaces).
"""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
import tempfile

from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from collection_tree import link_checkout  # noqa: E402

link_checkout("dualstack-redis-netns-tests-")
from ansible_collections.dualstack.redis.plugins.plugin_utils._hosts_file import maps  # noqa: E402

ADDRESSES = ["::1", "0:0:0:0:0:0:0:1", "0::0:1", "127.0.0.1", "::1x", "::01"]
NAMES = ["localhost", "LocalHost", "LOCALHOST", "localhost.", "ip6-localhost", "localhostx", "#localhost"]
BLANKS = [" ", "\t", "\r", "\f", "\v", "\xa0", "  "]


def glibc_maps(text):
    with tempfile.NamedTemporaryFile("wb", suffix=".hosts") as handle:
        handle.write(text.encode("utf-8"))
        handle.flush()
        os.chmod(handle.name, 0o644)
        done = subprocess.run(["unshare", "-m", "sh", "-c", 'mount --bind "$1" /etc/hosts && exec getent -s hosts:files hosts localhost',
                               "sh", handle.name], capture_output=True, text=True, timeout=30, check=False)
    if done.returncode == 2:  # not found
        return False
    assert done.returncode == 0, done.stderr
    return ipaddress.ip_address(done.stdout.split()[0]).version == 6


line = st.builds(
    lambda lead, address, parts, comment, end: lead + address + "".join(parts) + comment + end,
    st.sampled_from(["", " ", "\t"]),
    st.sampled_from(ADDRESSES),
    st.lists(st.builds(lambda blank, name: blank + name, st.sampled_from(BLANKS), st.sampled_from(NAMES)), max_size=3),
    st.sampled_from(["", " # comment", "#", "\t#localhost"]),
    st.sampled_from(["\n", "\r\n"]))
hosts_texts = st.lists(line, max_size=4).map(lambda lines: "127.0.0.1 localhost\n" + "".join(lines))


def test_known_cases_match_glibc():
    for text, expected in [("::1 localhost ip6-localhost\n", True), ("::1\tfoo LOCALHOST # x\n", True),
                           ("::1 localhost\r\n", True), ("::1\xa0localhost\n", False), ("# ::1 localhost\n", False),
                           ("::1 ip6-localhost\n", False)]:
        text = "127.0.0.1 localhost\n" + text
        assert glibc_maps(text) is expected, repr(text)
        assert maps(text, "::1", "localhost") is expected, repr(text)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(hosts_texts)
def test_the_reader_agrees_with_glibc(text):
    assert maps(text, "::1", "localhost") == glibc_maps(text)
