"""persistent_address in-process against a fake host (tests/lib/fake_net_host.py): its files are real files under a
temporary root (the module's ROOT), its commands answered from a small state. The same configurations go through the
real network tools in tests/netns/test_persist_oracles.py, and the real stacks with reboots in the persistent_address
scenario."""

import os
import stat
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "lib"))

from fake_net_host import FakeHost  # noqa: E402

from ansible_collections.dualstack.redis.plugins.module_utils import _files  # noqa: E402
from ansible_collections.dualstack.redis.plugins.modules import persistent_address as module  # noqa: E402

NETWORK = "# eth0\n[Match]\nName=eth0\n\n[Network]\nAddress=198.18.50.11/24\nIPv6AcceptRA=no\n"
NETWORK_FILE = "/etc/systemd/network/10-eth0.network"
DROPIN = "etc/systemd/network/10-eth0.network.d/60-dualstack-redis.conf"


@pytest.fixture
def host(tmp_path, monkeypatch):
    fake = FakeHost(tmp_path / "root")
    fake.add_interface("eth0", 2)
    fake.bound.append(("eth0", "198.18.50.11", 24))
    monkeypatch.setattr("ansible_collections.dualstack.redis.plugins.module_utils._commands.run", fake.run)
    monkeypatch.setattr("ansible.module_utils.basic.AnsibleModule.get_bin_path", lambda self, name, **kw: "/usr/sbin/" + name)
    monkeypatch.setattr(module, "ROOT", str(fake.root))
    return fake


def networkd_host(host, text=NETWORK):
    network = host.write(NETWORK_FILE, text)
    host.networkd(NETWORK_FILE)
    return network, host.path(DROPIN)


def writes(host):
    return [c for c in host.calls if c[:3] in (["ip", "addr", "add"], ["ip", "addr", "del"]) or c[1:3] == ["connection", "modify"]
            or c[:2] == ["netplan", "generate"]]


def read(path):
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", "surrogateescape")


# --- systemd-networkd ----------------------------------------------------------------------------------------

def test_networkd_present_writes_the_dropin_and_binds_then_nothing(host, run_in_process):
    network, dropin = networkd_host(host)
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed, result["msg"]
    assert result["changed"] and result["method"] == "networkd" and result["bound"]
    assert result["files"] == [dropin] and result["commands"] == [["ip", "addr", "add", "198.18.50.21/24", "dev", "eth0"]]
    assert "Address=198.18.50.21/24\n" in read(dropin) and read(network) == NETWORK
    assert oct(os.stat(dropin).st_mode & 0o777) == "0o644"
    failed, again = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed and not again["changed"] and again["files"] == [] and again["commands"] == []


def test_check_mode_reads_only_and_says_what_would_change(host, run_in_process):
    network, dropin = networkd_host(host)
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11", "_ansible_check_mode": True,
                                             "_ansible_diff": True})
    assert not failed and result["changed"] and result["method"] == "networkd"
    assert result["diff"][0]["after_header"] == dropin and "Address=198.18.50.21/24" in result["diff"][0]["after"]
    assert not os.path.exists(dropin) and writes(host) == []


def test_networkd_absent_edits_the_network_file_byte_for_byte(host, run_in_process):
    network, dropin = networkd_host(host)
    host.bound.append(("eth0", "198.18.50.21", 24))
    failed, result = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed, result["msg"]
    assert result["changed"] and result["files"] == [network]
    assert read(network) == NETWORK.replace("Address=198.18.50.11/24\n", "")
    assert ["ip", "addr", "del", "198.18.50.11/24", "dev", "eth0"] in result["commands"]
    failed, again = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed and not again["changed"] and again["interface"] == "eth0"  # found through keep


def test_a_network_file_outside_etc_is_refused_before_anything_changes(host, run_in_process):
    vendor = host.write("usr/lib/systemd/network/10-eth0.network", NETWORK)
    host.networkd("/usr/lib/systemd/network/10-eth0.network")
    host.bound.append(("eth0", "198.18.50.21", 24))
    failed, result = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert failed and "which this module does not edit" in result["msg"] and not result["changed"]
    assert "/etc/systemd/network/10-eth0.network (a file of that name hides it)" in result["msg"]
    assert read(vendor) == NETWORK and writes(host) == []


