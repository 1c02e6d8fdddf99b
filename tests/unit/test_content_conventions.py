"""Conventions every role and playbook keeps, so that they run the same as AWX/Tower job templates.

Roles: every argument-spec option has a type and a description and appears in the role's README; defaults
match the spec. Playbooks: the host pattern comes from a variable with a default group, no prompts, no
untimed pauses. Project playbooks for AWX (docs/awx-project) import exactly the collection's playbooks.
"""

import ast
import glob
import os

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ROLES = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "roles", "*")))
PLAYBOOKS = sorted(glob.glob(os.path.join(ROOT, "playbooks", "*.yml")))


def load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def options(role):
    found = {}
    for entry in load(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml"))["argument_specs"].values():
        found.update(entry.get("options", {}))
    return found


def test_there_is_content():
    assert len(ROLES) >= 4 and len(PLAYBOOKS) >= 4


@pytest.mark.parametrize("role", ROLES)
def test_role_options_are_typed_described_and_in_the_readme(role):
    with open(os.path.join(ROOT, "roles", role, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    for name, spec in options(role).items():
        assert spec.get("type") and spec.get("description"), "%s: %s needs a type and a description" % (role, name)
        if spec.get("type") == "list":
            assert spec.get("elements"), "%s: %s needs elements" % (role, name)
        assert "`%s`" % name in readme, "%s: %s is not in the README" % (role, name)


@pytest.mark.parametrize("role", ROLES)
def test_role_defaults_match_the_spec(role):
    path = os.path.join(ROOT, "roles", role, "defaults", "main.yml")
    defaults = load(path) if os.path.exists(path) else {}
    spec = options(role)
    for name, value in (defaults or {}).items():
        assert name in spec, "%s: default %s is not in the argument spec" % (role, name)
        if "default" in spec[name]:
            assert spec[name]["default"] == value, "%s: %s defaults to %r, the spec says %r" % (role, name, value, spec[name]["default"])


@pytest.mark.parametrize("path", PLAYBOOKS, ids=os.path.basename)
def test_playbook_hosts_prompts_and_pauses(path):
    for play in load(path):
        hosts = play["hosts"]
        assert hosts.startswith("{{") and "| default('" in hosts, "%s: hosts %r is not a variable with a default" % (path, hosts)
        assert "vars_prompt" not in play
        for task in play.get("tasks", []) + play.get("pre_tasks", []) + play.get("post_tasks", []):
            pause = task.get("ansible.builtin.pause", task.get("pause"))
            if pause is not None:
                assert isinstance(pause, dict) and ("seconds" in pause or "minutes" in pause), "%s: untimed pause" % path


def test_awx_project_imports_each_playbook_once():
    project = os.path.join(ROOT, "docs", "awx-project")
    imported = set()
    for path in glob.glob(os.path.join(project, "*.yml")):
        plays = load(path)
        assert len(plays) == 1
        imported.add(plays[0]["ansible.builtin.import_playbook"])
    assert imported == {"dualstack.redis." + os.path.basename(p)[:-4] for p in PLAYBOOKS}


def _texts(*patterns):
    for pattern in patterns:
        for path in glob.glob(os.path.join(ROOT, pattern), recursive=True):
            if os.path.isfile(path):
                with open(path, encoding="utf-8", errors="replace") as handle:
                    yield os.path.relpath(path, ROOT), handle.read()


@pytest.mark.parametrize("role", ROLES)
def test_a_roles_own_variables_stay_inside_it(role):
    """``__<role>_*`` is the role's own (issue 26): nothing users run or read outside the role uses it (playbooks,
    other roles, the docs, the AWX project, the README); and every variable the role sets for itself is named so
    (set_fact and register in its task files). (Molecule's verify may look inside a role on purpose: a white-box
    check of a rule, named as such there.)"""
    own = "__%s_" % role
    outside = [path for path, text in _texts("playbooks/**/*.yml", "roles/**/*", "docs/**/*", "README.md")
               if own in text and not path.startswith("roles/%s/" % role)]
    assert outside == []
    loose = []
    for path, text in _texts("roles/%s/tasks/*.yml" % role):
        for task in _tasks(yaml.safe_load(text) or []):
            names = [task["register"]] if "register" in task else []
            names += list((task.get("ansible.builtin.set_fact") or {}).keys())
            loose += ["%s: %s" % (path, name) for name in names
                      if not name.startswith(own) and name not in PUBLIC_RESULTS.get(role, ()) and name != "ansible_host"]
    assert loose == []


# Results a role documents in its README for its callers (anything else it sets is __<role>_*).
PUBLIC_RESULTS = {
    "internal_address": ("internal_address_plan", "internal_address_report"),
    "protocol_preference": ("protocol_preference_processes", "protocol_preference_runtime_report"),
    "ip_discovery": ("ip_discovery_result", "ip_discovery_report"),
}


def _tasks(tasks):
    for task in tasks:
        yield task
        for key in ("block", "rescue", "always"):
            yield from _tasks(task.get(key) or [])


@pytest.mark.parametrize("role", ROLES)
def test_no_role_ends_the_callers_hosts(role):
    """meta: end_host ends the host for the caller's whole play (issue 26); a role skips instead."""
    ends = [path for path, text in _texts("roles/%s/tasks/*.yml" % role)
            for task in _tasks(yaml.safe_load(text) or []) if task.get("ansible.builtin.meta", task.get("meta")) == "end_host"]
    assert ends == []


@pytest.mark.parametrize("role", sorted(PUBLIC_RESULTS))
def test_public_results_are_documented(role):
    with open(os.path.join(ROOT, "roles", role, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    assert [name for name in PUBLIC_RESULTS[role] if "`%s`" % name not in readme] == []


PLUGIN_FILES = sorted(glob.glob(os.path.join(ROOT, "plugins", "*", "*.py")))


@pytest.mark.parametrize("path", PLUGIN_FILES, ids=lambda p: os.path.relpath(p, ROOT))
def test_plugin_documentation_is_yaml(path):
    """DOCUMENTATION, EXAMPLES and RETURN parse (a ': ' in a plain scalar silently broke ansible-doc and ansible-lint
    twice; ansible-test's validate-modules does not read filter plugins)."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    broken = []
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id in ("DOCUMENTATION", "EXAMPLES", "RETURN") and isinstance(node.value, ast.Constant)):
            try:
                yaml.safe_load(node.value.value)
            except yaml.YAMLError as exc:
                broken.append("%s: %s" % (node.targets[0].id, str(exc).splitlines()[0]))
    assert broken == []


# --- the metadata tells the truth (issue 30) ------------------------------------------------------------------------

def _version(text):
    return tuple(int(part) for part in str(text).split("."))


def _plugin_docs():
    """{plugin file (relative): its DOCUMENTATION as data}, for every public plugin with documentation."""
    found = {}
    for path in PLUGIN_FILES:
        if os.path.basename(path).startswith("_"):
            continue
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
        for node in tree.body:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id == "DOCUMENTATION" and isinstance(node.value, ast.Constant)):
                found[os.path.relpath(path, ROOT)] = yaml.safe_load(node.value.value)
    return found


def test_version_added_is_at_most_the_collections_version():
    """A plugin (or option) cannot have been added in a release after the one galaxy.yml names; the version the
    changelog last released is the collection's too."""
    version = _version(load(os.path.join(ROOT, "galaxy.yml"))["version"])
    late = []

    def walk(where, doc):
        if isinstance(doc, dict):
            if "version_added" in doc and _version(doc["version_added"]) > version:
                late.append("%s: version_added %s" % (where, doc["version_added"]))
            for key, value in doc.items():
                walk("%s.%s" % (where, key), value)
        elif isinstance(doc, list):
            for item in doc:
                walk(where, item)

    docs = _plugin_docs()
    assert len(docs) >= 20
    for path, doc in docs.items():
        walk(path, doc)
    for role in ROLES:
        walk("roles/%s" % role, load(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml")))
    assert late == [], "galaxy.yml says %s" % ".".join(map(str, version))
    released = load(os.path.join(ROOT, "changelogs", "changelog.yaml"))["releases"]
    assert max(_version(v) for v in released) <= version, "the changelog released a version after galaxy.yml's"


def test_the_readme_content_table_lists_every_public_plugin_role_and_playbook():
    """The README's content table is the list of what is public: a plugin missing from it is private by the README's
    own rule, which for a documented plugin is a mistake."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    table = readme[readme.index("## Content"):]
    table = table[:table.index("\n## ", 1)]
    names = ["`dualstack.redis.%s`" % os.path.splitext(os.path.basename(path))[0] for path in _plugin_docs()]
    names += ["`dualstack.redis.%s`" % role for role in ROLES]
    names += ["`dualstack.redis.%s`" % os.path.splitext(os.path.basename(path))[0] for path in PLAYBOOKS]
    assert [name for name in names if name not in table] == []
