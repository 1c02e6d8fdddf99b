"""persistent_address's configurations, read by the programs that read them at boot (tests/lib/net_oracles.py):
Debian 12's ifupdown (``ifup -n -v``), netplan's generator, nmcli (``--offline``) and systemd-networkd itself in a
network namespace. Each case runs the module (in this process, on a host under a temporary root: tests/lib/
fake_net_host.py, whose nmcli and netplan are the real ones here), then asks the real program what the host will have
after the next boot: which addresses, in which order (the old one first), and that nothing else the administrator
configured changed (SLAAC, routes, other addresses). The property tests generate configurations in the shapes
administrators write and hold the module to the same invariants, through the same programs.

Each "found" docstring names a case that failed on the module before issue 24: the same assertions fail there.
"""

import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from net_oracles import ipv4_first_then, keyfile_addresses, keyfile_method

from ansible_collections.dualstack.redis.plugins.module_utils._net.persist import networkd as networkd_text

# Each example runs real programs: no shrinking (a failure is reported as drawn), a fixed set of examples, unless
# HYPOTHESIS_PROFILE=explore (new random ones; ORACLE_EXAMPLES sets how many).
EXPLORE = os.environ.get("HYPOTHESIS_PROFILE") == "explore"
EXAMPLES = int(os.environ.get("ORACLE_EXAMPLES", "300" if EXPLORE else "40"))
ORACLE_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=not EXPLORE, database=None,
                           phases=[Phase.explicit, Phase.generate],
                           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def read(path):
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", "surrogateescape")


# What the kernel gives an interface when nothing sets it (net.ipv6.conf.default.*), here and on the fake host
SYSCTL_DEFAULTS = {"net.ipv6.conf.eth0.autoconf": "1", "net.ipv6.conf.eth0.accept_ra": "1"}


def effective(sysctls):
    """The values the host ends with: those ifup set, else the kernel's."""
    return dict(SYSCTL_DEFAULTS, **sysctls)


def inserted_after(before, after, new, old):
    """``after`` is ``before`` with ``new`` added once, after ``old`` (ifup adds them in that order)."""
    rest = list(after)
    assert rest.count(new) == 1, (before, after)
    rest.remove(new)
    assert rest == before, (before, after)
    if old is not None:
        assert after.index(new) > after.index(old), (before, after)


# --- ifupdown ------------------------------------------------------------------------------------------------

def ifupdown_host(host, text, parts=None):
    host.ifupdown()
    for key, value in SYSCTL_DEFAULTS.items():
        host.write("proc/sys/" + key.replace(".", "/"), value + "\n")
    os.makedirs(host.path("etc/network/interfaces.d"), exist_ok=True)
    path = host.write("etc/network/interfaces", text)
    for name, part in (parts or {}).items():
        host.write("etc/network/interfaces.d/" + name, part)
    return path


def test_ifupdown_slaac_is_kept(fake_host, oracles):
    """Found: the added inet6 static stanza made ifup set net.ipv6.conf.eth0.autoconf=0."""
    ifupdown_host(fake_host, "allow-hotplug eth0\niface eth0 inet static\n    address 198.18.50.11/24\n    gateway 198.18.50.1\n"
                             "iface eth0 inet6 auto\n")
    before = oracles.ifupdown(str(fake_host.root))
    assert before["sysctls"]["net.ipv6.conf.eth0.autoconf"] == "1" and not before["errors"]
    result = fake_host.persist(address="fd00:50::21", interface="eth0", prefix_length=64)
    assert not result["failed"], result["msg"]
    after = oracles.ifupdown(str(fake_host.root))
    assert not after["errors"], after["text"]
    assert effective(after["sysctls"]) == effective(before["sysctls"]) and after["routes"] == before["routes"]
    inserted_after(before["devices"]["eth0"], after["devices"]["eth0"], "fd00:50::21/64", None)


