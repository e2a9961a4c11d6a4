/**
 * Batch summaries while the session runs: the next observations after the last batch, as many as
 * fit the batch size in the tokens the model will be sent, summarized by the model (or offline).
 */
import type { SessionIds } from '../capture/capture-activities.js';
import { countTokens } from '../../common/rules/tokens.js';
import { toActivityFailure } from '../failures.js';
import { chooseBatch } from './batching.js';
import { callStructured } from './claude.js';
import { offlineBatchSummary, type OfflineObservation } from './offline.js';
import { SUMMARY_TOOL, SYSTEM_PROMPT, batchPrompt, renderObservation } from './prompt.js';
import { batchAnswerSchema } from './summary-schema.js';
import type { SummaryKit, SummaryOutcome } from './summary-kit.js';

export interface BatchInput extends SessionIds {
  /** Highest sequence already covered by batch summaries. */
  afterSequence: number;
  /** Summarize everything left, whatever its size (the session ended). */
  flush: boolean;
  /** Below the batch size, still summarize once this many tokens wait (the agent finished a turn). */
  minTokens?: number;
  /** Use the offline summarizer (the model's answers stayed malformed). */
  offline?: boolean;
  /** Summarize up to this many batches in a row (default 1). */
  maxBatches?: number;
}

/** Candidate rows read per batch: more than any token budget fills with real observations. */
const CANDIDATE_ROWS = 500;
/** A tool call without its result for this long is summarized as it is. */
const OPEN_CALL_GRACE = '15 minutes';

interface CandidateRow extends OfflineObservation {
  id: string;
  open: boolean;
}

/** Observations after `after`, in order, with whether each tool call still waits for its result. */
function candidates(prisma: SummaryKit['prisma'], sessionId: string, after: number): Promise<CandidateRow[]> {
  return prisma.$queryRawUnsafe<CandidateRow[]>(
    `SELECT o.id, o.sequence, o.kind::text AS kind, o.tool_name AS "toolName", o.title, o.text, o.token_count AS "tokenCount",
            (o.kind = 'tool' AND o.created_at > now() - interval '${OPEN_CALL_GRACE}' AND NOT EXISTS (
               SELECT 1 FROM hook_events h WHERE h.id = ANY(o.source_event_ids) AND h.event = 'post-tool-use')) AS open
       FROM observations o
      WHERE o.session_id = $1::uuid AND o.sequence > $2
      ORDER BY o.sequence
      LIMIT ${CANDIDATE_ROWS}`,
    sessionId,
    after,
  );
}

/** One batch (see summarizeBatch). */
export async function summarizeOneBatch(kit: SummaryKit, input: BatchInput): Promise<SummaryOutcome> {
  const { prisma, config, client, batchModel, maxOut, systemTokens, projectName, withBudget, storeSummary } = kit;
  const ids = { tenantId: input.tenantId, projectId: input.projectId, sessionId: input.sessionId };
  const rows = await candidates(prisma, input.sessionId, input.afterSequence).catch(toActivityFailure);
  // Batches are measured in the tokens the model will be sent (renderings are clipped per tool),
  // counted only for the rows the choice looks at (a batch takes a few dozen of the candidates).
  const sized = rows.map((r) => {
    let tokens: number | undefined;
    return {
      ...r,
      get tokenCount() {
        return (tokens ??= countTokens(renderObservation(r)));
      },
    };
  });
  const choice = chooseBatch(sized, {
    budget: config.MEMFLOW_SUMMARY_BATCH_TOKENS,
    flush: input.flush,
    ...(input.minTokens !== undefined ? { minTokens: input.minTokens } : {}),
  });
  if (choice.take === 0) return { status: 'nothing', more: choice.more };
  const batch = rows.slice(0, choice.take);
  const from = batch[0]!.sequence;
  const to = batch.at(-1)!.sequence;
  const done = (id: string, toSequence: number, offline: boolean): SummaryOutcome => ({
    status: 'done',
    summaryId: id,
    fromSequence: from,
    toSequence,
    offline,
    more: rows.some((r) => r.sequence > toSequence),
  });

  const existing = await prisma.summary.findFirst({ where: { sessionId: input.sessionId, kind: 'batch', fromSequence: from } });
  if (existing) return done(existing.id, existing.toSequence, existing.offline);

  const range = { from, to, count: batch.length };
  if (!client || input.offline) {
    const stored = await storeSummary(ids, 'batch', offlineBatchSummary(batch), range, null);
    return done(stored.id, to, true);
  }
  const user = batchPrompt(await projectName(input.sessionId), batch);
  const result = await withBudget(input.tenantId, systemTokens + countTokens(user) + maxOut, () =>
    callStructured(client, { model: batchModel, maxTokens: maxOut, system: SYSTEM_PROMPT, toolName: SUMMARY_TOOL, toolDescription: 'Record the summary of this part of the session.', schema: batchAnswerSchema, user }),
  );
  if (result.kind === 'parked') return { status: 'parked', resetsAt: result.resetsAt, used: result.used, limit: result.limit };
  const stored = await storeSummary(ids, 'batch', result.answer, range, { model: batchModel, usage: result.usage, requests: result.requests });
  return done(stored.id, to, false);
}
