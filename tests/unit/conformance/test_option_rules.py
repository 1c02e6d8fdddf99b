"""One rule per kind of input, checked for every option of every module (issue 29).

The options are found, not listed by hand: each module's ``main()`` is run until it builds its AnsibleModule, and
the argument spec it passes is read (doc fragments included). Every option must have a kind in KINDS; an option
without one fails ``test_every_option_has_a_kind`` with its name, so a new module or option is covered as soon as it
exists. For each option of a kind with a hostile set, each hostile value is given on top of the module's otherwise
valid arguments (BASE) and the module must refuse it: fail with a message naming the option, before it runs any
command, writes any file or opens any network connection (the fakes at the I/O boundary, IOBoundary, count every
attempt and stop it). A control run with BASE alone must get past the checks (reach the I/O boundary or succeed):
that is what makes each refusal the value's doing.

The kinds and the collection's one rule for each (plugins/module_utils/_checks.py):
- seconds: a finite number of seconds in the option's range (no nan, inf, negative or absurd values);
- count: a whole number in the option's range (a node id, a prefix length, a limit, a number of retries);
- port: a TCP port, 1 to 65535;
- node_address: an address a node or host is reached at (no unspecified, loopback, multicast, link-local,
  reserved or IPv4-mapped address, no zone index, no stray bytes);
- interface_address: an address an interface can hold (ip_address, ip_address_info: loopback and link-local
  allowed, none of the rest);
- file: an existing regular file (a directory, FIFO, device, dangling link or link loop is named and refused);
- written_file: a file the module writes: missing (it is created) or a regular file, nothing else;
- hostname: a name a resolver can take (IDNA labels of 1 to 63 characters, 253 in all, no space or control byte);
- interface: a Linux interface name (1 to 15 characters, no '/', whitespace or ':');
- checked_by_ansible: bool, choices, raw types the argument spec itself checks (nothing to add);
- free: any text the module passes on without interpreting it (a password, a run id), with the reason.
"""

import glob
import importlib
import os
import socket
import subprocess

import pytest
from ansible.module_utils import basic

from collection_tree import ROOT
from module_runs import _patch_args, run_in_process

MODULES = sorted(os.path.basename(path)[:-3] for path in glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py"))
                 if not os.path.basename(path).startswith("_"))
# Modules whose main() runs on the controller as an action plugin (no AnsibleModule): their options are checked by
# the action's own tests against the same rules.
ACTION_ONLY = {"win_prefix_policy": "tests/unit/plugins/action/test_win_prefix_policy.py",
               "check_inputs": "tests/unit/conformance/test_role_inputs.py (its one option is the kinds themselves)"}

# --- the hostile sets -------------------------------------------------------------------------------------------

SECONDS_INT = [-1, 10 ** 9]
SECONDS_FLOAT = [float("nan"), float("inf"), -1.0, 1e300]
COUNT = [-1, 10 ** 9]
PORT = [0, -1, 65536]
NODE_ADDRESS = ["0.0.0.0", "127.0.0.1", "224.0.0.1", "fe80::1", "::ffff:10.0.0.1", "fd00::11%eth0",
                "255.255.255.255", "::", "10.0.0.300", "", "10.0.0.5\x00", "10.0.\n0.5"]
INTERFACE_ADDRESS = ["0.0.0.0", "224.0.0.1", "::ffff:10.0.0.1", "fd00::11%eth0", "255.255.255.255", "::", "ff02::1",
                     "10.0.0.300", "", "10.0.0.5\x00", "10.0.\n0.5"]
HOSTNAME = ["", "a" * 64 + ".example", "a..example", "a b.example", "a\x00b", "a" * 250 + ".example"]
INTERFACE = ["", "x" * 16, "eth0/1", "eth 0", "eth0:1", ".", ".."]
FILES = ["directory", "fifo", "device", "dangling", "loop"]
# A file the module writes may be missing (it is created), or a link to where it will be; nothing else.
WRITTEN_FILES = ["directory", "fifo", "device", "loop"]