@pytest.mark.parametrize("stanzas, autoconf", [
    ("iface eth0 inet6 static\n    address fd00:50::11/64\n", "0"),
    ("iface eth0 inet6 static\n    address fd00:50::11/64\n    autoconf 1\n    accept_ra 2\n", "1"),
    ("iface eth0 inet6 dhcp\n    autoconf 1\n", "1"),
    ("iface eth0 inet6 auto\n    privext 2\niface eth0 inet6 static\n    address fd00:50::11/64\n", "0"),
    ("iface eth0 inet6 dhcp\n", None),   # dhcp leaves autoconf to the kernel: the added stanza states the host's value
])
def test_ifupdown_autoconf_stays_as_the_administrator_set_it(fake_host, oracles, stanzas, autoconf):
    ifupdown_host(fake_host, "auto eth0\niface eth0 inet static\n    address 198.18.50.11/24\n" + stanzas)
    before = oracles.ifupdown(str(fake_host.root))
    assert before["sysctls"].get("net.ipv6.conf.eth0.autoconf") == autoconf
    result = fake_host.persist(address="fd00:50::21", interface="eth0", prefix_length=64)
    assert not result["failed"], result["msg"]
    after = oracles.ifupdown(str(fake_host.root))
    assert effective(after["sysctls"]) == effective(before["sysctls"]) and not after["errors"], after["text"]
    inserted_after(before["devices"]["eth0"], after["devices"]["eth0"], "fd00:50::21/64", None)


def test_ifupdown_up_lines_are_not_doubled_and_removed_for_good(fake_host, oracles):
    """Found: adding wrote a second copy (ifup then added it twice); removing reported no change and the line brought
    the address back at every boot."""
    ifupdown_host(fake_host, "auto eth0\niface eth0 inet static\n    address 198.18.50.11/24\n"
                             "    up ip addr add 198.18.50.21/24 dev $IFACE\n    down ip addr del 198.18.50.21/24 dev $IFACE\n")
    fake_host.bound.extend([("eth0", "198.18.50.11", 24), ("eth0", "198.18.50.21", 24)])
    before = oracles.ifupdown(str(fake_host.root))
    assert before["devices"]["eth0"] == ["198.18.50.11/24", "198.18.50.21/24"]
    result = fake_host.persist(address="198.18.50.21", like="198.18.50.11")
    assert not result["failed"] and not result["changed"]
    assert oracles.ifupdown(str(fake_host.root))["devices"] == before["devices"]
    result = fake_host.persist(address="198.18.50.21", state="absent", keep="198.18.50.11")
    assert not result["failed"] and result["changed"], result.get("msg")
    after = oracles.ifupdown(str(fake_host.root))
    assert after["devices"]["eth0"] == ["198.18.50.11/24"] and not after["errors"]


def test_ifupdown_crlf_file_with_continuations_and_hotplug(fake_host, oracles):
    text = ("# installer\r\nallow-hotplug eth0\r\niface eth0 inet static\r\n    address 198.18.50.11/24\r\n"
            "    up ip route add 10.9.0.0/16 \\\n        via 198.18.50.1\r\n")
    path = ifupdown_host(fake_host, text)
    fake_host.bound.append(("eth0", "198.18.50.11", 24))
    before = oracles.ifupdown(str(fake_host.root))
    assert not before["errors"] and before["routes"]
    result = fake_host.persist(address="198.18.50.21", like="198.18.50.11")
    assert not result["failed"], result["msg"]
    assert "\r\niface eth0 inet static\r\n    address 198.18.50.21/24\r\n" in read(path)
    after = oracles.ifupdown(str(fake_host.root))
    assert not after["errors"] and after["routes"] == before["routes"]
    inserted_after(before["devices"]["eth0"], after["devices"]["eth0"], "198.18.50.21/24", "198.18.50.11/24")
    result = fake_host.persist(address="198.18.50.11", state="absent", keep="198.18.50.21")
    assert not result["failed"], result["msg"]
    final = oracles.ifupdown(str(fake_host.root))
    assert final["devices"]["eth0"] == ["198.18.50.21/24"] and final["routes"] == before["routes"] and not final["errors"]


