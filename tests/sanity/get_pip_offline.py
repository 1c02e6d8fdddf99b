"""Offline stand-in for pip's ``get-pip.py``, used by ``ansible-test sanity --venv``.

ansible-test bootstraps pip into each sanity virtual environment by downloading get-pip.py from a
host this machine cannot reach. It first looks for a cached copy under ``~/.ansible/test/cache``;
``tests/sanity/run.sh`` puts this file there. It does what get-pip.py does with the arguments
ansible-test passes: put pip into the running interpreter (with ``ensurepip``) and install the
requested packages (e.g. ``pip==24.2``) from the package index. ``--no-setuptools`` and
``--no-wheel`` are get-pip.py's own flags and are dropped.
"""

import os
import subprocess
import sys

GET_PIP_ONLY_FLAGS = {"--no-setuptools", "--no-wheel"}


def main():
    """Bootstrap pip, then install what ansible-test asked for."""
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_FLAGS]
    env = dict(os.environ)
    # ensurepip sets PIP_CONFIG_FILE=/dev/null for itself; drop it so the host's pip settings apply.
    env.pop("PIP_CONFIG_FILE", None)
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], env=env)
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args, env=env)


if __name__ == "__main__":
    main()
