/**
 * HAProxy (Debian's package) in front of the cluster profile's replicas, all on 127.0.0.1:
 *   - the memflow API (HTTP, round robin over the API processes, health-checked on /health, sticky by
 *     cookie so a viewer's in-memory session stays on the API that made it);
 *   - Weaviate's REST (HTTP, checked on /v1/.well-known/ready) and gRPC (TCP, checked through the
 *     node's REST port), so memflow's processes reach the cluster while any one node is down;
 *   - a stats page.
 * Started in the foreground (-db) as a daemon of the stack, like the Go servers.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { processMentions, runningPid, startDaemon, stopDaemon } from '../daemon.js';
import { portHolders } from '../ports.js';
import { waitUntil } from '../wait-until.js';
import type { ClusterLayout, StackProfile } from '../profile.js';
import { claimPorts, reclaimOwnProcess, type ServiceHandle } from '../services/common.js';

const layoutOf = (p: StackProfile): ClusterLayout => {
  if (!p.cluster) throw new Error(`profile '${p.name}' is not a cluster profile`);
  return p.cluster;
};

/** The haproxy executable: MEMFLOW_HAPROXY_BIN, or Debian's. */
export function haproxyBinary(): string {
  const override = process.env.MEMFLOW_HAPROXY_BIN;
  for (const candidate of [override, '/usr/sbin/haproxy', '/usr/local/sbin/haproxy'].filter(Boolean) as string[]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error('HAProxy is needed by the cluster profile and was not found: `apt-get install -y haproxy` (or set MEMFLOW_HAPROXY_BIN)');
}

export function haproxyConfig(p: StackProfile): string {
  const c = layoutOf(p);
  const h = p.api.host;
  const apis = c.apiPorts.map((port, i) => `  server api-${i + 1} ${h}:${port} check inter 1s fall 2 rise 2 cookie api-${i + 1}`).join('\n');
  // A node marked down has its open connections closed (on-marked-down shutdown-sessions): a client
  // holding one (gRPC keeps a connection for hours) reconnects through HAProxy to a node that is up.
  const nodesHttp = c.weaviateNodes.map((n, i) => `  server node-${i} ${h}:${n.httpPort} check inter 1s fall 2 rise 2 on-marked-down shutdown-sessions`).join('\n');
  const nodesGrpc = c.weaviateNodes.map((n, i) => `  server node-${i} ${h}:${n.grpcPort} check port ${n.httpPort} inter 1s fall 2 rise 2 on-marked-down shutdown-sessions`).join('\n');
  return `# Written by infra/cluster/haproxy.ts for the '${p.name}' profile; rewritten on every start.
global
  maxconn 4096
  # info: with dontlog-normal below, one line per request that ended abnormally (its termination
  # state says who cut it: client, server, a timeout, a retry that ran out), and the warnings.
  log stderr format short local0 info
  # A request is retried only when it fits in one buffer (HAProxy keeps a copy to send again):
  # 256 KiB holds every hook delivery but the largest tool outputs.
  tune.bufsize 262144

defaults
  log global
  mode http
  option dontlognull
  option httplog
  option dontlog-normal
  timeout connect 2s
  timeout client 120s
  timeout server 120s
  timeout http-request 30s
  timeout queue 30s
  # A replica that refuses the connection (killed, restarting) is skipped and the request sent to
  # another: the request never reached memflow, so this cannot duplicate anything.
  retries 3
  option redispatch 1
  retry-on conn-failure

frontend memflow_api
  bind ${h}:${p.api.port}
  default_backend memflow_apis

backend memflow_apis
  balance roundrobin
  option httpchk GET /health
  http-check expect status 200
  # A busy API (its event loop behind by a second under a soak's load) is not a dead one: the check
  # waits 3 s (by default it waits \`inter\`, 1 s, and a soak saw a loaded API marked down mid-run).
  timeout check 3s
  cookie MEMFLOW_LB insert indirect nocache httponly
  # An API that dies with requests in flight (SIGKILL, crash) closes their connections unanswered;
  # one that is stopping answers 503. Such a request is sent again, to another API (redispatch on
  # every retry), when replaying it is safe: reads, and hook deliveries, which the API stores once
  # per idempotency key (the Idempotency-Key header, the tool_use_id, or the body's own key; see
  # api/capture/hook-routes.ts). Anything else is retried only when it never reached an API.
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response 502 503 504
  acl read_method method GET HEAD OPTIONS
  acl hook_delivery path_beg /v1/hooks/
  acl batch_get path /v1/memories:batchGet
  http-request disable-l7-retry if !read_method !hook_delivery !batch_get
${apis}

frontend weaviate_http
  bind ${h}:${c.lb.weaviateHttpPort}
  default_backend weaviate_http_nodes

backend weaviate_http_nodes
  balance roundrobin
  option httpchk GET /v1/.well-known/ready
  http-check expect status 200
${nodesHttp}

frontend weaviate_grpc
  mode tcp
  option tcplog
  bind ${h}:${c.lb.weaviateGrpcPort}
  default_backend weaviate_grpc_nodes

backend weaviate_grpc_nodes
  mode tcp
  balance leastconn
  option httpchk GET /v1/.well-known/ready
  http-check expect status 200
${nodesGrpc}

listen stats
  bind ${h}:${c.lb.statsPort}
  stats enable
  stats uri /
  stats refresh 5s
`;
}

const files = (p: StackProfile) => ({ pidFile: path.join(p.runDir, 'haproxy.pid'), logFile: path.join(p.logDir, 'haproxy.log') });
const statsUrl = (p: StackProfile) => `http://${p.api.host}:${layoutOf(p).lb.statsPort}/`;

async function statsAnswer(p: StackProfile): Promise<boolean> {
  const res = await fetch(`${statsUrl(p)};csv`, { signal: AbortSignal.timeout(1000) });
  return res.ok;
}

export const haproxyService: ServiceHandle = {
  name: 'haproxy',
  ports: (p) => {
    const c = layoutOf(p);
    return [p.api.port, c.lb.weaviateHttpPort, c.lb.weaviateGrpcPort, c.lb.statsPort];
  },
  ensureBinary: () => Promise.resolve(haproxyBinary()),
  async start(p, progress) {
    const { pidFile, logFile } = files(p);
    const bin = haproxyBinary();
    if (runningPid(pidFile, 'haproxy') !== undefined) return { started: false };
    const cfg = layoutOf(p).lb.configFile;
    const ports = haproxyService.ports(p);
    const lingering = await claimPorts('haproxy', p.api.host, ports, p, (pid) => processMentions(pid, bin) && processMentions(pid, cfg));
    const reclaimed = await reclaimOwnProcess({ name: 'haproxy', pidFile, lingering, isReady: () => statsAnswer(p), progress, ports: () => portHolders(ports) });
    if (reclaimed !== undefined) return { started: false };
    fs.mkdirSync(path.dirname(cfg), { recursive: true });
    fs.writeFileSync(cfg, haproxyConfig(p));
    const check = spawnSync(bin, ['-c', '-q', '-f', cfg], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`haproxy rejects ${cfg}: ${check.stderr || check.stdout}`);
    const pid = startDaemon({ name: 'haproxy', command: bin, args: ['-db', '-f', cfg], logFile, pidFile });
    await waitUntil(() => statsAnswer(p), { what: `haproxy on ${statsUrl(p)}`, timeoutMs: 15_000, pid, logFile });
    return { started: true };
  },
  stop: (p) => stopDaemon(files(p).pidFile, 'haproxy'),
  async status(p) {
    const { pidFile, logFile } = files(p);
    const pid = runningPid(pidFile, 'haproxy');
    return { name: 'haproxy', pid, ready: pid !== undefined && (await statsAnswer(p).catch(() => false)), endpoint: `http://${p.api.host}:${p.api.port} (stats ${statsUrl(p)})`, logFile };
  },
};

/** HAProxy's view of each server: backend/server → UP/DOWN (for status and the soak). */
export async function haproxyServerStates(p: StackProfile): Promise<Record<string, string>> {
  const res = await fetch(`${statsUrl(p)};csv`, { signal: AbortSignal.timeout(2000) });
  const lines = (await res.text()).split('\n').filter((l) => l && !l.startsWith('#'));
  const out: Record<string, string> = {};
  for (const line of lines) {
    const [px, sv, , , , , , , , , , , , , , , , status] = line.split(',');
    if (px && sv && sv !== 'FRONTEND' && sv !== 'BACKEND') out[`${px}/${sv}`] = status ?? '';
  }
  return out;
}
