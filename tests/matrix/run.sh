#!/usr/bin/env bash
# `make matrix`: the collection against every ansible-core release meta/runtime.yml claims (2.16 to 2.19).
# Each release gets its own venv, .build/matrix/<version>, made from tests/matrix/<version>.txt (the
# matching `ansible` package, its ansible-core and what the unit tests import) on Python 3.11. The venv itself
# lives in a cache outside the checkout, named after its pin file's and Python's hash
# ($DUALSTACK_REDIS_CACHE, default ~/.cache/dualstack-redis/matrix), and .build/matrix/<version> links to it: a
# fresh clone on the same machine reuses it (as pip reuses its cache), a changed pin file gets a new one.
#
#   tests/matrix/run.sh [VERSION...]          everything below for each version (default: all), one summary
#   tests/matrix/run.sh venvs [VERSION...]    make the missing or stale venvs (in parallel)
#   tests/matrix/run.sh sanity VERSION [ARGS] ansible-test sanity, every test, every target Python that
#                                             release supports and tests/config.yml allows (3.6 to 3.13
#                                             from pyenv are put on PATH)
#   tests/matrix/run.sh units VERSION [ARGS]  pytest tests/unit
#   tests/matrix/run.sh modules VERSION       tests/matrix/host_modules.yml: the managed-host modules run for
#                                             real on localhost under that release's oldest (2.16: 3.6) or
#                                             newest (others: 3.13) target Python
# Logs of `run.sh [VERSION...]`: .build/matrix/logs/<version>-<step>.log
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top"
matrix=$top/.build/matrix
ALL_VERSIONS=(2.16 2.17 2.18 2.19)
TARGET_PYTHONS=(3.6 3.7 3.8 3.9 3.10 3.11 3.12 3.13)
# The interpreter tests/matrix/host_modules.yml runs the modules with, per release: 2.16 is the last
# release that manages Python 3.6 hosts; the others run them on the newest target, 3.13 (2.17 supports
# targets up to 3.12 only, so it gets its newest).
declare -A HOST_PYTHON=([2.16]=3.6 [2.17]=3.12 [2.18]=3.13 [2.19]=3.13)
PYTHON=${PYTHON:-python3}

die() { echo "matrix: $*" >&2; exit 2; }
pins() { local f=$top/tests/matrix/$1.txt; [ -f "$f" ] || die "no pin file $f (versions: ${ALL_VERSIONS[*]})"; echo "$f"; }
cache=${DUALSTACK_REDIS_CACHE:-$HOME/.cache/dualstack-redis}/matrix