def test_networkd_continued_address_line_is_read_and_removed_whole(host, run_in_process):
    """Found by the adversarial probe: backslash continuations were not understood."""
    text = "[Match]\nName=eth0\n[Network]\nAddress=\\\n    198.18.50.11/24\nDNS=198.18.50.1\n"
    network, _dropin = networkd_host(host, text)
    host.bound.append(("eth0", "198.18.50.21", 24))
    failed, result = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed, result["msg"]
    assert read(network) == "[Match]\nName=eth0\n[Network]\nDNS=198.18.50.1\n"


def test_networkd_a_file_shared_by_several_links_is_refused_naming_them(host, run_in_process):
    network, dropin = networkd_host(host, NETWORK.replace("Name=eth0", "Name=e* eth*"))
    host.add_interface("eth1", 3)
    host.networkd(NETWORK_FILE, "eth1")
    host.add_interface("ens5", 4)
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11", "_ansible_check_mode": True})
    assert failed and not result["changed"]
    assert "also of ens5, eth1" in result["msg"] and "a .network file of its own" in result["msg"]
    assert not os.path.exists(dropin) and writes(host) == []


def test_networkd_absent_of_an_address_in_another_dropin(host, run_in_process):
    """Found by the probe: only `ip addr del` ran and the address came back at boot."""
    network, _dropin = networkd_host(host, NETWORK.replace("Address=198.18.50.11/24\n", ""))
    extra = host.write("etc/systemd/network/10-eth0.network.d/50-extra.conf", "[Network]\nAddress=198.18.50.11/24\nDNS=1.1.1.1\n")
    run_copy = host.write("run/systemd/network/10-eth0.network.d/55-run.conf", "[Network]\nAddress=198.18.50.31/24\n")
    host.bound.extend([("eth0", "198.18.50.21", 24), ("eth0", "198.18.50.31", 24)])
    failed, result = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed, result["msg"]
    assert result["files"] == [extra] and read(extra) == "[Network]\nDNS=1.1.1.1\n"
    # one under /run is refused, naming the file of /etc that hides it, before anything changes
    failed, result = run_in_process(module, {"address": "198.18.50.31", "state": "absent", "keep": "198.18.50.21"})
    assert failed and not result["changed"] and read(run_copy) == "[Network]\nAddress=198.18.50.31/24\n"
    assert "/etc/systemd/network/10-eth0.network.d/55-run.conf" in result["msg"]


def test_networkd_present_finds_an_address_in_any_dropin(host, run_in_process):
    networkd_host(host)
    host.write("usr/lib/systemd/network/10-eth0.network.d/50-vendor.conf", "[Address]\nAddress=198.18.50.21/24\n")
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11", "apply": False})
    assert not failed and not result["changed"] and result["files"] == []


def test_networkd_refuses_a_later_dropin_with_addresses_of_the_family(host, run_in_process):
    network, dropin = networkd_host(host, NETWORK.replace("Address=198.18.50.11/24\n", ""))
    host.write("etc/systemd/network/10-eth0.network.d/70-admin.conf", "[Network]\nAddress=198.18.50.11/24\n")
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert failed and "sorts after 60-dualstack-redis.conf" in result["msg"] and not os.path.exists(dropin)
    failed, result = run_in_process(module, {"address": "fd00:50::21", "interface": "eth0", "prefix_length": 64})
    assert not failed, result["msg"]  # the other family is not affected


def test_the_dropin_is_readable_by_networkd_under_umask_077(host, run_in_process):
    """systemd-networkd reads its files as the systemd-network user."""
    network, dropin = networkd_host(host)
    old = os.umask(0o077)
    try:
        failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    finally:
        os.umask(old)
    assert not failed, result["msg"]
    assert oct(os.stat(os.path.dirname(dropin)).st_mode & 0o777) == "0o755"
    assert oct(os.stat(dropin).st_mode & 0o777) == "0o644"


# --- addresses and input ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("address", ["0.0.0.0", "255.255.255.255", "224.0.0.5", "ff02::5", "127.0.0.2", "fe80::5", "::ffff:198.18.50.9"])
@pytest.mark.parametrize("check_mode", [False, True])
def test_an_unusable_address_is_refused_before_anything_is_written(host, run_in_process, address, check_mode):
    _network, dropin = networkd_host(host)
    args = {"address": address, "interface": "eth0", "prefix_length": 24 if ":" not in address else 64,
            "_ansible_check_mode": check_mode}
    failed, result = run_in_process(module, args)
    assert failed and not result["changed"], result
    assert any(words in result["msg"] for words in ("which no node can be reached at", "which no interface holds", "IPv4-mapped"))
    assert not os.path.exists(dropin) and writes(host) == []


