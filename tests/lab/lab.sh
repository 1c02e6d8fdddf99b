#!/usr/bin/env bash
# The container lab: podman with the settings this machine kind needs, a local Debian 12 image with
# systemd as PID 1, and dual-stack podman networks. Used by the Makefile, molecule and the demo.
#
#   tests/lab/lab.sh toolchain [PYTHON]  check PYTHON (3.11+) can make a venv, and that shellcheck
#                                      (ansible-test sanity) is there; apt-get what is missing
#   tests/lab/lab.sh host              install podman, runc, debootstrap (apt) when missing, check podman
#   tests/lab/lab.sh image             build the lab image unless one built from the same recipe exists
#   tests/lab/lab.sh network NAME V4 V6    create a dual-stack network (V4 in 198.18.0.0/15, V6 in fd00::/8)
#   tests/lab/lab.sh network-rm NAME   remove a network (and nothing else)
#   tests/lab/lab.sh jdk               make sure the host has OpenJDK 17 (scenarios mount it read-only into
#                                      containers to run a real JVM); apt-get it when missing
#   tests/lab/lab.sh redis             make sure the host has redis-server and redis-cli (Debian's), for the
#                                      tests against a real Redis Cluster on loopback; apt-get them when missing
#   tests/lab/lab.sh doctor            print what the lab uses, and whether it is ready
#
# Everything runs as root. Podman reads the project's own settings file (tests/lab/containers.conf)
# through CONTAINERS_CONF; /etc/containers is never edited.
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$LAB_DIR/containers.conf}
LAB_IMAGE=${LAB_IMAGE:-localhost/dualstack-redis-lab:debian12}
LAB_SUITE=bookworm
# Packages inside the image. Changing this list (or this script) changes the recipe hash and so
# rebuilds the image on the next run.
LAB_PACKAGES=python3,iproute2,iputils-ping,procps,systemd,systemd-sysv,dbus,netbase

say() { printf 'lab: %s\n' "$*" >&2; }
die() { printf 'lab: ERROR: %s\n' "$*" >&2; exit 1; }

need_root() {
    [ "$(id -u)" -eq 0 ] || die "the lab needs root (podman networks with IPv6, systemd containers, debootstrap). Run as root, e.g. 'sudo make ${MAKE_TARGET:-test}'."
}

apt_install() {
    command -v apt-get >/dev/null || die "apt-get not found: the lab is built for Debian/Ubuntu hosts. Install $* by hand."
    say "installing $* with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || die "apt-get update failed: check the host's apt sources and network access to the Debian mirror."
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
        || die "apt-get install $* failed; see the output above."
}

