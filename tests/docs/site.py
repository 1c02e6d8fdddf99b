"""The docs site's build steps that antsibull-docs and Sphinx do not do (tests/docs/build.sh), standard library only.

  site.py examples ROOT RST     copy every file a page includes as ``.. literalinclude:: /_examples/<path>`` from the
                                checkout ROOT to RST/_examples/<path> (a path outside the checkout or missing fails)
  site.py inventory RST OUT     write OUT, a Sphinx intersphinx inventory (format 2) of the labels the pages refer to
                                that no page defines: the Ansible docs' own (KNOWN, and ansible.builtin plugin pages),
                                at their docs.ansible.com addresses; a label outside those fails
"""

import os
import re
import shutil
import sys
import zlib

INCLUDE = re.compile(r"^\s*\.\. literalinclude:: /_examples/(\S+)\s*$", re.M)
DEFINED = re.compile(r"^\.\. _([^:\s][^:]*):\s*$", re.M)
REFERRED = re.compile(r":ref:`(?:[^`<]*<([^`>]+)>|([^`<]+))`")
BUILTIN = re.compile(r"^ansible_collections\.ansible\.builtin\.([a-z0-9_]+)_"
                     r"(module|lookup|filter|test|callback|become|connection|inventory|shell|strategy|vars|cache)$")
# The labels of the Ansible docs (docs.ansible.com/projects/ansible/devel/) that antsibull-docs' pages use.
KNOWN = {
    "common_return_values": ("reference_appendices/common_return_values.html#common-return-values", "Return Values"),
    "action_plugins": ("plugins/action.html#action-plugins", "Action plugins"),
    "ansible_configuration_settings": ("reference_appendices/config.html#ansible-configuration-settings",
                                       "Ansible Configuration Settings"),
    "module_defaults": ("playbook_guide/playbooks_module_defaults.html#module-defaults", "Module defaults"),
    "playbooks_delegation": ("playbook_guide/playbooks_delegation.html#playbooks-delegation", "Controlling where tasks run"),
}


def rst_files(top):
    for directory, _dirs, names in os.walk(top):
        for name in sorted(names):
            if name.endswith(".rst"):
                yield os.path.join(directory, name)


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def examples(root, rst):
    """Copy what the pages include; returns the repository paths copied."""
    root = os.path.realpath(root)
    copied = []
    for page in rst_files(rst):
        for path in INCLUDE.findall(read(page)):
            source = os.path.realpath(os.path.join(root, path))
            if not source.startswith(root + os.sep) or not os.path.isfile(source):
                sys.exit("%s includes /_examples/%s, which is not a file of the checkout" % (page, path))
            target = os.path.join(rst, "_examples", path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(source, target)
            copied.append(path)
    return sorted(set(copied))


def outside_labels(rst):
    """The labels the pages refer to that no page defines."""
    defined, referred = set(), set()
    for page in rst_files(rst):
        text = read(page)
        defined.update(DEFINED.findall(text))
        referred.update(a or b for a, b in REFERRED.findall(text))
    return sorted(label.strip() for label in referred - defined)


def inventory_lines(labels):
    lines, unknown = [], []
    for label in labels:
        builtin = BUILTIN.match(label)
        if label in KNOWN:
            uri, title = KNOWN[label]
        elif builtin:
            name, kind = builtin.groups()
            uri = "collections/ansible/builtin/%s_%s.html#%s" % (name, kind, label.replace(".", "-").replace("_", "-"))
            title = "ansible.builtin.%s %s" % (name, kind)
        else:
            unknown.append(label)
            continue
        lines.append("%s std:label -1 %s %s\n" % (label, uri, title))
    return lines, unknown


def inventory(rst, out):
    lines, unknown = inventory_lines(outside_labels(rst))
    if unknown:
        sys.exit("the pages refer to labels that neither the site nor the Ansible docs list (tests/docs/site.py KNOWN) "
                 "defines: %s" % ", ".join(unknown))
    header = ("# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
              "# The remainder of this file is compressed using zlib.\n")
    with open(out, "wb") as handle:
        handle.write(header.encode("utf-8") + zlib.compress("".join(lines).encode("utf-8")))
    return lines


def main(argv):
    if len(argv) == 4 and argv[1] == "examples":
        print("docs: the guides include %s" % ", ".join(examples(argv[2], argv[3])))
    elif len(argv) == 4 and argv[1] == "inventory":
        print("docs: %d labels of the Ansible docs in %s" % (len(inventory(argv[2], argv[3])), argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
