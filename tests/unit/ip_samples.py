"""Sample `ip -j addr show` output shared by the iproute tests."""

import json

# The shape `ip -j addr show` prints (iproute2 6.x): a primary and a secondary IPv4 address on eth0.
IP_JSON = json.dumps([
    {"ifindex": 1, "ifname": "lo", "flags": ["LOOPBACK", "UP", "LOWER_UP"], "operstate": "UNKNOWN",
     "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8}, {"family": "inet6", "local": "::1", "prefixlen": 128}]},
    {"ifindex": 2, "ifname": "eth0", "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], "operstate": "UP",
     "addr_info": [{"family": "inet", "local": "198.18.50.11", "prefixlen": 24},
                   {"family": "inet", "local": "198.18.50.21", "prefixlen": 24, "secondary": True},
                   {"family": "inet6", "local": "fd00:50::11", "prefixlen": 64}, {}]},
    {"ifindex": 3, "ifname": "eth1", "flags": ["BROADCAST", "MULTICAST"], "operstate": "DOWN",
     "addr_info": [{"family": "inet", "local": "10.9.9.9", "prefixlen": 16}]},
])
