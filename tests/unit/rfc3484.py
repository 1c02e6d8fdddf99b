"""Test oracle: the destination-address sort glibc's getaddrinfo() applies (RFC 3484 rules 2, 5, 6, 8, 10).

Used by the unit tests to show what a gai.conf makes glibc do, from the tables the collection's model
computes. Rules 1, 3, 4 and 7 (unusable, deprecated, home and native-transport addresses) never decide
between the addresses these tests use, and rule 9 only orders addresses of one family. The molecule
scenario `protocol_preference` checks the same cases against real glibc in containers.
"""

import functools
import ipaddress

from ansible_collections.dualstack.redis.plugins.module_utils._policy_table import lookup


def scope(address):
    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        return 2 if ip in ipaddress.ip_network("169.254.0.0/16") or ip.is_loopback else 14
    if ip.is_loopback or ip.is_link_local:
        return 2
    if ip in ipaddress.ip_network("fec0::/10"):
        return 5
    return 14


def order(destinations, sources, precedence, labels):
    """Sort ``destinations``; ``sources`` maps family (4/6) to the client's source address."""

    def facts(dest):
        src = sources[ipaddress.ip_address(dest).version]
        return dict(
            match_scope=scope(dest) == scope(src),
            match_label=lookup(labels, dest, "label") == lookup(labels, src, "label"),
            precedence=lookup(precedence, dest),
            scope=scope(dest),
        )

    def compare(a, b):
        fa, fb = facts(a), facts(b)
        for key in ("match_scope", "match_label"):  # rules 2 and 5: True first
            if fa[key] != fb[key]:
                return -1 if fa[key] else 1
        if fa["precedence"] != fb["precedence"]:  # rule 6: higher first
            return -1 if fa["precedence"] > fb["precedence"] else 1
        if fa["scope"] != fb["scope"]:  # rule 8: smaller scope first
            return -1 if fa["scope"] < fb["scope"] else 1
        return 0  # rule 10: keep the resolver's order (sorted() is stable)

    return sorted(destinations, key=functools.cmp_to_key(compare))