def test_ifupdown_stanza_in_an_included_file_read_first(fake_host, oracles):
    """``source interfaces.d/*`` at the top: the included stanza is read first; the added address follows it."""
    ifupdown_host(fake_host, "source /etc/network/interfaces.d/*\nauto eth0\niface eth0 inet6 static\n    address fd00:50::11/64\n",
                  {"eth0": "iface eth0 inet static\n    address 198.18.50.11/24\n", "eth0.bak": "iface eth0 inet static\n address 9.9.9.9/8\n"})
    fake_host.bound.append(("eth0", "198.18.50.11", 24))
    before = oracles.ifupdown(str(fake_host.root))
    result = fake_host.persist(address="198.18.50.21", like="198.18.50.11")
    assert not result["failed"], result["msg"]
    assert result["files"] == [fake_host.path("etc/network/interfaces.d/eth0")]
    after = oracles.ifupdown(str(fake_host.root))
    inserted_after(before["devices"]["eth0"], after["devices"]["eth0"], "198.18.50.21/24", "198.18.50.11/24")


# A generated /etc/network/interfaces: the interface's stanzas in any order and shape, some in an included file,
# with the lines administrators write around them.
_OPTION = st.sampled_from(["    gateway 198.18.50.1", "    up ip route add 10.9.0.0/16 via 198.18.50.1", "    mtu 1400",
                           "    # a comment", "    post-up echo hi \\\n      there", "    dns-nameservers 198.18.50.1",
                           "    up ip addr add 198.18.50.14/24 dev $IFACE", "    post-up /sbin/ip -6 address add fd00:50::14/64 dev eth0",
                           "    down ip addr del 198.18.50.14/24 dev $IFACE"])
_V6 = st.sampled_from(["iface eth0 inet6 auto\n", "iface eth0 inet6 static\n    address fd00:50::11/64\n",
                       "iface eth0 inet6 static\n    address fd00:50::11/64\n    autoconf 1\n", "iface eth0 inet6 dhcp\n",
                       "iface eth0 inet6 manual\n", ""])
_V4_EXTRA = st.sampled_from(["", "iface eth0:1 inet static\n    address 198.18.50.12/24\n",
                             "iface eth0 inet static\n    address 198.18.50.13/24\n"])


@st.composite
def interfaces_files(draw):
    options = draw(st.lists(_OPTION, max_size=3))
    old = "iface eth0 inet static\n    address 198.18.50.11/24\n" + "".join(o + "\n" for o in options)
    v6, extra = draw(_V6), draw(_V4_EXTRA)
    start = draw(st.sampled_from(["auto eth0 eth0:1\n", "allow-hotplug eth0\nauto eth0:1\n"]))
    blocks = draw(st.permutations([old, v6, extra]))
    split = draw(st.integers(0, 3))   # the first `split` blocks go to interfaces.d/eth0, sourced where drawn
    source_first = draw(st.booleans())
    included = "".join(blocks[:split])
    main = start + "".join(blocks[split:])
    source = "source /etc/network/interfaces.d/*\n"
    main = (source + main) if source_first else (main + source)
    end = draw(st.sampled_from(["\n", "\r\n"]))
    return main.replace("\n", end), included


@ORACLE_SETTINGS
@given(files=interfaces_files(), new=st.sampled_from([("198.18.50.21", "198.18.50.11", 24), ("fd00:50::21", None, 64)]))
def test_ifupdown_property_next_boot_has_the_old_addresses_then_the_new_one(fake_host, oracles, files, new):
    main, included = files
    root = str(fake_host.root)
    for stale in ("etc/network/interfaces.d/eth0",):
        if os.path.exists(fake_host.path(stale)):
            os.unlink(fake_host.path(stale))
    ifupdown_host(fake_host, main, {"eth0": included} if included else {})
    fake_host.bound = [("lo", "127.0.0.1", 8), ("eth0", "198.18.50.11", 24)]
    before = oracles.ifupdown(root)
    address, old, prefix = new
    args = dict(address=address, like=old) if old else dict(address=address, interface="eth0", prefix_length=prefix)
    texts = {name: read(fake_host.path(name)) for name in ("etc/network/interfaces",)}
    result = fake_host.persist(**args)
    after = oracles.ifupdown(root)
    if before["unreadable"]:  # ifup cannot read a file: the module must say so, changing nothing
        assert result["failed"] and "ifup cannot read" in result["msg"], (before["text"], result.get("msg"))
    if result["failed"]:
        assert not result["changed"] and read(fake_host.path("etc/network/interfaces")) == texts["etc/network/interfaces"]
        return
    assert after["errors"] == before["errors"], after["text"]
    assert effective(after["sysctls"]) == effective(before["sysctls"]) and after["routes"] == before["routes"]
    inserted_after(before["devices"].get("eth0", []), after["devices"]["eth0"], "%s/%d" % (address, prefix),
                   "198.18.50.11/24" if old else None)
    # and back: removing it gives the host of before
    result = fake_host.persist(address=address, state="absent", interface="eth0")
    assert not result["failed"], result["msg"]
    assert oracles.ifupdown(root)["devices"] == before["devices"]


