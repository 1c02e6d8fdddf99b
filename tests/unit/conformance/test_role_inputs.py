"""One rule per kind of input, for every role entry point too (issue 29, item 1).

The roles' inputs are found, not listed by hand: every option of every entry point of meta/argument_specs.yml must
have a kind in the role's vars/main.yml (``__<role>_input_kinds``), and a kind no option has is a mistake too. The
kinds are checked by dualstack.redis.check_inputs with the rules of plugins/module_utils/_checks.py (by_kind), the
same the modules and filters use; each entry point runs it first (ENTRY_FILES). For each option of a kind with a
hostile set, each hostile value, given on top of the role's defaults (and BASE), must be refused with a message
naming the option; the defaults alone must pass (the control). Then a real ansible-playbook run per role shows the
check refusing before any other task of the role runs.

protocol_preference: its common case (Linux, gai.conf only; tasks/main.yml and gai_conf.yml) and Windows
(windows.yml) use no input but the options of one module, gai_conf or win_prefix_policy, which checks them by the
same rules (test_option_rules.py); a task of its own there would cost a round of the strategy on every host (make
bench). So check_inputs is first in linux.yml, and PLAIN_PATH_INPUTS pins which inputs those paths may use.
"""

import glob
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from ansible_collections.dualstack.redis.plugins.action import check_inputs
from ansible_collections.dualstack.redis.plugins.module_utils import _checks

from collection_tree import ROOT, link_checkout
from module_runs import json_callback_env

ROLES = sorted(os.path.basename(path) for path in glob.glob(os.path.join(ROOT, "roles", "*")))
# The tasks files that start with the check, per role: each entry point's own file (meta/argument_specs.yml), but
# protocol_preference's, see the module docstring.
ENTRY_FILES = {"external_address": ["main"], "internal_address": ["main", "preflight", "unlock"],
               "ip_discovery": ["main"], "protocol_preference": ["linux"]}
# What protocol_preference's common case and Windows path may read: the options of gai_conf and win_prefix_policy,
# and the switches that choose the path (kind ansible: choices the argument spec checks, or lists it only measures).
PLAIN_PATH_INPUTS = {"protocol_preference_gai_conf_path", "protocol_preference_prefer", "protocol_preference_networks",
                     "protocol_preference_state", "protocol_preference_backup", "protocol_preference_reload",
                     "protocol_preference_windows_store", "protocol_preference_platform", "protocol_preference_java",
                     "protocol_preference_verify_names", "protocol_preference_restart_services",
                     "protocol_preference_runtimes", "protocol_preference_redis_ports"}
# Values a role needs beyond its defaults to pass its checks (an input without a default that is not optional).
BASE = {"internal_address": {}, "external_address": {}, "ip_discovery": {"ip_discovery_family": "ipv6"},
        "protocol_preference": {}}


def load(path):
    with open(path) as handle:
        return yaml.safe_load(handle) or {}


