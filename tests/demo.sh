#!/usr/bin/env bash
# `make demo`: run the collection's jobs on the built-in lab and print what was checked.
# Today the lab itself: two systemd containers on a dual-stack network, and glibc honouring
# /etc/gai.conf inside them. KEEP_LAB=1 leaves the containers up to explore (podman ps).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
log=.build/demo.log
mkdir -p .build
scenario=lab_smoke
if [ "${KEEP_LAB:-0}" = 1 ]; then
    steps=(converge verify)
else
    steps=(test)
fi
for step in "${steps[@]}"; do
    echo "demo: molecule $step -s $scenario (log: $log)"
    # JSON results keep each check's message on one line for the summary below.
    if ! ANSIBLE_CALLBACK_RESULT_FORMAT=json molecule "$step" -s "$scenario" >>"$log" 2>&1; then
        tail -n 40 "$log"
        echo "demo: FAILED at 'molecule $step -s $scenario'; the full log is $log" >&2
        exit 1
    fi
done
echo
echo "demo: what was checked"
# The verify play's own messages say what each node saw.
# Each verify assertion ends its success message with a line starting "CHECK".
sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -oE 'CHECK [^"]*' | sed 's/^CHECK /  - /' | sort -u
if [ "${KEEP_LAB:-0}" = 1 ]; then
    echo "demo: lab left running (podman ps); remove it with: molecule destroy -s $scenario"
fi
