#!/usr/bin/env bash
# `make fuzz`: coverage-guided fuzzing of every parser in tests/fuzz/targets.py with atheris (libFuzzer), each for
# FUZZ_SECONDS (default 600), one after another (FUZZ_JOBS=2 runs two at once). Not part of `make test`: run it
# after changing a parser (CONTRIBUTING.md). The corpus grows in .build/fuzz/corpus/<target> (seeded from
# targets.SEEDS, the shapes the unit tests use); a crash is written to .build/fuzz/crashes/<target>/ and the run
# ends with status 1, naming it. Make each crash a unit test first, then fix the parser.
#   tests/fuzz/run.sh [TARGET...]      default: every target
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$root/.build/fuzz
seconds=${FUZZ_SECONDS:-600}
jobs=${FUZZ_JOBS:-1}
venv=$build/venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import atheris, ansible' 2>/dev/null; then
    rm -rf "$venv"
    "$("$root/tests/lab/lab.sh" python 3.10)" -m venv "$venv"  # (requirements.txt says why 3.10)
    "$venv/bin/pip" install --quiet -r "$root/tests/fuzz/requirements.txt"
fi
cd "$root/tests/fuzz"
mapfile -t targets < <(if [ $# -gt 0 ]; then printf '%s\n' "$@"; else "$venv/bin/python" -c '
import ast, sys
tree = ast.parse(open("targets.py").read())
for node in tree.body:
    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "TARGETS":
        print("\n".join(key.value for key in node.value.keys))'; fi)
fuzz_one() {
    local target=$1 corpus=$build/corpus/$1 crashes=$build/crashes/$1
    mkdir -p "$corpus" "$crashes"
    "$venv/bin/python" -c '
import os, sys, targets
for index, seed in enumerate(targets.SEEDS[sys.argv[1]]):
    path = os.path.join(sys.argv[2], "seed-%d" % index)
    if not os.path.exists(path):
        open(path, "wb").write(seed)' "$target" "$corpus"
    echo "fuzz: $target for ${seconds}s (corpus $corpus)"
    if "$venv/bin/python" targets.py "$target" -max_total_time="$seconds" -rss_limit_mb=2048 \
        -artifact_prefix="$crashes/" "$corpus" >"$build/$target.log" 2>&1; then
        echo "fuzz: $target: no crash in ${seconds}s ($(grep -Eo '^Done [0-9]+ runs' "$build/$target.log" | grep -Eo '[0-9]+' || echo '?') runs, $(find "$corpus" -type f | wc -l) inputs in the corpus)"
    else
        echo "fuzz: $target: CRASH, see $build/$target.log and $crashes" >&2
        return 1
    fi
}
status=0
pids=()
for target in "${targets[@]}"; do
    fuzz_one "$target" &
    pids+=("$!")
    if [ "${#pids[@]}" -ge "$jobs" ]; then
        wait "${pids[0]}" || status=1
        pids=("${pids[@]:1}")
    fi
done
for pid in "${pids[@]}"; do
    wait "$pid" || status=1
done
exit "$status"
