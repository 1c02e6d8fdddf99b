"""The protocol_preference role's common path (Linux, gai.conf only), on the ansible-core release this test runs on
(make test runs the unit tests on 2.16 to 2.19): what a re-run costs in rounds of the play's strategy, and that it
ends cleanly on every release.

On 2.18 and later a re-run that finds gai.conf right ends the role with `meta: end_role` (the controller runs it):
no task is queued on the hosts after gai_conf, so nothing is skipped. On 2.16 and 2.17, which have no end_role, the
role imports an empty block instead and the one include after it is skipped (a round more). Both must run without a
warning, change nothing on a re-run, and go on to what follows a change when gai.conf did change. `make bench`
measures what the rounds cost against a plain ping.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from ansible.release import __version__ as ANSIBLE_VERSION
import pytest

from ansible_collections.dualstack.redis.plugins.filter import ipv4_mapped as _anchor

COLLECTIONS = _anchor.__file__.split("/ansible_collections/", 1)[0]
DEBIAN_GAI_CONF = "# Configuration for getaddrinfo(3).\n#precedence ::ffff:0:0/96  100\n"
PLAY = """
- hosts: all
  gather_facts: false
  roles:
    - role: dualstack.redis.protocol_preference
      vars:
        protocol_preference_prefer: ipv4
        protocol_preference_report_processes: false
  tasks:
    - name: The caller's play goes on after the role
      ansible.builtin.debug:
        msg: caller-task-ran
"""
RELEASE = tuple(int(part) for part in re.findall(r"\d+", ANSIBLE_VERSION)[:2])


@pytest.fixture
def lab(tmp_path):
    lines = ["[all]"]
    for host in ("c1", "c2"):
        (tmp_path / host).mkdir()
        (tmp_path / host / "gai.conf").write_text(DEBIAN_GAI_CONF)
        lines.append("%s protocol_preference_gai_conf_path=%s" % (host, tmp_path / host / "gai.conf"))
    lines += ["[all:vars]", "ansible_connection=local", "ansible_python_interpreter=%s" % sys.executable]
    (tmp_path / "inventory").write_text("\n".join(lines) + "\n")
    (tmp_path / "play.yml").write_text(PLAY)
    return tmp_path


def _run(lab):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_DEPRECATION_WARNINGS="0")
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(lab / "inventory"),
                           str(lab / "play.yml")], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    recap = {host: dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", rest))
             for host, rest in re.findall(r"^(c\d)\s+:(.*)$", proc.stdout, re.M)}
    return proc, recap


def test_a_rerun_ends_the_role_after_gai_conf_and_the_play_goes_on(lab):
    first, recap = _run(lab)
    assert {host: counts["changed"] for host, counts in recap.items()} == {"c1": 1, "c2": 1}
    # a change goes on to what follows it (the check-mode probe, nscd)
    assert "Flush nscd's hosts cache when nscd runs" in first.stdout
    rerun, recap = _run(lab)
    assert "[WARNING]" not in rerun.stdout + rerun.stderr, rerun.stdout + rerun.stderr
    assert "Flush nscd's hosts cache" not in rerun.stdout
    assert rerun.stdout.count("caller-task-ran") == 2
    for host in ("c1", "c2"):
        assert recap[host]["changed"] == 0 and recap[host]["failed"] == 0
        # the argument check, gai_conf and the caller's debug; the include is skipped only where end_role is missing
        assert recap[host]["ok"] == 3
        assert recap[host]["skipped"] == (0 if RELEASE >= (2, 18) else 1), (ANSIBLE_VERSION, recap)
    if RELEASE >= (2, 18):
        assert "End the role in the common case when gai.conf was already right" in rerun.stdout
        assert "Windows; Linux with Java" not in rerun.stdout  # the include was never queued
