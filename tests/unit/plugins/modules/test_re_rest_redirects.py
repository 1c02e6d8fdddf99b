"""The REST transport as a real cluster answers it: every node of the stand-in serves the API (tests/lib/
re_api_cluster.py), and with Redis Enterprise's default (handle_redirects false) a node that is not the master
answers 307 to the master's internal address. Then the rules of _re/http.py against servers that misbehave on
purpose (tests/lib/fake_https.py): where a redirect may lead, deadlines, sizes, cut replies, TLS failures."""

import json
import os
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "..", "lib")))

from fake_https import Server, reply  # noqa: E402
from re_api_cluster import PASSWORD, ApiCluster  # noqa: E402

from ansible_collections.dualstack.redis.plugins.modules import re_node_address, re_node_demote, re_node_info  # noqa: E402


@pytest.fixture
def cluster(tmp_path):
    made = ApiCluster(tmp_path)
    yield made
    made.close()


def no_password(result):
    assert PASSWORD not in json.dumps(result)


# --- a cluster with the product's defaults -------------------------------------------------------------------

def test_a_read_through_a_node_that_is_not_the_master_follows_its_307(cluster, run_in_process):
    """Found as a new user: every call to a node that is not the master failed with HTTP 307."""
    failed, result = run_in_process(re_node_info, cluster.args(2))
    assert not failed, result["msg"]
    assert result["master"] == 1 and [n["id"] for n in result["nodes"]] == [1, 2, 3]
    assert result["api_endpoint"] == cluster.url(1)   # the master served it, after the redirect


def test_a_put_through_a_node_that_is_not_the_master_carries_its_body(cluster, run_in_process):
    args = cluster.args(3, node=2, external_addresses=["203.0.113.12", "2001:db8::12"])
    failed, result = run_in_process(re_node_address, dict(args, _ansible_check_mode=True))
    assert not failed and result["changed"] and cluster.state()["nodes"]["2"]["external"] == []
    failed, result = run_in_process(re_node_address, args)
    assert not failed, result["msg"]
    assert cluster.state()["nodes"]["2"]["external"] == ["203.0.113.12", "2001:db8::12"]
    assert result["commands"] == [["PUT", cluster.url(1) + "/v1/nodes/2", '{"external_addr": ["203.0.113.12", "2001:db8::12"]}']]
    failed, again = run_in_process(re_node_address, args)
    assert not failed and not again["changed"] and again["commands"] == []


def test_handle_redirects_true_any_node_serves(cluster, run_in_process):
    cluster.standin("set", "handle_redirects", "true")
    failed, result = run_in_process(re_node_info, cluster.args(3))
    assert not failed and result["api_endpoint"] == cluster.url(3)


def test_the_master_moves_and_the_redirects_follow_it(cluster, run_in_process):
    failed, result = run_in_process(re_node_info, cluster.args(3))
    assert not failed and result["api_endpoint"] == cluster.url(1)
    assert "OK" in cluster.standin("rladmin", "node", "1", "enslave", "demote_node", node=2)
    failed, result = run_in_process(re_node_info, cluster.args(3))
    assert not failed and result["master"] == 2 and result["api_endpoint"] == cluster.url(2)
    failed, result = run_in_process(re_node_info, cluster.args(1))  # the old master redirects now
    assert not failed and result["api_endpoint"] == cluster.url(2)


def test_a_node_that_is_down_is_skipped(cluster, run_in_process):
    cluster.stop(2)
    failed, result = run_in_process(re_node_info, cluster.args(2, 3))
    assert not failed, result["msg"]
    assert result["api_endpoint"] == cluster.url(1)
    # a node whose services run but that is not a member of the cluster answers 503: skipped too
    cluster.set_down(3)
    failed, result = run_in_process(re_node_info, cluster.args(3, 1))
    assert not failed and result["api_endpoint"] == cluster.url(1)


def test_every_url_down_is_one_line_naming_each(cluster, run_in_process):
    cluster.close()
    failed, result = run_in_process(re_node_info, cluster.args(1, 2))
    assert failed and "no api_url answered GET /v1/nodes" in result["msg"] and "\n" not in result["msg"]
    assert cluster.url(1) in result["msg"] and cluster.url(2) in result["msg"] and "Connection refused" in result["msg"]
    no_password(result)