@pytest.mark.parametrize("check_mode", [False, True])
def test_an_interface_that_is_not_there_is_refused_before_anything_changes(host, run_in_process, check_mode):
    network, dropin = networkd_host(host)
    failed, result = run_in_process(module, {"address": "198.18.50.21", "interface": "eht0", "prefix_length": 24,
                                             "method": "networkd", "_ansible_check_mode": check_mode})
    assert failed and not result["changed"]
    assert result["msg"].startswith("interface eht0 is not on this host (") and 'Device "eht0" does not exist.' in result["msg"]
    assert writes(host) == [] and not os.path.exists(dropin) and read(network) == NETWORK


@pytest.mark.parametrize("nm, message", [
    (None, "no persistent network stack manages eth0 (looked for"),
    (("100 (connected (externally))", "eth0"), "NetworkManager only watches it"),
])
def test_no_persistent_stack_is_refused(host, run_in_process, nm, message):
    if nm:
        host.networkmanager(nm[1], "", nm[0])
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert failed and message in result["msg"] and "would be gone after the next reboot" in result["msg"]
    assert not result["changed"] and writes(host) == []


def test_a_named_method_must_be_the_one_managing_the_interface(host, run_in_process):
    networkd_host(host)
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11", "method": "networkmanager"})
    assert failed and result["msg"] == "method is networkmanager but eth0 is managed by networkd" and writes(host) == []


# --- NetworkManager --------------------------------------------------------------------------------------------

KEYFILE = "[connection]\nid=lab-eth0\ntype=ethernet\ninterface-name=eth0\n\n[ipv4]\naddress1=198.18.50.11/24\nmethod=manual\n"


def test_networkmanager_edits_the_active_profile(host, run_in_process):
    host.networkmanager("lab-eth0", KEYFILE)
    host.nm_applies = True  # the address is bound by NetworkManager itself: no ip addr add after it
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed, result["msg"]
    assert result["method"] == "networkmanager" and result["bound"]
    assert result["commands"] == [["nmcli", "connection", "modify", "lab-eth0", "+ipv4.addresses", "198.18.50.21/24"]]
    assert host.profile("ipv4")[1] == ["198.18.50.11/24", "198.18.50.21/24"]
    failed, result = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed and host.profile("ipv4")[1] == ["198.18.50.21/24"]
    assert result["commands"][0] == ["nmcli", "connection", "modify", "lab-eth0", "-ipv4.addresses", "198.18.50.11/24"]
    assert "198.18.50.11" not in result["up_addresses"] and result["commands"][-1][:3] == ["ip", "addr", "del"]


@pytest.mark.parametrize("method", ["disabled", "link-local", "ignore"])
def test_networkmanager_a_method_that_takes_no_addresses_is_refused_in_check_mode(host, run_in_process, method):
    """Found on a real profile: nmcli refused the address at run time after the pre-flight (check mode) said ready."""
    host.networkmanager("lab-eth0", KEYFILE + "\n[ipv6]\nmethod=%s\n" % method)
    failed, result = run_in_process(module, {"address": "fd00:50::21", "interface": "eth0", "prefix_length": 64,
                                             "_ansible_check_mode": True})
    assert failed and not result["changed"] and "ipv6.method %s" % method in result["msg"]
    assert "nmcli connection modify lab-eth0 ipv6.method manual" in result["msg"] and writes(host) == []


# --- ifupdown --------------------------------------------------------------------------------------------------

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


@pytest.fixture
def ifupdown(host):
    host.ifupdown()
    os.makedirs(host.path("etc/network/interfaces.d"))
    return host.write("etc/network/interfaces", INTERFACES)


