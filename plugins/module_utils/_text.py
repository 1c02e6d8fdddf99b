# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Text as the programs we read it for see it, not as Python's Unicode-aware str methods do. No I/O.

Private to dualstack.redis: not a public API, may change in any release.

``str.isdigit()`` is true for '²' and '٣' (which ``int()`` then refuses or reads as 3), ``str.split()`` and
``str.strip()`` treat U+2028, U+0085 and the information separators as spaces, ``str.splitlines()`` ends a line
at a form feed or a lone CR. C programs (glibc, iproute2, rladmin's tables, netsh) know only ASCII digits and
ASCII white space, and only ``\\n`` ends a line.
"""

import re

# isspace() in the C locale: what glibc skips between the words of a gai.conf line.
C_SPACE = " \t\n\v\f\r"
_DIGITS = re.compile(r"[0-9]+\Z")
_C_WORDS = re.compile(r"[^ \t\n\v\f\r]+")


def is_digits(text):
    """True when ``text`` is one or more ASCII digits (and nothing else)."""
    return bool(_DIGITS.match(text))


def c_words(text):
    """``text`` split at C white space only."""
    return _C_WORDS.findall(text)


def c_strip(text):
    """``text`` without leading and trailing C white space."""
    return text.strip(C_SPACE)


def json_safe(text):
    """``text`` with the lone surrogates that stand for undecodable bytes (``surrogateescape``) as U+FFFD, so it
    can go into a module's JSON result; other text is returned as it is."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