def test_without_verified_certificates_a_redirect_goes_only_to_a_known_host(cluster, run_in_process):
    """validate_certs false: nothing proves the target is the cluster, so only api_url's hosts and the nodes read."""
    args = cluster.args(2, validate_certs=False)
    failed, result = run_in_process(re_node_info, args)
    assert failed and "redirect 307 to %s/v1/nodes refused" % cluster.url(1) in result["msg"]
    assert "list every node's URL in api_url" in result["msg"]
    no_password(result)
    failed, result = run_in_process(re_node_info, cluster.args(2, 1, validate_certs=False))
    assert not failed and result["api_endpoint"] == cluster.url(1)


def test_the_redirect_target_is_checked_against_the_name_of_the_api_url(tmp_path, run_in_process):
    """Redis Enterprise's proxy certificate names the cluster, not each node: here it names node 2's address only,
    and node 1 (the master) presents the same certificate."""
    made = ApiCluster(tmp_path, cert_names=["127.0.0.12"])
    try:
        failed, result = run_in_process(re_node_info, made.args(2))
        assert not failed, result["msg"]
        assert result["api_endpoint"] == made.url(1)
        failed, result = run_in_process(re_node_info, made.args(3))
        assert failed and "the TLS certificate is valid but not for the name 127.0.0.13" in result["msg"]
    finally:
        made.close()


def test_a_user_with_role_none_gets_403_on_reads(cluster, run_in_process):
    failed, result = run_in_process(re_node_info, dict(cluster.args(1), api_username="nobody@lab", api_password="none"))
    assert failed and "403 Forbidden" in result["msg"]


def test_demote_refuses_transport_rest_and_takes_group_defaults(cluster, run_in_process):
    failed, result = run_in_process(re_node_demote, dict(cluster.args(1), node=1, transport="rest"))
    assert failed and "the REST API's enslave_node action has no demote_node option" in result["msg"]
    failed, result = run_in_process(re_node_demote, dict(cluster.args(1), node=1, rladmin_path="/nonexistent"))
    assert failed and "rladmin not found or not executable at /nonexistent" in result["msg"]  # auto: rladmin here


def test_transport_rladmin_ignores_api_url(cluster, run_in_process, monkeypatch):
    monkeypatch.setenv("RE_API_URL", cluster.url(1))
    failed, result = run_in_process(re_node_info, {"transport": "rladmin", "rladmin_path": "/nonexistent"})
    assert failed and "rladmin not found" in result["msg"] and result["transport"] == "rladmin"
    monkeypatch.delenv("RE_API_URL")
    failed, result = run_in_process(re_node_info, {"transport": "rest"})
    assert failed and "transport is rest but api_url is not set" in result["msg"]


# --- servers that misbehave ------------------------------------------------------------------------------------

def redirect_to(location, code=307):
    def behave(handler):
        reply(handler, code, b'{"error_code": "redirect"}', [("Location", location), ("Content-Type", "application/json")])
    return behave


def rest_args(server, **more):
    return dict(dict(api_url=[server.url], api_username="admin@lab", api_password=PASSWORD, ca_path=server.ca, api_timeout=5), **more)