def test_ifupdown_adds_a_stanza_after_the_old_one_then_moves_the_new_address_into_it(host, ifupdown, run_in_process):
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11", "_ansible_diff": True})
    assert not failed, result["msg"]
    assert result["method"] == "ifupdown" and result["files"] == [ifupdown] and result["bound"]
    text = read(ifupdown)
    # right after the administrator's IPv4 stanza (its continued option line included), before the inet6 one
    assert ("       via 198.18.50.1\n\n# Added by dualstack.redis (persistent_address): one more address for this interface.\n"
            "iface eth0 inet static\n    address 198.18.50.21/24\n\niface eth0 inet6 static\n") in text
    assert text.startswith("# interfaces(5) file used by ifup(8) and ifdown(8)\r\n")
    failed, again = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed and not again["changed"] and again["files"] == []
    # Removing the old address: the administrator's stanza takes the new one (gateway and route kept), ours goes.
    failed, removed = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed, removed["msg"]
    assert read(ifupdown) == INTERFACES.replace("address 198.18.50.11/24", "address 198.18.50.21/24")
    assert [b[1] for b in host.bound if b[0] == "eth0"] == ["198.18.50.21"]


def test_ifupdown_removes_only_its_own_stanza_when_the_added_address_goes(host, ifupdown, run_in_process):
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed, result["msg"]
    failed, result = run_in_process(module, {"address": "198.18.50.21", "state": "absent", "keep": "198.18.50.11"})
    assert not failed, result["msg"]
    assert read(ifupdown) == INTERFACES


def test_ifupdown_refuses_to_empty_a_stanza_with_other_settings(host, ifupdown, run_in_process):
    host.bound.append(("eth0", "198.18.50.21", 24))
    failed, result = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert failed and "which has other settings too (gateway, up)" in result["msg"]
    assert read(ifupdown) == INTERFACES and writes(host) == []


def test_ifupdown_follows_source_and_keeps_a_netmask_stanza_valid(host, run_in_process):
    host.ifupdown()
    host.write("etc/network/interfaces", "source-directory interfaces.d\n")
    part = host.write("etc/network/interfaces.d/eth0", "auto eth0\niface eth0 inet static\n\taddress 198.18.50.11\n\tnetmask 255.255.255.0\n")
    host.write("etc/network/interfaces.d/skip.bak", "iface eth0 inet static\n address 198.18.50.99/24\n")
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed, result["msg"]
    assert result["files"] == [part] and "address 198.18.50.21/24" in read(part)
    failed, result = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed, result["msg"]
    # the stanza keeps its netmask form: address without a prefix, netmask kept
    assert read(part) == "auto eth0\niface eth0 inet static\n\taddress 198.18.50.21\n\tnetmask 255.255.255.0\n"


def test_ifupdown_without_a_stanza_for_the_interface_is_refused(host, run_in_process):
    host.ifupdown()
    host.write("etc/network/interfaces", "auto lo\niface lo inet loopback\n")
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert failed and "no 'iface eth0' stanza" in result["msg"] and writes(host) == []


def test_ifupdown_slaac_stays_on_when_an_inet6_stanza_is_added(host, run_in_process):
    """Found with ifup -n: an added 'inet6 static' stanza set autoconf=0 and the host lost its SLAAC addresses."""
    host.ifupdown()
    path = host.write("etc/network/interfaces", "auto eth0\niface eth0 inet static\n address 198.18.50.11/24\niface eth0 inet6 auto\n")
    failed, result = run_in_process(module, {"address": "fd00:50::21", "interface": "eth0", "prefix_length": 64})
    assert not failed, result["msg"]
    assert read(path).endswith("iface eth0 inet6 auto\n\n# Added by dualstack.redis (persistent_address): one more address for "
                               "this interface.\niface eth0 inet6 static\n    address fd00:50::21/64\n    autoconf 1\n")


def test_ifupdown_up_lines_are_seen_and_removed(host, run_in_process):
    """Found by the probe: adding wrote a second copy, removing left the line that adds it back at every boot."""
    host.ifupdown()
    text = ("auto eth0\niface eth0 inet static\n address 198.18.50.11/24\n"
            " up ip addr add 198.18.50.21/24 dev $IFACE\n down /sbin/ip address del 198.18.50.21/24 dev eth0\n"
            " post-up ip route add 10.0.0.0/8 via 198.18.50.1\n")
    path = host.write("etc/network/interfaces", text)
    host.bound.append(("eth0", "198.18.50.21", 24))
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed and not result["changed"] and result["files"] == []
    failed, result = run_in_process(module, {"address": "198.18.50.21", "state": "absent", "keep": "198.18.50.11"})
    assert not failed, result["msg"]
    assert read(path) == "auto eth0\niface eth0 inet static\n address 198.18.50.11/24\n post-up ip route add 10.0.0.0/8 via 198.18.50.1\n"


