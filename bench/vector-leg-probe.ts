/**
 * `bench/vector-leg-probe.ts`: the vector leg alone (api/search/semantic.ts's vectorSearch, the 30
 * nearest of each collection, as hybrid search asks for a page of 10), in-process, over the last
 * bench:search-scale fill, under several HNSW search settings set on the live collections in turn.
 * For each: Weaviate's CPU time per search (read from /proc: on a shared machine the wall time
 * mostly measures the machine's load), the wall time, and the share of the exact nearest found
 * (the exact ones: every allowed object compared, flatSearchCutoff above any project's size).
 * Ends with memflow's settings (HNSW_SEARCH) set again.
 *
 *   MEMFLOW_TEST_PORT_SHIFT=14000 tsx bench/vector-leg-probe.ts [--label big] [--questions 60] [--small]
 *       [--settings '{"flatSearchCutoff":1000};{"flatSearchCutoff":1000,"filterStrategy":"sweeping","dynamicEfFactor":4}']
 *
 * Each setting is merged over Weaviate's defaults (WEAVIATE_HNSW_SEARCH_DEFAULTS). A flatSearchCutoff
 * below a project's size makes Weaviate walk HNSW for it (e.g. on a fill grown only part-way).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createVectorBackend, vectorSearch } from '../api/search/semantic.js';
import { parseConfig } from '../common/server/config.js';
import { createPgPool } from '../common/server/pg.js';
import { COLLECTIONS, HNSW_SEARCH, setHnswSearch, WEAVIATE_HNSW_SEARCH_DEFAULTS } from '../common/server/weaviate/schema.js';
import { stackStatus } from '../infra/stack.js';
import { repoRoot } from '../infra/profile.js';
import { RECORD_TYPES } from '../messages/record-types-v1.js';
import { benchStack, percentile } from './lib.js';
import { cpuSecondsOf, loadAverage } from './proc-cpu.js';
import type { HistoryCorpus } from './retrieval-history-corpus.js';
import { PILE } from './scale-corpus.js';

const { values: args } = parseArgs({
  options: {
    label: { type: 'string', default: 'big' },
    questions: { type: 'string', default: '60' },
    settings: { type: 'string', default: '{"flatSearchCutoff":1000};{"flatSearchCutoff":1000,"filterStrategy":"sweeping","dynamicEfFactor":4}' },
    small: { type: 'boolean', default: false },
  },
});

const STATE_DIR = process.env.MEMFLOW_STATE_DIR ?? path.join(repoRoot, '.memflow');
const STATE = path.join(STATE_DIR, `search-scale-${process.env.MEMFLOW_TEST_PORT_SHIFT ?? '0'}${args.label ? `-${args.label}` : ''}.json`);
const DEPTH = 30;

async function main(): Promise<void> {
  const { tenantId } = JSON.parse(fs.readFileSync(STATE, 'utf8')) as { tenantId: string };
  const stack = await benchStack();
  const config = parseConfig({ ...process.env, ...stack.env });
  const pool = createPgPool(config.DATABASE_URL, 2);
  const backend = createVectorBackend(config);
  const client = await backend.client();
  const weaviatePid = (await stackStatus(stack.profile))[1]?.pid;
  const weaviateCpu = () => (weaviatePid ? (cpuSecondsOf(weaviatePid) ?? NaN) : NaN);
  const apply = async (settings: typeof HNSW_SEARCH) => {
    for (const type of RECORD_TYPES) await setHnswSearch(client, COLLECTIONS[type], settings);
  };
  try {
    const corpus = JSON.parse(fs.readFileSync(path.join(repoRoot, 'bench/data/retrieval-history.json'), 'utf8')) as HistoryCorpus;
    const texts = corpus.questions.filter((q) => q.split === 'test').filter((_, i) => i % 3 === 0).map((q) => q.text).slice(0, Number(args.questions));
    const vectors = await Promise.all(texts.map((t) => backend.embedQuery(t)));
    const { rows: projects } = await pool.query<{ id: string; name: string; n: string }>(
      `select p.id, p.name, count(*) as n from observations o join projects p on p.id = o.project_id where o.tenant_id = $1 group by p.id, p.name order by n desc`,
      [tenantId],
    );
    const pile = projects.find((p) => p.name === PILE)!;
    const others = projects.filter((p) => p.name !== PILE).slice(0, 6);
    console.log(`[probe] observations in PostgreSQL: ${pile.name} ${pile.n}; ${others.map((p) => `${p.name} ${p.n}`).join(', ')}`);
    const scopes: [string, (i: number) => string][] = [[PILE, () => pile.id], ...(args.small ? [['6 next largest', (i: number) => others[i % others.length]!.id] as [string, (i: number) => string]] : [])];

    const exact = new Map<string, Set<string>>();
    const run = async (label: string, scope: string, projectOf: (i: number) => string) => {
      const times: number[] = [];
      let found = 0;
      let wanted = 0;
      const load = loadAverage();
      const cpu0 = weaviateCpu();
      for (let i = 0; i < vectors.length; i++) {
        const t0 = performance.now();
        const refs = await vectorSearch(client, { vector: vectors[i]!, scope: { tenantId, types: RECORD_TYPES, projectId: projectOf(i) }, depth: DEPTH });
        times.push(performance.now() - t0);
        const key = `${scope}:${i}`;
        if (label === 'exact') exact.set(key, new Set(refs.map((r) => r.id)));
        const truth = exact.get(key);
        wanted += truth?.size ?? 0;
        found += truth ? refs.filter((r) => truth.has(r.id)).length : 0;
      }
      const cpu = ((weaviateCpu() - cpu0) * 1000) / vectors.length;
      times.sort((a, b) => a - b);
      console.log(
        `${`${label}, ${scope}`.padEnd(70)} Weaviate CPU ${cpu.toFixed(1)} ms/search; wall p50 / p95 ${percentile(times, 50).toFixed(1)} / ${percentile(times, 95).toFixed(1)} ms; exact found ${wanted ? (found / wanted).toFixed(3) : '-'}; load ${load} → ${loadAverage()}`,
      );
    };
    await apply({ ...WEAVIATE_HNSW_SEARCH_DEFAULTS, flatSearchCutoff: 1e9 });
    for (const [scope, projectOf] of scopes) await run('warm-up', scope, projectOf);
    for (const [scope, projectOf] of scopes) await run('exact', scope, projectOf);
    for (const setting of args.settings.split(';')) {
      await apply({ ...WEAVIATE_HNSW_SEARCH_DEFAULTS, ...(JSON.parse(setting) as Partial<typeof HNSW_SEARCH>) });
      for (const [scope, projectOf] of scopes) await run(setting, scope, projectOf);
    }
  } finally {
    await apply(HNSW_SEARCH).catch(() => undefined);
    await backend.close();
    await pool.end();
    await stack.stop();
  }
}

main().catch((err: Error) => {
  console.error(`vector-leg-probe: ${err.stack ?? err.message}`);
  process.exit(1);
});
