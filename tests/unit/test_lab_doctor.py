"""tests/lab/lab.sh doctor: it names every program the lab and the tests run, and says what is missing.

A fresh Debian 12 lacks iptables, which netavark execs for every container on a project network; the
doctor must say so (with the package to install) and exit 1. The test hides programs from the doctor by
giving it a PATH made of links to everything on this machine's PATH except the hidden ones, so it runs the
real script against the real programs of this machine, whatever is installed here.
"""

import os
import re
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LAB = os.path.join(ROOT, "tests", "lab", "lab.sh")


def table_entries():
    """Every "path|package|why" entry of lab.sh's dependency tables."""
    with open(LAB, encoding="utf-8") as handle:
        text = handle.read()
    return re.findall(r'^\s+"([^"|]+)\|([^"|]+)\|([^"|]+)"$', text, re.M)


def doctor(path_dir, tmp_path):
    env = dict(os.environ, PATH=str(path_dir), HOME=str(tmp_path), PYTHON=os.path.realpath(
        subprocess.run(["bash", "-c", "command -v python3"], capture_output=True, text=True, check=True).stdout.strip()))
    env.pop("CONTAINERS_CONF", None)
    return subprocess.run(["bash", LAB, "doctor"], env=env, capture_output=True, text=True, timeout=120, check=False)


def path_without(tmp_path, hidden):
    """A directory of links to every command on PATH but the hidden ones."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for directory in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            target = os.path.join(directory, name)
            if name in hidden or (bin_dir / name).exists() or not os.access(target, os.X_OK) or os.path.isdir(target):
                continue
            os.symlink(target, bin_dir / name)
    return bin_dir


def test_the_tables_cover_what_podman_and_netavark_exec():
    entries = {path: package for path, package, _why in table_entries()}
    # Measured with strace -f -e trace=execve around network create, run, exec, rm (CONTRIBUTING.md, "The lab").
    for program, package in [("iptables", "iptables"), ("ip6tables", "iptables"), ("runc", "runc"),
                             ("conmon", "conmon"), ("/usr/lib/podman/netavark", "netavark"),
                             ("/usr/lib/podman/aardvark-dns", "aardvark-dns"), ("debootstrap", "debootstrap")]:
        assert entries.get(program) == package, program


def test_doctor_names_a_missing_iptables_and_fails(tmp_path):
    bin_dir = path_without(tmp_path, {"iptables", "ip6tables"})
    done = doctor(bin_dir, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"^\s+MISSING\s+iptables\s.*\(apt-get install iptables\)$", done.stdout, re.M), done.stdout
    assert re.search(r"^\s+MISSING\s+ip6tables\s.*\(apt-get install iptables\)$", done.stdout, re.M), done.stdout
    assert "doctor: something is missing" in done.stdout


def test_doctor_lists_every_program_of_the_tables(tmp_path):
    done = doctor(path_without(tmp_path, set()), tmp_path)
    for path, package, _why in table_entries():
        line = re.search(r"^\s+(ok|MISSING)\s+%s\s" % re.escape(path), done.stdout, re.M)
        assert line, "%s is not in the doctor's report:\n%s" % (path, done.stdout)
        if line.group(1) == "MISSING":
            assert "apt-get install %s" % package in done.stdout
    # Its verdict agrees with its lines.
    missing = re.findall(r"^\s+MISSING\s", done.stdout, re.M)
    assert (done.returncode == 0) == (not missing and "NO (" not in done.stdout), done.stdout


@pytest.mark.parametrize("version", ["3.6", "3.13"])
def test_doctor_checks_the_target_pythons(tmp_path, version):
    done = doctor(path_without(tmp_path, set()), tmp_path)
    assert re.search(r"^\s+(ok|MISSING)\s+python%s\s" % re.escape(version), done.stdout, re.M), done.stdout