def hostile_files(tmp_path):
    """{kind: path} for each of FILES, made under ``tmp_path``."""
    paths = {"directory": str(tmp_path / "a-directory"), "fifo": str(tmp_path / "a-fifo"), "device": "/dev/null",
             "dangling": str(tmp_path / "dangling"), "loop": str(tmp_path / "loop-a")}
    os.mkdir(paths["directory"])
    os.mkfifo(paths["fifo"])
    os.symlink(str(tmp_path / "nowhere"), paths["dangling"])
    os.symlink(str(tmp_path / "loop-b"), paths["loop"])
    os.symlink(paths["loop"], str(tmp_path / "loop-b"))
    return paths


def hostile_values(kind, option_type):
    if kind == "seconds":
        return SECONDS_FLOAT if option_type == "float" else SECONDS_INT
    if kind == "seconds_since_epoch":
        return SECONDS_FLOAT
    return {"count": COUNT, "port": PORT, "node_address": NODE_ADDRESS, "interface_address": INTERFACE_ADDRESS,
            "hostname": HOSTNAME,
            "interface": INTERFACE, "file": FILES, "written_file": WRITTEN_FILES}.get(kind, [])


# --- every option's kind ------------------------------------------------------------------------------------------

SHARED_REDIS = {"host": "hostname", "port": "port", "username": "free: an ACL user name, sent as given",
                "password": "free: a secret, sent as given", "tls": "checked_by_ansible", "validate_certs": "checked_by_ansible",
                "ca_certs": "file", "client_cert_file": "file", "client_key_file": "file", "connect_timeout": "seconds"}
SHARED_RE = {"transport": "checked_by_ansible", "rladmin_path": "file", "command_timeout": "seconds",
             "api_url": "free: URLs, each parsed and checked by the REST client (tests/unit/plugins/modules/test_re_rest_modules.py)",
             "api_username": "free: sent as given", "api_password": "free: a secret, sent as given",
             "validate_certs": "checked_by_ansible", "ca_path": "file",
             "api_tls_name": "hostname", "api_timeout": "seconds", "node": "count"}
SHARED_AWS = {"region": "free: an AWS region, checked by botocore", "profile": "free: a profile name, read by botocore",
              "access_key": "free: a secret", "secret_key": "free: a secret", "session_token": "free: a secret",
              "endpoint_url": "free: a URL, checked by botocore", "aws_ca_bundle": "file",
              "validate_certs": "checked_by_ansible", "aws_retries": "count", "aws_timeout": "seconds"}

