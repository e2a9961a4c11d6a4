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
import type { VectorActivities } from '../../activities/search/vector-sync-activities.js';
import { REDERIVE_PROGRESS_QUERY, type RederiveInput, type RederiveProgress, type RederiveResult } from '../../messages/workflows-v1/rederive.js';

// The estimate and the swap read or rewrite a whole project (see the preset).
const { estimateRederive, swapRederive } = proxyActivities<RederiveActivities>(rederiveBulk);
// A page of sessions: model calls, heartbeating per session.
const { deriveRederivePage } = proxyActivities<RederiveActivities>(rederivePage);
// One row's status: a quick write that must land.
const { markRederive } = proxyActivities<RederiveActivities>(jobDatabaseBatch);
// Embedding the swapped-in records and removing the retired ones' objects, as reconciliation does.
const { syncRecordVectors, deleteVectors } = proxyActivities<VectorActivities>(reconcileStep);

export const rederiveProgressQuery = defineQuery<RederiveProgress>(REDERIVE_PROGRESS_QUERY);

/** Ids per vector activity call. */
const VECTOR_CHUNK = 200;

function chunks(ids: string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < ids.length; i += VECTOR_CHUNK) out.push(ids.slice(i, i + VECTOR_CHUNK));
  return out;
}

export async function rederiveProjectWorkflow(input: RederiveInput): Promise<RederiveResult> {
  const { derivationId, tenantId } = input;
  const pageSize = input.tuning?.pageSize ?? 25;
  const maxPages = input.tuning?.maxPagesPerRun ?? 100;
  const recheckMs = input.tuning?.budgetRecheckMs ?? 15 * 60_000;
  const progress: RederiveProgress = input.progress ? { ...input.progress, runs: input.progress.runs + 1 } : { phase: 'estimate', done: 0, total: 0, tokens: 0, runs: 1 };
  let estimateTokens = 0;
  setHandler(rederiveProgressQuery, () => progress);
  try {
    if (progress.phase === 'estimate') {
      const estimate = await estimateRederive({ derivationId, summarizer: input.summarizer, dryRun: input.dryRun ?? false });
      progress.total = estimate.sessions;
      estimateTokens = estimate.tokens;
      if (input.dryRun) {
        progress.phase = 'done';
        return { derivationId, status: 'estimated', sessions: estimate.sessions, estimateTokens, measuredTokens: 0 };
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
    const swapped = await swapRederive({ derivationId });
    progress.phase = 'vectors';
    for (const ids of chunks(swapped.summaryIds)) await syncRecordVectors({ tenantId, recordType: 'summary', ids });
    for (const ids of chunks(swapped.learningIds)) await syncRecordVectors({ tenantId, recordType: 'learning', ids });
    for (const ids of chunks(swapped.retiredSummaryIds)) await deleteVectors({ tenantId, recordType: 'summary', ids });
    progress.phase = 'done';
    log.info('re-derivation swapped in', { derivationId, ...swapped.changes, runs: progress.runs });
    return { derivationId, status: 'active', sessions: progress.done, estimateTokens, measuredTokens: progress.tokens };
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
