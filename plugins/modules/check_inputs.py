#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file holds the documentation only; the work is done by the action plugin plugins/action/check_inputs.py, on
# the controller.

DOCUMENTATION = r"""
module: check_inputs
short_description: Check a role's variables by the collection's rule for each kind of input
version_added: 0.2.0
description:
  - Checks variables by kind (numbers of seconds, counts, ports, switches, node addresses, host names, interface
    names, absolute paths, lists of these), with the same rules as the collection's modules and filters, and fails
    with every problem found, each naming its variable. Nothing runs on the managed host.
  - Each role of this collection runs it first, before anything else (the kinds of its variables are in the role's
    C(vars/main.yml)); a role of your own can use it the same way.
  - A role's argument spec checks types, but not ranges or meaning, and lets text through where a number is meant
    (C(-e) and INI inventories give text); this checks the text as the role will use it (through C(| int),
    C(| float) or C(| bool)).
author:
  - dualstack.redis maintainers (@dualstack)
extends_documentation_fragment:
  - dualstack.redis._attributes
  - dualstack.redis._attributes.INFO_MODULE
  - dualstack.redis._attributes.ACTION
attributes:
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: all
options:
  kinds:
    description:
      - >-
        The variables to check, each with its kind. A kind is one of
        V(seconds:MIN:MAX) (a finite number of seconds, also as text such as V("30") or V("0.5")),
        V(count:MIN:MAX) (a whole number), V(port) (1 to 65535),
        V(switch) (true or false; V(yes), V(no), V(on), V(off), V(1), V(0) as text too),
        V(text) (a string), V(text+) (a string that is not empty),
        V(node_address) (an address a node is reached at, not unspecified, loopback, multicast, link-local,
        reserved or IPv4-mapped, without a zone index), V(hostname) (an address, or a name a resolver can take),
        V(interface) (a Linux interface name), V(absolute_path),
        V(controller_file) (an absolute path of a file the controller will write: its directory exists and is
        writable there, and the path is no directory),
        V(list:KIND) (a list whose every item is of KIND; text is split at commas, as C(type: list) does), V(ansible) (checked by the argument spec itself,
        such as choices) or V(free:...) (not interpreted; the text after the colon says why).
      - A kind that ends with V(?) also takes an unset variable, V(null) or an empty string.
      - A variable that is not set fails, unless its kind ends with V(?).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Check the inputs of my role
  dualstack.redis.check_inputs:
    kinds:
      my_role_timeout: "seconds:1:3600"
      my_role_port: port
      my_role_address: node_address
      my_role_interface: "interface?"
      my_role_restart: switch
      my_role_peers: "list:hostname"

# The roles of this collection keep the kinds in vars/main.yml:
- name: Check every input
  dualstack.redis.check_inputs:
    kinds: "{{ __my_role_input_kinds }}"
"""

RETURN = r"""
checked:
  description: The names of the variables checked.
  returned: always
  type: list
  elements: str
  sample: [my_role_timeout, my_role_port]
problems:
  description: Every problem found, each naming its variable (the task fails when there is one).
  returned: always
  type: list
  elements: str
  sample: ["my_role_timeout must be from 1 to 3600 seconds, got 0"]
"""
