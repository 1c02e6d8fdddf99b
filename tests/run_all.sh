#!/usr/bin/env bash
# Run every test stage of `make test`, keep going past a failing stage, then print one table and a
# closing summary line ("summary: N passed, N failed") that counts individual checks: sanity tests and
# unit tests under each ansible-core release (tests/matrix), the managed-host modules' assertions on a real
# Python 3.6 to 3.13, tests against a real Redis Cluster, address changes in network namespaces, lint tools, the build check and molecule scenarios. Exits non-zero on any failure.
# Arguments: the molecule scenarios to run, in order. Logs: .build/test-logs/<stage>.log
#
# Two lanes share the machine (2 cores is the target). The foreground lane, at normal priority, holds what
# depends on timing: the Redis Cluster and network-namespace tests, the managed-host modules (the Redis
# Enterprise stand-in counts a node DOWN after 2 s without a heartbeat) and every molecule scenario with
# stand-in nodes. The background lane runs under `nice`/`ionice` and gets what the foreground leaves idle
# (a molecule scenario keeps about 60 % of two cores busy): sanity, units, lint, changelog, build, the
# community checks, then the scenarios named in BACKGROUND_SCENARIOS (none of them has stand-in nodes).
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top" || exit 2
logs=$top/.build/test-logs
rm -rf "$logs"; mkdir -p "$logs"
rows_file=$logs/stages.txt
: >"$rows_file"
background_scenarios=" ${BACKGROUND_SCENARIOS-lab_smoke protocol_preference_windows persistent_address client_view protocol_preference} "
fg_scenarios=() bg_scenarios=()
for s in "$@"; do
    if [[ $background_scenarios == *" $s "* ]]; then bg_scenarios+=("$s"); else fg_scenarios+=("$s"); fi
done

record() {  # stage passed failed seconds: one line per stage, appended whole (both lanes write here)
    printf '%-40s %6s %6s %6ss\n' "$1" "$2" "$3" "$4" >>"$rows_file"
}

run_stage() {  # name counter command...: the counter turns the log and exit code into "passed failed"
    local name=$1 counter=$2; shift 2
    local log=$logs/$name.log start rc passed failed
    start=$(date +%s)
    printf '==> %s: %s\n' "$name" "$*"
    "$@" >"$log" 2>&1; rc=$?
    read -r passed failed < <("$counter" "$log" "$rc")
    # A stage that failed but whose counter found no failure still counts as one failure.
    if [ "$rc" -ne 0 ] && [ "$failed" = 0 ]; then failed=1; fi
    record "$name" "$passed" "$failed" $(( $(date +%s) - start ))
    if [ "$rc" -ne 0 ]; then
        # One write, so the other lane's lines do not land in the middle.
        # What failed first (a molecule scenario's tail is its teardown), then the last lines.
        printf '    FAILED %s (exit %s); first failures in %s:\n%s\n    last lines:\n%s\n' "$name" "$rc" \
            "${log#"$top"/}" "$(first_failures "$log" | sed 's/^/    | /')" \
            "$(tail -n 40 "$log" | cut -c 1-400 | sed 's/^/    | /')"
    fi
}

first_failures() {  # log: the first 6 failures (not those Ansible then ignored): 4 lines before each, up to 12 after
    awk -v pat='^(fatal|failed): |FAILED!|^(ERROR|CRITICAL) |^E +|Traceback|^FAILED | [1-9][0-9]* failed[ ,]' '
        function show(   i) { for (i = NR - 5; i < NR - 1; i++) if (i > 0 && i > last) print i "-" buf[i % 5]; if (NR - 1 > last) print (NR - 1) ":" held; last = NR - 1; n++; after = 12 }
        held != "" { if ($0 !~ /^\.\.\.ignoring/) show(); held = "" }
        after > 0 && NR > last { if ($0 == "") after = 0; else { print NR "-" $0; last = NR; after-- } }
        n >= 6 && after == 0 { exit }
        { buf[NR % 5] = $0 }
        $0 ~ pat && $0 !~ /glob failed\.|FAILED - RETRYING/ { held = $0 }
        END { if (held != "" && n < 6) { NR++; show() } }' "$1" | cut -c 1-600
}

count_one() { [ "$2" -eq 0 ] && echo "1 0" || echo "0 1"; }

count_sanity() {
    local ran failed
    ran=$(grep -c '^Running sanity test' "$1")
    failed=$(grep -oE 'The [0-9]+ sanity test\(s\) listed below \(out of [0-9]+\) failed' "$1" | grep -oE '^The [0-9]+' | grep -oE '[0-9]+' || true)
    failed=${failed:-0}
    echo "$((ran - failed)) $failed"
}

count_pytest() {  # log rc; the junit file is the log's name with .xml
    python3 - "${1%.log}.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print("0 0"); sys.exit()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
tests = sum(int(s.get("tests", 0)) for s in suites)
bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
# A skipped test is not a passed one.
print(tests - bad - skipped, bad + skipped)
PY
}

