"""A Linux host for persistent_address's tests, under a directory (the module's ROOT): its files are real files there,
and the commands it runs (``ip``, ``sysctl``, ``nmcli``, ``netplan``) are answered from a small state.

What it reproduces: the interfaces under ``sys/class/net`` (with their ifindex), the addresses ``ip -j addr show``
prints for them (``ip addr add|del`` change them, ``ip link show dev`` knows only those interfaces), systemd-networkd's
link state files, ifupdown's ``run/network/ifstate.IF``, NetworkManager's device and profile (``nmcli device show``,
``connection show -g``, ``connection modify``), and ``netplan generate``.

Two ways for what a real tool decides:
- ``nettools=None`` (the unit tests, no root, no Debian packages): nmcli refuses addresses with the methods
  NetworkManager 1.42 refuses, and ``netplan generate`` joins the files' addresses in name order keeping the first copy
  and writes systemd-networkd's file, as netplan 0.106 was measured to do (tests/netns checks both against the real
  programs);
- ``nettools=DIR`` (tests/netns, from ``tests/lab/lab.sh nettools``): ``nmcli --offline connection modify`` of Debian's
  NetworkManager edits the profile's keyfile, and Debian's netplan ``generate --root-dir`` renders the files.
What it does not reproduce: routes beyond an empty list, promote_secondaries (always 1), duplicate address detection
(addresses are never tentative), NetworkManager applying a profile to the device by itself (``nm_applies`` models the
one case seen with NetworkManager 1.42: an added address bound at once).
"""

from __future__ import annotations

import json
import os
import re
import subprocess

import yaml

NM_REFUSES = {"ipv4": ("link-local", "disabled", "ignore", "dhcp"), "ipv6": ("link-local", "disabled", "ignore")}


