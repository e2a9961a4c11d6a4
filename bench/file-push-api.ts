/**
 * `npm run bench:file-push-api`: the API's side of the push at the code (GET /v1/context?for=file, what a
 * host's PreToolUse on a file waits for at the relay), two APIs on one stack, requests alternated (A B A
 * B): this checkout's and another checkout's (`--base <dir>`: a worktree of the commit to compare with),
 * both from the sources. The project holds `--rules` rules stated in prompts (bench/agent-rules.ts: each
 * anchored to the identifiers it names, as bench:hosts --stated makes them); each request is a new
 * session's first touch of one of their files, asked as the relay asks (its anchors, X-Memflow-Receipt:
 * on-delivery, keep-alive), then confirmed as the relay confirms (POST …/delivered, behind the answer).
 * Reports, per API, the client's time and the server's phases (Server-Timing) at p50 / p90, and checks
 * that every confirmation found its offer.
 *
 *   npm run bench:file-push-api -- --base ../wt-base --requests 200
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { Command } from 'commander';
import { freePort } from '../infra/ports.js';
import { waitUntil } from '../infra/wait-until.js';
import { benchSourceFile, statedRulePrompt } from './agent-rules.js';
import { benchStack, benchTenant, percentile, printColumns, serverPhases, spawnEntry, stopChild } from './lib.js';
import { loadAverage } from './proc-cpu.js';
import { createPrisma } from '../common/server/db.js';
import { parseConfig } from '../common/server/config.js';

const o = new Command('bench:file-push-api')
  .option('--base <dir>', 'the other checkout (its api/main.ts, run from its sources)')
  .option('--requests <n>', 'file touches per API', '200')
  .option('--rules <n>', 'rules stated in prompts', '8')
  .parse()
  .opts<{ base?: string; requests: string; rules: string }>();
const requests = Number(o.requests);
const rules = Number(o.rules);

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
function request(method: string, url: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string; timing: string | undefined; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...headers, ...(body ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}) }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), timing: res.headers['server-timing'] as string | undefined, ms: performance.now() - t0 }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** An API of `root`'s checkout from its sources, on the stack. */
async function startApi(root: string, env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'api/main.ts')], {
    cwd: root,
    env: { ...process.env, ...env, MEMFLOW_PORT: String(port), MEMFLOW_LOG_LEVEL: 'error', MEMFLOW_RATE_LIMIT_PER_MINUTE: '0', MEMFLOW_RATE_LIMIT_HOOKS_PER_MINUTE: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${url}/health`).catch(() => undefined))?.ok === true, { what: `API at ${url}`, timeoutMs: 90_000, intervalMs: 250 });
  return { url, child };
}

const stack = await benchStack();
const prisma = createPrisma(parseConfig({ ...process.env, ...stack.env }).DATABASE_URL);
const apis: { name: string; url: string; child: ChildProcess }[] = [];
// The worker keeps the rules stated in the prompts (at each session's close).
const worker = spawnEntry('workers/main.ts', { ...stack.env, MEMFLOW_LOG_LEVEL: 'error' });
try {
  apis.push({ name: 'this checkout', ...(await startApi(process.cwd(), { ...stack.env })) });
  if (o.base) apis.push({ name: path.basename(path.resolve(o.base)), ...(await startApi(path.resolve(o.base), { ...stack.env })) });
  const tenant = await benchTenant(prisma, 'bench-file-push');
  const project = `file-push-${Date.now()}`;
  const auth = { authorization: `Bearer ${tenant.key}`, 'x-memflow-project': project };
  const api0 = apis[0]!.url;
  for (let i = 0; i < rules; i++) {
    const common = { session_id: `rule-${i}-${Date.now()}`, cwd: `/tmp/${project}` };
    for (const [event, body] of [
      ['session-start', { hook_event_name: 'SessionStart', source: 'startup' }],
      ['user-prompt-submit', { hook_event_name: 'UserPromptSubmit', prompt: statedRulePrompt(i) }],
      ['stop', { hook_event_name: 'Stop', last_assistant_message: 'Understood: the cap stays at 7.' }],
      ['session-end', { hook_event_name: 'SessionEnd', reason: 'exit' }],
    ] as const) {
      const r = await request('POST', `${api0}/v1/hooks/${event}`, auth, JSON.stringify({ ...common, ...body }));
      if (r.status >= 300) throw new Error(`${event}: ${r.status} ${r.body}`);
    }
  }
  let identifiers: string[] = [];
  await waitUntil(
    async () => {
      const r = await request('GET', `${api0}/v1/context/files?project=${project}`, auth);
      identifiers = r.status === 200 ? ((JSON.parse(r.body) as { identifiers?: string[] }).identifiers ?? []) : [];
      return identifiers.length >= rules;
    },
    { what: 'the rules anchored', timeoutMs: 120_000, intervalMs: 500 },
  );
  const loadBefore = loadAverage();
  const samples = apis.map(() => ({ ms: [] as number[], phases: [] as Record<string, number>[], pushed: 0, confirmed: 0, missed: 0 }));
  const confirmations: Promise<void>[] = [];
  for (let n = 0; n < requests; n++) {
    const order = n % 2 === 0 ? apis.map((_, i) => i) : apis.map((_, i) => i).reverse();
    for (const i of order) {
      const file = benchSourceFile(n % rules);
      const names = identifiers.filter((id) => file.text.toLowerCase().includes(id));
      const q = new URLSearchParams({ for: 'file', path: file.path, project, channel: 'file_touch', session: `touch-${i}-${n}-${Date.now()}`, anchors: names.join(',') });
      const r = await request('GET', `${apis[i]!.url}/v1/context?${q}`, { ...auth, 'idempotency-key': `file:${i}-${n}-${Date.now()}`, 'x-memflow-receipt': 'on-delivery', 'user-agent': 'memflow-relay' });
      if (r.status !== 200) throw new Error(`GET /v1/context: ${r.status} ${r.body}`);
      const s = samples[i]!;
      s.ms.push(r.ms);
      s.phases.push(serverPhases(r.timing));
      const answer = JSON.parse(r.body) as { context: string; receipt?: string };
      if (!answer.context) continue;
      s.pushed++;
      if (answer.receipt) {
        // As the relay does: right after the hook's answer, not waited for.
        confirmations.push(
          request('POST', `${apis[i]!.url}/v1/context/receipts/${answer.receipt}/delivered`, auth).then((c) => {
            if (c.status === 204) s.confirmed++;
            else s.missed++;
          }),
        );
      }
    }
  }
  await Promise.all(confirmations);
  const p = (xs: number[], q: number) => percentile([...xs].sort((a, b) => a - b), q);
  const fmt = (xs: number[]) => (xs.length ? `${p(xs, 50).toFixed(1)} / ${p(xs, 90).toFixed(1)}` : '—');
  const phaseNames = [...new Set(samples.flatMap((s) => s.phases.flatMap((ph) => Object.keys(ph))))];
  printColumns(
    `GET /v1/context?for=file, ${requests} first touches per API alternated, p50 / p90 (ms); load average ${loadBefore} before, ${loadAverage()} after`,
    apis.map((a) => a.name),
    [
      ['client: request to answer', samples.map((s) => fmt(s.ms))],
      ...phaseNames.map((name) => [`server: ${name}`, samples.map((s) => fmt(s.phases.map((ph) => ph[name]).filter((v): v is number => v !== undefined)))] as [string, string[]]),
      ['pushed / confirmed / confirmation found no offer', samples.map((s) => `${s.pushed} / ${s.confirmed} / ${s.missed}`)],
    ],
  );
} finally {
  agent.destroy();
  await stopChild(worker);
  for (const a of apis) await stopChild(a.child);
  await prisma.$disconnect();
  await stack.stop();
}
