"""persistent_address with a fake host: `ip`, `sysctl` and `nmcli` answered from a small state, and the files it
reads and writes (/sys/class/net, networkd's link state, /etc/systemd/network) under a temporary directory.
The real stacks (NetworkManager, systemd-networkd, with reboots) are exercised by the persistent_address scenario."""

import json
import os

import pytest

from ansible_collections.dualstack.redis.plugins.modules import persistent_address as module

NETWORK = "# eth0\n[Match]\nName=eth0\n\n[Network]\nAddress=198.18.50.11/24\nIPv6AcceptRA=no\n"


class FakeHost:
    def __init__(self, root):
        self.root = root
        self.bound = [("lo", "127.0.0.1", 8), ("eth0", "198.18.50.11", 24)]
        self.calls = []
        self.nm = None          # (state, connection) when NetworkManager runs
        self.profile = []       # the NetworkManager profile's ipv4.addresses
        self.nm_applies = False  # NetworkManager binds a profile change at once (seen with NetworkManager 1.42)
        self.netplan_fails = False

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
        if argv[:4] == ["ip", "link", "show", "dev"]:  # the interfaces are those under the fake /sys/class/net
            there = os.path.isdir(os.path.join(str(self.root), "sys", argv[4]))
            return (0, "", "") if there else (1, "", 'Device "%s" does not exist.\n' % argv[4])
        if argv[:3] == ["ip", "addr", "add"]:
            address, prefix = argv[3].split("/")
            self.bound.append((argv[5], address, int(prefix)))
            return 0, "", ""
        if argv[:3] == ["ip", "addr", "del"]:
            address = argv[3].split("/")[0]
            self.bound = [b for b in self.bound if b[1] != address]
            return 0, "", ""
        if argv[:2] == ["netplan", "generate"]:
            return (1, "", "Error in network definition: bad\n") if self.netplan_fails else (0, "", "")
        if argv[0] == "nmcli" and self.nm is None:
            return 8, "", "Error: NetworkManager is not running.\n"
        if argv[:4] == ["nmcli", "-g", "GENERAL.STATE,GENERAL.CONNECTION", "device"]:
            return 0, "%s\n%s\n" % self.nm, ""
        if argv[:3] == ["nmcli", "-g", "ipv4.addresses"]:
            return 0, ", ".join(self.profile) + "\n", ""
        if argv[:3] == ["nmcli", "connection", "modify"]:
            value = argv[5]
            if argv[4].startswith("+"):
                self.profile.append(value)
                if self.nm_applies:
                    address, prefix = value.split("/")
                    self.bound.append(("eth0", address, int(prefix)))
            else:
                self.profile.remove(value)
            return 0, "", ""
        raise AssertionError(argv)

    def networkd(self, network_file):
        links = self.root / "run-links"
        links.mkdir(exist_ok=True)
        (links / "2").write_text("ADMIN_STATE=configured\nNETWORK_FILE=%s\n" % network_file)


@pytest.fixture
def host(tmp_path, monkeypatch):
    fake = FakeHost(tmp_path)
    (tmp_path / "sys" / "eth0").mkdir(parents=True)
    (tmp_path / "sys" / "eth0" / "ifindex").write_text("2\n")
    (tmp_path / "etc" / "systemd" / "network").mkdir(parents=True)
    monkeypatch.setattr("ansible_collections.dualstack.redis.plugins.module_utils._commands.run", fake.run)
    monkeypatch.setattr("ansible.module_utils.basic.AnsibleModule.get_bin_path", lambda self, name, **kw: "/usr/sbin/" + name)
    monkeypatch.setattr(module, "SYS_CLASS_NET", str(tmp_path / "sys"))
    monkeypatch.setattr(module, "NETWORKD_ETC", str(tmp_path / "etc" / "systemd" / "network"))
    monkeypatch.setattr(module, "IFUPDOWN_STATE", str(tmp_path / "run-network"))
    monkeypatch.setattr("ansible_collections.dualstack.redis.plugins.module_utils._persist.NETWORKD_LINKS", str(tmp_path / "run-links"))
    return fake


def networkd_host(host):
    network = host.root / "etc" / "systemd" / "network" / "10-eth0.network"
    network.write_text(NETWORK)
    host.networkd(str(network))
    return network, host.root / "etc" / "systemd" / "network" / "10-eth0.network.d" / "60-dualstack-redis.conf"


def writes(host):
    return [c for c in host.calls if c[:3] in (["ip", "addr", "add"], ["ip", "addr", "del"]) or c[1:3] == ["connection", "modify"]]