class FakeHost:
    def __init__(self, root, nettools=None):
        self.root = root
        self.nettools = nettools
        self.bound = [("lo", "127.0.0.1", 8)]
        self.calls = []
        self.nm = None           # (state, connection) of eth0 when NetworkManager runs
        self.keyfile = None      # the profile's keyfile text
        self.nm_applies = False
        self.netplan_fails = False
        self.interfaces = {}
        self.add_interface("lo", 1)

    # --- the host's files --------------------------------------------------------------------------------
    def path(self, *parts):
        return os.path.join(str(self.root), *parts)

    def write(self, relative, text, mode=None):
        path = self.path(relative.lstrip("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(text.encode("utf-8", "surrogateescape"))
        if mode is not None:
            os.chmod(path, mode)
        return path

    def read(self, relative):
        with open(self.path(relative.lstrip("/")), "rb") as handle:
            return handle.read().decode("utf-8", "surrogateescape")

    def add_interface(self, name, index):
        self.interfaces[name] = index
        self.write("sys/class/net/%s/ifindex" % name, "%d\n" % index)

    def networkd(self, network_file, interface="eth0"):
        self.write("run/systemd/netif/links/%d" % self.interfaces[interface],
                   "# This is private data. Do not parse.\nADMIN_STATE=configured\nNETWORK_FILE=%s\n" % network_file)

    def ifupdown(self, interface="eth0"):
        self.write("run/network/ifstate.%s" % interface, "%s\n" % interface)

    def networkmanager(self, connection, keyfile, state="100 (connected)"):
        self.nm = (state, connection)
        self.keyfile = keyfile

    # --- the commands --------------------------------------------------------------------------------------
    def ip_json(self):
        by_if = {}
        for name, address, prefix in self.bound:
            by_if.setdefault(name, []).append({"family": "inet6" if ":" in address else "inet", "local": address, "prefixlen": prefix})
        return json.dumps([{"ifname": name, "flags": ["UP"], "addr_info": infos} for name, infos in by_if.items()])

    def run(self, argv, **kwargs):
        argv = [os.path.basename(argv[0])] + list(argv[1:])
        self.calls.append(argv)
        if argv[:4] == ["ip", "-j", "addr", "show"]:
            return 0, self.ip_json(), ""
        if argv[:4] == ["ip", "-j", "-4", "route"]:
            return 0, "[]", ""
        if argv[:2] == ["sysctl", "-n"]:
            return 0, "1\n1\n", ""
        if argv[:4] == ["ip", "link", "show", "dev"]:
            return (0, "", "") if argv[4] in self.interfaces else (1, "", 'Device "%s" does not exist.\n' % argv[4])
        if argv[:3] == ["ip", "addr", "add"]:
            address, prefix = argv[3].split("/")
            if any(b[1] == address for b in self.bound):
                return 2, "", "RTNETLINK answers: File exists\n"
            self.bound.append((argv[5], address, int(prefix)))
            return 0, "", ""
        if argv[:3] == ["ip", "addr", "del"]:
            address = argv[3].split("/")[0]
            self.bound = [b for b in self.bound if b[1] != address]
            return 0, "", ""
        if argv[:2] == ["netplan", "generate"]:
            return self.generate()
        if argv[0] == "nmcli":
            return self.nmcli(argv)
        raise AssertionError(argv)

    # --- NetworkManager ------------------------------------------------------------------------------------
    def profile(self, family):
        """(method, [addresses]) of a keyfile's [ipv4] or [ipv6]."""
        method, found, section = "auto", [], None
        for line in (self.keyfile or "").split("\n"):
            line = line.strip()
            if line.startswith("["):
                section = line.strip("[]")
                continue
            key, _sep, value = line.partition("=")
            if section != family:
                continue
            if key == "method":
                method = value
            match = re.match(r"^address(\d+)$", key)
            if match:
                found.append((int(match.group(1)), value.split(",")[0]))
        return method, [value for _n, value in sorted(found)]

    def nmcli(self, argv):
        if self.nm is None:
            return 8, "", "Error: NetworkManager is not running.\n"
        if argv[1:3] == ["-g", "GENERAL.STATE,GENERAL.CONNECTION"]:
            return 0, "%s\n%s\n" % self.nm, ""
        if argv[1] == "-g" and argv[3:5] == ["connection", "show"]:
            family = argv[2].split(".")[0]
            method, values = self.profile(family)
            return 0, "%s\n%s\n" % (method, ", ".join(values)), ""
        if argv[1:3] == ["connection", "modify"]:
            field, value = argv[4], argv[5]
            if self.nettools:
                env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(self.nettools, "root/usr/lib/x86_64-linux-gnu"))
                done = subprocess.run([os.path.join(self.nettools, "root/usr/bin/nmcli"), "--offline", "connection", "modify",
                                       field, value], input=self.keyfile, capture_output=True, text=True, env=env, timeout=30, check=False)
                if done.returncode != 0:
                    return done.returncode, "", done.stderr
                self.keyfile = done.stdout
            else:
                family = field.lstrip("+-").split(".")[0]
                method, values = self.profile(family)
                if field.startswith("+") and method in NM_REFUSES[family]:
                    return 2, "", "Error: Error writing connection: %s.addresses: this property is not allowed for 'method=%s'\n" % (family, method)
                values = values + [value] if field.startswith("+") else [v for v in values if v != value]
                self.keyfile = "[%s]\nmethod=%s\n%s" % (family, method, "".join("address%d=%s\n" % (i + 1, v) for i, v in enumerate(values)))
            if field.startswith("+") and self.nm_applies:
                address, prefix = value.split("/")
                self.bound.append(("eth0", address, int(prefix)))
            return 0, "", ""
        raise AssertionError(argv)

    # --- netplan -------------------------------------------------------------------------------------------
    def generate(self):
        if self.netplan_fails:
            return 1, "", "Error in network definition: bad\n"
        if self.nettools:
            root = self.nettools
            env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(root, "root/usr/lib/x86_64-linux-gnu"))
            done = subprocess.run([os.path.join(root, "root/usr/libexec/netplan/generate"), "--root-dir", str(self.root)],
                                  capture_output=True, text=True, env=env, timeout=60, check=False)
            return done.returncode, done.stdout, done.stderr
        chosen = {}
        for directory in ("lib/netplan", "etc/netplan", "run/netplan"):
            path = self.path(directory)
            for name in os.listdir(path) if os.path.isdir(path) else []:
                if name.endswith(".yaml"):
                    chosen[name] = os.path.join(path, name)
        devices = {}
        for name in sorted(chosen):
            with open(chosen[name], encoding="utf-8") as handle:
                doc = yaml.safe_load(handle) or {}
            for kind, group in (doc.get("network") or {}).items():
                if not isinstance(group, dict) or kind in ("version", "renderer"):
                    continue
                for ident, conf in group.items():
                    known = devices.setdefault(ident, [])
                    for entry in (conf or {}).get("addresses") or []:
                        text = list(entry)[0] if isinstance(entry, dict) else entry
                        if text not in known:
                            known.append(text)
        for ident, found in devices.items():
            ordered = [a for a in found if ":" not in a] + [a for a in found if ":" in a]
            self.write("run/systemd/network/10-netplan-%s.network" % ident,
                       "[Match]\nName=%s\n\n[Network]\n%s" % (ident, "".join("Address=%s\n" % a for a in ordered)))
        return 0, "", ""