KINDS = {
    "address_order_info": {"name": "hostname", "port": "free: a port number or service name for getaddrinfo",
                           "family": "checked_by_ansible", "timeout": "seconds"},
    "change_lock": {"path": "written_file",
                    "state": "checked_by_ansible", "run": "free: the run's id, recorded as given",
                    "holder": "free: recorded as given", "takeover": "free: a run id compared with the lock's",
                    "clear": "free: a run id compared with the lock's", "wait": "seconds"},
    "cluster_ip_discovery": dict(SHARED_REDIS, family="checked_by_ansible", wait="checked_by_ansible",
                                 timeout="seconds", interval="seconds", all_nodes="checked_by_ansible"),
    "elasticache_ip_discovery": dict(SHARED_AWS, replication_group_id="free: an ElastiCache id, sent to the API",
                                     cache_cluster_id="free: an ElastiCache id, sent to the API",
                                     ip_discovery="checked_by_ansible", apply_immediately="checked_by_ansible",
                                     wait="checked_by_ansible", wait_timeout="seconds", wait_delay="seconds"),
    "gai_conf": {"prefer": "checked_by_ansible", "networks": "free: prefixes, checked by the planner (test_gai_conf_module.py)",
                 "state": "checked_by_ansible", "path": "written_file",
                 "backup": "checked_by_ansible", "allow_non_glibc": "checked_by_ansible", "reload": "checked_by_ansible"},
    "ip_address": {"command_timeout": "seconds", "address": "interface_address", "state": "checked_by_ansible",
                   "interface": "interface", "prefix_length": "count", "like": "interface_address",
                   "keep": "interface_address", "dad_timeout": "seconds"},
    "ip_address_info": {"command_timeout": "seconds", "address": "interface_address"},
    "persistent_address": {"command_timeout": "seconds", "address": "node_address", "state": "checked_by_ansible",
                           "method": "checked_by_ansible", "interface": "interface", "prefix_length": "count",
                           "like": "node_address", "keep": "node_address", "apply": "checked_by_ansible",
                           "dad_timeout": "seconds", "backup": "checked_by_ansible"},
    "re_node_address": dict(SHARED_RE, internal_address="node_address", external_addresses="node_address",
                            external_addresses_state="checked_by_ansible"),
    "re_node_demote": dict(SHARED_RE, retry_timeout_seconds="seconds"),
    "re_node_info": dict(SHARED_RE),
    "redis_endpoint_info": dict(SHARED_REDIS, cluster="checked_by_ansible"),
    "resolver_processes_info": {"path": "free: only its change time is read", "since": "seconds_since_epoch",
                                "limit": "count"},
    "runtime_resolver_info": {"runtimes": "free: programs, services or pid:N, each looked up and named when missing",
                              "redis_ports": "port", "timeout": "seconds"},
}


# --- the I/O boundary ---------------------------------------------------------------------------------------------

class IOAttempted(Exception):
    """Raised by the fakes: the module reached the I/O boundary."""


class IOBoundary:
    """Counts (and stops) every command, file write and network request a module attempts."""

    def __init__(self, monkeypatch):
        self.attempts = []
        real_open = open

        def stop(what):
            def fake(*args, **_kwargs):
                self.attempts.append((what, args[:2]))
                raise IOAttempted(what)
            return fake

        def guarded_open(file, mode="r", *args, **kwargs):
            if any(flag in mode for flag in "wax+"):
                self.attempts.append(("open for writing", file))
                raise IOAttempted("open %s" % file)
            return real_open(file, mode, *args, **kwargs)

        monkeypatch.setattr(subprocess, "Popen", stop("command"))
        monkeypatch.setattr(socket.socket, "connect", stop("connect"))
        monkeypatch.setattr(socket.socket, "connect_ex", stop("connect"))
        monkeypatch.setattr(socket.socket, "sendto", stop("send"))
        monkeypatch.setattr(socket, "getaddrinfo", stop("resolve"))
        monkeypatch.setattr(socket, "gethostbyname", stop("resolve"))
        monkeypatch.setattr(os, "replace", stop("rename"))
        monkeypatch.setattr(os, "rename", stop("rename"))
        monkeypatch.setattr(os, "mkfifo", stop("mkfifo"))
        monkeypatch.setattr("builtins.open", guarded_open)
        try:
            import botocore.client
        except ImportError:
            pass
        else:
            monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", stop("AWS API call"))


# --- the options, as each module builds them ------------------------------------------------------------------------

class _Spec(Exception):
    pass


def module_of(name):
    return importlib.import_module("ansible_collections.dualstack.redis.plugins.modules." + name)


def argument_spec(module):
    """The argument spec ``module`` (imported) passes to AnsibleModule (its main() run until then, no arguments)."""
    def capture(_self, argument_spec=None, **_kwargs):
        raise _Spec(argument_spec)

    original = basic.AnsibleModule.__init__
    basic.AnsibleModule.__init__ = capture
    try:
        with _patch_args({}):
            module.main()
    except _Spec as spec:
        return spec.args[0]
    finally:
        basic.AnsibleModule.__init__ = original
    raise AssertionError("%s.main() built no AnsibleModule" % module.__name__)


