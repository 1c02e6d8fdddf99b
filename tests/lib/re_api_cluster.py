"""A Redis Enterprise stand-in cluster whose every node serves the REST API, on loopback: one API process of
tests/standins/redis_enterprise/re_standin.py per node, each listening on its node's internal address (127.0.0.11,
127.0.0.12, ...; every 127/8 address is on the loopback interface) on one port, over TLS with the tests' own CA, all
on one shared cluster state. With the product's default (``handle_redirects`` false) a node that is not the master
answers 307 to the master's internal address, as a real cluster does.

No agent runs: nodes are marked up or down in the state (set_up, set_down); stop() ends a node's API process (its
services down). Used by the unit tests of the REST transport and by ``make bench``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, "..", "standins", "redis_enterprise", "re_standin.py")
sys.path.insert(0, HERE)

from lab_ca import make_certificates  # noqa: E402

PASSWORD = "s3cret-Pa55:word"
USERS = {"admin@lab": {"password": PASSWORD, "role": "admin"}, "viewer@lab": {"password": "view", "role": "cluster_viewer"},
         "nobody@lab": {"password": "none", "role": "none"}}


def free_port(host):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class ApiCluster:
    def __init__(self, root, count=3, handle_redirects=False, cert_names=None):
        self.root = root
        self.addresses = {i: "127.0.0.%d" % (10 + i) for i in range(1, count + 1)}
        self.env = dict(os.environ, RE_STANDIN_SHARED=str(root / "shared"), RE_STANDIN_BLOCKED=str(root / "blocked"),
                        RE_STANDIN_HANDLE_REDIRECTS="true" if handle_redirects else "false")
        self.standin("init", *["%d:%s:re-%d" % (i, a, i) for i, a in self.addresses.items()])
        self.set_up(*self.addresses)
        self.ca = make_certificates(str(root / "tls"), cert_names or ["localhost"] + list(self.addresses.values()))
        self.port = free_port(self.addresses[1])
        self.processes = {}
        for node_id in self.addresses:
            self.start(node_id)

    def node_env(self, node_id):
        path = self.root / ("node_id.%d" % node_id)
        path.write_text("%d\n" % node_id)
        return dict(self.env, RE_STANDIN_NODE_ID=str(path))

    def start(self, node_id):
        config = {"listen": self.addresses[node_id], "port": self.port, "cert": str(self.root / "tls" / "server.crt"),
                  "key": str(self.root / "tls" / "server.key"), "users": USERS}
        path = self.root / ("api.%d.json" % node_id)
        path.write_text(json.dumps(config))
        process = subprocess.Popen([sys.executable, STANDIN, "api", str(path)], env=self.node_env(node_id),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = process.stdout.readline()
        if not line.strip().isdigit():
            process.kill()
            raise RuntimeError("the stand-in API of node %d did not start: %s" % (node_id, process.stderr.read()))
        self.processes[node_id] = process

    def stop(self, node_id):
        process = self.processes.pop(node_id)
        process.kill()
        process.wait(timeout=10)

    def url(self, node_id):
        return "https://%s:%d" % (self.addresses[node_id], self.port)

    def standin(self, *args, node=None):
        env = self.node_env(node) if node else self.env
        return subprocess.run([sys.executable, STANDIN] + list(args), env=env, capture_output=True, text=True, timeout=30,
                              check=True).stdout

    def state(self):
        with open(self.root / "shared" / "cluster.json") as handle:
            return json.load(handle)

    def _edit(self, change):
        path = self.root / "shared" / "cluster.json"
        data = self.state()
        change(data)
        path.write_text(json.dumps(data))

    def set_up(self, *ids):
        """Mark nodes as heartbeating for the next hour (no agents run here)."""
        self._edit(lambda data: data["last_seen"].update({str(i): time.time() + 3600 for i in ids}))

    def set_down(self, *ids):
        self._edit(lambda data: data["last_seen"].update({str(i): 0 for i in ids}))

    def args(self, *nodes, **more):
        urls = [self.url(i) for i in nodes or (2,)]
        return dict(dict(api_url=urls, api_username="admin@lab", api_password=PASSWORD, ca_path=self.ca, api_timeout=10), **more)

    def close(self):
        for node_id in list(self.processes):
            self.stop(node_id)