# --- NetworkManager ------------------------------------------------------------------------------------------

KEYFILE = "[connection]\nid=lab-eth0\nuuid=4ae1e1fd-3a5c-4b41-9ed0-4ae6d3d5e7a8\ntype=ethernet\ninterface-name=eth0\n"


@pytest.mark.parametrize("family, method", [(f, m) for f in ("ipv4", "ipv6")
                                            for m in ("auto", "dhcp", "manual", "link-local", "shared", "disabled", "ignore")])
def test_networkmanager_check_mode_refuses_exactly_what_nmcli_refuses(fake_host, oracles, family, method):
    """Found: nmcli refused the address at run time after the pre-flight (check mode) said the node was ready."""
    other = "ipv6" if family == "ipv4" else "ipv4"
    keyfile = KEYFILE + "\n[%s]\nmethod=%s\n\n[%s]\nmethod=auto\n" % (family, method, other)
    address, prefix = ("198.18.50.21", 24) if family == "ipv4" else ("fd00:50::21", 64)
    rc, _out, err = oracles.nmcli(keyfile, "+%s.addresses" % family, "%s/%d" % (address, prefix))
    fake_host.networkmanager("lab-eth0", keyfile)
    result = fake_host.persist(address=address, interface="eth0", prefix_length=prefix, _ansible_check_mode=True)
    assert result["failed"] == (rc != 0), (err, result.get("msg"))
    if rc != 0:
        assert "%s.method" % family in result["msg"]


def test_networkmanager_profile_through_real_nmcli(fake_host, oracles):
    keyfile = KEYFILE + "\n[ipv4]\naddress1=198.18.50.11/24,198.18.50.1\nmethod=manual\n\n[ipv6]\naddr-gen-mode=default\nmethod=auto\n"
    fake_host.networkmanager("lab-eth0", keyfile)
    fake_host.bound.append(("eth0", "198.18.50.11", 24))
    for address in ("198.18.50.21", "fd00:50::21"):
        result = fake_host.persist(address=address, interface="eth0", prefix_length=24 if ":" not in address else 64)
        assert not result["failed"], result["msg"]
    assert keyfile_addresses(fake_host.keyfile) == ["198.18.50.11/24", "198.18.50.21/24", "fd00:50::21/64"]
    assert "gateway=198.18.50.1" in fake_host.keyfile or "198.18.50.11/24,198.18.50.1" in fake_host.keyfile
    assert keyfile_method(fake_host.keyfile, "ipv6") == "auto"
    result = fake_host.persist(address="198.18.50.11", state="absent", keep="198.18.50.21")
    assert not result["failed"], result["msg"]
    assert keyfile_addresses(fake_host.keyfile) == ["198.18.50.21/24", "fd00:50::21/64"]


# --- netplan -------------------------------------------------------------------------------------------------

def netplan_host(host, files, device="eth0"):
    for name, text in files.items():
        host.write(name, text, mode=0o600)
    host.networkd("/run/systemd/network/10-netplan-%s.network" % device, device)


ADMIN = "network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses: [198.18.50.11/24, \"fd00:50::11/64\"]\n" \
        "      routes: [{to: default, via: 198.18.50.1}]\n"


@pytest.mark.parametrize("name", ["etc/netplan/50-cloud-init.yaml", "etc/netplan/99-admin.yaml", "lib/netplan/95-vendor.yaml",
                                  "run/netplan/zz-late.yaml"])
