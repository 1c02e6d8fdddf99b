#!/usr/bin/env bash
# `make demo`: run the collection's main job on the built-in lab and print what happened.
#   1. the lab's canary (lab_smoke): systemd containers, dual-stack network, glibc honouring gai.conf;
#   2. the main job: change the internal address of every node of a 3-node Redis Enterprise (stand-in)
#      cluster, one node at a time, printing `rladmin status nodes` before and after.
# KEEP_LAB=1 leaves the Redis Enterprise containers up to explore (podman ps; podman exec -it ia1 bash).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
log=.build/demo.log
mkdir -p .build
: >"$log"

step() {  # molecule subcommand, scenario: run it, logging; on failure show the end of the log and stop
    echo "demo: molecule $1 -s $2"
    # JSON results keep each check's message on one line for the summaries below.
    if ! env COLUMNS=400 ANSIBLE_CALLBACK_RESULT_FORMAT=json molecule "$1" -s "$2" >>"$log" 2>&1; then
        tail -n 60 "$log"
        echo "demo: FAILED at 'molecule $1 -s $2'; the full log is $log" >&2
        exit 1
    fi
}

checks() {  # the CHECK lines the verify plays printed since the given log line
    tail -n +"$1" "$log" | sed 's/\x1b\[[0-9;]*m//g' | grep -oE 'CHECK [^"]*' | sed 's/^CHECK /  - /' | sort -u
}

rladmin_status() {
    podman exec ia1 /opt/redislabs/bin/rladmin status nodes | sed 's/^/    /'
}

from=$(($(wc -l <"$log") + 1))
step test lab_smoke
echo "demo: the lab works:"
checks "$from"

from=$(($(wc -l <"$log") + 1))
step destroy internal_address
step create internal_address
step prepare internal_address
echo
echo "demo: Redis Enterprise cluster before (rladmin status nodes on node 1):"
rladmin_status
step converge internal_address
echo
echo "demo: after dualstack.redis.change_internal_addresses:"
rladmin_status
step verify internal_address
echo
echo "demo: what was checked:"
checks "$from"
if [ "${KEEP_LAB:-0}" = 1 ]; then
    echo "demo: lab left running (podman ps); remove it with: molecule destroy -s internal_address"
else
    step destroy internal_address
fi
echo "demo: done"