cached_dir() {  # version: the cache directory of its venv, named after the pin file and the Python building it
    local key
    key=$( { cat "$(pins "$1")"; "$PYTHON" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)
    echo "$cache/$1-$key"
}

fresh() {  # version: .build/matrix/<version> links to the venv its pin file names, and that venv is complete
    local dir
    dir=$(cached_dir "$1")
    [ "$(readlink "$matrix/$1" 2>/dev/null)" = "$dir" ] || return 1
    [ -x "$dir/bin/python" ] && cmp -s "$(pins "$1")" "$dir/.installed"
}

link_cached() {  # version: point .build/matrix/<version> at a complete cached venv; false when there is none
    local dir
    dir=$(cached_dir "$1")
    [ -x "$dir/bin/python" ] && cmp -s "$(pins "$1")" "$dir/.installed" || return 1
    rm -rf "${matrix:?}/$1"
    ln -s "$dir" "$matrix/$1"
}

make_venv() {  # version: (re)create its cached venv from its pin file and link .build/matrix/<version> to it
    local v=$1 dir pinfile
    pinfile=$(pins "$v")
    dir=$(cached_dir "$v")
    mkdir -p "$cache"
    # Another checkout on this machine may be making the same venv (the cache is shared): one at a time, and the
    # second one takes what the first made (a venv cannot be built elsewhere and moved: its paths are absolute).
    exec {lock}>"$dir.lock"
    flock "$lock"
    link_cached "$v" && return 0
    rm -rf "$dir" "${matrix:?}/$v"
    "$PYTHON" -m venv "$dir"
    "$dir/bin/pip" install --quiet --upgrade pip
    "$dir/bin/pip" install --quiet -r "$pinfile"
    # The pins must be what got installed: the ansible package brings the ansible-core release named.
    "$dir/bin/python" -c 'import sys, ansible.release as r; sys.exit(0 if r.__version__.startswith(sys.argv[1] + ".") else "ansible-core %s is not %s" % (r.__version__, sys.argv[1]))' "$v"
    cp "$pinfile" "$dir/.installed"
    ln -s "$dir" "$matrix/$v"
}

venvs() {  # version...: make the stale ones, side by side; fail when one fails (its log is printed)
    local v pids=() names=() rc=0 i
    mkdir -p "$matrix/logs"
    for v in "$@"; do
        pins "$v" >/dev/null
        fresh "$v" && continue
        link_cached "$v" && { echo "matrix: .build/matrix/$v is the cached $(readlink "$matrix/$v")"; continue; }
        echo "matrix: making .build/matrix/$v from tests/matrix/$v.txt"
        make_venv "$v" >"$matrix/logs/$v-venv.log" 2>&1 &
        pids+=($!); names+=("$v")
    done
    for i in "${!pids[@]}"; do
        if ! wait "${pids[$i]}"; then
            echo "matrix: venv ${names[$i]} failed:" >&2; tail -n 30 "$matrix/logs/${names[$i]}-venv.log" >&2; rc=1
        fi
    done
    return "$rc"
}

release() { python -c 'import ansible.release as r; print("ansible-core", r.__version__)'; }

use() {  # version: that venv first on PATH, then the target Pythons' own bin directories (not pyenv's shims)
    local v=$1 py dirs="" path
    venvs "$v"
    for py in "${TARGET_PYTHONS[@]}"; do
        py=$("$top/tests/lab/lab.sh" python "$py") || die "a target Python is missing (tests/lab/lab.sh doctor)"
        dirs+=$(dirname "$py"):
    done
    # pyenv's shims (any PATH entry ending in /shims) go: they answer for every version but run only the
    # selected ones (python2.7 would be "found").
    path=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/shims$' | paste -sd: -)
    export PATH="$matrix/$v/bin:$dirs$path" VIRTUAL_ENV="$matrix/$v"
    hash -r
}

sanity() {  # version [ansible-test args]
    local v=$1; shift
    use "$v"
    echo "matrix $v: $(release); target Pythons on PATH: ${TARGET_PYTHONS[*]}"
    SANITY_WORKDIR=${SANITY_WORKDIR:-${TMPDIR:-/tmp}/dualstack-redis-matrix-sanity-$v} SANITY_PYTHON=all \
        PYTHON="$matrix/$v/bin/python" "$top/tests/sanity/run.sh" "$@"
}

units() {  # version [pytest args]
    local v=$1; shift
    use "$v"
    echo "matrix $v: $(release)"
    python -m pytest tests/unit -p no:cacheprovider "$@"
}

modules() {  # version
    local v=$1 interp tmp rc=0 re agents=() pid n redis_port
    use "$v"
    interp=$("$top/tests/lab/lab.sh" python "${HOST_PYTHON[$v]}")
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/dualstack-redis-matrix-modules-$v.XXXXXX")
    mkdir -p "$tmp/ansible_collections/dualstack" "$tmp/work"
    ln -s "$top" "$tmp/ansible_collections/dualstack/redis"
    # The Redis Enterprise stand-in with its state in $tmp/work/re: rladmin runs as node 1; the agents of
    # nodes 1 and 2 heartbeat (each for at most 10 minutes) while 127.0.0.1 and ::1 are bound to lo.
    re=$tmp/work/re
    mkdir -p "$re/shared"
    export RE_STANDIN_SHARED=$re/shared RE_STANDIN_BLOCKED=$re/blocked
    for n in 1 2; do echo "$n" >"$re/node$n"; done
    printf '#!/bin/sh\nRE_STANDIN_SHARED=%q RE_STANDIN_BLOCKED=%q RE_STANDIN_NODE_ID=%q exec %q %q rladmin "$@"\n' \
        "$re/shared" "$re/blocked" "$re/node1" "$(command -v python3)" "$top/tests/standins/redis_enterprise/re_standin.py" >"$re/rladmin"
    chmod 0755 "$re/rladmin"
    python3 "$top/tests/standins/redis_enterprise/re_standin.py" init 1:127.0.0.1:node-1 2:::1:node-2 3:192.0.2.13:node-3
    # Each agent also serves the REST API on its node's address, one port for both (the product's default,
    # handle_redirects false: node 2 answers 307 to node 1, the master), over TLS with the tests' own CA.
    api_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    python3 "$top/tests/lib/lab_ca.py" "$re/tls" localhost 127.0.0.1 ::1 >/dev/null
    for n in 1 2; do
        listen=$([ "$n" = 1 ] && echo 127.0.0.1 || echo ::1)
        printf '{"listen": "%s", "port": %s, "cert": "%s", "key": "%s", "users": {"admin@matrix": {"password": "matrix-api", "role": "admin"}}}\n' \
            "$listen" "$api_port" "$re/tls/server.crt" "$re/tls/server.key" >"$re/api$n.json"
    done
    # Node 1's agent first, and node 2's once node 1 is OK (rladmin answers): a master that is not seen for
    # 4 s is replaced by the lowest OK node, so node 2 alone would take the master role from node 1.
    for n in 1 2; do
        RE_STANDIN_NODE_ID=$re/node$n RE_STANDIN_API_CONFIG=$re/api$n.json \
            timeout 600 python3 "$top/tests/standins/redis_enterprise/re_standin.py" agent >"$re/agent$n.log" 2>&1 &
        agents+=($!)
        for _ in $(seq 50); do "$re/rladmin" cluster master >/dev/null && break; sleep 0.2; done
    done
    # A real redis-server (Debian's, installed when missing) on 127.0.0.1 and ::1 for redis_endpoint_info.
    "$top/tests/lab/lab.sh" redis >/dev/null
    redis_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    timeout 600 redis-server --port "$redis_port" --bind "127.0.0.1 ::1" --save "" --appendonly no --dir "$tmp/work" \
        --requirepass matrix-pass >"$tmp/work/redis.log" 2>&1 &
    agents+=($!)
    for _ in $(seq 50); do redis-cli -p "$redis_port" --no-auth-warning -a matrix-pass ping 2>/dev/null | grep -q PONG && break; sleep 0.2; done
    echo "matrix $v: $(release); managed-host Python: $interp"
    ANSIBLE_COLLECTIONS_PATH=$tmp ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0 \
        ANSIBLE_LOCAL_TEMP=$tmp/local ANSIBLE_REMOTE_TEMP=$tmp/remote \
        ansible-playbook -i localhost, -c local tests/matrix/host_modules.yml -e "ansible_python_interpreter=$interp" \
        -e "matrix_work=$tmp/work" -e "matrix_python=${HOST_PYTHON[$v]}" -e "matrix_redis_port=$redis_port" \
        -e "matrix_api_port=$api_port" || rc=$?
    # persistent_address's text planners (ifupdown, netplan) on the target Python and on the controller's: same output.
    if "$interp" tests/matrix/text_plans.py "$tmp" >"$tmp/work/plans-target.json" \
        && python3 tests/matrix/text_plans.py "$tmp" >"$tmp/work/plans-controller.json" \
        && cmp -s "$tmp/work/plans-target.json" "$tmp/work/plans-controller.json" \
        && grep -q '"remove_is_identity": true' "$tmp/work/plans-target.json"; then
        echo "text planners: the same on $interp as on $(python3 --version 2>&1)"
    else
        echo "text planners differ on $interp (or failed):"; diff "$tmp/work/plans-target.json" "$tmp/work/plans-controller.json" | head -40
        rc=1
    fi
    for pid in "${agents[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
    return "$rc"
}

all() {  # version...: every step of every version, keep going, one line per step and a summary
    local v step log start rc failed=0 rows=()
    [ $# -gt 0 ] || set -- "${ALL_VERSIONS[@]}"
    local t0; t0=$(date +%s)
    venvs "$@" || return 1
    echo "matrix: venvs ready in $(( $(date +%s) - t0 ))s"
    for v in "$@"; do
        for step in sanity units modules; do
            log=$matrix/logs/$v-$step.log start=$(date +%s) rc=0
            echo "==> matrix $v $step (log: ${log#"$top"/})"
            "$0" "$step" "$v" >"$log" 2>&1 || rc=$?
            rows+=("$(printf '%-6s %-8s %-6s %5ss' "$v" "$step" "$([ "$rc" -eq 0 ] && echo ok || echo FAILED)" $(( $(date +%s) - start )))")
            if [ "$rc" -ne 0 ]; then failed=$((failed + 1)); tail -n 30 "$log" | sed 's/^/    | /'; fi
        done
    done
    printf '%s\n' "${rows[@]}"
    echo "matrix: ${#rows[@]} steps, $failed failed, $(( $(date +%s) - t0 ))s"
    [ "$failed" -eq 0 ]
}

case "${1:-}" in
    venvs) shift; [ $# -gt 0 ] || set -- "${ALL_VERSIONS[@]}"; venvs "$@" ;;
    sanity|units|modules) cmd=$1; shift; [ $# -gt 0 ] || die "$cmd needs a version"; "$cmd" "$@" ;;
    *) all "$@" ;;
esac
