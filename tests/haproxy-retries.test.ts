/**
 * The cluster profile's HAProxy (Debian's, with the configuration infra/cluster/haproxy.ts writes) in
 * front of two real memflow APIs. The first API sits behind a connection that dies once it has
 * received a chosen request (closed unanswered, as a SIGKILLed API's are): a hook delivery and a
 * search are answered by the other API, the hook stored once; a request that is not safe to replay
 * (remembering a memory) is not replayed.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { haproxyBinary, haproxyServerStates, haproxyService } from '../infra/cluster/haproxy.js';
import { freePort } from '../infra/ports.js';
import { waitUntil } from '../infra/wait-until.js';
import { getProfile, type StackProfile } from '../infra/profile.js';
import { startTestApi, type TestApi } from './helpers/app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';

const haproxyMissing = (() => {
  try {
    haproxyBinary();
    return false;
  } catch (err) {
    return (err as Error).message;
  }
})();

const prisma = testPrisma();
const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('haproxy') });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-haproxy-'));
const apis: TestApi[] = [];
const sockets = new Set<net.Socket>();
let proxy: net.Server | undefined;
let profile: StackProfile;
let url: string;
/** The next request whose first bytes match dies: its connection is closed before the API sees it. */
let dieOn: RegExp | undefined;
let died = 0;

before(async () => {
  if (haproxyMissing) throw new Error(haproxyMissing);
  apis.push(await startTestApi(config, prisma), await startTestApi(config, prisma));
  const api1 = new URL(apis[0]!.url);
  proxy = net.createServer((client) => {
    const upstream = net.connect(Number(api1.port), api1.hostname);
    sockets.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (dieOn?.test(chunk.toString('latin1'))) {
        dieOn = undefined;
        died++;
        return end();
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => proxy!.listen(0, '127.0.0.1', r));
  const base = getProfile('cluster');
  const free = async () => freePort();
  profile = {
    ...base,
    stateDir: tmp,
    runDir: path.join(tmp, 'run'),
    logDir: path.join(tmp, 'logs'),
    api: { host: '127.0.0.1', port: await free() },
    cluster: {
      ...base.cluster!,
      apiPorts: [(proxy.address() as net.AddressInfo).port, Number(new URL(apis[1]!.url).port)],
      lb: { statsPort: await free(), weaviateHttpPort: await free(), weaviateGrpcPort: await free(), configFile: path.join(tmp, 'haproxy', 'haproxy.cfg') },
      // No Weaviate here: its backends stay down, which the API backend does not mind.
      weaviateNodes: await Promise.all(base.cluster!.weaviateNodes.map(async (n) => ({ ...n, httpPort: await free(), grpcPort: await free() }))),
    },
  };
  await haproxyService.start(profile, () => undefined);
  url = `http://127.0.0.1:${profile.api.port}`;
  await waitUntil(async () => {
    const states = await haproxyServerStates(profile);
    return states['memflow_apis/api-1'] === 'UP' && states['memflow_apis/api-2'] === 'UP';
  }, { what: 'both APIs up in HAProxy', timeoutMs: 30_000 });
});

after(async () => {
  if (profile) await haproxyService.stop(profile);
  for (const s of sockets) s.destroy();
  if (proxy) await new Promise<void>((r) => proxy!.close(() => r()));
  for (const a of apis) await a.close();
  await prisma.$disconnect();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A request through HAProxy, pinned to api-1 by its cookie (a retry may still go elsewhere: redispatch). */
const viaApi1 = (key: string, method: string, pathname: string, body?: unknown) =>
  fetch(`${url}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${key}`, cookie: 'MEMFLOW_LB=api-1', ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(30_000),
  });

test('requests an API died on are answered by the other when replaying them is safe, and only then', async () => {
  const t = await newTenant(prisma);
  const sessionId = crypto.randomUUID();

  // A hook delivery: answered, stored once.
  dieOn = /^POST \/v1\/hooks\/session-start /;
  const hook = await viaApi1(t.key, 'POST', '/v1/hooks/session-start', { session_id: sessionId, transcript_path: '/tmp/t.jsonl', cwd: '/home/dev/haproxy-retries', hook_event_name: 'SessionStart', source: 'startup' });
  assert.equal(hook.status, 200, await hook.text());
  assert.equal(died, 1, 'the first attempt died on api-1');
  assert.equal(await prisma.hookEvent.count({ where: { tenantId: t.tenantId, session: { agentSessionId: sessionId } } }), 1, 'stored once');

  // A search: answered.
  dieOn = /^GET \/v1\/search\?/;
  const search = await viaApi1(t.key, 'GET', '/v1/search?q=retries&mode=keyword');
  assert.equal(search.status, 200, await search.text());
  assert.equal(died, 2);

  // Remembering a memory is not replayed: the client sees the failure (and may decide itself).
  dieOn = /^POST \/v1\/memories /;
  const remember = await viaApi1(t.key, 'POST', '/v1/memories', { text: 'HAProxy replays only what is safe to replay', kind: 'fact', project: 'haproxy-retries' });
  assert.equal(remember.status, 502);
  assert.equal(died, 3);
  assert.equal(await prisma.learning.count({ where: { tenantId: t.tenantId } }), 0, 'nothing remembered');
});