def test_ifupdown_an_up_line_it_cannot_read_is_refused_naming_it(host, run_in_process):
    host.ifupdown()
    path = host.write("etc/network/interfaces", "auto eth0\niface eth0 inet static\n address 198.18.50.11/24\n"
                                                " up ip addr add 198.18.50.21/24 dev eth0 || true\n")
    host.bound.append(("eth0", "198.18.50.21", 24))
    for args in ({"address": "198.18.50.21", "like": "198.18.50.11"}, {"address": "198.18.50.21", "state": "absent"}):
        failed, result = run_in_process(module, args)
        assert failed and "'up ip addr add 198.18.50.21/24 dev eth0 || true'" in result["msg"] and not result["changed"]
    assert writes(host) == [] and "|| true" in read(path)


def test_ifupdown_alias_stanza_counts_as_the_interface(host, run_in_process):
    host.ifupdown()
    path = host.write("etc/network/interfaces", "auto eth0 eth0:1\niface eth0 inet static\n address 198.18.50.11/24\n"
                                                "iface eth0:1 inet static\n address 198.18.50.21/24\n")
    host.bound.append(("eth0", "198.18.50.21", 24))
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed and not result["changed"]
    failed, result = run_in_process(module, {"address": "198.18.50.21", "state": "absent", "keep": "198.18.50.11"})
    assert not failed, result["msg"]
    assert read(path) == "auto eth0 eth0:1\niface eth0 inet static\n address 198.18.50.11/24\n"


def test_ifupdown_a_fifo_among_the_includes_is_refused_without_blocking(host, run_in_process):
    """Found by the probe: open() of a FIFO held the run for ever."""
    host.ifupdown()
    host.write("etc/network/interfaces", "source /etc/network/interfaces.d/*\nauto eth0\niface eth0 inet static\n address 198.18.50.11/24\n")
    os.makedirs(host.path("etc/network/interfaces.d"))
    os.mkfifo(host.path("etc/network/interfaces.d/pipe"))
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert failed and "is a FIFO, not a regular file" in result["msg"] and writes(host) == []


def test_ifupdown_a_link_into_another_stacks_directory_is_not_edited(host, run_in_process):
    host.ifupdown()
    target = host.write("etc/systemd/network/eth0.conf", "iface eth0 inet static\n address 198.18.50.11/24\n")
    os.makedirs(host.path("etc/network/interfaces.d"))
    os.symlink(target, host.path("etc/network/interfaces.d/eth0"))
    host.write("etc/network/interfaces", "source /etc/network/interfaces.d/*\n")
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11", "_ansible_check_mode": True})
    assert failed and "outside /etc/network" in result["msg"] and writes(host) == []


def test_a_write_failing_half_way_puts_the_first_file_back_and_says_so(host, run_in_process, monkeypatch):
    """Found by the probe: interfaces.d read-only, /etc/network/interfaces rewritten, "nothing was changed" reported."""
    host.ifupdown()
    main = host.write("etc/network/interfaces", "source /etc/network/interfaces.d/*\nauto eth0\niface eth0 inet static\n"
                                                " address 198.18.50.11/24\n up ip addr add 198.18.50.12/24 dev eth0\n")
    part = host.write("etc/network/interfaces.d/eth0", "iface eth0 inet static\n address 198.18.50.12/24\n")
    host.bound.extend([("eth0", "198.18.50.12", 24), ("eth0", "198.18.50.21", 24)])
    real_replace = _files.replace

    def refuse_the_second(target, text, mode=None, unsafe_writes=False):
        if target == part:
            raise _files.FileProblem("cannot write %s: Read-only file system" % target)
        return real_replace(target, text, mode, unsafe_writes)

    monkeypatch.setattr(_files, "replace", refuse_the_second)
    before = read(main)
    failed, result = run_in_process(module, {"address": "198.18.50.12", "state": "absent", "keep": "198.18.50.21"})
    assert failed and "Read-only file system" in result["msg"]
    assert "the configuration was not changed (the files already written were put back)" in result["msg"]
    assert read(main) == before and result["changed"] is False and result["files"] == []
    assert [c for c in host.calls if c[:3] == ["ip", "addr", "del"]] == []


