"""re_node_info and re_node_address over the REST API, against the Redis Enterprise stand-in's API
(tests/standins/redis_enterprise/re_standin.py ``api``) served over HTTPS on loopback with the tests' own CA and
basic auth, on a cluster state both transports share. Requests go through ansible-core's module_utils.urls for
real (TLS verification, basic auth, timeouts), under each ansible-core release the unit stage runs."""

import json
import os
import subprocess
import sys
import time

import pytest

from ansible_collections.dualstack.redis.plugins.modules import re_node_address, re_node_info

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
STANDIN = os.path.join(TESTS, "standins", "redis_enterprise", "re_standin.py")
sys.path.insert(0, os.path.join(TESTS, "lib"))

from lab_ca import make_certificates  # noqa: E402

PASSWORD = "s3cret-Pa55:word"


class Cluster:
    """The stand-in's shared state in a temporary directory, and its API process (node 1 answers)."""

    def __init__(self, root):
        self.root = root
        self.env = dict(os.environ, RE_STANDIN_SHARED=str(root / "shared"), RE_STANDIN_NODE_ID=str(root / "node_id"),
                        RE_STANDIN_BLOCKED=str(root / "blocked"))
        (root / "node_id").write_text("1\n")
        self.standin("init", "1:192.0.2.11:re-a", "2:192.0.2.12:re-b", "3:192.0.2.13:re-c")
        self.set_up(1, 2, 3)
        self.ca = make_certificates(str(root / "tls"), ["localhost", "127.0.0.1", "::1"])
        config = {"listen": "127.0.0.1", "port": 0, "cert": str(root / "tls" / "server.crt"),
                  "key": str(root / "tls" / "server.key"),
                  "users": {"admin@lab": {"password": PASSWORD, "role": "admin"},
                            "viewer@lab": {"password": "view", "role": "cluster_viewer"}}}
        (root / "api.json").write_text(json.dumps(config))
        self.process = subprocess.Popen([sys.executable, STANDIN, "api", str(root / "api.json")], env=self.env,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()  # the port, once listening; EOF if it died
        if not line.strip().isdigit():
            self.process.kill()
            raise RuntimeError("the stand-in API did not start: %s" % self.process.stderr.read())
        self.url = "https://localhost:%s" % line.strip()

    def standin(self, *args):
        return subprocess.run([sys.executable, STANDIN] + list(args), env=self.env, capture_output=True, text=True,
                              timeout=30, check=True).stdout

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

    def args(self, **more):
        return dict(dict(api_url=self.url, api_username="admin@lab", api_password=PASSWORD, ca_path=self.ca,
                         api_timeout=10), **more)


@pytest.fixture
def cluster(tmp_path):
    made = Cluster(tmp_path)
    yield made
    made.process.kill()
    made.process.wait(timeout=10)


def test_info_over_rest_matches_rladmin_on_the_same_state(cluster, run_in_process):
    cluster.set_down(3)
    failed, result = run_in_process(re_node_info, cluster.args())
    assert not failed, result
    assert result["transport"] == "rest" and result["master"] == 1 and result["connected"] is None
    rows = [(n["id"], n["address"], n["role"], n["ok"], n["hostname"], n["status"]) for n in result["nodes"]]
    assert rows == [(1, "192.0.2.11", "master", True, "re-a", "OK"), (2, "192.0.2.12", "slave", True, "re-b", "OK"),
                    (3, "192.0.2.13", "slave", False, "re-c", "DOWN")]
    text = cluster.standin("rladmin", "status", "nodes")
    for node_id, address, role, ok, hostname, _status in rows:
        line = next(line for line in text.splitlines() if "node:%d " % node_id in line)
        assert address in line and role in line and hostname in line and ("OK" in line) == ok


def test_info_one_node(cluster, run_in_process):
    failed, result = run_in_process(re_node_info, cluster.args(node=2))
    assert not failed and [n["id"] for n in result["nodes"]] == [2]


def test_environment_fallbacks_choose_rest(cluster, run_in_process, monkeypatch):
    monkeypatch.setenv("RE_API_URL", cluster.url)
    monkeypatch.setenv("RE_API_USERNAME", "viewer@lab")
    monkeypatch.setenv("RE_API_PASSWORD", "view")
    failed, result = run_in_process(re_node_info, {"ca_path": cluster.ca, "rladmin_path": "/nonexistent"})
    assert not failed and result["transport"] == "rest" and len(result["nodes"]) == 3


def test_external_addresses_put_once_then_idempotent(cluster, run_in_process):
    args = cluster.args(node=2, external_addresses=["203.0.113.12", "2001:DB8::12"])
    failed, result = run_in_process(re_node_address, dict(args, _ansible_check_mode=True, _ansible_diff=True))
    assert not failed and result["changed"]
    assert result["commands"] == [["PUT", cluster.url + "/v1/nodes/2", '{"external_addr": ["203.0.113.12", "2001:db8::12"]}']]
    assert cluster.state()["nodes"]["2"]["external"] == [], "check mode sent a PUT"
    assert "external_addresses: 203.0.113.12, 2001:db8::12" in result["diff"]["after"]

    failed, result = run_in_process(re_node_address, args)
    assert not failed and result["changed"], result
    assert result["after"]["external_addresses"] == ["203.0.113.12", "2001:db8::12"]
    assert cluster.state()["nodes"]["2"]["external"] == ["203.0.113.12", "2001:db8::12"]
    assert "203.0.113.12,2001:db8::12" in cluster.standin("rladmin", "status", "nodes")

    failed, result = run_in_process(re_node_address, args)
    assert not failed and not result["changed"] and result["commands"] == []


def test_internal_address_only_while_down(cluster, run_in_process):
    args = cluster.args(node=3, internal_address="192.0.2.23")
    failed, result = run_in_process(re_node_address, args)
    assert failed and "node 3 is up (status OK); its internal address can only change while it is down" in result["msg"]
    assert result["commands"] == [] and cluster.state()["nodes"]["3"]["address"] == "192.0.2.13"

    cluster.set_down(3)
    failed, result = run_in_process(re_node_address, args)
    assert not failed and result["changed"] and result["after"]["address"] == "192.0.2.23"
    assert json.loads(result["commands"][0][2]) == {"addr": "192.0.2.23"}
    assert cluster.state()["nodes"]["3"]["address"] == "192.0.2.23"


def test_node_up_refused_by_the_api_itself(cluster, run_in_process, monkeypatch):
    """The node came up between the read and the PUT: the API's 406 node_not_offline, and nothing changed."""
    cluster.set_down(3)
    from ansible_collections.dualstack.redis.plugins.module_utils._re import rest
    real_apply = rest.Rest.apply

    def apply_after_the_node_came_back(self, change, ran):
        cluster.set_up(3)
        return real_apply(self, change, ran)

    monkeypatch.setattr(rest.Rest, "apply", apply_after_the_node_came_back)
    failed, result = run_in_process(re_node_address, cluster.args(node=3, internal_address="192.0.2.23"))
    assert failed and "406 node_not_offline: node 3 is up" in result["msg"]
    assert result["changed"] is False and result["after"]["address"] == "192.0.2.13"
    assert result["commands"] == [["PUT", cluster.url + "/v1/nodes/3", '{"addr": "192.0.2.23"}']]


def test_wrong_password_is_401_and_never_echoed(cluster, run_in_process):
    failed, result = run_in_process(re_node_info, cluster.args(api_password="wrong-" + PASSWORD))
    assert failed and "401 Unauthorized" in result["msg"]
    assert PASSWORD not in json.dumps(result)


def test_viewer_cannot_put(cluster, run_in_process):
    args = cluster.args(api_username="viewer@lab", api_password="view", node=1, external_addresses=["203.0.113.1"])
    failed, result = run_in_process(re_node_address, args)
    assert failed and "403 Forbidden" in result["msg"]
    assert cluster.state()["nodes"]["1"]["external"] == []


def test_unknown_node_names_the_id(cluster, run_in_process):
    failed, result = run_in_process(re_node_address, cluster.args(node=9, external_addresses=[]))
    assert failed and "node 9 is not in this cluster (nodes: 1, 2, 3)" in result["msg"]


def test_tls_verification_failure_says_ca_path(cluster, run_in_process, tmp_path):
    other = make_certificates(str(tmp_path / "other"), ["localhost"])
    failed, result = run_in_process(re_node_info, cluster.args(ca_path=other))
    assert failed and "the TLS certificate is signed by a CA not in ca_path" in result["msg"]
    failed, result = run_in_process(re_node_info, cluster.args(ca_path=None, validate_certs=False))
    assert not failed and len(result["nodes"]) == 3


def test_api_node_not_in_cluster_is_503(cluster, run_in_process):
    cluster.set_down(1)
    failed, result = run_in_process(re_node_info, cluster.args())
    assert failed and "503" in result["msg"]


def test_hung_api_is_bounded(run_in_process, tmp_path):
    import socket
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)  # accepts the TCP connection (backlog) but never speaks TLS
    try:
        start = time.monotonic()
        failed, result = run_in_process(re_node_info, dict(api_url="https://127.0.0.1:%d" % server.getsockname()[1],
                                                           api_username="a", api_password="b", api_timeout=1))
        assert failed and "no complete reply within 1 s (api_timeout, for the whole exchange)" in result["msg"]
        assert time.monotonic() - start < 10
    finally:
        server.close()