check_build() {
    local dist=$top/.build/dist tarball size
    rm -rf "$dist"
    ansible-galaxy collection build --force --output-path "$dist" . || return 1
    tarball=$(ls "$dist"/dualstack-redis-*.tar.gz)
    size=$(stat -c %s "$tarball")
    echo "tarball $tarball: $size bytes"
    [ "$size" -lt $((2 * 1024 * 1024)) ] || { echo "tarball is over 2 MiB"; return 1; }
    if tar -tzf "$tarball" | grep -E '(^|/)(\.venv|\.build|tests/output|__pycache__|molecule)(/|$)|\.tar\.gz$'; then
        echo "tarball contains files that build_ignore should keep out (listed above)"; return 1
    fi
}

count_host_modules() {  # the assertion tasks of tests/matrix/host_modules.yml that passed; failed or skipped tasks
    local passed failed
    passed=$(grep -c '"msg": "All assertions passed"' "$1")
    failed=$(grep -oE 'localhost +: .*' "$1" | tail -n 1 \
        | awk '{n = 0; for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] ~ /^(failed|unreachable|skipped)$/) n += kv[2] } print n}')
    echo "$passed ${failed:-0}"
}

cluster_tests() {  # Debian's redis-server and the pinned Valkey builds (installed when missing), then the tests against real clusters
    tests/lab/lab.sh redis && tests/lab/lab.sh valkey && tests/lab/lab.sh clients && pytest tests/cluster --junitxml="$logs/cluster.xml" -p no:cacheprovider
}

netns_tests() {  # iproute2 and procps (installed when missing), then address changes in network namespaces
    tests/lab/lab.sh netns && tests/lab/lab.sh nettools >/dev/null \
        && pytest tests/netns --junitxml="$logs/netns.xml" -p no:cacheprovider
}

changelog_check() {  # the fragments lint clean, and CHANGELOG.rst is what they and changelog.yaml render to
    antsibull-changelog lint && antsibull-changelog generate --output "$logs/CHANGELOG.rst" \
        && diff -u CHANGELOG.rst "$logs/CHANGELOG.rst" && echo "CHANGELOG.rst is up to date"
}

lab_ready=0
molecule_stages() {  # scenario...
    local s
    for s in "$@"; do
        if [ "$lab_ready" -eq 1 ]; then
            run_stage "molecule-$s" count_one molecule test -s "$s"
        else
            record "molecule-$s (no lab image)" 0 1 0
        fi
    done
}

background_lane() {
    # Lower this lane's priority first, so every process it starts inherits it.
    renice -n 10 -p "$BASHPID" >/dev/null
    ionice -c 2 -n 7 -p "$BASHPID" 2>/dev/null || true
    # The sanity and unit stages: under each ansible-core release meta/runtime.yml claims, in its own venv
    # (tests/matrix/run.sh, `make matrix`): sanity with every target Python that release supports, and the
    # unit tests.
    local core
    run_stage matrix-venvs count_one tests/matrix/run.sh venvs
    for core in 2.16 2.17 2.18 2.19; do
        run_stage "sanity-$core" count_sanity tests/matrix/run.sh sanity "$core"
        run_stage "units-$core" count_pytest tests/matrix/run.sh units "$core" --junitxml="$logs/units-$core.xml"
    done
    run_stage execution-environment count_pytest pytest tests/awx --junitxml="$logs/execution-environment.xml" -p no:cacheprovider
    run_stage yamllint count_one yamllint --strict .
    run_stage ansible-lint count_one ansible-lint --offline
    run_stage changelog count_one changelog_check
    run_stage build count_one check_build
    run_stage community count_one tests/community/run.sh
    run_stage docs count_pytest tests/docs/run.sh --junitxml="$logs/docs.xml"
    molecule_stages "${bg_scenarios[@]}"
}

# Before the lanes split: the lab image (both run scenarios). The matrix venvs are the background lane's first
# stage; the foreground uses them only at its end (host-modules).
if [ $(( ${#fg_scenarios[@]} + ${#bg_scenarios[@]} )) -gt 0 ]; then
    if tests/lab/lab.sh host >"$logs/lab.log" 2>&1 && tests/lab/lab.sh image >>"$logs/lab.log" 2>&1; then
        lab_ready=1
    else
        record "lab (podman image)" 0 1 0
        tail -n 30 "$logs/lab.log" | sed 's/^/    | /'
    fi
fi

( background_lane ) </dev/null &
background_pid=$!

run_stage cluster count_pytest cluster_tests
run_stage netns count_pytest netns_tests
molecule_stages "${fg_scenarios[@]}"
# The managed-host modules run for real on localhost (Python 3.6 under 2.16), against the stand-in.
for core in 2.16 2.17 2.18 2.19; do
    run_stage "host-modules-$core" count_host_modules tests/matrix/run.sh modules "$core"
done
wait "$background_pid"

printf '\n%-40s %6s %6s %7s\n' stage passed failed time
cat "$rows_file"
# The name may hold spaces ("molecule-x (no lab image)"): the counts are the two fields before the time.
read -r total_pass total_fail < <(awk '{p += $(NF-2); f += $(NF-1)} END {print p + 0, f + 0}' "$rows_file")
printf 'summary: %d passed, %d failed\n' "$total_pass" "$total_fail"
[ "$total_fail" -eq 0 ]
