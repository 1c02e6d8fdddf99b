# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Range checks for options the argument spec can only type. No I/O.

Private to dualstack.redis: not a public API, may change in any release.

``type: float`` accepts ``nan``, ``inf`` and ``1e300``, none of which is a number of seconds a wait can use
(``nan`` compares false with everything, so a loop guarded by it never ends, and ``time.sleep(1e300)`` raises).
"""

import math


def seconds(value, name, minimum, maximum, exclusive_minimum=False):
    """A sentence naming ``name`` when ``value`` is not a finite number of seconds in range, else None."""
    low = "more than %s" % minimum if exclusive_minimum else "from %s" % minimum
    problem = "%s must be %s to %s seconds, got %s" % (name, low, maximum, value)
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        return problem
    if value < minimum or (exclusive_minimum and value == minimum) or value > maximum:
        return problem
    return None
