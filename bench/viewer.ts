/**
 * `npm run bench:viewer`: how fast the web viewer shows what matters, in Debian's headless Chromium
 * against memflow's API and worker (own processes) on the test stack.
 *
 * - Live, first meaningful paint: a tenant with 40 sessions (10 events each, 10 still running); a
 *   signed-in browser opens /ui (cold cache, new context each run). Measured in the page from the
 *   navigation's start: first contentful paint (Paint Timing), and the first session card in the DOM
 *   then painted (a MutationObserver installed before the page's own script, then two animation frames).
 * - Session of 5,000 events (1 start, 1,666 prompts, 1,666 tool calls each a pre and a post event, a stop
 *   and an end = 3,335 timeline items): from navigation to the whole timeline read (every page) and
 *   shown (`memflow:timeline-painted`: the list is windowed, its first 300 items are in the page and
 *   find-in-page covers all); also the first page of items (`memflow:timeline-first-items`).
 * - Bytes: what the browser downloads for the page (HTML, script, stylesheet; transfer sizes from
 *   Resource Timing), and the answers of the views' API calls.
 * Each figure is the median of `--runs` (default 5); the load average (uptime) is printed beside it.
 *
 *   npm run bench:viewer -- --runs 5
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { Command } from 'commander';
import type { Browser, Page } from 'playwright-core';
import { createPrisma } from '../common/server/db.js';
import { freePort } from '../infra/ports.js';
import { waitUntil } from '../infra/wait-until.js';
import { createApiClient, fetchTransport } from '../clients/api.js';
import { launchBrowser } from '../tests/helpers/browser.js';
import { buildViewer } from '../viewer/build.js';
import { benchStack, benchTenant, percentile, printTable, spawnEntry, stopChild, waitForReady } from './lib.js';

const load = () => os.loadavg().map((n) => n.toFixed(2)).join(' ');

async function post(url: string, key: string, event: string, body: Record<string, unknown>): Promise<void> {
  await createApiClient({ transport: fetchTransport(url), key, describe: url }).hook(event, body);
}

/** Events of one session, in order; `n` events in all. */
function sessionEvents(sessionId: string, project: string, n: number, end: boolean): { event: string; body: Record<string, unknown> }[] {
  const common = { session_id: sessionId, transcript_path: `/tmp/${sessionId}.jsonl`, cwd: `/home/dev/${project}` };
  const out: { event: string; body: Record<string, unknown> }[] = [{ event: 'session-start', body: { ...common, hook_event_name: 'SessionStart', source: 'startup' } }];
  let i = 0;
  while (out.length < n - (end ? 2 : 1)) {
    i += 1;
    if (i % 2 === 1) out.push({ event: 'user-prompt-submit', body: { ...common, hook_event_name: 'UserPromptSubmit', prompt: `Step ${i}: make the checkout total handle an empty cart (attempt ${i}), then run the tests again.` } });
    else {
      const tool_use_id = `toolu_${sessionId.slice(0, 8)}_${i}`;
      const tool_input = { command: `npm test -- checkout --grep case-${i}` };
      out.push({ event: 'pre-tool-use', body: { ...common, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input, tool_use_id } });
      out.push({ event: 'post-tool-use', body: { ...common, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input, tool_use_id, tool_response: { stdout: `PASS tests/checkout.test.ts\n  ✓ case ${i} (${i % 17} ms)\nTests: ${i} passed`, stderr: '' } } });
    }
  }
  out.push({ event: 'stop', body: { ...common, hook_event_name: 'Stop', stop_hook_active: false } });
  if (end) out.push({ event: 'session-end', body: { ...common, hook_event_name: 'SessionEnd', reason: 'other' } });
  return out;
}

/** Posts each session's events in order, several sessions at once. */
async function seed(url: string, key: string, sessions: { event: string; body: Record<string, unknown> }[][], concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < sessions.length) {
        const s = sessions[next++]!;
        for (const e of s) await post(url, key, e.event, e.body);
      }
    }),
  );
}

interface Run {
  fcp: number;
  meaningful: number;
  pageBytes: number;
  apiBytes: number;
  extra?: number;
}

/** A fresh, signed-in context (cold cache); `first` and `ready` name the User Timing marks to read. */
async function measure(browser: Browser, url: string, key: string, route: string, first: string, ready: string): Promise<Run> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const signin = await context.request.post(`${url}/ui/session`, { data: { key } });
    if (!signin.ok()) throw new Error(`sign-in: ${signin.status()}`);
    const page: Page = await context.newPage();
    // The views mark (User Timing) when they first showed their data, from an effect, which runs after
    // the browser painted; the marks' times are from the navigation's start.
    await page.goto(`${url}/ui${route}`, { waitUntil: 'commit' });
    const markTime = (name: string) =>
      page.waitForFunction((n) => performance.getEntriesByName(n, 'mark')[0]?.startTime, name, { timeout: 60_000, polling: 50 }).then(async (h) => Number(await h.jsonValue()));
    const firstItems = await markTime(first);
    const readyAt = await markTime(ready);
    return await page.evaluate(() => {
      const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      const res = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
      const pageBytes = (nav?.transferSize ?? 0) + res.filter((r) => r.name.includes('/ui/assets/')).reduce((n, r) => n + r.transferSize, 0);
      const apiBytes = res.filter((r) => r.name.includes('/v1/') || r.name.includes('/ui/session')).reduce((n, r) => n + r.transferSize, 0);
      return { fcp, pageBytes, apiBytes };
    }).then((r) => ({ ...r, meaningful: readyAt, extra: firstItems }));
  } finally {
    await context.close();
  }
}

