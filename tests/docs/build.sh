#!/usr/bin/env bash
# `make docs`: the collection's docs site, built offline into .build/docs/site/build/html (index.html).
# antsibull-docs' own Sphinx setup (sphinx-init, made afresh each time), then:
#   - antsibull-docs renders every plugin and role page and the guides of docs/docsite (extra-docs.yml);
#   - the files the guides include (`.. literalinclude:: /_examples/<path>`) are copied from the checkout, so what
#     a guide shows is the file the tests run, never a copy kept by hand;
#   - the few Ansible docs labels the pages refer to (common_return_values, ansible.builtin modules) come from a
#     local intersphinx inventory that points at docs.ansible.com (this machine reaches no site but the package
#     registries); a label neither the site nor that list knows fails the build;
#   - Sphinx builds with -W (nitpicky: any unresolved reference is an error);
#   - antsibull-docs lint-collection-docs --plugin-docs checks the plugin docs and the extra docs.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$root/.build/docs
venv=$build/venv
req=$root/tests/docs/requirements.txt
if ! cmp -s "$req" "$venv/.installed" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
    cp "$req" "$venv/.installed"
fi
export PATH=$venv/bin:$PATH
export ANSIBLE_COLLECTIONS_PATH=$root/.build/collections
mkdir -p "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/dualstack"
ln -sfn "$root" "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/dualstack/redis"
site=$build/site
rm -rf "$site"
mkdir -p "$site"
antsibull-docs sphinx-init --use-current --dest-dir "$site" dualstack.redis >/dev/null
cat "$root/tests/docs/conf_offline.py" >>"$site/conf.py"
mkdir -p "$site/rst"
chmod og-w "$site/rst"  # (antsibull-docs wants it writable by itself only)
antsibull-docs --config-file "$site/antsibull-docs.cfg" collection --cleanup everything --use-current \
    --dest-dir "$site/rst" dualstack.redis
python3 "$root/tests/docs/site.py" examples "$root" "$site/rst"
python3 "$root/tests/docs/site.py" inventory "$site/rst" "$site/ansible_devel.inv"
sphinx-build -M html "$site/rst" "$site/build" -c "$site" -W --keep-going -q
(cd "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/dualstack/redis" && antsibull-docs lint-collection-docs --plugin-docs .)
echo "docs: $site/build/html/index.html"
