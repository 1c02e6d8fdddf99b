"""A stateful stand-in for Windows' ``netsh interface ipv6 ... prefixpolic(y|ies)``, for Linux test hosts.

Built from Microsoft's netsh documentation, to exercise dualstack.redis.win_prefix_policy where no
Windows host can run. Installed on a Linux container behind a ``netsh`` wrapper (``python3 netsh.py "$@"``).

What it reproduces:
- ``show prefixpolicies [[store=]active|persistent]`` (default active) in Windows' layout: a
  "Querying ... state..." line, a header, a separator, right-aligned precedence and label columns,
  rows ordered by precedence (highest first), CRLF line ends; the default table of current Windows.
- ``add|set|delete prefixpolicy [prefix=]P/len [precedence=]N [label=]N [[store=]active|persistent]``
  with store=persistent as the default; persistent changes also apply to the active table, active
  changes are lost at the next (simulated) boot. ``add`` fails with "The object already exists." when the
  prefix is in the store, ``set`` and ``delete`` with "Element not found." when it is not; malformed
  values give "The parameter is incorrect."; all with exit status 1.
- Keyword abbreviations as netsh accepts them (``int``, ``sh``, ``prefix`` for prefixpolicy/ies), any case.
- Translated output: ``/etc/netsh-standin/locale`` containing ``de`` prints German state and header lines.
- No elevation: when ``/etc/netsh-standin/not-elevated`` exists, add/set/delete fail with Windows' message.
- A boot: ``netsh --standin-boot`` copies the persistent table over the active one.

What it does not reproduce: any other netsh context or command, interactive mode, the effect of the
table on real address selection (Windows' resolver), Group Policy, exact texts of every error, and
timing. State lives in /var/lib/netsh-standin/state.json (NETSH_STANDIN_STATE overrides), under a lock.
"""

import fcntl
import ipaddress
import json
import os
import sys

STATE = os.environ.get("NETSH_STANDIN_STATE", "/var/lib/netsh-standin/state.json")
CONFIG = os.environ.get("NETSH_STANDIN_CONFIG", "/etc/netsh-standin")
DEFAULT_TABLE = [
    ["::1/128", 50, 0], ["::/0", 40, 1], ["::ffff:0:0/96", 35, 4], ["2002::/16", 30, 2], ["2001::/32", 5, 5],
    ["fc00::/7", 3, 13], ["fec0::/10", 1, 11], ["3ffe::/16", 1, 12], ["::/96", 1, 3],
]
TEXT = {
    "en": {"active": "Querying active state...", "persistent": "Querying persistent state...",
           "header": "Precedence  Label  Prefix"},
    "de": {"active": "Aktiver Status wird abgefragt...", "persistent": "Permanenter Status wird abgefragt...",
           "header": "Rangfolge   Bezeichnung  Präfix"},
}
CONTEXTS = ["advfirewall", "branchcache", "bridge", "dhcpclient", "dnsclient", "firewall", "http", "interface",
            "ipsec", "lan", "mbn", "namespace", "netio", "p2p", "ras", "rpc", "trace", "wcn", "wfp", "winhttp",
            "winsock", "wlan"]
INTERFACE_CONTEXTS = ["6to4", "httpstunnel", "ipv4", "ipv6", "isatap", "portproxy", "tcp", "teredo"]
VERBS = ["add", "delete", "dump", "install", "renew", "reset", "set", "show", "uninstall", "update"]
SHOW_OBJECTS = ["addresses", "compartments", "destinationcache", "dnsservers", "global", "interfaces", "ipstats",
                "joins", "neighbors", "offload", "potentialrouters", "prefixpolicies", "privacy", "route",
                "siteprefixes", "subinterfaces", "tcpstats", "teredo", "udpstats"]
CHANGE_OBJECTS = ["address", "dnsservers", "neighbors", "potentialrouter", "prefixpolicy", "route",
                  "siteprefix", "v6v4tunnel"]


class NetshError(Exception):
    pass


def out(text):
    sys.stdout.write(text.replace("\n", "\r\n"))


def expand(word, choices, full):
    """netsh's abbreviations: a unique prefix of a keyword, any case."""
    word = word.lower()
    if word in choices:
        return word
    found = [choice for choice in choices if choice.startswith(word)]
    if len(found) != 1:
        raise NetshError("The following command was not found: %s." % full)
    return found[0]


def canonical(prefix):
    try:
        network = ipaddress.IPv6Network(prefix, strict=False)
    except ValueError:
        raise NetshError("The parameter is incorrect.")
    if "/" not in prefix:
        raise NetshError("The parameter is incorrect.")
    mapped = network.network_address.ipv4_mapped
    if mapped is not None and network.prefixlen >= 96:
        text = "::ffff:0:0" if int(mapped) == 0 else "::ffff:%s" % mapped
    else:
        text = network.network_address.compressed
    return "%s/%d" % (text, network.prefixlen)


