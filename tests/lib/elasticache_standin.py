"""Start and read tests/standins/elasticache_api.py (the ElastiCache Query API stand-in) on loopback, for tests.

``ElastiCacheStandIn(directory, ports, groups, gap=0.5)``: ``ports`` are the Redis Cluster ports a Modify
propagates to (a dummy list where no test makes it propagate), ``groups`` the ``--group`` specs
(``ID:NETWORK_TYPE:IP_DISCOVERY[:ENGINE[:VERSION]]``), ``announce`` ({family: address}) the addresses a Modify makes
the nodes announce where they are not 127.0.0.1 and ::1. ``.url`` is its endpoint, ``.calls(action)`` the calls it
received, ``.group(id)`` a replication group's state, ``.stop()`` ends it (TERM, then KILL). Every wait is bounded.
"""

import json
import os
import signal
import subprocess
import sys
import time

STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "standins", "elasticache_api.py")


class ElastiCacheStandIn:
    def __init__(self, directory, ports, groups, gap=0.5, announce=None):
        self.directory = str(directory)
        os.makedirs(self.directory, exist_ok=True)
        argv = [sys.executable, STANDIN, "--state", self.directory, "--cluster", json.dumps(list(ports)), "--gap", str(gap)]
        for group in groups:
            argv += ["--group", group]
        for family, address in sorted((announce or {}).items()):
            argv += ["--announce-" + family, address]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        port_file = os.path.join(self.directory, "port")
        deadline = time.monotonic() + 20
        while not os.path.exists(port_file) and self.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.proc.poll() is not None or not os.path.exists(port_file):
            self.stop()
            raise AssertionError("the ElastiCache stand-in did not listen: %s" % self.proc.stderr.read().decode())
        with open(port_file, encoding="ascii") as handle:
            self.url = "http://127.0.0.1:%s" % handle.read().strip()

    def calls(self, action=None):
        """The calls received, as dicts (action, params, at), those of ``action`` only when given."""
        path = os.path.join(self.directory, "calls.jsonl")
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as handle:
            calls = [json.loads(line) for line in handle]
        return [c for c in calls if action is None or c["action"] == action]

    def group(self, group_id):
        with open(os.path.join(self.directory, "state.json"), encoding="utf-8") as handle:
            return json.load(handle)["replication_groups"][group_id]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