def kind_problems(spec, kinds):
    """What is wrong with ``kinds`` ({option: kind}) for a module whose argument spec is ``spec``: [sentence]."""
    out = ["option %s has no kind" % option for option in sorted(set(spec) - set(kinds))]
    out += ["kind given for %s, which is no option" % option for option in sorted(set(kinds) - set(spec))]
    for option, kind in sorted(kinds.items()):
        if kind not in KNOWN_KINDS and not kind.startswith("free: "):
            out.append("%s: unknown kind %r" % (option, kind))
        elif kind == "checked_by_ansible" and option in spec and not (
                spec[option].get("type") in ("bool", "raw") or spec[option].get("choices")):
            out.append("%s: %s is not a type the argument spec checks by itself" % (option, spec[option].get("type")))
    return out


def refusals(module, spec, option, kind, base, files, monkeypatch):
    """[(value, first I/O attempt, message)] of the hostile values of ``kind`` that ``module`` did not refuse before
    any I/O with a message naming ``option``."""
    accepted = []
    for value in hostile_values(kind, spec[option].get("type")):
        value = files.get(value, value)
        if spec[option].get("type") == "list":
            value = [value]
        io = IOBoundary(monkeypatch)
        try:
            failed, result = run_in_process(module, dict(base, **{option: value}))
        except IOAttempted as exc:
            failed, result = True, {"msg": "stopped at the I/O boundary: %s" % exc}
        names = [option] + list(spec[option].get("aliases") or [])
        if not failed or io.attempts or not any(word in result.get("msg", "") for word in names):
            accepted.append((value, io.attempts[:1], result.get("msg", "(no message)")[:160]))
        monkeypatch.undo()
    return accepted


KNOWN_KINDS = ("seconds", "seconds_since_epoch", "count", "port", "node_address", "interface_address", "file",
               "written_file", "hostname", "interface", "checked_by_ansible")


SPECS = {name: argument_spec(module_of(name)) for name in MODULES if name not in ACTION_ONLY}


def test_every_module_is_found():
    assert len(MODULES) >= 15 and set(SPECS) | set(ACTION_ONLY) == set(MODULES)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_option_has_a_kind(name):
    """A new option (or module) without a kind fails here, naming it: give it one in KINDS."""
    assert kind_problems(SPECS[name], KINDS.get(name, {})) == [], name


# --- each hostile value refused before any I/O ------------------------------------------------------------------------

@pytest.fixture
def base(tmp_path):
    """{module: its otherwise valid arguments}: files made under tmp_path."""
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    rladmin = tmp_path / "rladmin"
    rladmin.write_text("#!/bin/sh\nexit 0\n")
    rladmin.chmod(0o755)
    re_args = {"node": 2, "rladmin_path": str(rladmin)}
    return {
        "address_order_info": {"name": "redis.example"},
        "change_lock": {"path": str(tmp_path / "lock"), "run": "run-1"},
        "cluster_ip_discovery": {"host": "redis.example", "family": "ipv6"},
        "elasticache_ip_discovery": {"replication_group_id": "orders", "ip_discovery": "ipv6", "region": "us-east-1",
                                     "access_key": "AKIDEXAMPLE", "secret_key": "secret"},
        "gai_conf": {"prefer": "ipv4", "path": str(tmp_path / "gai.conf")},
        "ip_address": {"address": "198.51.100.5", "interface": "eth0", "prefix_length": 24},
        "ip_address_info": {"address": "198.51.100.5"},
        "persistent_address": {"address": "198.51.100.5", "interface": "eth0", "prefix_length": 24, "method": "ifupdown"},
        "re_node_address": dict(re_args, internal_address="198.51.100.12"),
        "re_node_demote": dict(re_args),
        "re_node_info": dict(re_args),
        "redis_endpoint_info": {"host": "redis.example", "port": 6379},
        "resolver_processes_info": {"since": 0},
        "runtime_resolver_info": {"runtimes": ["/bin/sh"]},
    }