def test_an_unwritable_directory_is_refused_before_the_first_write(host, run_in_process, monkeypatch):
    host.ifupdown()
    main = host.write("etc/network/interfaces", "auto eth0\niface eth0 inet static\n address 198.18.50.11/24\n")
    monkeypatch.setattr(os, "access", lambda path, mode: not str(path).endswith("etc/network"))
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert failed and "is not writable here" in result["msg"] and "nothing was changed" in result["msg"]
    assert not result["changed"] and writes(host) == [] and "198.18.50.21" not in read(main)


def test_backup_keeps_a_copy_and_reports_it(host, ifupdown, run_in_process):
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11", "backup": True})
    assert not failed, result["msg"]
    assert len(result["backup_files"]) == 1 and read(result["backup_files"][0]) == INTERFACES


# --- netplan ---------------------------------------------------------------------------------------------------

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
def netplan_host(host):
    host.write("etc/netplan/50-cloud-init.yaml", BASE_YAML)
    os.makedirs(host.path("lib/netplan"))
    host.networkd("/run/systemd/network/10-netplan-eth0.network")
    return host.path("etc/netplan")


def rendered(host, ident="eth0"):
    return [line[8:] for line in read(host.path("run/systemd/network/10-netplan-%s.network" % ident)).split("\n")
            if line.startswith("Address=")]


def test_netplan_adds_its_own_file_then_takes_the_old_address_out_of_the_administrators(host, netplan_host, run_in_process):
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed, result["msg"]
    mine = os.path.join(netplan_host, "90-dualstack-redis.yaml")
    assert result["method"] == "netplan" and result["files"] == [mine] and result["bound"]
    assert result["commands"] == [["netplan", "generate"], ["ip", "addr", "add", "198.18.50.21/24", "dev", "eth0"]]
    assert oct(os.stat(mine).st_mode & 0o777) == "0o600"
    assert '    "eth0":\n      addresses:\n        - "198.18.50.21/24"\n' in read(mine)
    assert rendered(host) == ["198.18.50.11/24", "198.18.50.21/24", "fd00:50::11/64"]
    failed, again = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed and not again["changed"]
    failed, removed = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed, removed["msg"]
    assert read(os.path.join(netplan_host, "50-cloud-init.yaml")) == BASE_YAML.replace("        - 198.18.50.11/24   # the old one\n", "")
    assert removed["files"] == [os.path.join(netplan_host, "50-cloud-init.yaml")]


def test_netplan_a_rendering_without_the_address_is_put_back(host, netplan_host, run_in_process, monkeypatch):
    """generate exits 0 but renders no address (seen with nm-devices): the read-back finds it, every file goes back."""
    real = host.generate

    def forgets():
        rc, out, err = real()
        path = host.path("run/systemd/network/10-netplan-eth0.network")
        host.write("run/systemd/network/10-netplan-eth0.network", read(path).replace("Address=198.18.50.21/24\n", ""))
        return rc, out, err

    monkeypatch.setattr(host, "generate", forgets)
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert failed and "did not render 198.18.50.21" in result["msg"] and "put back" in result["msg"]
    assert not result["changed"] and not os.path.exists(os.path.join(netplan_host, "90-dualstack-redis.yaml"))


def test_netplan_keeps_every_device_of_its_file(host, netplan_host, run_in_process):
    """Found by the probe: adding to e1 after e0 left only e1's address in the file, and absent deleted the file."""
    host.add_interface("eth1", 3)
    host.bound.append(("eth1", "198.18.51.11", 24))
    host.write("etc/netplan/51-eth1.yaml", "network: {version: 2, ethernets: {eth1: {addresses: [198.18.51.11/24]}}}\n")
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed, result["msg"]
    host.networkd("/run/systemd/network/10-netplan-eth1.network", "eth1")
    failed, result = run_in_process(module, {"address": "198.18.51.21", "like": "198.18.51.11"})
    assert not failed, result["msg"]
    assert rendered(host) == ["198.18.50.11/24", "198.18.50.21/24", "fd00:50::11/64"]
    assert rendered(host, "eth1") == ["198.18.51.11/24", "198.18.51.21/24"]
    failed, result = run_in_process(module, {"address": "198.18.51.21", "state": "absent", "keep": "198.18.51.11"})
    assert not failed, result["msg"]
    assert rendered(host) == ["198.18.50.11/24", "198.18.50.21/24", "fd00:50::11/64"] and rendered(host, "eth1") == ["198.18.51.11/24"]


