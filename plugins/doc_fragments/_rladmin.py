# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private documentation fragment: the options every Redis Enterprise module has."""

from __future__ import annotations


class ModuleDocFragment:
    """rladmin_path and command_timeout."""

    DOCUMENTATION = r"""
options:
  rladmin_path:
    description:
      - The rladmin executable on the node the module runs on. The user must be root or in the C(redislabs) group.
    type: path
    default: /opt/redislabs/bin/rladmin
  command_timeout:
    description:
      - Seconds each rladmin call may take. A call still running then is killed (with anything it started)
        and the task fails saying so, with what rladmin printed until then.
      - From 1 to 86400.
    type: int
    default: 120
"""
