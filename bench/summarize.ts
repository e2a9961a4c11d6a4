/**
 * bench:summarize — what summarization costs in tokens. Recorded-style sessions are replayed through
 * the real API and worker (separate processes) with Claude replaced by the local fake Messages API,
 * once per batch size; the table reports, per configuration, the input tokens sent per 100
 * observations, batches and requests per session, the share of prompt tokens served from the cache,
 * and the cost at the configured model's list price. Lower is better at equal content: every run
 * summarizes the same sessions, and each ends with a final summary and its learnings.
 *
 *   npm run bench:summarize -- [--sessions 4] [--padding 90] [--budgets 4000,12000,24000]
 */
import crypto from 'node:crypto';
import { Command } from 'commander';
import { PriceTable } from '../activities/summarize/summary-call.js';
import { createPrisma } from '../common/server/db.js';
import { createApiKey, ensureTenant } from '../common/server/tenants.js';
import { freePort } from '../infra/ports.js';
import { waitUntil } from '../infra/wait-until.js';
import { buildDebugSession } from '../tests/fixtures/debug-session.js';
import { FakeAnthropic } from '../tests/helpers/fake-anthropic.js';
import { replay } from '../tests/helpers/sessions.js';
import { benchStack, printColumns, spawnEntry, stopChild, waitForReady } from './lib.js';

const MODEL = 'claude-haiku-4-5';

async function main(): Promise<void> {
  const opts = new Command('bench:summarize')
    .option('--sessions <n>', 'sessions per configuration', '4')
    .option('--padding <n>', 'extra file reads per session (about 400 tokens each)', '90')
    .option('--budgets <list>', 'MEMFLOW_SUMMARY_BATCH_TOKENS values to compare', '4000,12000,24000')
    .parse(process.argv)
    .opts<{ sessions: string; padding: string; budgets: string }>();
  const sessions = Number(opts.sessions);
  const budgets = opts.budgets.split(',').map(Number);

  const stack = await benchStack();
  const prisma = createPrisma(stack.env.DATABASE_URL);
  const fake = await new FakeAnthropic().start();
  const prices = new PriceTable();
  const rows: Record<string, string[]> = {};
  const add = (metric: string, value: string) => (rows[metric] ??= []).push(value);
  try {
    for (const budget of budgets) {
      fake.reset();
      const port = await freePort();
      const env = {
        ...stack.env,
        MEMFLOW_PORT: String(port),
        TEMPORAL_TASK_QUEUE: `bench-sum-${crypto.randomBytes(4).toString('hex')}`,
        MEMFLOW_LOG_LEVEL: 'error',
        ANTHROPIC_API_KEY: 'sk-bench',
        ANTHROPIC_BASE_URL: fake.url,
        MEMFLOW_SUMMARY_MODEL: MODEL,
        MEMFLOW_SUMMARY_BATCH_TOKENS: String(budget),
        MEMFLOW_DAILY_TOKEN_BUDGET: '0',
      };
      const worker = spawnEntry('workers/main.ts', env);
      const api = spawnEntry('api/main.ts', env);
      const url = `http://127.0.0.1:${port}`;
      try {
        await waitForReady(url);
        const tenantName = `bench-sum-${crypto.randomBytes(4).toString('hex')}`;
        const tenant = await ensureTenant(prisma, tenantName);
        const { key } = await createApiKey(prisma, tenantName);
        const streams = Array.from({ length: sessions }, (_, i) => buildDebugSession(crypto.randomUUID(), `/bench/shop-${i}`, Number(opts.padding)));
        const t0 = performance.now();
        await Promise.all(streams.map((s) => replay(url, key, s.deliveries)));
        await waitUntil(async () => (await prisma.summary.count({ where: { tenantId: tenant.id, kind: 'final' } })) === sessions, {
          what: 'final summaries of every session',
          timeoutMs: 600_000,
          intervalMs: 250,
        });
        const seconds = (performance.now() - t0) / 1000;
        const observations = await prisma.observation.aggregate({ where: { tenantId: tenant.id }, _count: true, _sum: { tokenCount: true } });
        const batches = await prisma.summary.count({ where: { tenantId: tenant.id, kind: 'batch' } });
        const learnings = await prisma.learning.count({ where: { tenantId: tenant.id } });
        const u = fake.answered.reduce(
          (a, r) => ({
            input: a.input + r.usage!.input_tokens,
            read: a.read + r.usage!.cache_read_input_tokens,
            write: a.write + r.usage!.cache_creation_input_tokens,
            output: a.output + r.usage!.output_tokens,
          }),
          { input: 0, read: 0, write: 0, output: 0 },
        );
        const sent = u.input + u.read + u.write;
        const per100 = (n: number) => ((n / observations._count) * 100).toFixed(0);
        const cost = prices.cost(MODEL, { tokensIn: u.input, tokensOut: u.output, cacheReadTokens: u.read, cacheWriteTokens: u.write });
        add('observations (tokens)', `${observations._count} (${observations._sum.tokenCount ?? 0})`);
        add('input tokens sent / 100 obs', per100(sent));
        add('  of which uncached / 100 obs', per100(u.input));
        add('cached share of prompt tokens', `${((u.read / sent) * 100).toFixed(1)}%`);
        add('output tokens / 100 obs', per100(u.output));
        add('batches / session', (batches / sessions).toFixed(1));
        add('requests / session', (fake.answered.length / sessions).toFixed(1));
        add('learnings stored', String(learnings));
        add(`cost / session (${MODEL}, USD)`, (cost / sessions).toFixed(4));
        add('replay to last final summary (s)', seconds.toFixed(1));
      } finally {
        await Promise.all([stopChild(api), stopChild(worker)]);
      }
    }
    printColumns(
      `summarize: ${sessions} sessions x ${opts.padding} padding reads per configuration, fake Messages API (cache minimum ${fake.minCacheTokens} tokens)`,
      budgets.map((b) => `batch ${b}`),
      Object.entries(rows),
    );
  } finally {
    await fake.stop();
    await prisma.$disconnect();
    await stack.stop();
  }
}

main().catch((err: Error) => {
  console.error(`bench:summarize: ${err.message}`);
  process.exit(1);
});
