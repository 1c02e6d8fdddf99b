#!/usr/bin/env bash
# The docs stage of `make test`: Debian's chromium (installed when missing), the site built (tests/docs/build.sh,
# `make docs`), then the browser test of it in the docs venv. Extra arguments go to pytest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
"$root/tests/lab/lab.sh" docs
"$root/tests/docs/build.sh"
cd "$root"
exec .build/docs/venv/bin/python -m pytest tests/docs -p no:cacheprovider "$@"
