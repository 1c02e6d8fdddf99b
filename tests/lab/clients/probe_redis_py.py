"""A real redis-py client: connects to HOST PORT as an application would and prints, as JSON, what each server saw.

    python probe_redis_py.py HOST PORT [--cluster] [--ca CA_FILE] [--name CLIENT_NAME] [--password P] [--hold S]

For every node it talks to (every node of a cluster, after redis-py resolved the endpoints the cluster announces
with this host's getaddrinfo order), one entry: the node's endpoint as redis-py knows it and the CLIENT INFO fields
``addr`` (the client's address as the server saw it) and ``laddr`` (the server address the client connected to),
whose family is the family this client ended up using. Exits 1 with a one-line error when it cannot connect.
With ``--hold S`` it keeps its connections open S seconds after printing (for a look at the running client).
"""

import argparse
import json
import sys
import time

import redis
from redis.cluster import RedisCluster


def info_fields(text):
    """CLIENT INFO as text, or as the dict redis-py already parsed it into."""
    if isinstance(text, dict):
        return {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else str(v))
                for k, v in text.items()}
    if isinstance(text, bytes):
        text = text.decode()
    return dict(item.split("=", 1) for item in text.strip().split(" ") if "=" in item)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--cluster", action="store_true")
    parser.add_argument("--ca")
    parser.add_argument("--name", default="probe-redis-py")
    parser.add_argument("--password")
    parser.add_argument("--hold", type=float, default=0)
    args = parser.parse_args()
    common = dict(host=args.host, port=args.port, password=args.password, socket_timeout=5, socket_connect_timeout=5,
                  client_name=args.name)
    if args.ca:
        common.update(ssl=True, ssl_ca_certs=args.ca)
    try:
        if args.cluster:
            client = RedisCluster(**common)
            seen = client.execute_command("CLIENT INFO", target_nodes=RedisCluster.ALL_NODES)
            nodes = {node.name: node for node in client.get_nodes()}
            out = [dict(endpoint=nodes[name].host, port=nodes[name].port, **{k: info_fields(v)[k] for k in ("addr", "laddr", "name")})
                   for name, v in sorted(seen.items())]
        else:
            client = redis.Redis(**common)
            fields = info_fields(client.execute_command("CLIENT INFO"))
            out = [dict(endpoint=args.host, port=args.port, addr=fields["addr"], laddr=fields["laddr"], name=fields["name"])]
    except (redis.RedisError, OSError) as exc:
        sys.exit("probe_redis_py: %s: %s" % (type(exc).__name__, exc))
    print(json.dumps(out), flush=True)
    time.sleep(args.hold)


if __name__ == "__main__":
    main()
