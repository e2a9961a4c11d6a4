/**
 * Re-derives a project's summaries and learnings with another summarizer (docs/rederivation.md):
 * records the cost estimate first (a dry run stops there), derives and stages the sessions page by
 * page (the served derivation untouched), pauses while the tenant's daily budget cannot pay for the
 * next call, then swaps the new derivation in with one transaction and brings Weaviate along.
 * Progress is the derivation row (API, CLI, viewer) and the `rederiveProgress` query. Cancelling the
 * workflow marks the derivation cancelled; starting it again with the same derivation id resumes it:
 * sessions already staged are skipped. Long runs continue-as-new with their progress.
 */
import { CancellationScope, ContinueAsNew, continueAsNew, defineQuery, isCancellation, log, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import { rederiveBulk, rederivePage, reconcileStep, jobDatabaseBatch } from '../activity-presets.js';
import type { RederiveActivities } from '../../activities/rederive/rederive-activities.js';
import type { VectorActivities } from '../../activities/vectors/vector-sync-activities.js';
import { REDERIVE_PROGRESS_QUERY, type RederiveInput, type RederiveProgress, type RederiveResult } from '../../messages/workflows-v1/rederive.js';

// The estimate and the swap read or rewrite a whole project (see the preset).
const { estimateRederive, swapRederive } = proxyActivities<RederiveActivities>(rederiveBulk);
// A page of ids the swap touched: one indexed query.
const { listRederived } = proxyActivities<RederiveActivities>(jobDatabaseBatch);
// A page of sessions: model calls, heartbeating per session.
const { deriveRederivePage } = proxyActivities<RederiveActivities>(rederivePage);
// One row's status: a quick write that must land.
const { markRederive } = proxyActivities<RederiveActivities>(jobDatabaseBatch);
// Embedding the swapped-in records and removing the retired ones' objects, as reconciliation does.
const { syncRecordVectors, deleteVectors } = proxyActivities<VectorActivities>(reconcileStep);

export const rederiveProgressQuery = defineQuery<RederiveProgress>(REDERIVE_PROGRESS_QUERY);

/** Ids per vector activity call. */
const VECTOR_PAGE = 200;

export async function rederiveProjectWorkflow(input: RederiveInput): Promise<RederiveResult> {
  const { derivationId, tenantId } = input;
  const pageSize = input.tuning?.pageSize ?? 25;
  const maxPages = input.tuning?.maxPagesPerRun ?? 100;
  const recheckMs = input.tuning?.budgetRecheckMs ?? 15 * 60_000;
  const progress: RederiveProgress = input.progress ? { ...input.progress, runs: input.progress.runs + 1 } : { phase: 'estimate', done: 0, total: 0, tokens: 0, runs: 1 };
  setHandler(rederiveProgressQuery, () => progress);
  try {
    if (progress.phase === 'estimate') {
      const estimate = await estimateRederive({ derivationId, summarizer: input.summarizer, dryRun: input.dryRun ?? false });
      progress.total = estimate.sessions;
      progress.estimateTokens = estimate.tokens;
      if (input.dryRun) {
        progress.phase = 'done';
        return { derivationId, status: 'estimated', sessions: estimate.sessions, estimateTokens: estimate.tokens, measuredTokens: 0 };
      }
      progress.phase = 'derive';
      // A resumed derivation (cancelled, failed) builds again.
      await markRederive({ derivationId, status: 'building' });
    }
    let pages = 0;
    while (progress.phase === 'derive') {
      const page = await deriveRederivePage({ derivationId, limit: pageSize, ...(progress.afterSessionId ? { afterSessionId: progress.afterSessionId } : {}) });
      progress.done += page.derived + page.skipped;
      progress.tokens += page.tokens;
      if (page.lastSessionId) progress.afterSessionId = page.lastSessionId;
      if (page.parkedUntil !== undefined) {
        // The budget is spent: wait for it (the UTC day turns, or an operator raises it), never overspend.
        progress.pausedUntil = page.parkedUntil;
        await markRederive({ derivationId, status: 'paused', pausedUntil: page.parkedUntil });
        await sleep(Math.max(1000, Math.min(page.parkedUntil - Date.now(), recheckMs)));
        delete progress.pausedUntil;
        await markRederive({ derivationId, status: 'building' });
      } else if (!page.more) {
        progress.phase = 'swap';
      }
      if (progress.phase === 'derive' && (++pages >= maxPages || workflowInfo().continueAsNewSuggested)) {
        await continueAsNew<typeof rederiveProjectWorkflow>({ ...input, progress });
      }
    }
    if (progress.phase === 'swap') {
      const changes = await swapRederive({ derivationId });
      log.info('re-derivation swapped in', { derivationId, ...changes, runs: progress.runs });
      progress.phase = 'vectors';
    }
    // Weaviate follows, a page of ids at a time (a large project's ids would not fit one payload).
    const sets = [
      ['summaries', (ids: string[]) => syncRecordVectors({ tenantId, recordType: 'summary', ids })],
      ['learnings', (ids: string[]) => syncRecordVectors({ tenantId, recordType: 'learning', ids })],
      ['retired', (ids: string[]) => deleteVectors({ tenantId, recordType: 'summary', ids })],
    ] as const;
    for (const [set, apply] of sets) {
      let afterId: string | undefined;
      for (;;) {
        const ids = await listRederived({ derivationId, set, limit: VECTOR_PAGE, ...(afterId ? { afterId } : {}) });
        if (ids.length > 0) await apply(ids);
        if (ids.length < VECTOR_PAGE) break;
        afterId = ids.at(-1);
      }
    }
    progress.phase = 'done';
    return { derivationId, status: 'active', sessions: progress.done, estimateTokens: progress.estimateTokens ?? 0, measuredTokens: progress.tokens };
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => markRederive({ derivationId, status: 'cancelled' }));
      throw err;
    }
    const error = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
    await markRederive({ derivationId, status: 'failed', error });
    throw err;
  }
}