def test_networkd_present_writes_the_dropin_and_binds_then_nothing(host, run_in_process):
    network, dropin = networkd_host(host)
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed, result["msg"]
    assert result["changed"] and result["method"] == "networkd" and result["bound"]
    assert result["files"] == [str(dropin)] and result["commands"] == [["ip", "addr", "add", "198.18.50.21/24", "dev", "eth0"]]
    assert "Address=198.18.50.21/24\n" in dropin.read_text() and network.read_text() == NETWORK
    assert oct(os.stat(str(dropin)).st_mode & 0o777) == "0o644"
    failed, again = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed and not again["changed"] and again["files"] == [] and again["commands"] == []


def test_check_mode_reads_only_and_says_what_would_change(host, run_in_process):
    network, dropin = networkd_host(host)
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11", "_ansible_check_mode": True,
                                             "_ansible_diff": True})
    assert not failed and result["changed"] and result["method"] == "networkd"
    assert result["diff"][0]["after_header"] == str(dropin) and "Address=198.18.50.21/24" in result["diff"][0]["after"]
    assert not dropin.exists() and writes(host) == []


def test_networkd_absent_edits_the_network_file_byte_for_byte(host, run_in_process):
    network, dropin = networkd_host(host)
    host.bound.append(("eth0", "198.18.50.21", 24))
    failed, result = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed, result["msg"]
    assert result["changed"] and result["files"] == [str(network)]
    assert network.read_text() == NETWORK.replace("Address=198.18.50.11/24\n", "")
    assert ["ip", "addr", "del", "198.18.50.11/24", "dev", "eth0"] in result["commands"]
    failed, again = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed and not again["changed"] and again["interface"] == "eth0"  # found through keep


def test_a_network_file_outside_etc_is_refused_before_anything_changes(host, run_in_process, tmp_path):
    vendor = tmp_path / "usr-lib-10-eth0.network"
    vendor.write_text(NETWORK)
    host.networkd(str(vendor))
    host.bound.append(("eth0", "198.18.50.21", 24))
    failed, result = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert failed and "which this module does not edit" in result["msg"] and not result["changed"]
    assert vendor.read_text() == NETWORK and writes(host) == []


def test_networkmanager_edits_the_active_profile(host, run_in_process):
    host.nm = ("100 (connected)", "lab-eth0")
    host.profile = ["198.18.50.11/24"]
    host.nm_applies = True  # the address is bound by NetworkManager itself: no ip addr add after it
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed, result["msg"]
    assert result["method"] == "networkmanager" and result["bound"]
    assert result["commands"] == [["nmcli", "connection", "modify", "lab-eth0", "+ipv4.addresses", "198.18.50.21/24"]]
    assert host.profile == ["198.18.50.11/24", "198.18.50.21/24"]
    failed, result = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed and host.profile == ["198.18.50.21/24"]
    assert result["commands"][0] == ["nmcli", "connection", "modify", "lab-eth0", "-ipv4.addresses", "198.18.50.11/24"]
    assert "198.18.50.11" not in result["up_addresses"] and result["commands"][-1][:3] == ["ip", "addr", "del"]


@pytest.mark.parametrize("nm, message", [
    (None, "no persistent network stack manages eth0 (looked for"),
    (("100 (connected (externally))", "eth0"), "NetworkManager only watches it"),
])
def test_no_persistent_stack_is_refused(host, run_in_process, nm, message):
    host.nm = nm
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert failed and message in result["msg"] and "would be gone after the next reboot" in result["msg"]
    assert not result["changed"] and writes(host) == []


def test_a_named_method_must_be_the_one_managing_the_interface(host, run_in_process):
    networkd_host(host)
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11", "method": "networkmanager"})
    assert failed and result["msg"] == "method is networkmanager but eth0 is managed by networkd" and writes(host) == []


INTERFACES = ("# interfaces(5) file used by ifup(8) and ifdown(8)\r\n"   # a CRLF comment: kept as it is
              "source interfaces.d/*\n\n"
              "auto eth0\n"
              "iface eth0 inet static\n"
              "    address 198.18.50.11/24\n"
              "    gateway 198.18.50.1\n"
              "    up ip route add 10.9.0.0/16 \\\n"
              "       via 198.18.50.1\n"
              "\n"
              "iface eth0 inet6 static\n"
              "    address fd00:50::11/64\n")


def ifupdown_host(host, text=INTERFACES):
    (host.root / "run-network").mkdir()
    (host.root / "run-network" / "ifstate.eth0").write_text("eth0\n")
    etc = host.root / "etc" / "network"
    (etc / "interfaces.d").mkdir(parents=True)
    (etc / "interfaces").write_bytes(text.encode())
    return etc / "interfaces"


