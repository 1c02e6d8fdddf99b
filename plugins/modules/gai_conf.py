#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gai_conf
short_description: Make glibc's getaddrinfo() prefer IPv4 or IPv6, globally or for named networks
version_added: 0.1.0
description:
  - Manages the C(precedence) table of glibc's C(/etc/gai.conf), which decides the order in which
    C(getaddrinfo()) returns a name's IPv4 and IPv6 addresses, and so which family clients try first.
  - One C(precedence) line replaces glibc's whole built-in table, so whenever this module writes a row
    it writes the full table, which is glibc's defaults restated, changed as O(prefer) says, plus one row per
    entry of O(networks). It never writes C(label) lines (a label of its own for an IPv4 network makes
    IPv6 win again whenever the host's IPv4 source address is outside that network).
  - The rows live in one block between marker comments. Every other line and comment is kept. An active
    C(precedence) line outside the block for a prefix the block sets is commented out with a marker,
    and put back by O(state=absent).
  - Lines glibc silently ignores (unknown keywords such as C(precendence), prefixes it cannot parse) and
    C(label) lines that would backfire are reported as warnings.
  - glibc reads the file once per process (unless O(reload)); programs that are already running keep the old order
    until they restart. M(dualstack.redis.resolver_processes_info) lists them.
author:
  - dualstack.redis maintainers (@dualstack)
extends_documentation_fragment:
  - ansible.builtin.files
  - dualstack.redis._attributes
  - dualstack.redis._attributes.FULL
  - dualstack.redis._attributes.PLATFORM_LINUX
attributes:
  safe_file_operations:
    description: Uses Ansible's strict file operation functions to ensure proper permissions and avoid data corruption.
    support: full
options:
  path:
    description: The file glibc reads.
    type: path
    default: /etc/gai.conf
  prefer:
    description:
      - V(ipv4) raises all of IPv4 (C(::ffff:0:0/96)) to precedence 100, above every IPv6 row.
      - V(ipv6) writes glibc's default table explicitly (IPv6 first), pinning it in the file.
      - V(system) keeps glibc's built-in values. With no O(networks) it writes no rows at all and removes
        the module's block, which leaves glibc's built-in table in force.
    type: str
    choices: [ipv4, ipv6, system]
    default: system
  networks:
    description:
      - Networks whose addresses get their own precedence, on top of O(prefer).
      - An IPv4 network (V(172.31.0.0/16)) is written as its IPv4-mapped prefix (V(::ffff:172.31.0.0/112)).
        An IPv6 prefix is used as it is.
    type: list
    elements: dict
    default: []
    suboptions:
      prefix:
        description:
          - An IPv4 network such as V(172.31.0.0/16) or an IPv6 prefix such as V(fd00:10::/64) or
            V(::ffff:172.31.0.0/112). The length is required and host bits must be zero.
        type: str
        required: true
      precedence:
        description:
          - From 0 to 100; higher is tried first. glibc's defaults are 50 (C(::1)), 40 (IPv6),
            30 (6to4), 20 (IPv4-compatible) and 10 (IPv4); O(prefer=ipv4) puts IPv4 at 100.
        type: int
        default: 100
  state:
    description:
      - V(present) writes the table. V(absent) removes the module's block and puts back lines it had
        disabled, leaving the rest of the file as it is.
    type: str
    choices: [present, absent]
    default: present
  reload:
    description:
      - V(true) writes C(reload yes) in the managed block, so glibc in every process checks the file's time stamp on
        each lookup and reads it again when it changed, and programs that are already running pick up a new order
        without a restart. gai.conf(5) warns that this might cause problems in multithreaded programs (which most
        Redis clients and application servers are) and is generally a bad idea; prefer restarting the clients.
      - V(false) makes sure no C(reload yes) is in force (glibc's default).
      - Either way an active C(reload) line outside the block is commented out with a marker. Unset, the file's own
        C(reload) lines are left as they are (and any this module commented out are put back).
      - Only with O(state=present). A process reads the option itself when it first reads the file, so C(reload yes)
        helps only processes started after it was written.
    type: bool
  backup:
    description: Keep a timestamped copy of the file before changing it.
    type: bool
    default: false
  allow_non_glibc:
    description:
      - gai.conf has no effect on hosts whose C library is musl (Alpine) and the module fails there,
        saying so. Set this to write the file anyway (e.g. for glibc programs in a container on that host).
    type: bool
    default: false
notes:
  - The file is read and written byte for byte as glibc reads it, where only a newline ends a line. CRLF line
    ends, bytes that are not UTF-8 and a missing final newline are kept outside the managed block (a block
    appended after a last line without a newline gives that line one). In results and diffs, bytes that are
    not UTF-8 show as U+FFFD.
  - O(path) must be absolute. A symlink is followed. The file it points to is changed and the link stays.
  - A new file is created with mode C(0644) whatever the umask (glibc's readers are every process on the
    host), unless O(mode) says otherwise. O(owner), O(group) and O(mode) are checked before anything is written.
  - At most 20 of the file's problems become warnings (plus one line counting the rest). A diff of a file over
    102 KiB shows its size instead of its text.
  - Check the result with M(dualstack.redis.address_order_info) or C(getent ahosts NAME), which sort
    addresses through getaddrinfo(). C(getent hosts) does not.
  - Go's pure-Go resolver and musl ignore gai.conf; Java follows it with C(-Djava.net.preferIPv6Addresses=system).
  - The role C(dualstack.redis.protocol_preference) chains this module, Java flags and a verification step.
seealso:
  - module: dualstack.redis.address_order_info
  - module: dualstack.redis.resolver_processes_info
  - name: gai.conf(5)
    description: The glibc manual page for the file.
    link: https://man7.org/linux/man-pages/man5/gai.conf.5.html
"""

EXAMPLES = r"""
- name: Prefer IPv4 for every destination
  dualstack.redis.gai_conf:
    prefer: ipv4

- name: Prefer IPv4 only for the Redis subnet; IPv6 stays first elsewhere
  dualstack.redis.gai_conf:
    networks:
      - prefix: 172.31.0.0/16
        precedence: 100

- name: Prefer IPv4 in general but IPv6 for one ULA prefix, keeping a backup
  dualstack.redis.gai_conf:
    prefer: ipv4
    networks:
      - prefix: fd00:10::/64
        precedence: 100
      - prefix: "::ffff:198.51.100.0/120"
        precedence: 5
    backup: true

- name: Prefer IPv4, and let programs started from now on follow later changes without a restart (see reload)
  dualstack.redis.gai_conf:
    prefer: ipv4
    reload: true

- name: Go back to glibc's defaults (removes only what this module wrote)
  dualstack.redis.gai_conf:
    state: absent

- name: Manage a file in a glibc chroot on an Alpine host
  dualstack.redis.gai_conf:
    path: /srv/chroot/etc/gai.conf
    prefer: ipv4
    allow_non_glibc: true
"""

RETURN = r"""
path:
  description: The file managed.
  returned: always
  type: str
  sample: /etc/gai.conf
precedence:
  description: The precedence table glibc uses with the resulting file, most specific prefix first.
  returned: always
  type: list
  elements: dict
  contains:
    prefix:
      description: An IPv6 prefix; IPv4 networks appear IPv4-mapped.
      type: str
    precedence:
      description: The precedence of that prefix.
      type: int
  sample:
    - {prefix: "::1/128", precedence: 50}
    - {prefix: "::ffff:0:0/96", precedence: 100}
    - {prefix: "2002::/16", precedence: 30}
    - {prefix: "::/96", precedence: 20}
    - {prefix: "::/0", precedence: 40}
content_changed:
  description:
    - Whether the file's content changes (or, in check mode, would), so the address order may differ. C(changed)
      is also true when only the owner, group or mode changes.
  returned: always
  type: bool
  sample: true
written:
  description:
    - Whether this run wrote new content to the file; false when it was already right and in check mode, so
      that what follows a change can tell a real change from one check mode only predicts.
  returned: always
  type: bool
  sample: true
reload:
  description: Whether glibc reads the resulting file again when it changes (its last C(reload) line says C(yes)).
  returned: always
  type: bool
  sample: false
changes:
  description: Lines outside the managed block that were disabled or restored.
  returned: always
  type: list
  elements: str
  sample: ["disabled line 3, which the managed table replaces: precedence ::ffff:0:0/96 100"]
backup_file:
  description: The backup copy, when O(backup=true) and the file changed.
  returned: changed and backup made
  type: str
  sample: /etc/gai.conf.1234.2026-11-22@10:00:00~
"""

import glob

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dualstack.redis.plugins.module_utils import _files as files
from ansible_collections.dualstack.redis.plugins.module_utils._gai_conf import GaiConf, plan
from ansible_collections.dualstack.redis.plugins.module_utils._policy_table import (
    GLIBC_PRECEDENCE,
    PREFERENCE_ARGUMENT_SPEC,
    PolicyError,
    normalize_networks,
    wanted_rows,
)
from ansible_collections.dualstack.redis.plugins.module_utils._text import json_safe

# At most this many of the file's problems become warnings; one more says how many were left out.
MAX_WARNINGS = 20
# Ansible's own limit for showing a file in a diff (DEFAULT_MAX_FILE_SIZE_FOR_DIFF).
MAX_DIFF_SIZE = 104448


def is_musl():
    """True when the host's C library is musl (its dynamic loader is /lib/ld-musl-<arch>.so.1)."""
    return bool(glob.glob("/lib/ld-musl-*.so.1"))


def warnings(conf):
    """The file's findings, at most MAX_WARNINGS of them plus one line counting the rest."""
    found = conf.findings()
    shown = [json_safe(text) for text in found[:MAX_WARNINGS]]
    if len(found) > MAX_WARNINGS:
        shown.append("gai.conf: %d more lines like these are not listed" % (len(found) - MAX_WARNINGS))
    return shown


def diff(path, before, after):
    texts = []
    for text in (before or "", after or ""):
        size = len(text.encode("utf-8", "surrogateescape"))
        texts.append(json_safe(text) if size <= MAX_DIFF_SIZE else "(%d bytes: larger than %d, not shown)\n" % (size, MAX_DIFF_SIZE))
    return dict(before=texts[0], after=texts[1], before_header=path, after_header=path)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            PREFERENCE_ARGUMENT_SPEC,
            path=dict(type="path", default="/etc/gai.conf"),
            backup=dict(type="bool", default=False),
            allow_non_glibc=dict(type="bool", default=False),
            reload=dict(type="bool"),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    params = module.params
    path = params["path"]

    # Every check that needs no write comes first.
    try:
        networks = normalize_networks(params["networks"])
        target = files.destination(path)
        files.check_file_args(params)
    except (PolicyError, files.FileProblem) as exc:
        module.fail_json(msg=str(exc), changed=False)
    if params["state"] == "absent" and networks:
        module.fail_json(msg="networks is only used with state=present; state=absent removes every row this module wrote")
    if params["state"] == "absent" and params["reload"] is not None:
        module.fail_json(msg="reload is only used with state=present; state=absent removes the managed block, reload line included")
    if is_musl() and not params["allow_non_glibc"]:
        module.fail_json(
            msg="this host's C library is musl, which ignores %s (its address order is compiled in); "
            "nothing was changed. Set allow_non_glibc=true to write the file anyway." % path
        )

    rows = None
    if params["state"] == "present" and (params["prefer"] != "system" or networks):
        rows = wanted_rows(params["prefer"], networks, GLIBC_PRECEDENCE)

    try:
        before = files.read_text(target, "path")
        after, changes = plan(before or "", rows, params["reload"])
    except files.FileProblem as exc:
        module.fail_json(msg=json_safe(str(exc)), changed=False)
    except PolicyError as exc:
        module.fail_json(msg=json_safe("%s: %s" % (path, exc)), changed=False)
    if before is None and not after:
        after = None

    # The whole result is made before the write, so nothing after it can fail.
    conf = GaiConf(after or "")
    result = dict(changed=before != after, path=path, changes=[json_safe(note) for note in changes], reload=conf.reload(),
                  content_changed=before != after, written=False,
                  precedence=[dict(prefix=row.prefix, precedence=row.precedence) for row in conf.effective("precedence")])
    found = warnings(conf)
    if module._diff:
        result["diff"] = diff(path, before, after)
    if result["changed"] and not module.check_mode:
        try:
            backup_file = files.write_text(target, after, backup=params["backup"], unsafe_writes=params["unsafe_writes"])
        except files.FileProblem as exc:
            module.fail_json(msg="%s; nothing was changed" % json_safe(str(exc)), changed=False, path=path, written=False)
        result["written"] = True
        if backup_file:
            result["backup_file"] = backup_file
    if after is not None and (not module.check_mode or before is not None):
        file_args = module.load_file_common_arguments(params, path=target)
        result["changed"] = module.set_fs_attributes_if_different(file_args, result["changed"])
    for text in found:
        module.warn(text)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