def run(name, args):
    """run_in_process(), a module stopped at the I/O boundary counting as failed (the boundary has the attempt)."""
    try:
        return run_in_process(module_of(name), args)
    except IOAttempted as exc:
        return True, {"msg": "stopped at the I/O boundary: %s" % exc}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_base_arguments_get_past_the_checks(name, base, monkeypatch):
    """The control: with BASE alone the module reaches the I/O boundary (or succeeds without it)."""
    io = IOBoundary(monkeypatch)
    failed, result = run(name, base[name])
    assert io.attempts or not failed, result


CASES = [(name, option, kind) for name in sorted(SPECS) for option, kind in sorted(KINDS.get(name, {}).items())
         if hostile_values(kind, SPECS[name].get(option, {}).get("type"))]


@pytest.mark.parametrize("name, option, kind", CASES, ids=["%s.%s" % case[:2] for case in CASES])
def test_each_hostile_value_is_refused_before_any_io(name, option, kind, base, tmp_path, monkeypatch):
    files = hostile_files(tmp_path) if kind in ("file", "written_file") else {}
    accepted = refusals(module_of(name), SPECS[name], option, kind, base[name], files, monkeypatch)
    assert accepted == [], "%s.%s (%s) took hostile values" % (name, option, kind)


# --- the harness catches what it is for -------------------------------------------------------------------------------

def test_a_throwaway_module_with_an_unguarded_option_is_caught(monkeypatch):
    """throwaway_module.py: ``wait`` (seconds) runs ``sleep`` unchecked, ``retries`` (a count) is checked by the
    collection's rule. Without a kind for ``wait`` the kind check names it; with one, the hostile values go through
    to the command and are named, while ``retries``'s are refused."""
    import throwaway_module

    spec = argument_spec(throwaway_module)
    assert kind_problems(spec, {"retries": "count"}) == ["option wait has no kind"]
    kinds = {"retries": "count", "wait": "seconds"}
    assert kind_problems(spec, kinds) == []
    caught = refusals(throwaway_module, spec, "wait", "seconds", {}, {}, monkeypatch)
    assert [value for value, _io, _msg in caught] == SECONDS_INT
    assert all(io and io[0][0] == "command" for _value, io, _msg in caught), caught
    assert refusals(throwaway_module, spec, "retries", "count", {}, {}, monkeypatch) == []


# --- the filters: every parameter has a kind, and the hostile values of each are refused -------------------------------

def _filters():
    found = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "plugins", "filter", "*.py"))):
        plugin = importlib.import_module("ansible_collections.dualstack.redis.plugins.filter." + os.path.basename(path)[:-3])
        found.update(plugin.FilterModule().filters())
    return found


FILTERS = _filters()
# {filter: {parameter: kind}}; the input (the value before the |) is the first parameter.
FILTER_KINDS = {
    "change_report": {"entries": "free: registered results, copied by named field only (test_change_report.py)",
                      "kind": "checked_by_filter", "cluster_before": "free: re_node_info's nodes",
                      "cluster_after": "free: re_node_info's nodes", "run": "free: the run's id, times and check mode",
                      "secrets": "free: strings replaced wherever they appear"},
    "hosts_file_names": {"text": "free: a hosts file's text, parsed line by line (test_hosts_file_names.py)",
                         "address": "ip_address"},
    "internal_address_plan": {"nodes": "free: re_node_info's nodes", "requests": "node_address_requests",
                              "delegate": "free: an inventory host name", "checks": "free: what each host found"},
    "ipv4_mapped": {"value": "ip_network"},
    "java_resolver_overrides": {"runtimes": "free: runtime_resolver_info's runtimes", "prefer": "checked_by_filter",
                                "networks": "free: prefixes, as protocol_preference_networks"},
    "re_api_urls": {"hosts": "hostnames", "port": "port"},
}
# Base arguments of each filter, and how each says no (an AnsibleFilterError, or a problem in its result).
NODES = [{"id": 1, "address": "10.0.0.11", "ok": True, "status": "OK", "external_addresses": []},
         {"id": 2, "address": "10.0.0.12", "ok": True, "status": "OK", "external_addresses": []}]
