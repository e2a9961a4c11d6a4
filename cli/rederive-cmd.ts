/**
 * `memflow rederive <project> --summarizer claude|offline [--dry-run] [--wait]`: POST
 * /v1/projects/{project}/rederive; with --wait it follows the derivation (progress on stderr) until
 * it is served, cancelled or failed. `memflow rederive status|cancel|resume <id>` and
 * `memflow rederive list <project>` (docs/rederivation.md).
 */
import type { DerivationView } from '../messages/rederive-api-v1.js';
import type { Summarizer } from '../messages/workflows-v1/rederive.js';
import { withApi, type ApiOptions } from './api-client.js';
import { ADMIN_HINT, pollJob } from './jobs.js';
import { CliError, printTable } from './output.js';

type Out = (line: string) => void;
export type RederiveOpts = ApiOptions & { summarizer?: string; dryRun?: boolean; wait?: boolean; json?: boolean; pageSize?: string };

const n = (x: number) => x.toLocaleString('en-US');
const RUNNING = new Set(['estimating', 'building', 'paused']);

/** One line of where a derivation stands. */
export function progressLine(d: DerivationView): string {
  const pct = d.sessionsTotal > 0 ? ` (${Math.floor((100 * d.sessionsDone) / d.sessionsTotal)} %)` : '';
  const paused = d.status === 'paused' && d.pausedUntil ? `, paused by the daily budget until ${d.pausedUntil}` : '';
  return `${d.status}: ${n(d.sessionsDone)}/${n(d.sessionsTotal)} sessions${pct}, ${n(d.measured.tokens)} tokens of ${n(d.estimate.tokens)} estimated${paused}`;
}

function describe(d: DerivationView, out: Out): void {
  out(`derivation ${d.id} of ${d.project}: ${d.summarizer}${d.model ? ` ${d.model}` : ''}, prompt ${d.promptVersion || '?'}`);
  out(`  estimate: ${n(d.estimate.tokens)} tokens, $${d.estimate.costUsd.toFixed(4)}; measured: ${n(d.measured.tokens)} tokens, $${d.measured.costUsd.toFixed(4)}`);
  out(`  ${progressLine(d)}`);
  if (d.changes) out(`  swap: ${Object.entries(d.changes).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (d.error) out(`  error: ${d.error}`);
}

export async function rederiveStart(project: string, opts: RederiveOpts, out: Out, err: Out): Promise<void> {
  const summarizer = opts.summarizer as Summarizer | undefined;
  if (summarizer !== 'offline' && summarizer !== 'claude') throw new CliError('--summarizer: offline or claude', 2);
  const pageSize = opts.pageSize ? Number(opts.pageSize) : undefined;
  const d = await withApi(opts, (api) => api.rederive(project, { summarizer, ...(opts.dryRun ? { dryRun: true } : {}), ...(pageSize ? { pageSize } : {}) }), ADMIN_HINT);
  if (!opts.wait && (!opts.dryRun || d.status === 'estimated')) {
    if (opts.json) return out(JSON.stringify(d));
    return describe(d, out);
  }
  err(`derivation ${d.id} started`);
  await watch(d, opts, out, err);
}

/** Follows a derivation, a progress line on stderr each time it moves. */
async function watch(d: DerivationView, opts: RederiveOpts, out: Out, err: Out): Promise<void> {
  let last = '';
  const done = await pollJob<DerivationView>(
    d.id,
    async (api) => {
      const now = await api.derivation(d.id);
      const line = progressLine(now);
      if (line !== last && RUNNING.has(now.status)) err((last = line));
      return now;
    },
    (x) => RUNNING.has(x.status),
    { ...opts, intervalMs: 1000, progress: () => undefined },
  );
  if (opts.json) out(JSON.stringify(done));
  else describe(done, out);
  if (done.status !== 'active' && done.status !== 'estimated') throw new CliError(`derivation ${done.id} ${done.status}${done.error ? `: ${done.error}` : ''}`);
}

export async function rederiveStatus(id: string, opts: RederiveOpts, out: Out, err: Out): Promise<void> {
  const d = await withApi(opts, (api) => api.derivation(id));
  if (opts.wait) return watch(d, opts, out, err);
  if (opts.json) return out(JSON.stringify(d));
  describe(d, out);
}

export async function rederiveCancel(id: string, opts: RederiveOpts, out: Out): Promise<void> {
  const d = await withApi(opts, (api) => api.cancelDerivation(id), ADMIN_HINT);
  out(opts.json ? JSON.stringify(d) : `cancelling derivation ${d.id}; the served derivation stays`);
}

export async function rederiveResume(id: string, opts: RederiveOpts, out: Out, err: Out): Promise<void> {
  const pageSize = opts.pageSize ? Number(opts.pageSize) : undefined;
  const d = await withApi(opts, (api) => api.resumeDerivation(id, pageSize ? { pageSize } : {}), ADMIN_HINT);
  if (!opts.wait) return out(opts.json ? JSON.stringify(d) : `resumed derivation ${d.id}`);
  err(`derivation ${d.id} resumed`);
  await watch(d, opts, out, err);
}

export async function rederiveList(project: string, opts: RederiveOpts, out: Out): Promise<void> {
  const { items } = await withApi(opts, (api) => api.derivations(project));
  if (opts.json) return out(JSON.stringify({ items }));
  printTable(
    ['ID', 'STATUS', 'SUMMARIZER', 'SESSIONS', 'ESTIMATE', 'MEASURED', 'CREATED'],
    items.map((d) => [d.id, d.status, `${d.summarizer}${d.model ? ` ${d.model}` : ''}`, `${d.sessionsDone}/${d.sessionsTotal}`, n(d.estimate.tokens), n(d.measured.tokens), d.createdAt]),
    out,
  );
}