def test_netplan_the_old_address_stays_first_whatever_the_file_names(fake_host, oracles, name):
    """Found: with 99-admin.yaml sorting after 90-dualstack-redis.yaml the added address came first."""
    netplan_host(fake_host, {name: ADMIN})
    fake_host.bound.append(("eth0", "198.18.50.11", 24))
    before_texts, after_texts = {}, {}
    rc, err, before = oracles.netplan(str(fake_host.root), before_texts)
    assert rc == 0, err
    result = fake_host.persist(address="198.18.50.21", like="198.18.50.11")
    assert not result["failed"], result["msg"]
    rc, err, after = oracles.netplan(str(fake_host.root), after_texts)
    assert rc == 0, err
    inserted_after(before["eth0"], after["eth0"], "198.18.50.21/24", "198.18.50.11/24")
    assert after_texts["eth0"].replace("Address=198.18.50.21/24\n", "") == before_texts["eth0"]
    # and the old one out: it must go from the rendering too, restated copies included
    if name.startswith("etc/"):
        result = fake_host.persist(address="198.18.50.11", state="absent", keep="198.18.50.21")
        assert not result["failed"], result["msg"]
        assert oracles.netplan(str(fake_host.root))[2]["eth0"] == ["198.18.50.21/24", "fd00:50::11/64"]


def test_netplan_two_interfaces_keep_their_addresses(fake_host, oracles):
    """Found: adding 10.9.1.2 to e1 after 10.9.0.2 to e0 left only e1's in the file; absent deleted the whole file."""
    fake_host.add_interface("e0", 3)
    fake_host.add_interface("e1", 4)
    lab = "network:\n  version: 2\n  ethernets:\n    e0: {addresses: [10.9.0.1/24]}\n    e1: {addresses: [10.9.1.1/24]}\n"
    netplan_host(fake_host, {"etc/netplan/50-lab.yaml": lab}, "e0")
    fake_host.networkd("/run/systemd/network/10-netplan-e1.network", "e1")
    fake_host.bound.extend([("e0", "10.9.0.1", 24), ("e1", "10.9.1.1", 24)])
    assert not fake_host.persist(address="10.9.0.2", like="10.9.0.1")["failed"]
    assert not fake_host.persist(address="10.9.1.2", like="10.9.1.1")["failed"]
    rendered = oracles.netplan(str(fake_host.root))[2]
    assert rendered["e0"] == ["10.9.0.1/24", "10.9.0.2/24"] and rendered["e1"] == ["10.9.1.1/24", "10.9.1.2/24"]
    result = fake_host.persist(address="10.9.1.2", state="absent", keep="10.9.1.1")
    assert not result["failed"], result["msg"]
    rendered = oracles.netplan(str(fake_host.root))[2]
    assert rendered["e0"] == ["10.9.0.1/24", "10.9.0.2/24"] and rendered["e1"] == ["10.9.1.1/24"]


def test_netplan_networkmanager_renderer(fake_host, oracles):
    nm = "network:\n  version: 2\n  renderer: NetworkManager\n  ethernets:\n    eth0:\n      addresses: [198.18.50.11/24]\n"
    netplan_host(fake_host, {"etc/netplan/01-nm.yaml": nm})
    fake_host.bound.append(("eth0", "198.18.50.11", 24))
    result = fake_host.persist(address="198.18.50.21", like="198.18.50.11")
    assert not result["failed"], result["msg"]
    texts = {}
    assert oracles.netplan(str(fake_host.root), texts)[2]["eth0"] == ["198.18.50.11/24", "198.18.50.21/24"]
    assert "[ipv4]" in texts["eth0"]  # rendered for NetworkManager


