"""What the benchmarks on a molecule scenario's containers share: the scenario's life cycle, its ephemeral
directory, and the timestamps of ansible.posix.json's reports."""

import contextlib
import datetime
import glob
import os
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def molecule(scenario, *args):
    """``molecule ARGS -s SCENARIO`` from the project root (MOLECULE_GLOB is relative to it; make bench runs from tests/bench)."""
    subprocess.run(["molecule"] + list(args) + ["-s", scenario], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, cwd=ROOT)


def ephemeral_directory(scenario):
    """The scenario's newest molecule ephemeral directory."""
    return sorted(glob.glob(os.path.expanduser("~/.ansible/tmp/molecule.*.%s" % scenario)), key=os.path.getmtime)[-1]


def stamp(text):
    """A time of ansible.posix.json's report as seconds since the epoch."""
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


@contextlib.contextmanager
def prepared(scenario):
    """The scenario's containers, created and prepared (not timed), destroyed at the end whatever happens.

    Yields (ephemeral directory, environment for ansible-playbook with the scenario's ansible.cfg and the
    ansible.posix.json callback)."""
    molecule(scenario, "destroy")
    try:
        molecule(scenario, "create")
        molecule(scenario, "prepare")
        ephemeral = ephemeral_directory(scenario)
        yield ephemeral, dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
                              ANSIBLE_CONFIG=os.path.join(ephemeral, "ansible.cfg"))
    finally:
        molecule(scenario, "destroy")
