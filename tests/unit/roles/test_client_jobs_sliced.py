"""The client-side job is sliceable (issue 26): the protocol_preference playbook run as two slices at once, as AWX runs
a sliced job template (each slice a subset of the inventory, in parallel), ends exactly as one unsliced run does.

Real ansible-playbook runs of dualstack.redis.protocol_preference over the local connection; each inventory host has
its own gai.conf (Debian's, as shipped) so that the hosts of both slices and of the unsliced reference run side by
side in one temporary directory. The oracle is the unsliced run: every sliced host's file must be byte for byte the
reference host's, each slice must change only its own hosts, and a re-run of the whole inventory must change
nothing. (The role has nothing that crosses hosts but the controller-side check-mode probe, run once per slice.)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from collection_tree import ROOT

from ansible_collections.dualstack.redis.plugins.filter import ipv4_mapped as _anchor

# The tree tests/unit/conftest.py made, in which the checkout is ansible_collections/dualstack/redis.
COLLECTIONS = _anchor.__file__.split("/ansible_collections/", 1)[0]

DEBIAN_GAI_CONF = ("# Configuration for getaddrinfo(3).\n#\n# So far only configuration for the destination address sorting is needed.\n"
                   "#precedence  ::1/128       50\n#precedence  ::/0          40\n#precedence  ::ffff:0:0/96  10\n"
                   "#scopev4 ::ffff:169.254.0.0/112  2\n")
SLICES = (["s%02d" % i for i in range(1, 5)], ["s%02d" % i for i in range(5, 9)])
REFERENCE = "ref"


def _inventory(tmp_path):
    lines = ["[redis_clients]"]
    for host in SLICES[0] + SLICES[1] + [REFERENCE]:
        (tmp_path / host).mkdir()
        (tmp_path / host / "gai.conf").write_text(DEBIAN_GAI_CONF)
        lines.append("%s protocol_preference_gai_conf_path=%s" % (host, tmp_path / host / "gai.conf"))
    lines += ["[redis_clients:vars]", "ansible_connection=local", "ansible_python_interpreter=%s" % sys.executable,
              "protocol_preference_prefer=ipv4", "protocol_preference_report_processes=false"]
    path = tmp_path / "inventory"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _playbook(inventory, *extra):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_LOCALHOST_WARNING="0")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory,
               os.path.join(ROOT, "playbooks", "protocol_preference.yml"), "-e", "target=redis_clients"] + list(extra)
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _recap(output):
    """host -> changed count, from the PLAY RECAP."""
    return {host: int(changed) for host, changed in re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", output, re.M)}


def _finish(proc):
    output = proc.communicate(timeout=300)[0]
    assert proc.returncode == 0, output[-3000:]
    return output


def test_two_slices_at_once_end_as_one_unsliced_run(tmp_path):
    inventory = _inventory(tmp_path)
    reference = _finish(_playbook(inventory, "--limit", REFERENCE))
    assert _recap(reference) == {REFERENCE: 1}
    expected = (tmp_path / REFERENCE / "gai.conf").read_text()
    assert re.search(r"^precedence\s+::ffff:0:0/96\s+100$", expected, re.M), expected  # ipv4 first, as asked

    runs = [_playbook(inventory, "--limit", ",".join(hosts)) for hosts in SLICES]  # started together, as AWX's slices
    outputs = [_finish(run) for run in runs]
    for hosts, output in zip(SLICES, outputs):
        assert _recap(output) == {host: 1 for host in hosts}, output[-2000:]
    for host in SLICES[0] + SLICES[1]:
        assert (tmp_path / host / "gai.conf").read_text() == expected, host

    again = _finish(_playbook(inventory))
    assert set(_recap(again).values()) == {0}, again[-2000:]