@pytest.mark.parametrize("url, expect", [
    ("http://cluster:9443", "must start with https://"),
    ("https://admin:pw@cluster:9443", "must not carry credentials"),
    ("https://cluster:9443/v1/nodes", "must be only scheme, host and port"),
    ("https://cluster:99999", "is not a URL"),
    ("https://:9443", "has no host"),
    ("https://cluster\f:9443", "has a space or control character in it"),
    ("https://clu ster:9443", "has a space or control character in it"),
    ("https://cluster..example.com:9443", "its host cluster..example.com has an empty label"),
    ("https://" + "a" * 64 + ".example.com:9443", "has a label longer than 63 characters"),
])
def test_bad_url_refused_before_any_request(run_in_process, url, expect):
    failed, result = run_in_process(re_node_info, dict(api_url=url, api_username="a", api_password="pw"))
    assert failed and expect in result["msg"]
    assert "pw@" not in result["msg"] or "must not carry credentials" in result["msg"]


def test_missing_credentials_refused(run_in_process, monkeypatch):
    for name in ("RE_API_USERNAME", "RE_API_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    failed, result = run_in_process(re_node_info, dict(api_url="https://cluster.example.com:9443"))
    assert failed and "give api_username and api_password" in result["msg"]


def test_bad_addresses_refused_before_any_request(run_in_process):
    # api_url points nowhere: a request would fail differently.
    failed, result = run_in_process(re_node_address, dict(api_url="https://192.0.2.1:9", api_username="a", api_password="b",
                                                          node=1, external_addresses=["203.0.113.1", "not-an-ip"]))
    assert failed and "external_addresses[1] 'not-an-ip' is not an IPv4 or IPv6 address" in result["msg"]
