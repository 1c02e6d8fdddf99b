"""A stateful stand-in for a Redis Enterprise Software cluster's control plane, for Linux containers.

Redis Enterprise cannot be installed here, so the collection's node modules and the internal-address
role are tested against this, built from Redis's published rladmin documentation and output. One copy
runs in every node container; the cluster's state is one JSON file on a directory all node containers
share (a bind mount), changed under an exclusive lock.

What it reproduces:
- ``rladmin`` (``/opt/redislabs/bin/rladmin`` runs ``re_standin.py rladmin``): ``status`` (the CLUSTER NODES,
  DATABASES, ENDPOINTS and SHARDS sections), ``status nodes [extra all]
  [sort COLUMN] [issues_only]``, ``status shards [node ID]``, ``status endpoints [node ID]``, ``info node
  [ID]``, ``cluster master``, ``node ID addr set IP``, ``node ID external_addr add|set|remove IP...``,
  ``node ID enslave [demote_node] [retry_timeout_seconds S]``; the global ``-y`` flag; the documented
  replies (``Updated successfully.``, the enslave progress line and ``OK``, ``Node N is the cluster master
  node``) and output layouts (padded columns, ``*`` on the node rladmin runs on, blank external cells,
  comma-joined external addresses, ``DOWN, last seen Ns ago``, ``-`` RAM placeholders on down nodes).
- the node agent: the systemd unit ``rlec_supervisor.service`` runs ``re_standin.py agent``. While it runs
  AND the node's configured internal address is bound to an interface that is UP in this container (an IPv6
  address only once duplicate address detection passed: not tentative, not dadfailed), the node heartbeats
  and shows ``OK``; otherwise it turns ``DOWN`` within two seconds and stays down. A node
  whose new address is not bound never comes back, as the documentation warns.
- rladmin on a node whose own agent is down cannot reach the cluster and fails (exit 1).
- ``addr set`` refused while the node is up, for an invalid address, for another node's address and for an
  IPv4/IPv6 switch; ``external_addr`` validates addresses; ``enslave demote_node`` moves the cluster master
  role, the node's primary shards (swapped with their replicas) and its endpoints to other OK nodes, and
  fails when no other node is OK. A master node that stays down for 4 s is replaced by the lowest OK node.

- the REST API's node requests (``re_standin.py api CONFIG``, or in the agent when ``/etc/opt/redislabs/api.json``
  exists, so a node's API stops with its services; see ``api_main``). Each behaviour and the page of the
  reference (https://redis.io/docs/latest/operate/rs/references/rest-api/, "B" below) it follows:
  - HTTPS only, basic auth, 401 for missing or wrong credentials (B, "Authentication"); 403 when a user whose
    role is not ``admin`` sends a PUT (B requests/nodes/: ``update_node`` belongs to admin only; B: "403
    Forbidden: the user cannot access the specified URI");
  - ``GET /v1/nodes`` and ``GET /v1/nodes/<uid>`` (B requests/nodes/), node objects with the fields of B
    objects/node/ that the modules read: ``uid``, ``addr``, ``external_addr``, ``status`` (``active`` or
    ``down`` here), ``shard_count``, ``shard_list``, ``software_version``, ``cores``, ``use_internal_ipv6``,
    ``accept_servers``, ``max_redis_servers``; 404 "Node UID does not exist" for an unknown uid;
  - ``GET /v1/nodes/status`` and ``GET /v1/nodes/<uid>/status`` (B requests/nodes/status/): an object keyed by
    uid with ``hostname``, ``role`` ``master``/``slave``, ``node_status``, ``software_version``,
    ``master_shards``, ``slave_shards``;
  - ``PUT /v1/nodes/<uid>`` (B requests/nodes/): ``addr`` only while the node is down, else 406 with error code
    ``node_not_offline`` ("Attempted to change node address while it is online"); ``external_addr`` as the
    whole list; an empty 200 reply on success; 400 "Bad content provided" for a body that is not a JSON
    object, a field that is not an address, or no ``Content-Type: application/json`` (B: required for PUT);
    404 ``node_not_found``;
  - error bodies ``{"error_code": ..., "description": ...}``: the ``cluster_Error`` schema of B api-reference/;
  - 503 from a node that is not in the cluster, here one whose agent is not heartbeating (B: "503 Service
    Unavailable: the node is not responding or is not a member of the cluster");
  - redirects to the master (B objects/cluster/: ``handle_redirects``, default false; release notes RS40641, 6.2-6.4:
    "API requests are redirected to an internal IP in case the request arrives from a node which is not the
    master", and RS182423, 7.22.2-79, which names the 307): with ``handle_redirects`` false (``init``'s default) a node
    that is not the master answers every request (before checking credentials) with ``307 Temporary Redirect`` and
    ``Location: https://<master's internal address>:<the same port><the same path>``; with true, any node serves it.
    The master moves on ``enslave demote_node`` and when it stays down (below), and the redirects follow it;
  - a user whose role is ``none`` gets 403 on every request, reads included (B permissions/: "No permissions").

What it does not reproduce: the data plane (no Redis runs), the real CCS and its persistence, cluster
creation and joining, quorum and rack awareness, licences, exact error texts (Redis does not publish them:
these say what is wrong and exit 1), and real timing of failovers. Of the REST API: every request but the
node ones above, the other writable node fields (refused here with 400 as not modelled), whether a real node
checks credentials before redirecting (not documented; here it redirects first), actions, the plain-HTTP port, and
which HTTP code the API really gives
an IPv4/IPv6 switch or another node's address (undocumented; 400 here, as rladmin refuses them), or a PUT to an
unknown node (its error code ``node_not_found`` is documented, the HTTP code is not; 404 here).

Fault injection for tests: addresses listed in ``/etc/opt/redislabs/standin-blocked`` on a node are ones
from which that node cannot reach the cluster (as behind a firewall): with such an internal address the
node stays DOWN although the address is bound.

Commands for tests: ``re_standin.py init ID:ADDRESS:HOSTNAME ...`` writes a fresh cluster (node 1 master,
two databases with replicated shards and one endpoint each; ``handle_redirects`` false, the product's default,
unless RE_STANDIN_HANDLE_REDIRECTS=true); ``re_standin.py set handle_redirects true|false`` changes the setting.
"""