def test_netplan_nm_devices_is_refused_because_generate_renders_no_address_there(fake_host, oracles):
    """Found: generate exited 0 but the profile did not hold the added address."""
    doc = ("network:\n  version: 2\n  renderer: NetworkManager\n  nm-devices:\n    eth0:\n      networkmanager:\n"
           "        uuid: 4ae1e1fd-3a5c-4b41-9ed0-4ae6d3d5e7a8\n        name: eth0\n        passthrough:\n"
           "          connection.type: ethernet\n          ipv4.method: manual\n          ipv4.address1: 198.18.50.11/24\n")
    netplan_host(fake_host, {"etc/netplan/50-nm.yaml": doc})
    # the premise, shown with the real generator: an addresses list beside nm-devices is not rendered into the profile
    fake_host.write("etc/netplan/90-probe.yaml", "network:\n  nm-devices:\n    eth0:\n      addresses: [198.18.50.21/24]\n", 0o600)
    rc, _err, rendered = oracles.netplan(str(fake_host.root))
    assert rc == 0 and "198.18.50.21/24" not in rendered.get("eth0", [])
    os.unlink(fake_host.path("etc/netplan/90-probe.yaml"))
    result = fake_host.persist(address="198.18.50.21", interface="eth0", prefix_length=24, _ansible_check_mode=True)
    assert result["failed"] and "under nm-devices" in result["msg"]


@st.composite
def netplan_trees(draw):
    """The administrator's files: names sorting before and after this collection's, in /lib, /etc and /run, the
    device's addresses split among them, block and flow lists, an entry with options."""
    names = draw(st.lists(st.sampled_from(["lib/netplan/10-base.yaml", "etc/netplan/50-cloud-init.yaml", "etc/netplan/90-a.yaml",
                                           "etc/netplan/99-admin.yaml", "run/netplan/95-run.yaml", "etc/netplan/zz.yaml"]),
                          min_size=1, max_size=3, unique=True))
    pool = ["198.18.50.11/24", "fd00:50::11/64", "198.18.50.12/24", {"fd00:50::12/64": {"lifetime": 0}}]
    files = {}
    for index, name in enumerate(names):
        mine = [entry for position, entry in enumerate(pool) if position % len(names) == index]
        if draw(st.booleans()) or not mine:
            items = "".join("        - %s\n" % (entry if isinstance(entry, str) else '"%s": {lifetime: 0}' % list(entry)[0])
                            for entry in mine)
            files[name] = "network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses:\n%s" % (items or "        []\n")
        else:
            flow = ", ".join('"%s"' % e if isinstance(e, str) else '{"%s": {lifetime: 0}}' % list(e)[0] for e in mine)
            files[name] = "network: {version: 2, ethernets: {eth0: {addresses: [%s]}}}\n" % flow
    return files


@ORACLE_SETTINGS
@given(files=netplan_trees(), address=st.sampled_from(["198.18.50.21", "fd00:50::21"]))
def test_netplan_property_the_added_address_comes_last_and_nothing_else_changes(fake_host, oracles, files, address):
    root = str(fake_host.root)
    for directory in ("lib/netplan", "etc/netplan", "run/netplan"):
        for name in os.listdir(fake_host.path(directory)) if os.path.isdir(fake_host.path(directory)) else []:
            os.unlink(os.path.join(fake_host.path(directory), name))
    netplan_host(fake_host, files)
    fake_host.bound = [("lo", "127.0.0.1", 8), ("eth0", "198.18.50.11", 24), ("eth0", "fd00:50::11", 64)]
    before_texts, after_texts = {}, {}
    rc, err, before = oracles.netplan(root, before_texts)
    assert rc == 0, err
    prefix = 24 if ":" not in address else 64
    result = fake_host.persist(address=address, interface="eth0", prefix_length=prefix)
    assert not result["failed"], result["msg"]
    rc, err, after = oracles.netplan(root, after_texts)
    assert rc == 0, err
    family = [a for a in before["eth0"] if (":" in a) == (":" in address)]
    inserted_after(before["eth0"], after["eth0"], "%s/%d" % (address, prefix), family[-1] if family else None)
    line = "Address=%s/%d\n" % (address, prefix)
    assert after_texts["eth0"].replace("\n[Address]\n" + line, "").replace(line, "") == before_texts["eth0"]
    result = fake_host.persist(address=address, state="absent", interface="eth0")
    assert not result["failed"], result["msg"]
    assert oracles.netplan(root)[2]["eth0"] == before["eth0"]


# --- systemd-networkd ----------------------------------------------------------------------------------------