cmd_toolchain() {
    local py=${1:-python3}
    command -v "$py" >/dev/null || die "$py not found: install Python 3.11 or newer (apt-get install python3 python3-venv)."
    "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "$py is Python $("$py" -c 'import platform; print(platform.python_version())'); the toolchain needs 3.11 or newer (set PYTHON=...)."
    local missing=()
    "$py" -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
    command -v shellcheck >/dev/null || missing+=(shellcheck)
    command -v git >/dev/null || missing+=(git)
    if [ ${#missing[@]} -gt 0 ]; then
        [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}; install them (as root: apt-get install ${missing[*]})."
        apt_install "${missing[@]}"
    fi
}

cmd_host() {
    need_root
    local missing=()
    command -v podman >/dev/null || missing+=(podman)
    command -v runc >/dev/null || missing+=(runc)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v newuidmap >/dev/null || missing+=(uidmap)
    # netavark does dual-stack networks; podman on Debian 12 recommends it but does not require it.
    [ -x /usr/lib/podman/netavark ] || missing+=(netavark aardvark-dns)
    [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
    podman info --format '{{.Host.OCIRuntime.Name}}' >/dev/null 2>&1 \
        || die "podman does not work on this host: $(podman info 2>&1 | tail -3)"
    say "podman $(podman version --format '{{.Client.Version}}') ready (runtime $(podman info --format '{{.Host.OCIRuntime.Name}}'), CONTAINERS_CONF=$CONTAINERS_CONF)"
}

debian_mirror() {
    # Use the mirror the host's apt already uses, so the lab reaches exactly what the host reaches.
    local uri
    uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | grep -v security | sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' \
        | awk '{print $1}' | grep -E '/debian/?$' | head -1) || true
    [ -n "$uri" ] || die "no Debian mirror found in /etc/apt/sources.list*; set LAB_MIRROR=<mirror URL>."
    printf '%s' "$uri"
}

recipe_hash() {
    # The image is named by a fixed tag; the recipe it was built from is kept in a label.
    # Only what shapes the image counts: the suite, the packages and the build function itself.
    { declare -f cmd_image; printf '%s %s\n' "$LAB_SUITE" "$LAB_PACKAGES"; } | sha256sum | cut -c1-16
}

cmd_image() {
    need_root
    local want have mirror
    want=$(recipe_hash)
    have=$(podman image inspect --format '{{ index .Labels "dualstack.lab.recipe" }}' "$LAB_IMAGE" 2>/dev/null || true)
    if [ "$have" = "$want" ]; then
        say "image $LAB_IMAGE is current (recipe $want)"
        return 0
    fi
    command -v debootstrap >/dev/null || die "debootstrap is missing: run 'tests/lab/lab.sh host' first (or apt-get install debootstrap)."
    mirror=${LAB_MIRROR:-$(debian_mirror)}
    rootfs=$(mktemp -d /var/tmp/dualstack-lab-rootfs.XXXXXX)
    tmp_tag="localhost/dualstack-redis-lab:building-$$"
    # Never leave a half-built root or a half-built image behind, whatever fails.
    trap 'rm -rf "$rootfs"; podman rmi -f "$tmp_tag" >/dev/null 2>&1 || true' EXIT
    say "building $LAB_IMAGE (recipe $want) with debootstrap $LAB_SUITE; about a minute"
    if ! debootstrap --variant=minbase --include="$LAB_PACKAGES" "$LAB_SUITE" "$rootfs" "$mirror" >"$rootfs.log" 2>&1; then
        tail -20 "$rootfs.log" >&2
        rm -f "$rootfs.log"
        die "debootstrap failed (mirror $mirror). The last lines of its log are above; fix the cause (network, disk space: df -h /var/tmp) and run again. No image was tagged."
    fi
    rm -f "$rootfs.log"
    # Trim what containers do not need, and make systemd quiet and quick in a container.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    : >"$rootfs/etc/machine-id"
    printf 'lab\n' >"$rootfs/etc/hostname"
    for unit in getty.target systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
        ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
    done
    tar -C "$rootfs" -c . | podman import \
        --change 'CMD ["/sbin/init"]' \
        --change 'STOPSIGNAL SIGRTMIN+3' \
        --change "LABEL dualstack.lab.recipe=$want" \
        --quiet - "$tmp_tag" >/dev/null || die "podman import failed; no image was tagged."
    podman run --rm --network none --entrypoint /usr/bin/python3 "$tmp_tag" -c 'print("ok")' >/dev/null 2>&1 \
        || die "the new image does not start a container (podman run failed); no image was tagged."
    podman tag "$tmp_tag" "$LAB_IMAGE"
    podman rmi "$tmp_tag" >/dev/null
    say "image $LAB_IMAGE built ($(podman image inspect --format '{{.Size}}' "$LAB_IMAGE" | awk '{printf "%d MB", $1/1e6}'))"
}

check_range() {
    # Test networks stay in ranges that never leave this machine.
    local v4=$1 v6=$2
    python3 - "$v4" "$v6" <<'PY' || die "network ranges must be inside 198.18.0.0/15 (IPv4) and fd00::/8 (IPv6); got $v4 and $v6"
import ipaddress, sys
v4, v6 = ipaddress.ip_network(sys.argv[1]), ipaddress.ip_network(sys.argv[2])
ok = v4.version == 4 and v4.subnet_of(ipaddress.ip_network("198.18.0.0/15")) \
    and v6.version == 6 and v6.subnet_of(ipaddress.ip_network("fd00::/8"))
sys.exit(0 if ok else 1)
PY
}

cmd_network() {
    need_root
    local name=${1:?network NAME V4 V6} v4=${2:?IPv4 subnet} v6=${3:?IPv6 subnet}
    check_range "$v4" "$v6"
    if podman network exists "$name"; then
        local subnets
        subnets=$(podman network inspect --format '{{range .Subnets}}{{.Subnet}} {{end}}' "$name")
        if [[ " $subnets " == *" $v4 "* && " $subnets " == *" $v6 "* ]]; then
            say "network $name exists ($subnets)"
            return 0
        fi
        die "network $name exists with other subnets ($subnets); remove it with 'tests/lab/lab.sh network-rm $name'"
    fi
    podman network create --ipv6 --subnet "$v4" --subnet "$v6" "$name" >/dev/null
    say "network $name created ($v4, $v6)"
}

cmd_network_rm() {
    local name=${1:?network-rm NAME}
    podman network rm -f "$name" >/dev/null 2>&1 || true
}

find_jdk() {
    local java
    for java in /usr/lib/jvm/java-17-openjdk-*/bin/java; do
        if [ -x "$java" ] && [ -d /etc/java-17-openjdk ] && "$java" --list-modules 2>/dev/null | grep -q '^jdk.compiler@'; then
            printf '%s' "$java"
            return 0
        fi
    done
    return 1
}

cmd_jdk() {
    if ! find_jdk >/dev/null; then
        need_root
        apt_install openjdk-17-jdk-headless
    fi
    say "JDK for the lab: $(find_jdk || die 'OpenJDK 17 with jdk.compiler is still missing after apt-get install openjdk-17-jdk-headless')"
}

cmd_redis() {
    if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
        need_root
        # Debian's package starts a service on port 6379 when it can; the tests use their own servers and
        # ports, so keep invoke-rc.d from starting one (policy-rc.d exit 101), unless a policy already exists.
        local policy=/usr/sbin/policy-rc.d
        if [ ! -e "$policy" ]; then
            printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
            trap 'rm -f /usr/sbin/policy-rc.d' EXIT
        fi
        apt_install redis-server redis-tools
    fi
    say "Redis for the cluster tests: $(redis-server --version | cut -d' ' -f1-3)"
}

cmd_doctor() {
    printf 'root:            %s\n' "$([ "$(id -u)" -eq 0 ] && echo yes || echo NO)"
    printf 'podman:          %s\n' "$(podman version --format '{{.Client.Version}}' 2>/dev/null || echo missing)"
    printf 'runc:            %s\n' "$(command -v runc || echo missing)"
    printf 'debootstrap:     %s\n' "$(command -v debootstrap || echo missing)"
    printf 'CONTAINERS_CONF: %s\n' "$CONTAINERS_CONF"
    printf 'image:           %s (%s)\n' "$LAB_IMAGE" \
        "$(podman image inspect --format '{{ index .Labels "dualstack.lab.recipe" }}' "$LAB_IMAGE" 2>/dev/null || echo 'not built')"
    printf 'recipe:          %s\n' "$(recipe_hash)"
}

case "${1:-}" in
    toolchain) shift; cmd_toolchain "$@" ;;
    host) cmd_host ;;
    image) cmd_image ;;
    network) shift; cmd_network "$@" ;;
    network-rm) shift; cmd_network_rm "$@" ;;
    jdk) cmd_jdk ;;
    redis) cmd_redis ;;
    doctor) cmd_doctor ;;
    *) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