import base64
import fcntl
import hmac
import ipaddress
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SHARED = os.environ.get("RE_STANDIN_SHARED", "/var/opt/redislabs/shared")
STATE = os.path.join(SHARED, "cluster.json")
NODE_ID_FILE = os.environ.get("RE_STANDIN_NODE_ID", "/etc/opt/redislabs/node_id")
BLOCKED_FILE = os.environ.get("RE_STANDIN_BLOCKED", "/etc/opt/redislabs/standin-blocked")
API_CONFIG = os.environ.get("RE_STANDIN_API_CONFIG", "/etc/opt/redislabs/api.json")
HEARTBEAT = 0.3
DOWN_AFTER = 2.0
MASTER_FAILOVER_AFTER = 4.0
VERSION = "7.4.2-54"


class RladminError(Exception):
    pass


class Cluster:
    """The shared state, locked for the life of the object (use with ``with``)."""

    def __enter__(self):
        self.lock = open(STATE + ".lock", "a+")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        try:
            with open(STATE) as handle:
                self.data = json.load(handle)
        except FileNotFoundError:
            self.data = None
        self.dirty = False
        return self

    def __exit__(self, *exc):
        if self.dirty and exc[0] is None:
            tmp = STATE + ".tmp"
            with open(tmp, "w") as handle:
                json.dump(self.data, handle, indent=1)
            os.replace(tmp, STATE)
        fcntl.flock(self.lock, fcntl.LOCK_UN)
        self.lock.close()

    def node(self, node_id):
        node = self.data["nodes"].get(str(node_id))
        if node is None:
            raise RladminError("ERROR: Node %s does not exist" % node_id)
        return node

    def seen_ago(self, node_id):
        return time.time() - self.data["last_seen"].get(str(node_id), 0)

    def ok(self, node_id):
        return self.seen_ago(node_id) < DOWN_AFTER

    def ok_nodes(self, exclude=None):
        return sorted(int(i) for i in self.data["nodes"] if int(i) != exclude and self.ok(int(i)))


def my_id():
    try:
        with open(NODE_ID_FILE) as handle:
            return int(handle.read().strip())
    except (FileNotFoundError, ValueError):
        return None