BASE = "[Match]\nName=eth0\n\n[Network]\nLinkLocalAddressing=no\nIPv6AcceptRA=no\nAddress=198.18.50.11/24\nGateway=198.18.50.1\n"


def networkd_host(host, main, dropins=None, name="10-eth0.network"):
    path = host.write("etc/systemd/network/" + name, main)
    for relative, text in (dropins or {}).items():
        host.write(relative, text)
    host.networkd("/etc/systemd/network/" + name)
    return path


def test_networkd_added_address_after_the_old_one_and_removed_for_good(fake_host, oracles):
    networkd_host(fake_host, BASE, {"etc/systemd/network/10-eth0.network.d/10-extra.conf": "[Network]\nAddress=fd00:50::11/64\n"})
    fake_host.bound.append(("eth0", "198.18.50.11", 24))
    before = oracles.networkd(str(fake_host.root), ["eth0"])
    result = fake_host.persist(address="198.18.50.21", like="198.18.50.11")
    assert not result["failed"], result["msg"]
    after = oracles.networkd(str(fake_host.root), ["eth0"])
    inserted_after(ipv4_first_then(before["addresses"]["eth0"]), ipv4_first_then(after["addresses"]["eth0"]),
                   "198.18.50.21/24", "198.18.50.11/24")
    assert after["routes"] == before["routes"]
    assert not fake_host.persist(address="198.18.50.11", state="absent", keep="198.18.50.21")["failed"]
    final = oracles.networkd(str(fake_host.root), ["eth0"])
    assert ipv4_first_then(final["addresses"]["eth0"]) == ["198.18.50.21/24", "fd00:50::11/64"]


def test_networkd_continued_lines_crlf_and_a_lone_cr(fake_host, oracles):
    """Found: backslash continuations were not understood by the editor."""
    main = ("[Match]\r\nName=eth0\r\n[Network]\r\nLinkLocalAddressing=no\r\nIPv6AcceptRA=no\r\nAddress=\\\n# note\n"
            "    198.18.50.11/24\r\nAddress=198.18.50.12/24\rAddress=198.18.50.13/24\n")
    networkd_host(fake_host, main)
    fake_host.bound.extend([("eth0", "198.18.50.11", 24), ("eth0", "198.18.50.12", 24), ("eth0", "198.18.50.13", 24)])
    before = oracles.networkd(str(fake_host.root), ["eth0"])
    assert before["addresses"]["eth0"] == ["198.18.50.11/24", "198.18.50.12/24", "198.18.50.13/24"]
    assert networkd_text.addresses(main) == before["addresses"]["eth0"]  # the parser reads it as networkd does
    result = fake_host.persist(address="198.18.50.11", state="absent", keep="198.18.50.12")
    assert not result["failed"], result["msg"]
    assert oracles.networkd(str(fake_host.root), ["eth0"])["addresses"]["eth0"] == ["198.18.50.12/24", "198.18.50.13/24"]


def test_networkd_a_file_matched_by_several_links_is_refused(fake_host, oracles):
    """Found: with Name=e* the drop-in went beside the shared file and every matching link got the address."""
    for index, link in enumerate(("e0", "e1"), 3):
        fake_host.add_interface(link, index)
    shared = "[Match]\nName=e*\n\n[Network]\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n"
    networkd_host(fake_host, shared, name="10-e.network")
    fake_host.networkd("/etc/systemd/network/10-e.network", "e0")
    fake_host.networkd("/etc/systemd/network/10-e.network", "e1")
    # the premise, shown by networkd itself: a drop-in beside the shared file reaches both links
    probe = fake_host.write("etc/systemd/network/10-e.network.d/60-probe.conf", "[Network]\nAddress=10.9.0.2/24\n")
    seen = oracles.networkd(str(fake_host.root), ["e0", "e1"])
    assert seen["addresses"] == {"e0": ["10.9.0.2/24"], "e1": ["10.9.0.2/24"]}
    assert seen["states"]["e1"]["NETWORK_FILE"] == "/etc/systemd/network/10-e.network"
    os.unlink(probe)
    result = fake_host.persist(address="10.9.0.2", interface="e0", prefix_length=24)
    assert result["failed"] and "also of e1" in result["msg"] and not result["changed"]