def test_netplan_keeps_the_old_address_first_when_the_administrators_file_sorts_after(host, netplan_host, run_in_process):
    """Found with netplan generate: 99-admin.yaml after 90-dualstack-redis.yaml put the added address first."""
    os.rename(os.path.join(netplan_host, "50-cloud-init.yaml"), os.path.join(netplan_host, "99-admin.yaml"))
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert not failed, result["msg"]
    assert rendered(host) == ["198.18.50.11/24", "198.18.50.21/24", "fd00:50::11/64"]
    text = read(os.path.join(netplan_host, "90-dualstack-redis.yaml"))
    assert '- "198.18.50.11/24"  # restated from 99-admin.yaml\n' in text and text.endswith('- "198.18.50.21/24"\n')
    # removing the old one from the administrator's file drops its restated copy too
    failed, result = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed, result["msg"]
    assert rendered(host) == ["198.18.50.21/24", "fd00:50::11/64"]
    assert "198.18.50.11" not in read(os.path.join(netplan_host, "90-dualstack-redis.yaml"))


def test_netplan_nm_devices_passthrough_is_refused(host, run_in_process):
    doc = ("network:\n  version: 2\n  renderer: NetworkManager\n  nm-devices:\n    eth0:\n      networkmanager:\n"
           "        passthrough:\n          ipv4.method: manual\n")
    host.write("etc/netplan/50-nm.yaml", doc)
    host.networkmanager("netplan-eth0", "")
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11", "_ansible_check_mode": True})
    assert failed and "under nm-devices" in result["msg"] and writes(host) == []


def test_netplan_puts_every_file_back_when_generate_fails(host, netplan_host, run_in_process):
    host.netplan_fails = True
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert failed and "every netplan file was put back as it was" in result["msg"] and not result["changed"]
    assert not os.path.exists(os.path.join(netplan_host, "90-dualstack-redis.yaml"))
    assert result["commands"] == [["netplan", "generate"], ["netplan", "generate"]]  # the second renders the files put back
    assert [c for c in host.calls if c[:3] == ["ip", "addr", "add"]] == []


def test_netplan_flow_list_and_refusals(host, netplan_host, run_in_process):
    with open(os.path.join(netplan_host, "50-cloud-init.yaml"), "w") as handle:
        handle.write("network: {version: 2, ethernets: {eth0: {addresses: [198.18.50.11/24, '198.18.50.12/24']}}}\n")
    host.bound.append(("eth0", "198.18.50.12", 24))
    failed, result = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.12"})
    assert not failed, result["msg"]
    assert read(os.path.join(netplan_host, "50-cloud-init.yaml")) == "network: {version: 2, ethernets: {eth0: {addresses: ['198.18.50.12/24']}}}\n"
    # a file outside /etc/netplan is not edited
    host.write("lib/netplan/10-base.yaml", "network: {ethernets: {eth0: {addresses: [198.18.50.12/24]}}}\n")
    failed, result = run_in_process(module, {"address": "198.18.50.12", "state": "absent", "interface": "eth0"})
    assert failed and "which this module does not edit" in result["msg"]


def test_netplan_file_nested_too_deeply_for_pyyaml_is_refused_with_its_name(host, netplan_host, run_in_process):
    # found by make fuzz (target netplan): PyYAML's composer recursed past Python's limit (RecursionError, a traceback)
    host.write("etc/netplan/60-deep.yaml", "network: {ethernets: {eth9: {x: %s%s}}}\n" % ("[" * 5000, "]" * 5000))
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert failed and "60-deep.yaml: its YAML is nested too deeply to be read" in result["msg"] and writes(host) == []


def test_netplan_without_the_device_in_its_files_is_refused(host, netplan_host, run_in_process):
    with open(os.path.join(netplan_host, "50-cloud-init.yaml"), "w") as handle:
        handle.write("network:\n  ethernets:\n    eth1: {addresses: [10.0.0.1/24]}\n")
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert failed and "netplan device eth0 is in none of the files" in result["msg"] and writes(host) == []