def bound_up_addresses():
    """Addresses on interfaces that are UP in this network namespace, that the kernel uses: an IPv6 address still
    in duplicate address detection (tentative) or that failed it (dadfailed) cannot carry traffic, so a node
    configured with one stays DOWN."""
    out = subprocess.run(["ip", "-j", "addr", "show", "up"], capture_output=True, text=True, check=False).stdout
    found = set()
    for interface in json.loads(out or "[]"):
        for info in interface.get("addr_info", []):
            if "local" in info and not info.get("tentative") and not info.get("dadfailed"):
                found.add(ipaddress.ip_address(info["local"]))
    return found


def blocked_addresses():
    """Fault injection for tests: addresses from which this node cannot reach the cluster."""
    try:
        with open(BLOCKED_FILE) as handle:
            return {ipaddress.ip_address(line.strip()) for line in handle if line.strip()}
    except FileNotFoundError:
        return set()


# --- the agent ----------------------------------------------------------------------------------

def agent():
    """Heartbeat while the node's internal address is bound to an UP interface (run by rlec_supervisor).

    Also serves the REST API (in a thread) when API_CONFIG exists: the API lives and dies with the node's services.
    """
    if os.path.exists(API_CONFIG):
        threading.Thread(target=api_main, args=([API_CONFIG],), daemon=True).start()
    while True:
        node_id = my_id()
        if node_id is not None and os.path.exists(STATE):
            with Cluster() as cluster:
                if cluster.data and str(node_id) in cluster.data["nodes"]:
                    address = ipaddress.ip_address(cluster.node(node_id)["address"])
                    if address in bound_up_addresses() and address not in blocked_addresses():
                        now = time.time()
                        if not cluster.ok(node_id):
                            # A (re)join: kept for the benchmark, which measures how soon the role notices.
                            cluster.data.setdefault("joins", []).append({"node": node_id, "address": str(address), "at": now})
                        cluster.data["last_seen"][str(node_id)] = now
                        cluster.dirty = True
                        maintain(cluster, node_id)
        time.sleep(HEARTBEAT)


def maintain(cluster, node_id):
    """What the cluster does by itself: a new master when the master stays down."""
    master = cluster.data["master"]
    if not cluster.ok(master) and cluster.seen_ago(master) > MASTER_FAILOVER_AFTER:
        candidates = cluster.ok_nodes(exclude=master)
        if candidates and candidates[0] == node_id:
            new_master(cluster, node_id)


def new_master(cluster, node_id):
    """The master role moves to ``node_id``; ``master_history`` records each move (for tests)."""
    cluster.data["master"] = node_id
    cluster.data.setdefault("master_history", []).append({"master": node_id, "at": time.time()})


# --- rladmin ------------------------------------------------------------------------------------

def table(columns, rows, sort=None):
    """rladmin's padded layout: each column as wide as its widest cell, plus two spaces."""
    if sort:
        index = columns.index(sort) if sort in columns else 0
        rows = sorted(rows, key=lambda row: row[index])
    widths = [max(len(str(cell)) for cell in column) for column in zip(columns, *rows)]
    lines = []
    for row in [columns] + rows:
        lines.append("".join(str(cell).ljust(width + 2) for cell, width in zip(row, widths)).rstrip())
    return "\n".join(lines)


