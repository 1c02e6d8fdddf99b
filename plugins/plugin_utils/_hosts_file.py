# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read /etc/hosts the way glibc's files backend does, for pre-flight checks. No I/O.

Private to dualstack.redis: not a public API, may change in any release.

glibc (nss_files) reads each line up to a ``#``, splits it at C white space (``isspace``: space, tab, and
also carriage return, form feed and vertical tab, so a file saved with CRLF line ends still works; a
no-break space is part of a field), parses the first field as an address (any spelling: ``::1`` and
``0:0:0:0:0:0:0:1`` are one address) and takes the other fields as the canonical name and aliases, compared
without regard to ASCII case. Checked against glibc 2.36's ``getent -s hosts:files hosts`` by tests/netns.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.dualstack.redis.plugins.module_utils._text import c_words


def _fields(line):
    return c_words(line)


def names_for(text, address):
    """Every name the hosts file ``text`` gives ``address`` (str or bytes), in file order, as written."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "surrogateescape")
    wanted = ipaddress.ip_address(address)
    names = []
    for line in text.split("\n"):
        fields = _fields(line.split("#", 1)[0])
        if len(fields) < 2:
            continue
        try:
            if ipaddress.ip_address(fields[0]) != wanted:
                continue
        except ValueError:
            continue
        names.extend(fields[1:])
    return names


def maps(text, address, name):
    """Whether the hosts file ``text`` maps ``name`` to ``address`` (names compared in ASCII lower case)."""
    wanted = name.lower()
    return any(_ascii_lower(found) == wanted for found in names_for(text, address))


def _ascii_lower(text):
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)
