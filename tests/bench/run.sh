#!/usr/bin/env bash
# `make bench`: every benchmark, each printing its ratios against a floor measured in the same run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
status=0
for bench in bench_*.py; do
    python3 "$bench" "$@" || status=1
done
exit "$status"