def seen_text(seconds):
    seconds = int(seconds)
    return "%ds" % seconds if seconds < 60 else "%dm %ds" % (seconds // 60, seconds % 60)


def status_nodes(cluster, me, args):
    extra = "extra" in args and "all" in args
    sort = args[args.index("sort") + 1] if "sort" in args and args.index("sort") + 1 < len(args) else None
    columns = ["NODE:ID", "ROLE", "ADDRESS", "EXTERNAL_ADDRESS", "HOSTNAME"]
    columns += ["MASTERS", "SLAVES", "OVERBOOKING_DEPTH"] if extra else []
    columns += ["SHARDS", "CORES", "FREE_RAM", "PROVISIONAL_RAM", "VERSION"]
    columns += ["SHA", "RACK-ID"] if extra else []
    columns += ["STATUS"]
    rows = []
    for key in sorted(cluster.data["nodes"], key=int):
        node_id = int(key)
        node = cluster.data["nodes"][key]
        ok = cluster.ok(node_id)
        if "issues_only" in args and ok:
            continue
        shards = [s for s in cluster.data["shards"] if s["node"] == node_id]
        row = [("*" if node_id == me else "") + "node:%d" % node_id,
               "master" if cluster.data["master"] == node_id else "slave",
               node["address"], ",".join(node["external"]), node["hostname"]]
        if extra:
            row += [sum(s["role"] == "master" for s in shards), sum(s["role"] == "slave" for s in shards), "6.9GB"]
        row += ["%d/100" % len(shards), 4, "6.1GB/7.7GB" if ok else "-/7.7GB", "4.2GB/6.2GB" if ok else "-/6.2GB", VERSION]
        row += ["a1b2c3d", node.get("rack", "")] if extra else []
        row += ["OK" if ok else "DOWN, last seen %s ago" % seen_text(cluster.seen_ago(node_id))]
        rows.append(row)
    return "CLUSTER NODES:\n" + table(columns, rows, sort)


def status_shards(cluster, only):
    columns = ["DB:ID", "NAME", "ID", "NODE", "ROLE", "SLOTS", "USED_MEMORY", "STATUS"]
    rows = [["db:%d" % s["db"], "db%d" % s["db"], "redis:%d" % s["id"], "node:%d" % s["node"], s["role"], "0-16383",
             "2.1MB", "OK" if cluster.ok(s["node"]) else "DOWN"]
            for s in cluster.data["shards"] if only is None or s["node"] == only]
    return "SHARDS:\n" + table(columns, rows)


def status_endpoints(cluster, only):
    columns = ["DB:ID", "NAME", "ID", "NODE", "ROLE", "SSL"]
    rows = [["db:%d" % e["db"], "db%d" % e["db"], "endpoint:%d:1" % e["db"], "node:%d" % e["node"], "single", "No"]
            for e in cluster.data["endpoints"] if only is None or e["node"] == only]
    return "ENDPOINTS:\n" + table(columns, rows)


def status_databases(cluster):
    columns = ["DB:ID", "NAME", "TYPE", "STATUS", "SHARDS", "PLACEMENT", "REPLICATION", "PERSISTENCE", "ENDPOINT"]
    dbs = sorted({s["db"] for s in cluster.data["shards"]})
    rows = [["db:%d" % db, "db%d" % db, "redis", "active", sum(s["db"] == db and s["role"] == "master" for s in cluster.data["shards"]),
             "dense", "enabled", "disabled", "redis-%d.cluster.local:%d" % (12000 + db, 12000 + db)] for db in dbs]
    return "DATABASES:\n" + table(columns, rows)


def status_all(cluster, me):
    """``rladmin status``: every section, in rladmin's order, a blank line between them."""
    return "\n\n".join([status_nodes(cluster, me, []), status_databases(cluster), status_endpoints(cluster, None),
                        status_shards(cluster, None)])


def info_node(cluster, only):
    blocks = []
    for key in sorted(cluster.data["nodes"], key=int):
        if only is not None and int(key) != only:
            continue
        node = cluster.data["nodes"][key]
        blocks.append("node:%s\n    address: %s\n    external addresses: %s\n    recovery path: N/A\n    quorum only: disabled"
                      % (key, node["address"], ", ".join(node["external"]) or "N/A"))
    if only is not None and not blocks:
        raise RladminError("ERROR: Node %s does not exist" % only)
    return ("Command Output: " if only is not None else "") + "\n".join(blocks)


def valid_ip(text):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise RladminError("ERROR: Invalid IP address: %s" % text)


def addr_set(cluster, node_id, address):
    node = cluster.node(node_id)
    new = valid_ip(address)
    if cluster.ok(node_id):
        raise RladminError("ERROR: Node %d is online. The node address can only be updated while the node is offline." % node_id)
    if new.version != ipaddress.ip_address(node["address"]).version:
        raise RladminError("ERROR: Cannot change the internal address of node %d between IPv4 and IPv6" % node_id)
    for key, other in cluster.data["nodes"].items():
        if int(key) != node_id and ipaddress.ip_address(other["address"]) == new:
            raise RladminError("ERROR: Address %s is in use by node %s" % (new, key))
    node["address"] = str(new)
    cluster.dirty = True
    return "Updated successfully."


def external_addr(cluster, node_id, verb, addresses):
    node = cluster.node(node_id)
    if verb not in ("add", "set", "remove") or not addresses:
        raise RladminError("ERROR: Usage: rladmin node <id> external_addr [add|set|remove] <IP>...")
    parsed = [valid_ip(a) for a in addresses]
    current = [ipaddress.ip_address(a) for a in node["external"]]
    if verb == "set":
        current = parsed
    elif verb == "add":
        for address in parsed:
            if address in current:
                raise RladminError("ERROR: Address %s already exists on node %d" % (address, node_id))
            current.append(address)
    else:
        for address in parsed:
            if address not in current:
                raise RladminError("ERROR: Address %s not found on node %d" % (address, node_id))
            current.remove(address)
    node["external"] = [str(a) for a in current]
    cluster.dirty = True
    return "Updated successfully."


def enslave(cluster, node_id, args):
    cluster.node(node_id)
    demote = "demote_node" in args
    others = cluster.ok_nodes(exclude=node_id)
    if not others:
        raise RladminError("ERROR: No other node is available to take over from node %d" % node_id)
    if "endpoints_only" not in args:
        for shard in cluster.data["shards"]:
            if shard["node"] == node_id and shard["role"] == "master":
                replica = next((s for s in cluster.data["shards"] if s["db"] == shard["db"] and s["role"] == "slave"
                                and cluster.ok(s["node"])), None)
                if replica is None:
                    raise RladminError("ERROR: Shard redis:%d has no available replica to fail over to" % shard["id"])
                shard["role"], replica["role"] = "slave", "master"
    if "shards_only" not in args:
        for endpoint in cluster.data["endpoints"]:
            if endpoint["node"] == node_id:
                endpoint["node"] = others[0]
    if demote and cluster.data["master"] == node_id:
        new_master(cluster, others[0])
    cluster.dirty = True
    return "Performing enslave_node action on node:%d: 0%%\nPerforming enslave_node action on node:%d: 100%%\nOK" % (node_id, node_id)


def rladmin(argv):
    args = [a for a in argv if a != "-y"]
    me = my_id()
    with Cluster() as cluster:
        if cluster.data is None or me is None:
            raise RladminError("ERROR: This node is not part of a cluster")
        if not cluster.ok(me):
            raise RladminError("ERROR: Cannot connect to the cluster: the local node (node:%d) services are not running" % me)
        if args == ["status"]:
            return status_all(cluster, me)
        if args[:2] == ["status", "nodes"]:
            return status_nodes(cluster, me, args[2:])
        only = int(args[3]) if len(args) >= 4 and args[2] == "node" else None
        if args[:2] == ["status", "shards"]:
            return status_shards(cluster, only)
        if args[:2] == ["status", "endpoints"]:
            return status_endpoints(cluster, only)
        if args[:2] == ["info", "node"]:
            return info_node(cluster, int(args[2]) if len(args) > 2 else None)
        if args == ["cluster", "master"]:
            return "Node %d is the cluster master node" % cluster.data["master"]
        if len(args) >= 3 and args[0] == "node" and args[1].isdigit():
            node_id = int(args[1])
            if args[2:4] == ["addr", "set"] and len(args) == 5:
                return addr_set(cluster, node_id, args[4])
            if args[2] == "external_addr" and len(args) >= 4:
                return external_addr(cluster, node_id, args[3], args[4:])
            if args[2] == "enslave":
                return enslave(cluster, node_id, args[3:])
        raise RladminError("ERROR: Invalid command: rladmin %s" % " ".join(argv))


# --- the REST API -------------------------------------------------------------------------------

class ApiError(Exception):
    def __init__(self, code, error_code=None, description=None):
        super().__init__(description)
        self.code, self.error_code, self.description = code, error_code, description


def node_object(cluster, key):
    node = cluster.data["nodes"][key]
    node_id = int(key)
    shards = [s for s in cluster.data["shards"] if s["node"] == node_id]
    return {
        "uid": node_id, "addr": node["address"], "external_addr": list(node["external"]),
        "status": "active" if cluster.ok(node_id) else "down", "shard_count": len(shards),
        "shard_list": [s["id"] for s in shards], "software_version": VERSION, "cores": 4,
        "use_internal_ipv6": ipaddress.ip_address(node["address"]).version == 6, "accept_servers": True,
        "max_redis_servers": 100, "total_memory": 8261935104, "architecture": "x86_64",
    }


def node_status(cluster, key):
    node_id = int(key)
    shards = [s for s in cluster.data["shards"] if s["node"] == node_id]
    return {
        "hostname": cluster.data["nodes"][key]["hostname"],
        "role": "master" if cluster.data["master"] == node_id else "slave",
        "node_status": "active" if cluster.ok(node_id) else "down", "software_version": VERSION,
        "master_shards": [s["id"] for s in shards if s["role"] == "master"],
        "slave_shards": [s["id"] for s in shards if s["role"] == "slave"], "cores": 4,
    }


def api_put_node(cluster, key, body):
    node_id = int(key)
    if not isinstance(body, dict) or not body:
        raise ApiError(400, "bad_content", "Bad content provided: the body must be a JSON object of node fields")
    unknown = sorted(set(body) - {"addr", "external_addr"})
    if unknown:
        raise ApiError(400, "bad_content", "Bad content provided: %s not modelled by the stand-in" % ", ".join(unknown))
    external = body.get("external_addr")
    if "external_addr" in body and not (isinstance(external, list) and all(isinstance(a, str) for a in external)):
        raise ApiError(400, "bad_content", "Bad content provided: external_addr must be a list of addresses")
    try:
        if "addr" in body:
            if not isinstance(body["addr"], str):
                raise RladminError("ERROR: Invalid IP address: %s" % json.dumps(body["addr"]))
            if cluster.ok(node_id):
                raise ApiError(406, "node_not_offline", "Attempted to change node address while it is online")
            addr_set(cluster, node_id, body["addr"])
        if external is not None:
            parsed = [str(valid_ip(a)) for a in external]
            cluster.node(node_id)["external"] = parsed
            cluster.dirty = True
    except RladminError as exc:
        raise ApiError(400, "bad_content", "Bad content provided: %s" % str(exc).replace("ERROR: ", ""))


def api_redirect(path, port):
    """The Location a node that is not the master sends (handle_redirects false), or None when it serves the request."""
    me = my_id()
    with Cluster() as cluster:
        if cluster.data is None or me is None or not cluster.ok(me):
            raise ApiError(503, "node_not_responding", "The node is not responding or is not a member of the cluster")
        master = cluster.data["master"]
        if cluster.data.get("handle_redirects", False) or master == me:
            return None
        address = cluster.node(master)["address"]
    host = "[%s]" % address if ":" in address else address
    return "https://%s:%d%s" % (host, port, path)


def api_request(method, path, body, role):
    """(code, reply object or None) for one authenticated request."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    me = my_id()
    if role == "none":
        raise ApiError(403, "insufficient_permissions", "The user cannot access the specified URI")
    with Cluster() as cluster:
        if cluster.data is None or me is None or not cluster.ok(me):
            raise ApiError(503, "node_not_responding", "The node is not responding or is not a member of the cluster")
        if parts[:2] != ["v1", "nodes"]:
            raise ApiError(404, "not_found", "The URI does not exist")
        rest = parts[2:]
        if method == "GET" and rest == []:
            return 200, [node_object(cluster, k) for k in sorted(cluster.data["nodes"], key=int)]
        if method == "GET" and rest == ["status"]:
            return 200, {k: node_status(cluster, k) for k in sorted(cluster.data["nodes"], key=int)}
        if not rest or not rest[0].isdigit() or len(rest) > 2 or rest[1:] not in ([], ["status"]):
            raise ApiError(404, "not_found", "The URI does not exist")
        key = str(int(rest[0]))
        if key not in cluster.data["nodes"]:
            raise ApiError(404, "node_not_found", "Node UID does not exist")
        if method == "GET":
            return 200, node_object(cluster, key) if len(rest) == 1 else node_status(cluster, key)
        if method == "PUT" and len(rest) == 1:
            if role != "admin":
                raise ApiError(403, "insufficient_permissions", "The user cannot access the specified URI")
            api_put_node(cluster, key, body)
            return 200, None
        raise ApiError(405, "method_not_allowed", "Method %s is not allowed on %s" % (method, path))


class ApiHandler(BaseHTTPRequestHandler):
    users = {}
    server_version = "cnm_http"
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY the body waits for the client's delayed ACK
    # (40 ms on Linux) on a kept connection, which no real server makes its clients wait.
    disable_nagle_algorithm = True

    def log_message(self, *args):  # quiet: the tests read replies, not logs
        pass

    def _reply(self, code, obj=None, headers=()):
        data = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _user_role(self):
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        try:
            user, colon, password = base64.b64decode(header[6:], validate=True).decode("utf-8").partition(":")
        except ValueError:
            return None
        entry = self.users.get(user) if colon else None
        if entry is None or not hmac.compare_digest(entry["password"].encode(), password.encode()):
            return None
        return entry.get("role", "admin")

    def _handle(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            location = api_redirect(self.path, self.server.server_address[1])
        except ApiError as exc:
            self._reply(exc.code, {"error_code": exc.error_code, "description": exc.description})
            return
        if location is not None:
            self._reply(307, {"error_code": "redirect", "description": "Request redirected to the master node"},
                        headers=[("Location", location)])
            return
        role = self._user_role()
        if role is None:
            self._reply(401, headers=[("WWW-Authenticate", 'Basic realm="cnm"')])
            return
        body = None
        if method == "PUT":
            if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
                self._reply(400, {"error_code": "bad_header", "description": "Content-Type must be application/json"})
                return
            try:
                body = json.loads(raw.decode("utf-8"))
            except ValueError:
                self._reply(400, {"error_code": "bad_content", "description": "Bad content provided: the body is not JSON"})
                return
        try:
            code, reply = api_request(method, self.path, body, role)
        except ApiError as exc:
            self._reply(exc.code, {"error_code": exc.error_code, "description": exc.description})
            return
        self._reply(code, reply)

    def do_GET(self):
        self._handle("GET")

    def do_PUT(self):
        self._handle("PUT")


class ApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host, port, handler):
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), handler)


def api_main(args):
    """``api CONFIG``: serve the REST API as CONFIG (JSON) says: listen, port, cert, key, users
    ({name: {password, role}}). Prints the port it listens on (port 0 picks a free one)."""
    with open(args[0]) as handle:
        config = json.load(handle)
    handler = type("Handler", (ApiHandler,), {"users": config["users"]})
    server = ApiServer(config.get("listen", "::"), int(config.get("port", 9443)), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(config["cert"], config["key"])
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def init(specs):
    """A fresh cluster: ``ID:ADDRESS:HOSTNAME`` per node; node 1 master; two databases."""
    nodes = {}
    for spec in specs:
        node_id, address, hostname = spec.split(":", 2) if spec.count(":") == 2 else _split_v6(spec)
        nodes[str(int(node_id))] = {"address": str(ipaddress.ip_address(address)), "external": [], "hostname": hostname}
    ids = sorted(int(i) for i in nodes)
    shards, endpoints = [], []
    for db in (1, 2):
        primary = ids[(db - 1) % len(ids)]
        replica = ids[db % len(ids)]
        shards += [{"db": db, "id": 2 * db - 1, "node": primary, "role": "master"},
                   {"db": db, "id": 2 * db, "node": replica, "role": "slave"}]
        endpoints.append({"db": db, "node": primary})
    os.makedirs(SHARED, exist_ok=True)
    with Cluster() as cluster:
        cluster.data = {"nodes": nodes, "master": ids[0], "shards": shards, "endpoints": endpoints, "last_seen": {},
                        "handle_redirects": os.environ.get("RE_STANDIN_HANDLE_REDIRECTS", "false") == "true"}
        cluster.dirty = True
    return "cluster initialised with nodes %s" % ", ".join(str(i) for i in ids)


def _split_v6(spec):
    node_id, rest = spec.split(":", 1)
    address, hostname = rest.rsplit(":", 1)
    return node_id, address, hostname


def set_setting(args):
    """``set handle_redirects true|false``: the cluster setting, as an administrator sets it (B objects/cluster/)."""
    if len(args) != 2 or args[0] != "handle_redirects" or args[1] not in ("true", "false"):
        raise RladminError("usage: re_standin.py set handle_redirects true|false")
    with Cluster() as cluster:
        cluster.data["handle_redirects"] = args[1] == "true"
        cluster.dirty = True
    return "handle_redirects is %s" % args[1]


def main(argv):
    if not argv:
        sys.exit("usage: re_standin.py agent | api CONFIG | rladmin ARGS... | init ID:ADDRESS:HOSTNAME... | set handle_redirects B")
    command, args = argv[0], argv[1:]
    if command == "agent":
        agent()
    if command == "api":
        api_main(args)
    try:
        if command == "rladmin":
            print(rladmin(args))
        elif command == "init":
            print(init(args))
        elif command == "set":
            print(set_setting(args))
        else:
            sys.exit("unknown command %s" % command)
    except RladminError as exc:
        print(exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
