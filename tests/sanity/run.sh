#!/usr/bin/env bash
# Run `ansible-test sanity` (every test, no ignore file) on a copy of the collection laid out as
# ansible_collections/dualstack/redis, as ansible-test requires. Works offline from the get-pip host:
# see tests/sanity/get_pip_offline.py. Extra arguments go to ansible-test (e.g. --test pep8).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# One work directory per checkout and user, so two checkouts (or root and a user) can run sanity side by side.
work=${SANITY_WORKDIR:-${TMPDIR:-/tmp}/dualstack-redis-sanity-$(id -u)-$(printf %s "$top" | sha1sum | cut -c1-8)}
dest=$work/ansible_collections/dualstack/redis
python=${PYTHON:-python3}

# ansible-test looks for a cached get-pip.py for the pip version it pins; give it the stand-in, under the
# name of every pip version this ansible-test pins for any Python (2.7 and 3.6 have their own pins).
pip_versions=$("$python" - <<'PY'
import types
from ansible_test._internal.constants import SUPPORTED_PYTHON_VERSIONS
from ansible_test._internal.python_requirements import get_venv_packages
print(" ".join(sorted({get_venv_packages(types.SimpleNamespace(version=v))["pip"] for v in SUPPORTED_PYTHON_VERSIONS})))
PY
)
cache=$HOME/.ansible/test/cache
mkdir -p "$cache"
for pip_version in $pip_versions; do
    install -m 0644 "$top/tests/sanity/get_pip_offline.py" "$cache/get_pip_${pip_version//./_}.py"
done

# A fresh copy of exactly the files git would ship: tracked plus untracked-but-not-ignored.
rm -rf "$work"
mkdir -p "$dest"
(cd "$top" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done) \
    | (cd "$top" && xargs -0 cp --parents -P -t "$dest")
# No other collection beside it: galaxy.yml has no dependencies, so sanity sees what Galaxy's importer sees.
cd "$dest"
# SANITY_PYTHON=all: every target Python ansible-test finds on PATH (pythonX.Y) for the multi-version tests
# (compile, import) that this release and tests/config.yml allow; otherwise that one version.
python_args=(--python "${SANITY_PYTHON:-3.11}")
[ "${SANITY_PYTHON:-}" != all ] || python_args=()
ansible-test sanity --venv "${python_args[@]}" --color no "$@"
