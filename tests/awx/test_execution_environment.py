"""The collection as an execution environment sees it: ansible-builder 3 create and introspect, and the
galaxy stage of the build replayed here (the image build itself needs a registry this machine cannot reach).
"""

from __future__ import annotations

import os
import subprocess
import tarfile

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def run(argv, cwd=ROOT, env=None):
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300, check=False,
                          env=dict(os.environ, **(env or {})))
    assert proc.returncode == 0, "%s failed:\n%s\n%s" % (" ".join(argv), proc.stdout[-2000:], proc.stderr[-2000:])
    return proc.stdout


@pytest.fixture(scope="module")
def version():
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)["version"]


@pytest.fixture(scope="module")
def tarball(version):
    """The collection built as `make build` builds it, where ee/execution-environment.yml looks for it."""
    dist = os.path.join(ROOT, ".build", "dist")
    run(["ansible-galaxy", "collection", "build", "--force", "--output-path", dist, "."])
    return os.path.join(dist, "dualstack-redis-%s.tar.gz" % version)


def test_metadata_files_ship_in_the_tarball(tarball):
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
    assert {"meta/execution-environment.yml", "requirements.txt", "bindep.txt"} <= names
    with tarfile.open(tarball) as archive:
        manifest = yaml.safe_load(archive.extractfile("MANIFEST.json"))
    # No collection dependencies: Galaxy's importer runs ansible-doc with only this collection installed.
    assert manifest["collection_info"]["dependencies"] == {}


def test_create_then_the_galaxy_stage_then_introspect(tarball, version, tmp_path):
    context = tmp_path / "context"
    run(["ansible-builder", "create", "-f", "ee/execution-environment.yml", "-c", str(context)])
    containerfile = (context / "Containerfile").read_text()
    assert "ansible-galaxy collection install" in containerfile and "WORKDIR /build" in containerfile
    assert (context / "_build" / "collections" / os.path.basename(tarball)).is_file()
    # What the galaxy stage runs in /build (without dependencies: this machine cannot reach Galaxy).
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert requirements["collections"][0]["name"].endswith("dualstack-redis-%s.tar.gz" % version), \
        "ee/requirements.yml names another version than galaxy.yml"
    installed = tmp_path / "collections"
    # Only the target path counts, as in the image: a copy elsewhere (the checkout's collection path) would
    # make ansible-galaxy answer "already installed".
    run(["ansible-galaxy", "collection", "install", "--no-deps", "-r", "requirements.yml", "-p", str(installed)],
        cwd=str(context / "_build"), env={"ANSIBLE_COLLECTIONS_PATH": str(installed)})
    assert (installed / "ansible_collections" / "dualstack" / "redis" / "meta" / "execution-environment.yml").is_file()
    # What the builder stage then asks the collection for.
    found = yaml.safe_load(run(["ansible-builder", "introspect", "--sanitize", str(installed)]).split("\n", 1)[1])
    python = [line.split("#")[0].strip() for line in found["python"]]
    system = [line.split("#")[0].strip() for line in found["system"]]
    assert {"redis>=4.5.0", "boto3>=1.34.0", "botocore>=1.34.0", "pywinrm>=0.4.3"} <= set(python)
    assert "openssh-client [platform:dpkg]" in system and "openssh-clients [platform:rpm]" in system
    assert all("from collection dualstack.redis" in line for line in found["python"] + found["system"])


def test_requirements_match_what_the_modules_import():
    """Every third-party module the plugins import is in requirements.txt (and nothing unused is)."""
    with open(os.path.join(ROOT, "requirements.txt"), encoding="utf-8") as handle:
        listed = {line.split(">=")[0].split("#")[0].strip() for line in handle if line.strip() and not line.startswith("#")}
    imported = set()
    for folder, _dirs, files in os.walk(os.path.join(ROOT, "plugins")):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(folder, name), encoding="utf-8") as handle:
                    text = handle.read()
                for package in ("redis", "boto3", "botocore", "netaddr"):
                    if "import %s" % package in text or "from %s" % package in text:
                        imported.add(package)
    assert imported - {"pywinrm"} <= listed
    assert listed - {"pywinrm"} <= imported