def parse_args(words, names):
    """Positional or tag=value arguments, netsh style."""
    values = {}
    position = 0
    for word in words:
        if "=" in word:
            tag, value = word.split("=", 1)
            tag = tag.lower()
            if tag not in names:
                raise NetshError("The parameter is incorrect.")
        else:
            if position >= len(names):
                raise NetshError("The parameter is incorrect.")
            tag, value = names[position], word
        position = names.index(tag) + 1
        values[tag] = value
    if "store" in values:
        if values["store"].lower() not in ("active", "persistent"):
            raise NetshError("The parameter is incorrect.")
        values["store"] = values["store"].lower()
    return values


def number(value):
    if value is None:
        raise NetshError("One or more essential parameters were not entered.\nVerify the required parameters, and reenter them.")
    if not value.isdigit() or int(value) > 4294967295:
        raise NetshError("The parameter is incorrect.")
    return int(value)


class Tables:
    def __init__(self, path):
        self.path = path
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.lock = open(path + ".lock", "a+")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        try:
            with open(path) as handle:
                self.data = json.load(handle)
        except FileNotFoundError:
            self.data = {"active": [list(r) for r in DEFAULT_TABLE], "persistent": [list(r) for r in DEFAULT_TABLE]}

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as handle:
            json.dump(self.data, handle)
        os.replace(tmp, self.path)

    def find(self, store, prefix):
        for index, row in enumerate(self.data[store]):
            if row[0] == prefix:
                return index
        return None


def locale():
    try:
        with open(os.path.join(CONFIG, "locale")) as handle:
            return TEXT.get(handle.read().strip(), TEXT["en"])
    except FileNotFoundError:
        return TEXT["en"]


def show(tables, store):
    text = locale()
    rows = sorted(tables.data[store], key=lambda row: -row[1])
    lines = [text[store], "", text["header"], "----------  -----  --------------------------------"]
    lines += ["%10d  %5d  %s" % (row[1], row[2], row[0]) for row in rows]
    out("\n".join(lines) + "\n\n")


def change(tables, verb, values):
    if os.path.exists(os.path.join(CONFIG, "not-elevated")):
        raise NetshError("The requested operation requires elevation (Run as administrator).")
    if "prefix" not in values:
        raise NetshError("One or more essential parameters were not entered.\nVerify the required parameters, and reenter them.")
    prefix = canonical(values["prefix"])
    stores = ["persistent", "active"] if values["store"] == "persistent" else ["active"]
    if verb == "delete":
        if tables.find(stores[0], prefix) is None:
            raise NetshError("Element not found.")
        for store in stores:
            index = tables.find(store, prefix)
            if index is not None:
                del tables.data[store][index]
    else:
        row = [prefix, number(values.get("precedence")), number(values.get("label"))]
        exists = tables.find(stores[0], prefix) is not None
        if verb == "add" and exists:
            raise NetshError("The object already exists.")
        if verb == "set" and not exists:
            raise NetshError("Element not found.")
        for store in stores:
            index = tables.find(store, prefix)
            if index is None:
                tables.data[store].append(row)
            else:
                tables.data[store][index] = row
    tables.save()
    out("Ok.\n\n")


def main(argv):
    full = " ".join(argv)
    if argv == ["--standin-boot"]:
        tables = Tables(STATE)
        tables.data["active"] = [list(row) for row in tables.data["persistent"]]
        tables.save()
        return 0
    try:
        if len(argv) < 4:
            raise NetshError("The following command was not found: %s." % full)
        if expand(argv[0], CONTEXTS, full) != "interface" or expand(argv[1], INTERFACE_CONTEXTS, full) != "ipv6":
            raise NetshError("The following command was not found: %s." % full)
        verb = expand(argv[2], VERBS, full)
        if verb == "show":
            if expand(argv[3], SHOW_OBJECTS, full) != "prefixpolicies":
                raise NetshError("The following command was not found: %s." % full)
            values = parse_args(argv[4:], ["store"])
            show(Tables(STATE), values.get("store", "active"))
            return 0
        if verb in ("add", "set", "delete"):
            if expand(argv[3], CHANGE_OBJECTS, full) != "prefixpolicy":
                raise NetshError("The following command was not found: %s." % full)
            names = ["prefix", "store"] if verb == "delete" else ["prefix", "precedence", "label", "store"]
            values = parse_args(argv[4:], names)
            values.setdefault("store", "persistent")
            change(Tables(STATE), verb, values)
            return 0
        raise NetshError("The following command was not found: %s." % full)
    except NetshError as exc:
        out("%s\n\n" % exc)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
