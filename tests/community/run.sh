#!/usr/bin/env bash
# The community and Galaxy checks on the collection as it would be published:
#   1. galaxy-importer (Galaxy's own import: metadata, ansible-doc of every plugin, ansible-lint of roles
#      and playbooks, flake8, changelog) on the built tarball;
#   2. antsibull-docs lint-collection-docs --plugin-docs (documentation markup, links between plugins,
#      role argument specs) on the collection installed from that tarball.
# Both must print no error and no warning: any "WARNING"/"ERROR" line fails the check.
# Needs no root; builds its own venv (.build/venv-community) from tests/community/requirements.txt.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
venv=$top/.build/venv-community
python=${PYTHON:-python3}
reqs=$top/tests/community/requirements.txt
if ! cmp -s "$reqs" "$venv/.installed" 2>/dev/null; then
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet -r "$reqs"
    cp "$reqs" "$venv/.installed"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/dualstack-redis-community.XXXXXX")
trap 'rm -rf "$work"' EXIT
export PATH=$venv/bin:$PATH
unset ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS

ansible-galaxy collection build --force --output-path "$work/dist" "$top" >/dev/null
tarball=$(ls "$work"/dist/dualstack-redis-*.tar.gz)
status=0

echo "== galaxy-importer $(pip show galaxy-importer 2>/dev/null | sed -n 's/^Version: //p') on ${tarball##*/}"
(cd "$work" && GALAXY_IMPORTER_CONFIG=$top/tests/community/galaxy-importer.cfg \
    python -m galaxy_importer.main "$tarball") >"$work/importer.log" 2>&1 || status=1
cat "$work/importer.log"
if grep -E '^(WARNING|ERROR)' "$work/importer.log" >"$work/importer.bad"; then
    printf '\ngalaxy-importer: %d warning/error line(s):\n' "$(wc -l <"$work/importer.bad")"; cat "$work/importer.bad"; status=1
fi
grep -q 'Importer processing completed successfully' "$work/importer.log" || { echo "galaxy-importer did not complete"; status=1; }

echo "== antsibull-docs $(pip show antsibull-docs 2>/dev/null | sed -n 's/^Version: //p') lint-collection-docs --plugin-docs"
ansible-galaxy collection install --offline --no-deps -p "$work/collections" "$tarball" >"$work/install.log" 2>&1 \
    || { cat "$work/install.log"; exit 1; }
(cd "$work" && ANSIBLE_COLLECTIONS_PATH=$work/collections \
    antsibull-docs lint-collection-docs --plugin-docs "$work/collections/ansible_collections/dualstack/redis") \
    >"$work/docs.log" 2>&1 || status=1
cat "$work/docs.log"
if grep -iE 'warning|error' "$work/docs.log" >/dev/null; then echo "antsibull-docs reported problems (above)"; status=1; fi

[ $status -eq 0 ] && echo "community checks: galaxy-importer and antsibull-docs clean"
exit $status
