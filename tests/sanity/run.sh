#!/usr/bin/env bash
# Run `ansible-test sanity` (every test, no ignore file) on a copy of the collection laid out as
# ansible_collections/dualstack/redis, as ansible-test requires. Works offline from the get-pip host:
# see tests/sanity/get_pip_offline.py. Extra arguments go to ansible-test (e.g. --test pep8).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# One work directory per checkout, so two checkouts can run sanity side by side.
work=${SANITY_WORKDIR:-${TMPDIR:-/tmp}/dualstack-redis-sanity-$(printf %s "$top" | sha1sum | cut -c1-8)}
dest=$work/ansible_collections/dualstack/redis
python=${PYTHON:-python3}

# ansible-test looks for a cached get-pip.py for the pip version it pins; give it the stand-in.
pip_version=$("$python" -c 'import types; from ansible_test._internal.python_requirements import get_venv_packages as g; print(g(types.SimpleNamespace(version="3.11"))["pip"])')
cache=$HOME/.ansible/test/cache
mkdir -p "$cache"
install -m 0644 "$top/tests/sanity/get_pip_offline.py" "$cache/get_pip_${pip_version//./_}.py"

# A fresh copy of exactly the files git would ship: tracked plus untracked-but-not-ignored.
rm -rf "$work"
mkdir -p "$dest"
(cd "$top" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done) \
    | (cd "$top" && xargs -0 cp --parents -P -t "$dest")
# The collections galaxy.yml depends on, beside it, as ansible-galaxy would install them (taken from the
# ansible package in the venv, which pins their versions).
deps=(amazon/aws)
for dep in "${deps[@]}"; do
    src=$("$python" -c 'import importlib.util, sys; print(list(importlib.util.find_spec("ansible_collections." + sys.argv[1].replace("/", ".")).submodule_search_locations)[0])' "$dep") \
        || { echo "sanity: collection ${dep/\//.} is not installed in this Python (pip install ansible)" >&2; exit 1; }
    mkdir -p "$work/ansible_collections/${dep%/*}"
    cp -a "$src" "$work/ansible_collections/$dep"
done
cd "$dest"
ansible-test sanity --venv --python "${SANITY_PYTHON:-3.11}" --color no "$@"