def options(role):
    """{option: (entry point, its spec)} over every entry point of the role."""
    found = {}
    for entry, spec in load(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml"))["argument_specs"].items():
        for name, option in (spec.get("options") or {}).items():
            found.setdefault(name, (entry, option))
    return found


def kinds(role):
    return load(os.path.join(ROOT, "roles", role, "vars", "main.yml"))["__%s_input_kinds" % role]


def defaults(role):
    return load(os.path.join(ROOT, "roles", role, "defaults", "main.yml"))


# --- the hostile sets, per kind (an optional kind also takes unset, null and "") ----------------------------------

NODE_ADDRESS = ["0.0.0.0", "127.0.0.1", "224.0.0.1", "fe80::1", "::ffff:10.0.0.1", "fd00::11%eth0",
                "255.255.255.255", "::", "10.0.0.300", "10.0.0.5\x00", {"a": 1}]
HOSTILE = {
    "count": [-1, 10 ** 9, "abc", "1.5", "1e3", True, {"a": 1}, [1]],
    "seconds": [float("nan"), float("inf"), -1, 1e300, "nan", "inf", "-1", "abc", True, {"a": 1}],
    "port": [0, -1, 65536, "http", True],
    "switch": ["maybe", "ture", 2, {"a": 1}, [True]],
    "text": [{"a": 1}, ["a"], 5],
    "text+": ["", "   ", {"a": 1}, ["a"]],
    "node_address": NODE_ADDRESS + [""],
    "hostname": ["", "a" * 64 + ".example", "a..example", "a b.example", "a\x00b", {"a": 1}],
    "interface": ["", "x" * 16, "eth0/1", "eth 0", "eth0:1", ".", {"a": 1}],
    "absolute_path": ["", "relative/path", "/etc/x\ny", {"a": 1}],
    # (and, checked on the controller: a directory that is not there, a directory given for the file)
    "controller_file": ["", "relative/report.md", "/tmp/x\ny.md", {"a": 1}, "/nonexistent-dualstack/report.md", "/tmp"],
}


def hostile_values(kind):
    optional = kind.endswith("?")
    kind = kind.rstrip("?")
    head, _sep, rest = kind.partition(":")
    if head == "list":
        inner = hostile_values(rest)
        values = [{"a": 1}, True] + [[value] for value in inner]
    else:
        values = list(HOSTILE.get(head, []))
    return [value for value in values if not (optional and value in ("", None))] if values else []


CASES = [(role, name, kind) for role in ROLES for name, kind in sorted(kinds(role).items()) if hostile_values(kind)]


def problems(role, values):
    variables = dict(defaults(role), **BASE[role])
    variables.update(values)
    return check_inputs.problems(kinds(role), variables, lambda value: value)[1]


# --- the tests ----------------------------------------------------------------------------------------------------

def test_every_role_is_found():
    assert set(ROLES) == set(ENTRY_FILES) and len(CASES) > 50, (ROLES, len(CASES))


@pytest.mark.parametrize("role", ROLES)
def test_every_option_has_a_kind_and_every_kind_an_option(role):
    have, spec = kinds(role), options(role)
    assert sorted(set(spec) - set(have)) == [], "options of %s with no kind in vars/main.yml" % role
    assert sorted(set(have) - set(spec)) == [], "kinds in %s/vars/main.yml of no option" % role
    for name, kind in have.items():
        try:
            _checks.by_kind("x", name, kind)
            _checks.by_kind(["x"], name, kind)
        except ValueError as exc:
            pytest.fail(str(exc))


TYPES = {"switch": {"bool"}, "count": {"int"}, "port": {"int"}, "seconds": {"int", "float"}, "list": {"list"},
         "absolute_path": {"path", "str"}, "controller_file": {"path", "str"}}
REVERSE = {"int": {"count", "port", "seconds"}, "float": {"seconds"}, "bool": {"switch"}, "path": {"absolute_path", "text"}}


@pytest.mark.parametrize("role", ROLES)
def test_each_kind_agrees_with_the_argument_spec_type(role):
    spec = options(role)
    wrong = []
    for name, kind in kinds(role).items():
        head = kind.rstrip("?").partition(":")[0]
        declared = spec[name][1].get("type", "str")
        if head in TYPES and declared not in TYPES[head]:
            wrong.append("%s: kind %s, type %s" % (name, kind, declared))
        if head == "ansible" and "choices" not in spec[name][1]:
            wrong.append("%s: kind ansible, but the argument spec has no choices to check" % name)
        # and the other way: a number or a switch is checked as one (not waved through as free text)
        if declared in REVERSE and head not in REVERSE[declared]:
            wrong.append("%s: type %s, kind %s" % (name, declared, kind))
    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_the_defaults_pass(role):
    """The control: what each refusal below is measured against."""
    assert problems(role, {}) == []


@pytest.mark.parametrize("role, name, kind", CASES, ids=["%s.%s" % case[1:] for case in CASES])
def test_each_hostile_value_is_refused_naming_the_option(role, name, kind):
    missed = []
    for value in hostile_values(kind):
        found = problems(role, {name: value})
        if not any(name in problem for problem in found):
            missed.append(value)
    assert missed == [], "%s (%s) took %r" % (name, kind, missed)


def test_values_from_the_command_line_are_text_and_pass():
    """-e and INI inventories give text: a number, a switch or a list item as text is what the role gets."""
    found = problems("internal_address", {"internal_address_rejoin_timeout": "600", "internal_address_poll_interval": "0.5",
                                          "internal_address_rollback": "yes", "internal_address_lock_wait": "30",
                                          "internal_address_new": "fd00:50::21", "internal_address_interface": "eth0"})
    assert found == []
    assert problems("ip_discovery", {"ip_discovery_port": "6380", "ip_discovery_interval": "2"}) == []
    # a list as text, as `type: list` takes it (split at commas): molecule re_rest gives one URL this way
    assert problems("external_address", {"external_address_api_url": "https://[fd00:42::12]:9443"}) == []
    assert problems("internal_address", {"internal_address_api_url": "https://a:9443,https://b:9443"}) == []
    found = problems("protocol_preference", {"protocol_preference_redis_ports": "6379,70000"})
    assert len(found) == 1 and "protocol_preference_redis_ports[1]" in found[0], found
    assert problems("protocol_preference", {"protocol_preference_runtimes": "java,,node"}) != []


def _first_task(role, name):
    tasks = load(os.path.join(ROOT, "roles", role, "tasks", name + ".yml"))
    return tasks[0]


@pytest.mark.parametrize("role", ROLES)
def test_each_entry_point_checks_its_inputs_first(role):
    for name in ENTRY_FILES[role]:
        first = _first_task(role, name)
        assert first.get("dualstack.redis.check_inputs") == {"kinds": "{{ __%s_input_kinds }}" % role}, (role, name, first)


def test_protocol_preference_common_path_reads_only_what_one_module_checks():
    texts = [open(os.path.join(ROOT, "roles", "protocol_preference", "tasks", name + ".yml")).read()
             for name in ("main", "gai_conf", "windows")]
    plain = load(os.path.join(ROOT, "roles", "protocol_preference", "vars", "main.yml"))
    texts += [plain["__protocol_preference_plain"], plain["__protocol_preference_is_windows"]]
    used = set(re.findall(r"\bprotocol_preference_[a-z_]+\b", "\n".join(texts)))
    assert used - PLAIN_PATH_INPUTS == set()


# --- the check in a real run ----------------------------------------------------------------------------------------

RUNS = {
    "internal_address": ("preflight", {"internal_address_rejoin_timeout": "-5"}, "internal_address_rejoin_timeout"),
    "external_address": ("main", {"external_address_list": ["127.0.0.1"]}, "external_address_list[0]"),
    "ip_discovery": ("main", {"ip_discovery_family": "ipv6", "ip_discovery_interval": "0",
                              "ip_discovery_host": "redis.example"}, "ip_discovery_interval"),
    "protocol_preference": ("main", {"protocol_preference_redis_ports": [70000]}, "protocol_preference_redis_ports[0]"),
}


@pytest.mark.parametrize("role", sorted(RUNS))
def test_a_run_with_a_hostile_input_stops_at_the_check(role, tmp_path):
    entry, extra, named = RUNS[role]
    tree = link_checkout("dualstack-redis-role-inputs-")
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump([{
        "hosts": "all", "gather_facts": False,
        "tasks": [{"ansible.builtin.include_role": {"name": "dualstack.redis." + role, "tasks_from": entry}}]}]))
    (tmp_path / "extra.json").write_text(json.dumps(extra))
    env = json_callback_env(tree)
    beside = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    proc = subprocess.run([beside if os.path.exists(beside) else "ansible-playbook", "-i", "node1,", str(playbook),
                           "-e", "ansible_connection=local", "-e", "ansible_python_interpreter=%s" % sys.executable,
                           "-e", "@%s" % (tmp_path / "extra.json")],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert "{" in proc.stdout, proc.stderr[-2000:]
    data = json.loads(proc.stdout[proc.stdout.index("{"):])
    ran = [(task["task"]["name"], task["hosts"]["node1"]) for play in data["plays"] for task in play["tasks"]
           if "node1" in task["hosts"]]
    assert proc.returncode == 2, proc.stderr[-2000:]
    # the role's own tasks that ran: after the include (and the argument spec's validation), the check, which
    # failed; nothing after it
    own = [(name, result) for name, result in ran if not result.get("skipped") and "include" not in result.get("action", "")
           and "include" not in result and result.get("action") != "ansible.builtin.validate_argument_spec"]
    assert len(own) == 1, ran
    name, result = own[0]
    assert "Check every input by the collection's rule for its kind" in name and result.get("failed"), own
    assert named in result["msg"], result["msg"]