@pytest.fixture
def serve(tmp_path):
    servers = []

    def start(behave, **kwargs):
        server = Server(str(tmp_path / ("s%d" % len(servers))), behave, **kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.mark.parametrize("location, expect", [
    ("/v1/nodes", "its Location has no host"),
    ("http://127.0.0.1:{port}/v1/nodes", "its Location is not https://"),
    ("https://127.0.0.1:1/v1/nodes", "its Location's port 1 is not the API port"),
    ("https://admin:pw@127.0.0.1:{port}/v1/nodes", "its Location carries credentials"),
    ("https://203.0.113.9:{port}/v1/nodes", "203.0.113.9 is neither a host of api_url nor the address of a node"),
    ("", "it has no Location"),
])
def test_a_redirect_that_may_not_be_followed_names_its_location(serve, run_in_process, location, expect):
    holder = {}

    def behave(handler):
        redirect_to(location.format(port=holder["port"]))(handler)
    server = serve(behave)
    holder["port"] = server.port
    failed, result = run_in_process(re_node_info, rest_args(server, validate_certs=False))
    assert failed and expect in result["msg"] and "nothing was sent there" in result["msg"]
    assert "\n" not in result["msg"] and "Traceback" not in result["msg"]
    no_password(result)
    assert len(server.seen) == 1


def test_a_redirect_loop_and_too_many_hops(serve, run_in_process):
    holder = {}

    def back_to_itself(handler):
        redirect_to("https://127.0.0.1:%d/v1/nodes" % holder["port"])(handler)
    loop = serve(back_to_itself)
    holder["port"] = loop.port
    failed, result = run_in_process(re_node_info, rest_args(loop))
    assert failed and "loops back to a URL already visited" in result["msg"] and len(loop.seen) == 1

    def hop(handler):
        number = int(handler.path.rsplit("/", 1)[-1]) if handler.path.rsplit("/", 1)[-1].isdigit() else 0
        redirect_to("https://127.0.0.1:%d/v1/nodes/%d" % (holder["hops"], number + 1))(handler)
    hops = serve(hop)
    holder["hops"] = hops.port
    failed, result = run_in_process(re_node_info, rest_args(hops))
    assert failed and "more than 3 redirects" in result["msg"] and len(hops.seen) == 4


def test_a_302_is_not_followed(serve, run_in_process):
    server = serve(redirect_to("https://127.0.0.1:1/elsewhere", 302))
    failed, result = run_in_process(re_node_info, rest_args(server))
    assert failed and "HTTP 302 to https://127.0.0.1:1/elsewhere: not followed" in result["msg"]


def test_api_timeout_is_a_deadline_for_the_whole_exchange(serve, run_in_process):
    """Found by the probe: a server sending one byte every 0.5 s kept re_node_info (api_timeout=2) past 30 s."""
    def trickle(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        for _byte in range(1000):
            try:
                handler.wfile.write(b" ")
                handler.wfile.flush()
            except OSError:
                return
            time.sleep(0.5)
    server = serve(trickle)
    started = time.monotonic()
    failed, result = run_in_process(re_node_info, rest_args(server, api_timeout=2))
    took = time.monotonic() - started
    assert failed and "no complete reply within 2 s (api_timeout, for the whole exchange)" in result["msg"]
    assert took < 8, took   # the deadline, plus a margin for a loaded machine (the trickle would take 500 s)


def test_a_reply_larger_than_the_limit_is_refused(serve, run_in_process):
    server = serve(lambda handler: reply(handler, 200, b"[" + b" " * (9 * 1024 * 1024) + b"]"))
    failed, result = run_in_process(re_node_info, rest_args(server))
    assert failed and "is 9437186 bytes, more than the 8388608 this module reads" in result["msg"]

    def unannounced(handler):   # no Content-Length: the reply ends when the connection closes
        handler.send_response(200)
        handler.send_header("Connection", "close")
        handler.end_headers()
        for _chunk in range(10):
            handler.wfile.write(b" " * (1024 * 1024))
        handler.close_connection = True
    server = serve(unannounced)
    failed, result = run_in_process(re_node_info, rest_args(server))
    assert failed and "the reply is more than the 8388608 bytes this module reads" in result["msg"]


def test_a_reply_cut_short_is_said_so(serve, run_in_process):
    """Found by the probe: an IncompleteRead ended in a traceback."""
    def cut(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        handler.wfile.write(b"[1, 2")
        handler.close_connection = True
        handler.wfile.flush()
        handler.connection.shutdown(2)
    server = serve(cut)
    failed, result = run_in_process(re_node_info, rest_args(server))
    assert failed and "the reply was cut short after 5 bytes" in result["msg"]


def test_ca_path_without_a_certificate_is_named(tmp_path, run_in_process):
    empty = tmp_path / "empty.pem"
    empty.write_text("not a certificate\n")
    failed, result = run_in_process(re_node_info, dict(api_url=["https://127.0.0.1:9"], api_username="a", api_password="b",
                                                       ca_path=str(empty)))
    assert failed and "ca_path %s holds no PEM certificate" % empty in result["msg"]


def test_a_certificate_for_another_name_says_so_not_ca_path(serve, run_in_process):
    server = serve(lambda handler: reply(handler, 200, b"[]"), names=["cluster.example.com"])
    failed, result = run_in_process(re_node_info, rest_args(server))
    assert failed and "the TLS certificate is valid but not for the name 127.0.0.1" in result["msg"]
    assert "give that CA" not in result["msg"]


def rest_transport(cluster, *nodes, **more):
    from ansible_collections.dualstack.redis.plugins.module_utils._re import rest
    params = dict(cluster.args(*nodes), validate_certs=True, **more)
    return rest.Rest(params)


def test_a_redirect_costs_one_round_trip_per_run(cluster):
    """The 307's target is asked directly for the rest of the run: reading the nodes (two GETs) through node 2 is
    three exchanges (one 307), on two connections; on the master, two exchanges on one."""
    direct = rest_transport(cluster, 1)
    direct.nodes()
    assert direct.client.exchanges == 2 and len(direct.client.connections) == 1
    through = rest_transport(cluster, 2)
    through.nodes()
    assert through.client.exchanges == 3 and len(through.client.connections) == 2
    assert through.endpoint == cluster.url(1)


def test_a_remembered_master_that_stops_being_the_master_redirects_again(cluster):
    transport = rest_transport(cluster, 3)
    assert [n["role"] for n in transport.nodes()] == ["master", "slave", "slave"] and transport.endpoint == cluster.url(1)
    cluster.standin("rladmin", "node", "1", "enslave", "demote_node", node=2)
    assert transport.nodes()[1]["role"] == "master" and transport.endpoint == cluster.url(2)
    cluster.stop(2)   # the remembered master goes away: node 3 is asked again (and redirects to the next master)
    cluster.standin("rladmin", "node", "2", "enslave", "demote_node", node=1)
    assert transport.nodes()[0]["role"] == "master" and transport.endpoint == cluster.url(1)


def test_a_node_whose_address_does_not_answer_costs_nothing(cluster, run_in_process):
    """A node being changed may not answer at all (its address not bound: SYNs unanswered). Here a loopback port whose
    accept queue is full, so that connecting to it hangs; listed first, it must not delay the request."""
    import socket
    black_hole = socket.socket()
    black_hole.bind(("127.0.0.9", cluster.port))
    black_hole.listen(0)
    fillers = []
    try:
        for _n in range(4):   # fill the accept queue (never accepted): further SYNs are dropped
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.9", cluster.port))
            fillers.append(filler)
        started = time.monotonic()
        urls = ["https://127.0.0.9:%d" % cluster.port, cluster.url(1)]
        failed, result = run_in_process(re_node_info, dict(cluster.args(1), api_url=urls))
        took = time.monotonic() - started
        assert not failed, result["msg"]
        assert result["api_endpoint"] == cluster.url(1) and took < 3, took   # not the 5 s of a connection that hangs
    finally:
        for filler in fillers:
            filler.close()
        black_hole.close()


def test_api_tls_name_checks_every_node_against_the_clusters_name(tmp_path, run_in_process):
    """The proxy certificate names the cluster only; the nodes are listed by address."""
    made = ApiCluster(tmp_path, cert_names=["cluster.lab"])
    try:
        failed, result = run_in_process(re_node_info, made.args(3))
        assert failed and "not for the name 127.0.0.13" in result["msg"] and "api_tls_name" in result["msg"]
        failed, result = run_in_process(re_node_info, made.args(3, 2, api_tls_name="Cluster.Lab"))
        assert not failed, result["msg"]
        assert result["api_endpoint"] == made.url(1)   # the redirect's target checked against the cluster's name too
        failed, result = run_in_process(re_node_info, made.args(3, api_tls_name="cluster..lab"))
        assert failed and "api_tls_name 'cluster..lab' has an empty label" in result["msg"]
    finally:
        made.close()
