# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: java_resolver_overrides
short_description: Which Java services need their own java.net.preferIPv6Addresses for the host's preference to reach them
version_added: 0.2.0
description:
  - Takes the C(runtimes) of M(dualstack.redis.runtime_resolver_info) and the preference the host is given, and says for
    each systemd service whose JVM runs a Redis client that resolves with Netty (Lettuce with C(netty-resolver-dns))
    what reaches it.
  - Netty never reads gai.conf and reads C(java.net.preferIPv6Addresses=system) as false, so the host-wide V(system)
    that lets JDK-resolved clients follow gai.conf, network by network, leaves a Netty-resolved client on IPv4. Only
    V(true) puts IPv6 first there, for every name.
  - Per service, C(action) is V(prefer_ipv6) (a host that prefers IPv6 everywhere, O(networks) empty - the service needs
    C(-Djava.net.preferIPv6Addresses=true) of its own), V(none) (a host that prefers IPv4 everywhere - Netty already
    puts IPv4 first), or V(cannot) (a preference per network, or glibc's own table with O(prefer=system), which Netty
    has no way to follow - it stays IPv4 first for every name).
  - The role C(dualstack.redis.protocol_preference) uses it with C(protocol_preference_java=system).
author:
  - dualstack.redis maintainers (@dualstack)
options:
  _input:
    description: The C(runtimes) list of M(dualstack.redis.runtime_resolver_info).
    type: list
    elements: dict
    required: true
  prefer:
    description: The host's preference, as M(dualstack.redis.gai_conf) takes it.
    type: str
    choices: [ipv4, ipv6, system]
    required: true
  networks:
    description: The networks preferred one by one (M(dualstack.redis.gai_conf)'s O(dualstack.redis.gai_conf#module:networks)).
    type: list
    elements: raw
    default: []
"""

EXAMPLES = r"""
- name: What each Java service resolves with
  dualstack.redis.runtime_resolver_info:
    runtimes: [orders-api.service, billing.service]
  register: java_runtimes

- name: The services that need -Djava.net.preferIPv6Addresses=true of their own
  ansible.builtin.debug:
    msg: "{{ java_runtimes.runtimes | dualstack.redis.java_resolver_overrides('ipv6') | selectattr('action', 'eq', 'prefer_ipv6') }}"
"""

RETURN = r"""
_value:
  description: One entry per service with a Netty-resolved client, in the order of the input.
  type: list
  elements: dict
  contains:
    service:
      description: The service (the runtime as given).
      type: str
    action:
      description: V(prefer_ipv6), V(cannot) or V(none), as above.
      type: str
    why:
      description: One sentence for the operator.
      type: str
  sample:
    - service: orders-api.service
      action: prefer_ipv6
      why: "orders-api.service resolves with Netty (lettuce 6.1.6.RELEASE), which ..."
"""

from ansible.errors import AnsibleFilterError

PREFERENCES = ("ipv4", "ipv6", "system")


def java_resolver_overrides(runtimes, prefer, networks=None):
    """The filter."""
    if prefer not in PREFERENCES:
        raise AnsibleFilterError("java_resolver_overrides: prefer must be one of %s, got %r" % (", ".join(PREFERENCES), prefer))
    if not isinstance(runtimes, list) or not all(isinstance(entry, dict) for entry in runtimes):
        raise AnsibleFilterError("java_resolver_overrides: the input is runtime_resolver_info's runtimes (a list of dicts)")
    per_network = bool(networks)
    out = []
    for entry in runtimes:
        service = str(entry.get("runtime", ""))
        netty = [client for client in entry.get("clients") or [] if isinstance(client, dict) and client.get("resolver") == "netty"]
        if not service.endswith(".service") or entry.get("kind") != "jvm" or not netty:
            continue
        named = ", ".join("%s %s" % (client.get("library"), client.get("version") or "(version unknown)") for client in netty)
        if prefer == "ipv6" and not per_network:
            out.append(dict(service=service, action="prefer_ipv6", why=(
                "%s resolves with Netty (%s), which reads java.net.preferIPv6Addresses=system as false: it needs "
                "-Djava.net.preferIPv6Addresses=true of its own to put IPv6 first" % (service, named))))
        elif prefer == "ipv4" and not per_network:
            out.append(dict(service=service, action="none", why=(
                "%s resolves with Netty (%s), which puts IPv4 first, as this host prefers" % (service, named))))
        else:
            rule = "a preference per network" if per_network else "glibc's own table (prefer: system)"
            out.append(dict(service=service, action="cannot", why=(
                "%s resolves with Netty (%s), which cannot follow %s: it never reads gai.conf and puts IPv4 first for "
                "every name (java.net.preferIPv6Addresses=true would make it IPv6 first for every name instead)"
                % (service, named, rule))))
    return out


class FilterModule:
    """dualstack.redis filters."""

    def filters(self):
        return {"java_resolver_overrides": java_resolver_overrides}