const LIVE = 'memflow:live-painted';
const FIRST = 'memflow:timeline-first-items';
const WHOLE = 'memflow:timeline-painted';
const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);

async function main(): Promise<void> {
  const opts = new Command().option('--runs <n>', 'runs per figure', '5').option('--events <n>', 'events of the big session', '5000').parse().opts<{ runs: string; events: string }>();
  const runs = Number(opts.runs);
  const built = await buildViewer();
  const stack = await benchStack();
  const prisma = createPrisma(stack.env.DATABASE_URL);
  const queue = `bench-viewer-${crypto.randomBytes(3).toString('hex')}`;
  const port = await freePort();
  const env = { ...stack.env, TEMPORAL_TASK_QUEUE: queue, MEMFLOW_LOG_LEVEL: 'error', MEMFLOW_WORKER_METRICS_PORT: 'off' };
  const worker = spawnEntry('workers/main.ts', env);
  const apiProc = spawnEntry('api/main.ts', { ...env, MEMFLOW_PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  let browser: Browser | undefined;
  try {
    await waitUntil(async () => (await fetch(`${url}/health`).catch(() => null))?.ok === true, { what: 'API', timeoutMs: 60_000, intervalMs: 250 });
    await waitForReady(url);
    const liveTenant = await benchTenant(prisma, 'bench-viewer-live');
    const bigTenant = await benchTenant(prisma, 'bench-viewer-big');
    console.log(`[bench] seeding 40 sessions (400 events) and one session of 5,000 events… (load ${load()})`);
    const t0 = Date.now();
    await seed(url, liveTenant.key, Array.from({ length: 40 }, (_, i) => sessionEvents(crypto.randomUUID(), `proj-${i % 4}`, 10, i >= 10)), 8);
    const bigId = crypto.randomUUID();
    const big = sessionEvents(bigId, 'big-project', Number(opts.events), true);
    // One session's events in order, one at a time, as an agent sends them.
    await seed(url, bigTenant.key, [big], 1);
    console.log(`[bench] seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s (load ${load()})`);
    const stored = await prisma.session.findFirstOrThrow({ where: { tenantId: bigTenant.tenantId, agentSessionId: bigId } });
    const items = await prisma.observation.count({ where: { sessionId: stored.id } });

    browser = await launchBrowser();
    // One warm-up of each (the API's first queries, the browser process), not counted.
    await measure(browser, url, liveTenant.key, '#/live', LIVE, LIVE);
    await measure(browser, url, bigTenant.key, `#/sessions/${bigId}`, FIRST, WHOLE);
    const live: Run[] = [];
    const session: Run[] = [];
    const loads: string[] = [];
    for (let i = 0; i < runs; i++) {
      live.push(await measure(browser, url, liveTenant.key, '#/live', LIVE, LIVE));
      session.push(await measure(browser, url, bigTenant.key, `#/sessions/${bigId}`, FIRST, WHOLE));
      loads.push(load());
    }
    const ms = (n: number) => `${n.toFixed(0)} ms`;
    const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    printTable(`viewer: headless Chromium (Debian), 1280×800, cold cache per run, median of ${runs}; load average before/after: ${loads[0]} / ${loads.at(-1)}`, [
      ['Live: first contentful paint', ms(median(live.map((r) => r.fcp)))],
      ['Live: first session cards painted (goal ≤ 1 s)', ms(median(live.map((r) => r.meaningful)))],
      ['Live: page download (HTML+JS+CSS)', kib(median(live.map((r) => r.pageBytes)))],
      [`Session of ${stored.eventCount} events (${items} items): first items painted`, ms(median(session.map((r) => r.extra ?? NaN)))],
      [`Session of ${stored.eventCount} events: whole timeline read and shown (goal ≤ 1 s)`, ms(median(session.map((r) => r.meaningful)))],
      ['Session: API answers downloaded', kib(median(session.map((r) => r.apiBytes)))],
      ['viewer assets on disk (script + stylesheet, uncompressed)', kib(built.bytes)],
      ['Live runs (ms)', live.map((r) => r.meaningful.toFixed(0)).join(' ')],
      ['Session runs (ms)', session.map((r) => r.meaningful.toFixed(0)).join(' ')],
    ]);
    console.log(`load average (1/5/15 min) after the runs: ${load()}; ${os.cpus().length} cores`);
  } finally {
    await browser?.close();
    await stopChild(apiProc);
    await stopChild(worker);
    await prisma.$disconnect();
    await stack.stop();
  }
}

main().catch((err: Error) => {
  console.error(`bench:viewer: ${err.stack ?? err.message}`);
  process.exit(1);
});
