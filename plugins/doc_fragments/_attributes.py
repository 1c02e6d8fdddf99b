# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private documentation fragment: the attributes every module and action plugin declares."""

from __future__ import annotations


class ModuleDocFragment:
    """Check mode, diff mode and platform attributes, kept uniform across the collection."""

    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
"""

    # Use together with the base fragment, for modules that change nothing.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: This module only reads; it runs the same in check mode.
  diff_mode:
    support: N/A
    details: This module changes nothing, so there is no diff.
  idempotent:
    description: Run again with the same arguments, it changes nothing and reports no change.
    support: full
    details: This module only reads; it never returns changed=true.
"""

    # Use together with the base fragment, for modules that support both modes completely.
    FULL = r"""
options: {}
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

    PLATFORM_LINUX = r"""
options: {}
attributes:
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: posix
"""

    PLATFORM_WINDOWS = r"""
options: {}
attributes:
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: windows
"""

    # Use together with the base fragment, for a module whose work is done by its action plugin on the controller.
    ACTION = r"""
options: {}
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
"""
