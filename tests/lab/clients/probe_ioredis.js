// A real ioredis client: connects to HOST PORT as an application would and prints, as JSON, what each server saw.
//
//   node probe_ioredis.js HOST PORT [--cluster] [--ca CA_FILE] [--name CLIENT_NAME] [--password P] [--hold S]
//
// NODE_PATH must hold ioredis (tests/lab/npm_fetch.py). For every node it talks to (every master of a cluster,
// whose announced endpoints ioredis resolves with dns.lookup, which keeps getaddrinfo's order from Node 17), one
// entry: the node's endpoint and the CLIENT INFO fields addr (the client as the server saw it) and laddr (the
// server address the client connected to). Exits 1 with a one-line error when it cannot connect. With --hold S it
// keeps its connections open S seconds after printing.
'use strict';
const fs = require('fs');
const Redis = require('ioredis');

const argv = process.argv.slice(2);
const opt = (flag) => { const i = argv.indexOf(flag); return i >= 0 ? argv[i + 1] : undefined; };
const [host, port] = argv;
const name = opt('--name') || 'probe-ioredis';
const ca = opt('--ca');
const options = {
  connectionName: name, password: opt('--password'), connectTimeout: 5000, maxRetriesPerRequest: 1,
  retryStrategy: () => null, tls: ca ? { ca: fs.readFileSync(ca) } : undefined,
};
const fields = (text) => Object.fromEntries(String(text).trim().split(' ').map((kv) => kv.split(/=(.*)/s).slice(0, 2)));
const hold = Number(opt('--hold') || 0) * 1000;
const timer = setTimeout(() => { console.error('probe_ioredis: no answer within 20 s'); process.exit(1); }, 20000);

async function main() {
  let out;
  const closers = [];
  if (argv.includes('--cluster')) {
    const cluster = new Redis.Cluster([{ host, port: Number(port) }], {
      redisOptions: options, clusterRetryStrategy: () => null, enableOfflineQueue: true,
    });
    await new Promise((resolve, reject) => { cluster.once('ready', resolve); cluster.once('error', reject); });
    out = await Promise.all(cluster.nodes('master').map(async (node) => {
      const info = fields(await node.call('CLIENT', 'INFO'));
      return { endpoint: node.options.host, port: node.options.port, addr: info.addr, laddr: info.laddr, name: info.name };
    }));
    closers.push(() => cluster.disconnect());
  } else {
    const client = new Redis({ host, port: Number(port), ...options });
    const info = fields(await client.call('CLIENT', 'INFO'));
    out = [{ endpoint: host, port: Number(port), addr: info.addr, laddr: info.laddr, name: info.name }];
    closers.push(() => client.disconnect());
  }
  clearTimeout(timer);
  console.log(JSON.stringify(out));
  setTimeout(() => closers.forEach((close) => close()), hold);
}

main().catch((err) => { console.error('probe_ioredis: ' + (err && err.message)); process.exit(1); });
