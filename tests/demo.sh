#!/usr/bin/env bash
# `make demo`: the whole collection on the built-in lab, with a before/after view of each job.
# The lab (molecule scenario full_lab): a three-node Redis Enterprise stand-in cluster, a Linux client (real
# glibc, real redis-py and ioredis), a Windows client (netsh stand-in), and a real Valkey cluster on the host (on
# the lab network's gateway) behind a stand-in of the ElastiCache API. The jobs: internal addresses of every node
# (one at a time), external addresses, the client preference, and the IP discovery switch with the wait for every
# node; the Linux client's real clients connect before and after the last two. Ends with a summary table
# and tears the lab down; KEEP_LAB=1 leaves it up to explore (podman ps; podman exec -it re1 bash), and
# `molecule cleanup -s full_lab && molecule destroy -s full_lab` removes it later.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
log=.build/demo.log
mkdir -p .build
: >"$log"
started=$(date +%s)

step() {  # molecule subcommand: run it on full_lab, logging; on failure show the end of the log and stop
    echo "demo: molecule $1 -s full_lab ($(( $(date +%s) - started )) s)"
    if ! env COLUMNS=400 molecule "$1" -s full_lab >>"$log" 2>&1; then
        tail -n 80 "$log"
        echo "demo: FAILED at 'molecule $1 -s full_lab' after $(( $(date +%s) - started )) s; the full log is $log" >&2
        exit 1
    fi
}

rm -rf .build/demo
step destroy
step dependency
step create
step prepare
step side-effect
report=.build/demo  # written by molecule/full_lab/demo.yml
[ -f "$report/99-summary.txt" ] || { echo "demo: FAILED: no summary in $report (see $log)" >&2; exit 1; }
# the change reports of jobs 1 and 4 (Markdown, as written for a change ticket), between their before and after views
for f in 10-report.md 30-report.md; do
    [ -s "$report/$f" ] || { echo "demo: FAILED: no change report $report/$f (see $log)" >&2; exit 1; }
done
echo
# (the views and the reports in the order of their numbers: 10-before.txt, 10-report.md, 11-after.txt, ...)
while IFS= read -r f; do
    case $f in */99-summary.txt) continue ;; esac
    cat "$f"; echo
done < <(printf '%s\n' "$report"/[0-9]*.txt "$report"/[0-9]*.md | sort)
echo "demo: summary"
sed 's/^/  /' "$report/99-summary.txt"
echo
if [ "${KEEP_LAB:-0}" = 1 ]; then
    echo "demo: lab left running (podman ps); remove it with: molecule cleanup -s full_lab && molecule destroy -s full_lab"
else
    step cleanup
    step destroy
fi
echo "demo: done in $(( $(date +%s) - started )) s"