@pytest.fixture
def ifupdown(host, monkeypatch):
    monkeypatch.setattr(module, "IFUPDOWN_INTERFACES", str(host.root / "etc" / "network" / "interfaces"))
    return ifupdown_host(host)


def test_ifupdown_adds_a_stanza_after_the_old_one_then_moves_the_new_address_into_it(host, ifupdown, run_in_process):
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11", "_ansible_diff": True})
    assert not failed, result["msg"]
    assert result["method"] == "ifupdown" and result["files"] == [str(ifupdown)] and result["bound"]
    text = ifupdown.read_bytes().decode()
    # right after the administrator's IPv4 stanza (its continued option line included), before the inet6 one
    assert ("       via 198.18.50.1\n\n# Added by dualstack.redis (persistent_address): one more address for this interface.\n"
            "iface eth0 inet static\n    address 198.18.50.21/24\n\niface eth0 inet6 static\n") in text
    assert text.startswith("# interfaces(5) file used by ifup(8) and ifdown(8)\r\n")
    failed, again = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed and not again["changed"] and again["files"] == []
    # Removing the old address: the administrator's stanza takes the new one (gateway and route kept), ours goes.
    failed, removed = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed, removed["msg"]
    assert ifupdown.read_bytes().decode() == INTERFACES.replace("address 198.18.50.11/24", "address 198.18.50.21/24")
    assert [b[1] for b in host.bound if b[0] == "eth0"] == ["198.18.50.21"]


def test_ifupdown_removes_only_its_own_stanza_when_the_added_address_goes(host, ifupdown, run_in_process):
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed, result["msg"]
    failed, result = run_in_process(module, {"address": "198.18.50.21", "state": "absent", "keep": "198.18.50.11"})
    assert not failed, result["msg"]
    assert ifupdown.read_bytes().decode() == INTERFACES


def test_ifupdown_refuses_to_empty_a_stanza_with_other_settings(host, ifupdown, run_in_process):
    host.bound.append(("eth0", "198.18.50.21", 24))
    failed, result = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert failed and "which has other settings too (gateway, up)" in result["msg"]
    assert ifupdown.read_bytes().decode() == INTERFACES and writes(host) == []


def test_ifupdown_follows_source_and_keeps_a_netmask_stanza_valid(host, monkeypatch, run_in_process):
    main = host.root / "etc" / "network" / "interfaces"
    monkeypatch.setattr(module, "IFUPDOWN_INTERFACES", str(main))
    ifupdown_host(host, "source-directory interfaces.d\n")
    part = host.root / "etc" / "network" / "interfaces.d" / "eth0"
    part.write_text("auto eth0\niface eth0 inet static\n\taddress 198.18.50.11\n\tnetmask 255.255.255.0\n")
    (host.root / "etc" / "network" / "interfaces.d" / "skip.bak").write_text("iface eth0 inet static\n address 198.18.50.99/24\n")
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed, result["msg"]
    assert result["files"] == [str(part)] and "address 198.18.50.21/24" in part.read_text()
    failed, result = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed, result["msg"]
    # the stanza keeps its netmask form: address without a prefix, netmask kept
    assert part.read_text() == "auto eth0\niface eth0 inet static\n\taddress 198.18.50.21\n\tnetmask 255.255.255.0\n"


def test_ifupdown_without_a_stanza_for_the_interface_is_refused(host, monkeypatch, run_in_process):
    main = host.root / "etc" / "network" / "interfaces"
    monkeypatch.setattr(module, "IFUPDOWN_INTERFACES", str(main))
    ifupdown_host(host, "auto lo\niface lo inet loopback\n")
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert failed and "no 'iface eth0' stanza" in result["msg"] and writes(host) == []


def test_the_dropin_is_readable_by_networkd_under_umask_077(host, run_in_process):
    """systemd-networkd reads its files as the systemd-network user."""
    network, dropin = networkd_host(host)
    old = os.umask(0o077)
    try:
        failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    finally:
        os.umask(old)
    assert not failed, result["msg"]
    assert oct(os.stat(str(dropin.parent)).st_mode & 0o777) == "0o755"
    assert oct(os.stat(str(dropin)).st_mode & 0o777) == "0o644"


BASE_YAML = """# written by the installer
network:
  version: 2
  renderer: networkd
  ethernets:
    eth0:
      addresses:
        - 198.18.50.11/24   # the old one
        - "fd00:50::11/64"
      routes: [{to: default, via: 198.18.50.1}]
"""