# {(filter, parameter): (arguments for a value, a value it takes, the hostile values it must refuse)}
FILTER_CASES = {
    ("hosts_file_names", "address"): (lambda value: ("127.0.0.1 localhost\n", value), "127.0.0.1",
                                      ["", "10.0.0.300", "localhost", "1.2.3.4\x00"]),
    ("ipv4_mapped", "value"): (lambda value: (value,), "10.0.0.0/24", ["", "10.0.0.300/24", "fd00::/64", "10.0.0.0/33"]),
    ("re_api_urls", "hosts"): (lambda value: ([value],), "re1.example",
                               [host for host in HOSTNAME if host] + ["https://10.0.0.1:9443", "a/b"]),  # blank: none
    ("re_api_urls", "port"): (lambda value: (["10.0.0.1"], value), 9443, PORT + [True, "9443"]),
    ("change_report", "kind"): (lambda value: ([], value), "ip_discovery", ["", "nope", None, 1, "Internal_Address"]),
    ("change_report", "entries"): (lambda value: (value, "internal_address"), [], ["text", [1], {"host": "x"}, None]),
    ("change_report", "secrets"): (lambda value: ([], "internal_address", None, None, None, value), ["pw"],
                                   ["pw", {"a": "pw"}, 7]),
    # An empty internal_address_new is "no change for this host" (the plan's documented input), not hostile.
    ("internal_address_plan", "requests"): (
        lambda value: (NODES, [{"host": "re1", "node": None, "connected": 1, "new": value, "journal": None},
                               {"host": "re2", "node": None, "connected": 2, "new": None, "journal": None}]),
        "10.0.0.21", [value for value in NODE_ADDRESS if value]),
}


def filter_refused(name, call):
    """Whether the filter said no: an AnsibleFilterError naming the filter, or (the plan) a problem and no step."""
    from ansible.errors import AnsibleFilterError

    try:
        result = call()
    except AnsibleFilterError:
        return True
    return isinstance(result, dict) and bool(result.get("problems"))


def test_every_filter_parameter_has_a_kind():
    import inspect

    problems = []
    for name, function in sorted(FILTERS.items()):
        parameters = list(inspect.signature(function).parameters)
        kinds = FILTER_KINDS.get(name, {})
        problems += ["%s: parameter %s has no kind" % (name, p) for p in parameters if p not in kinds]
        problems += ["%s: %s is no parameter" % (name, p) for p in kinds if p not in parameters]
    assert problems == [] and len(FILTERS) >= 5


@pytest.mark.parametrize("name, parameter", sorted(FILTER_CASES), ids=["%s.%s" % case for case in sorted(FILTER_CASES)])
def test_each_filter_refuses_hostile_values(name, parameter):
    arguments, good, values = FILTER_CASES[(name, parameter)]
    assert not filter_refused(name, lambda: FILTERS[name](*arguments(good))), "the control value %r is refused" % (good,)
    taken = [value for value in values if not filter_refused(name, lambda: FILTERS[name](*arguments(value)))]
    assert taken == [], "%s took %s for %s" % (name, taken, parameter)


def test_every_filter_kind_with_a_hostile_set_is_tested():
    """Every filter parameter whose kind is not free has its hostile values in FILTER_CASES."""
    untested = [(name, parameter) for name, kinds in FILTER_KINDS.items() for parameter, kind in kinds.items()
                if not kind.startswith("free: ") and kind != "checked_by_filter" and (name, parameter) not in FILTER_CASES]
    assert untested == []
