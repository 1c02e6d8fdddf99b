"""The programs that read a host's network configuration at boot, run on files under a test's root directory: what
each stack will make of what persistent_address wrote. Needs root (mount and network namespaces) and the Debian 12
tools ``tests/lab/lab.sh nettools`` extracts (ifupdown 0.8, netplan 0.106, NetworkManager 1.42's nmcli);
systemd-networkd 252 is the host's own.

- ``ifupdown(root)``: ``ifup -n -v --no-scripts -a`` (the ``auto`` interfaces, as networking.service brings them up
  at boot) and ``ifup -n -v --no-scripts --allow=hotplug -a`` (``allow-hotplug`` ones, as udev does), in a private
  mount namespace where ``ROOT/etc/network`` is ``/etc/network`` (an overlay of /etc: the host's is not touched). ifup
  prints every command it would run; the addresses (from its methods and from plain ``ip addr add`` in ``up``
  lines) and the sysctls are read from that, per device, in order.
- ``netplan(root)``: netplan's ``generate --root-dir ROOT``, then the addresses of each device it rendered for
  systemd-networkd or NetworkManager, in order.
- ``nmcli(keyfile, args)``: ``nmcli --offline connection modify ARGS`` on a keyfile from stdin: the keyfile
  NetworkManager would save, or nmcli's refusal.
- ``networkd(root, links)``: systemd-networkd itself in new network and mount namespaces, with one veth pair per
  link (the peers named ``p<n>``), ``ROOT/etc/systemd/network``, ``ROOT/run/systemd/network`` and
  ``ROOT/usr/lib/systemd/network`` as its configuration (the host's hidden), until every link is configured (or
  failed, or 20 s passed): the addresses the kernel then has per link (IPv4 in the kernel's order, primary first),
  and the link state files it wrote.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shlex
import subprocess
import tempfile

LIB = "root/usr/lib/x86_64-linux-gnu"
_CONFIGURING = re.compile(r"^ifup: configuring interface (\S+)=(\S+) \((inet6?)\)$")
_SYSCTL = re.compile(r"sysctl (?:-[a-z]+ )*([\w./-]+)=(\S+)")


def nettools_dir(checkout):
    """The directory of the extracted tools (runs ``tests/lab/lab.sh nettools``, which fetches them once)."""
    done = subprocess.run([os.path.join(checkout, "tests", "lab", "lab.sh"), "nettools"], capture_output=True, text=True,
                          timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError("tests/lab/lab.sh nettools failed: %s" % (done.stderr.strip() or done.stdout.strip()))
    return done.stdout.strip().splitlines()[-1]


def ip_words(line):
    """(address A/P, device) of a plain ``ip [-4|-6] addr add A[/P|/MASK] ... dev D`` line, or None. A netmask
    (``/255.255.255.0``, as ifupdown writes it) becomes a prefix length."""
    try:
        words = shlex.split(line)
    except ValueError:
        return None
    if not words or os.path.basename(words[0]) != "ip":
        return None
    words = [w for w in words[1:] if not w.startswith("-")]
    if len(words) < 3 or not "address".startswith(words[0]) or words[1] not in ("add", "a", "replace"):
        return None
    address = words[2] if words[2] != "local" else words[3]
    if "dev" not in words:
        return None
    device = words[words.index("dev") + 1].split(":")[0]
    text, _sep, mask = address.partition("/")
    if mask and "." in mask:
        mask = str(ipaddress.ip_network("0.0.0.0/%s" % mask).prefixlen)
    return "%s/%s" % (ipaddress.ip_address(text).compressed, mask or "32"), device


class Oracles:
    def __init__(self, nettools):
        self.dir = nettools
        self.env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(nettools, LIB))

    # --- ifupdown ------------------------------------------------------------------------------------------
    def ifup_output(self, root, allow=None):
        """What ``ifup -n -v --no-scripts -a`` prints with ROOT/etc/network as /etc/network: (rc, text)."""
        work = tempfile.mkdtemp(prefix="oracle-ifup-")
        upper, scratch, state = (os.path.join(work, name) for name in ("upper", "work", "state"))
        for path in (upper, scratch, state):
            os.makedirs(path)
        ifup = [os.path.join(self.dir, "root/sbin/ifup"), "-n", "-v", "--no-scripts", "--state-dir", state, "-a"]
        if allow:
            ifup.append("--allow=%s" % allow)
        script = ("set -e; mount -t overlay overlay -o lowerdir=/etc,upperdir=%s,workdir=%s /etc; rm -rf /etc/network; "
                  "mkdir /etc/network; mount --bind %s /etc/network; exec %s 2>&1"
                  % (shlex.quote(upper), shlex.quote(scratch), shlex.quote(os.path.join(root, "etc", "network")),
                     " ".join(shlex.quote(arg) for arg in ifup)))
        done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=60,
                              errors="surrogateescape", check=False)
        subprocess.run(["rm", "-rf", work], check=False)
        return done.returncode, done.stdout + done.stderr

    def ifupdown(self, root):
        """{"devices": {device: [A/P in the order ifup adds them]}, "sysctls": {key: last value}, "routes": [the route
        commands], "errors": [lines], "unreadable": whether ifup refused a whole file, "text": what ifup printed}."""
        devices, sysctls, routes, errors, texts = {}, {}, [], [], []
        unreadable = False
        for allow in (None, "hotplug"):
            rc, text = self.ifup_output(root, allow)
            texts.append(text)
            unreadable = unreadable or "couldn't read interfaces file" in text
            if rc != 0:
                errors.append("ifup exited %d" % rc)
            logical = None
            for line in text.split("\n"):
                line = line.strip()
                match = _CONFIGURING.match(line)
                if match:
                    logical = match.group(1)
                    continue
                if line.startswith("ifup:") and ("error" in line.lower() or "missing" in line or "couldn't" in line
                                                 or "unknown" in line or "empty value" in line):
                    errors.append(line)
                sysctl = _SYSCTL.search(line)
                if sysctl:
                    sysctls[sysctl.group(1)] = sysctl.group(2)
                found = ip_words(line.replace("$IFACE", (logical or "").split(":")[0]))
                if found:
                    devices.setdefault(found[1], []).append(found[0])
                elif " route " in " %s " % line:
                    routes.append(" ".join(line.split()))
        return dict(devices=devices, sysctls=sysctls, routes=routes, errors=errors, unreadable=unreadable, text="\n".join(texts))

    # --- netplan -------------------------------------------------------------------------------------------
    def netplan(self, root, texts=None):
        """(rc, stderr, {device: [A/P rendered, in order]}) after ``generate --root-dir ROOT``; ``texts``, a dict, gets
        {device: the rendered file's text}."""
        for old in ("run/systemd/network", "run/NetworkManager/system-connections"):
            subprocess.run(["rm", "-rf", os.path.join(root, old)], check=False)
        done = subprocess.run([os.path.join(self.dir, "root/usr/libexec/netplan/generate"), "--root-dir", root],
                              capture_output=True, text=True, env=self.env, timeout=60, check=False)
        rendered = {}
        for directory, pattern, read_addresses in (
                ("run/systemd/network", r"^10-netplan-(.+)\.network$",
                 lambda text: [line.split("=", 1)[1].strip() for line in text.split("\n") if line.startswith("Address=")]),
                ("run/NetworkManager/system-connections", r"^netplan-(.+)\.nmconnection$", keyfile_addresses)):
            path = os.path.join(root, directory)
            for name in sorted(os.listdir(path)) if os.path.isdir(path) else []:
                match = re.match(pattern, name)
                if not match:
                    continue
                with open(os.path.join(path, name), encoding="utf-8") as handle:
                    text = handle.read()
                rendered[match.group(1)] = read_addresses(text)
                if texts is not None:
                    texts[match.group(1)] = text
        return done.returncode, done.stderr, rendered

    # --- NetworkManager ------------------------------------------------------------------------------------
    def nmcli(self, keyfile, *args):
        """(rc, keyfile after, stderr) of ``nmcli --offline connection modify ARGS < keyfile``."""
        done = subprocess.run([os.path.join(self.dir, "root/usr/bin/nmcli"), "--offline", "connection", "modify"] + list(args),
                              input=keyfile, capture_output=True, text=True, env=self.env, timeout=30, check=False)
        return done.returncode, done.stdout, done.stderr

    # --- systemd-networkd ----------------------------------------------------------------------------------
    def networkd(self, root, links, timeout=20):
        """{"addresses": {link: [A/P]}, "states": {link: state file as a dict}, "routes": {link: ["DST GATEWAY"]},
        "log": networkd's output}."""
        work = tempfile.mkdtemp(prefix="oracle-networkd-")
        out = os.path.join(work, "out.json")
        empty = os.path.join(work, "empty")
        os.makedirs(empty)
        conf = {name: os.path.join(root, path) for name, path in (
            ("etc", "etc/systemd/network"), ("run", "run/systemd/network"), ("usr", "usr/lib/systemd/network"))}
        for path in conf.values():
            os.makedirs(path, exist_ok=True)
        peers = " ".join("ip link add %s type veth peer name p%d && ip link set p%d up &&" % (shlex.quote(link), n, n)
                         for n, link in enumerate(links))
        script = """
set -e
%(peers)s true
mount -t tmpfs tmpfs /run/systemd
mkdir -p /run/systemd/netif/links /run/systemd/netif/leases /run/systemd/network
cp -a %(run)s/. /run/systemd/network/
chown -R systemd-network:systemd-network /run/systemd/netif
mount --bind %(etc)s /etc/systemd/network
mount --bind %(usr)s /usr/lib/systemd/network
if [ -d /usr/local/lib/systemd/network ]; then mount --bind %(empty)s /usr/local/lib/systemd/network; fi
mount -t sysfs -o ro sysfs /sys
/lib/systemd/systemd-networkd > %(work)s/log 2>&1 &
pid=$!
for i in $(seq %(rounds)d); do
  done=0
  for f in /run/systemd/netif/links/*; do
    [ -e "$f" ] || continue
    grep -qE 'ADMIN_STATE=(configuring|pending|initialized)' "$f" || done=$((done+1))
  done
  [ "$done" -ge %(count)d ] && break
  sleep 0.1
done
sleep 0.3
python3 - <<'PY' > %(out)s
import json, os, subprocess
links = {}
for name in os.listdir("/sys/class/net"):
    with open("/sys/class/net/%%s/ifindex" %% name) as handle:
        index = handle.read().strip()
    state = {}
    path = "/run/systemd/netif/links/" + index
    if os.path.exists(path):
        for line in open(path).read().split("\\n"):
            key, sep, value = line.partition("=")
            if sep:
                state[key] = value
    def ip(*args):
        return json.loads(subprocess.run(["ip", "-j"] + list(args), capture_output=True, text=True, check=False).stdout or "[]")
    links[name] = dict(state=state, addr=ip("addr", "show", "dev", name),
                       routes=ip("-4", "route", "show", "dev", name) + ip("-6", "route", "show", "dev", name))
print(json.dumps(links))
PY
kill $pid
""" % dict(peers=peers, run=shlex.quote(conf["run"]), etc=shlex.quote(conf["etc"]), usr=shlex.quote(conf["usr"]),
           empty=shlex.quote(empty), work=shlex.quote(work), out=shlex.quote(out), rounds=timeout * 10,
           count=len(links) + 1)
        done = subprocess.run(["unshare", "-n", "-m", "bash", "-c", script], capture_output=True, text=True, timeout=timeout + 30,
                              check=False)
        try:
            with open(out, encoding="utf-8") as handle:
                links_seen = json.load(handle)
            with open(os.path.join(work, "log"), encoding="utf-8", errors="replace") as handle:
                log = handle.read()
        except (OSError, ValueError):
            raise RuntimeError("systemd-networkd oracle failed (rc=%d): %s %s" % (done.returncode, done.stdout, done.stderr))
        finally:
            subprocess.run(["rm", "-rf", work], check=False)
        addresses, states, routes = {}, {}, {}
        for link in links:
            seen = links_seen.get(link) or {}
            infos = (seen.get("addr") or [{}])[0].get("addr_info") or []
            addresses[link] = ["%s/%d" % (info["local"], info["prefixlen"]) for info in infos
                               if info.get("scope") == "global"]
            states[link] = seen.get("state") or {}
            routes[link] = sorted("%s %s" % (r.get("dst"), r.get("gateway", "")) for r in seen.get("routes") or []
                                  if not str(r.get("dst", "")).startswith("fe80"))
        return dict(addresses=addresses, states=states, routes=routes, log=log)


def keyfile_addresses(text):
    """The ``addressN`` values of a NetworkManager keyfile's [ipv4] then [ipv6], each family by N."""
    found, section = [], None
    for line in text.split("\n"):
        line = line.strip()
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, sep, value = line.partition("=")
        match = re.match(r"^address(\d+)$", key)
        if sep and match and section in ("ipv4", "ipv6"):
            found.append((section, int(match.group(1)), value.split(",")[0]))
    return [value for _s, _n, value in sorted(found)]


def keyfile_method(text, family):
    section = None
    for line in text.split("\n"):
        line = line.strip()
        if line.startswith("["):
            section = line.strip("[]")
        elif section == family and line.startswith("method="):
            return line.split("=", 1)[1]
    return "auto"


def ipv4_first_then(addresses):
    """IPv4 addresses in order, then IPv6 sorted (the kernel lists IPv6 addresses newest first: their order is
    not what a configuration decides)."""
    return [a for a in addresses if ":" not in a] + sorted(a for a in addresses if ":" in a)