@pytest.fixture
def netplan_host(host, monkeypatch):
    etc = host.root / "etc" / "netplan"
    lib = host.root / "lib" / "netplan"
    etc.mkdir(parents=True)
    lib.mkdir(parents=True)
    (etc / "50-cloud-init.yaml").write_text(BASE_YAML)
    monkeypatch.setattr(module, "NETPLAN_DIRS", (str(lib), str(etc), str(host.root / "run" / "netplan")))
    monkeypatch.setattr(module, "NETPLAN_ETC", str(etc))
    host.networkd("/run/systemd/network/10-netplan-eth0.network")
    return etc


def test_netplan_adds_its_own_file_then_takes_the_old_address_out_of_the_administrators(host, netplan_host, run_in_process):
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed, result["msg"]
    mine = netplan_host / "90-dualstack-redis.yaml"
    assert result["method"] == "netplan" and result["files"] == [str(mine)] and result["bound"]
    assert result["commands"] == [["netplan", "generate"], ["ip", "addr", "add", "198.18.50.21/24", "dev", "eth0"]]
    assert oct(os.stat(str(mine)).st_mode & 0o777) == "0o600"
    assert "    \"eth0\":\n      addresses:\n        - \"198.18.50.21/24\"\n" in mine.read_text()
    failed, again = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed and not again["changed"]
    failed, removed = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed, removed["msg"]
    assert (netplan_host / "50-cloud-init.yaml").read_text() == BASE_YAML.replace("        - 198.18.50.11/24   # the old one\n", "")
    assert removed["files"] == [str(netplan_host / "50-cloud-init.yaml")]


def test_netplan_puts_every_file_back_when_generate_fails(host, netplan_host, run_in_process):
    host.netplan_fails = True
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert failed and "every netplan file was put back as it was" in result["msg"]
    assert not (netplan_host / "90-dualstack-redis.yaml").exists()
    assert result["commands"] == [["netplan", "generate"]] and writes(host) == []


def test_netplan_flow_list_and_refusals(host, netplan_host, run_in_process, tmp_path):
    (netplan_host / "50-cloud-init.yaml").write_text("network: {version: 2, ethernets: {eth0: {addresses: [198.18.50.11/24, '198.18.50.12/24']}}}\n")
    host.bound.append(("eth0", "198.18.50.12", 24))
    failed, result = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.12"})
    assert not failed, result["msg"]
    assert (netplan_host / "50-cloud-init.yaml").read_text() == "network: {version: 2, ethernets: {eth0: {addresses: ['198.18.50.12/24']}}}\n"
    # a file outside /etc/netplan is not edited
    (tmp_path / "lib" / "netplan" / "10-base.yaml").write_text("network: {ethernets: {eth0: {addresses: [198.18.50.12/24]}}}\n")
    failed, result = run_in_process(module, {"address": "198.18.50.12", "state": "absent", "interface": "eth0"})
    assert failed and "which this module does not edit" in result["msg"]


def test_netplan_without_the_device_in_its_files_is_refused(host, netplan_host, run_in_process):
    (netplan_host / "50-cloud-init.yaml").write_text("network:\n  ethernets:\n    eth1: {addresses: [10.0.0.1/24]}\n")
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert failed and "netplan device eth0 is in none of the files" in result["msg"] and writes(host) == []


def test_netplan_edits_a_symlinked_file_where_it_points_and_keeps_the_link(host, netplan_host, run_in_process):
    real = netplan_host / "shared"
    real.mkdir()
    (real / "base.yaml").write_text(BASE_YAML)
    link = netplan_host / "50-cloud-init.yaml"
    link.unlink()
    link.symlink_to(real / "base.yaml")
    host.bound.append(("eth0", "198.18.50.21", 24))
    failed, result = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed, result["msg"]
    assert link.is_symlink() and "198.18.50.11" not in (real / "base.yaml").read_text()


@pytest.mark.parametrize("check_mode", [False, True])
def test_an_interface_that_is_not_there_is_refused_before_anything_changes(host, run_in_process, check_mode):
    network, dropin = networkd_host(host)
    failed, result = run_in_process(module, {"address": "198.18.50.21", "interface": "eht0", "prefix_length": 24,
                                             "method": "networkd", "_ansible_check_mode": check_mode})
    assert failed and not result["changed"]
    assert result["msg"].startswith("interface eht0 is not on this host (") and 'Device "eht0" does not exist.' in result["msg"]
    assert writes(host) == [] and not dropin.exists() and network.read_text() == NETWORK