def test_networkd_absent_from_every_dropin_and_refused_under_run(fake_host, oracles):
    """Found: absent of an address set in another drop-in ran only ip addr del; the address returned at boot."""
    networkd_host(fake_host, BASE, {"etc/systemd/network/10-eth0.network.d/50-extra.conf": "[Network]\nAddress=198.18.50.12/24\nDNS=198.18.50.1\n",
                                    "run/systemd/network/10-eth0.network.d/55-run.conf": "[Network]\nAddress=198.18.50.13/24\n"})
    fake_host.bound.extend([("eth0", "198.18.50.11", 24), ("eth0", "198.18.50.12", 24), ("eth0", "198.18.50.13", 24)])
    assert oracles.networkd(str(fake_host.root), ["eth0"])["addresses"]["eth0"] == ["198.18.50.11/24", "198.18.50.12/24", "198.18.50.13/24"]
    result = fake_host.persist(address="198.18.50.12", state="absent", keep="198.18.50.11")
    assert not result["failed"], result["msg"]
    assert oracles.networkd(str(fake_host.root), ["eth0"])["addresses"]["eth0"] == ["198.18.50.11/24", "198.18.50.13/24"]
    result = fake_host.persist(address="198.18.50.13", state="absent", keep="198.18.50.11")
    assert result["failed"] and "55-run.conf" in result["msg"] and not result["changed"]


def test_networkd_a_later_dropin_holding_the_old_address_is_refused(fake_host, oracles):
    networkd_host(fake_host, BASE.replace("Address=198.18.50.11/24\n", ""),
                  {"etc/systemd/network/10-eth0.network.d/70-admin.conf": "[Network]\nAddress=198.18.50.11/24\n"})
    fake_host.bound.append(("eth0", "198.18.50.11", 24))
    # the premise: an address in 60-... would come before the old one of 70-admin.conf
    probe = fake_host.write("etc/systemd/network/10-eth0.network.d/60-dualstack-redis.conf", "[Network]\nAddress=198.18.50.21/24\n")
    assert oracles.networkd(str(fake_host.root), ["eth0"])["addresses"]["eth0"][0] == "198.18.50.21/24"
    os.unlink(probe)
    result = fake_host.persist(address="198.18.50.21", like="198.18.50.11")
    assert result["failed"] and "70-admin.conf" in result["msg"]


# Generated .network files in the shapes systemd reads (continuations, comments inside them, CRLF, lone CR,
# [Address] sections, blanks around '='): the collection's parser must read the addresses networkd configures.
_NETWORKD_LINE = st.sampled_from([
    "Address=%s", "Address = %s", "Address=\\\n  %s", "Address=\\\n# c\n%s", "#Address=%s", ";Address=%s",
    "DNS=%s", "[Address]\nAddress=%s", "Address=%s\\\\", "[Network]\nAddress=%s", "\tAddress=%s\t",
])
_END = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def network_files(draw, index):
    lines = draw(st.lists(_NETWORKD_LINE, min_size=1, max_size=5))
    end = draw(_END)
    body = []
    for number, line in enumerate(lines):
        body.append(line.replace("\n", draw(_END)) % ("10.%d.%d.1/24" % (index, number)))
    return "[Match]\nName=n%d\n\n[Network]\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n" % index + end.join(body) + end


@settings(max_examples=max(8, EXAMPLES // 5), deadline=None, derandomize=not EXPLORE, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_networkd_property_the_parser_reads_what_networkd_configures(tmp_path, oracles, data):
    """Eight links per networkd run, each with a generated .network file."""
    root = tmp_path / ("r%d" % len(os.listdir(str(tmp_path))))
    texts = {}
    for index in range(8):
        texts["n%d" % index] = data.draw(network_files(index))
        path = root / "etc/systemd/network" / ("10-n%d.network" % index)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(texts["n%d" % index].encode())
    seen = oracles.networkd(str(root), sorted(texts))
    for link, text in texts.items():
        parsed = [value for value in networkd_text.addresses(text) if networkd_text.family_of(value)]
        assert parsed == seen["addresses"][link], (text, seen["log"])