def test_netplan_edits_a_symlinked_file_where_it_points_and_keeps_the_link(host, netplan_host, run_in_process):
    real = host.write("etc/netplan/shared/base.yaml", BASE_YAML)
    link = os.path.join(netplan_host, "50-cloud-init.yaml")
    os.unlink(link)
    os.symlink(real, link)
    host.bound.append(("eth0", "198.18.50.21", 24))
    failed, result = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed, result["msg"]
    assert os.path.islink(link) and "198.18.50.11" not in read(real)
    assert stat.S_ISLNK(os.lstat(link).st_mode)


# --- odd bytes and shapes --------------------------------------------------------------------------------------

def test_non_utf8_comments_and_a_glob_matching_nothing_are_kept_byte_for_byte(host, run_in_process):
    host.ifupdown()
    os.makedirs(host.path("etc/network/interfaces.d"))
    text = ("# caf\udce9 \udcff\nsource /etc/network/interfaces.d/*.cfg\nauto eth0\niface eth0 inet static\n"
            "    address 198.18.50.11/24\n# tail \udcfe\n")
    path = host.write("etc/network/interfaces", text)
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11", "_ansible_diff": True})
    assert not failed, result["msg"]
    after = open(path, "rb").read()
    assert after.startswith(b"# caf\xe9 \xff\n") and after.endswith(b"# tail \xfe\n") and b"address 198.18.50.21/24" in after
    assert "\ufffd" in result["diff"][0]["before"]  # the result carries undecodable bytes as U+FFFD


def test_networkd_non_utf8_and_crlf_survive_a_removal(host, run_in_process):
    text = "# n\udce9twork\r\n[Match]\r\nName=eth0\r\n[Network]\r\nAddress=198.18.50.11/24\r\nAddress=198.18.50.21/24\r\n"
    network, _dropin = networkd_host(host, text)
    host.bound.append(("eth0", "198.18.50.21", 24))
    failed, result = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert not failed, result["msg"]
    assert open(network, "rb").read() == b"# n\xe9twork\r\n[Match]\r\nName=eth0\r\n[Network]\r\nAddress=198.18.50.21/24\r\n"


def test_networkd_a_network_file_linked_into_another_stacks_directory_is_not_edited(host, run_in_process):
    target = host.write("etc/netplan/shared.network", NETWORK)
    os.makedirs(host.path("etc/systemd/network"), exist_ok=True)
    os.symlink(target, host.path(NETWORK_FILE.lstrip("/")))
    host.networkd(NETWORK_FILE)
    host.bound.append(("eth0", "198.18.50.21", 24))
    failed, result = run_in_process(module, {"address": "198.18.50.11", "state": "absent", "keep": "198.18.50.21"})
    assert failed and "which this module does not edit" in result["msg"] and read(target) == NETWORK and writes(host) == []


def test_a_dangling_link_among_the_files_is_named(host, run_in_process):
    host.ifupdown()
    os.makedirs(host.path("etc/network/interfaces.d"))
    os.symlink("/nowhere/eth0", host.path("etc/network/interfaces.d/eth0"))
    host.write("etc/network/interfaces", "source /etc/network/interfaces.d/*\nauto eth0\niface eth0 inet static\n address 198.18.50.11/24\n")
    failed, result = run_in_process(module, {"address": "198.18.50.21", "like": "198.18.50.11"})
    assert failed and "is a symbolic link to /nowhere/eth0, which does not exist" in result["msg"] and writes(host) == []


def test_ipv6_still_tentative_after_dad_timeout_fails_as_ip_address_does(host, run_in_process, monkeypatch):
    networkd_host(host)
    real_json = host.ip_json

    def tentative():
        data = __import__("json").loads(real_json())
        for interface in data:
            for info in interface["addr_info"]:
                if info["local"] == "fd00:50::21":
                    info["tentative"] = True
        return __import__("json").dumps(data)

    monkeypatch.setattr(host, "ip_json", tentative)
    failed, result = run_in_process(module, {"address": "fd00:50::21", "interface": "eth0", "prefix_length": 64, "dad_timeout": 1})
    assert failed and "still tentative" in result["msg"] and result["dad"] == "tentative" and result["changed"]
    assert result["files"] == [host.path(DROPIN)] and not result["bound"]
