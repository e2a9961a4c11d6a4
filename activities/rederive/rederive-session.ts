/**
 * Derives one session again and stages the result (derived_sessions), without touching what is
 * served: its final summary (its id chosen now, so learnings can cite it at the swap) and its
 * learning candidates with their fingerprints and evidence. The staged row, the token usage of the
 * tenant's day and the derivation's counters are written in one transaction; the caller skips
 * staged sessions, so a retried page neither calls the model again nor counts anything twice. A call the daily
 * budget cannot pay for is not made: the session comes back `parked`.
 */
import crypto from 'node:crypto';
import { TRANSACTION_OPTIONS, type Prisma } from '../../common/server/db.js';
import { poisonFlags } from '../../common/rules/poison.js';
import { learningFingerprint, outcomeOf } from '../summarize/learning-merge.js';
import { offlineFinal } from '../summarize/offline.js';
import { NO_USAGE, type Usage, recordUsage, callWithinBudget, type Parked } from '../summarize/summary-call.js';
import { mergeCitations } from '../summarize/summary-citations.js';
import type { SummarizeContext } from '../summarize/summarize-activities.js';
import { sessionCitations, summaryColumns } from '../summarize/summary-store.js';
import { finalAnswerSchema, type FinalAnswer } from '../summarize/summary-prompt.js';
import type { ObservationRow } from './rederive-reads.js';
import { TOOL_DESCRIPTION, sessionCall } from './rederive-summarizer.js';

export interface DerivationRef {
  id: string;
  tenantId: string;
  projectId: string;
  project: string;
  model: string | null;
}

/** A learning as a derivation stages it: what the swap needs to create, update or cite it. */
export interface StagedLearning {
  fingerprint: string;
  kind: string;
  title: string;
  body: string;
  confidence: number;
  outcome: string;
  flags: string[];
  observationIds: string[];
  evidence: string[];
  citations: object[];
}

export type RederiveOutcome = { status: 'derived'; tokens: number } | Parked;

/** The candidates merged by fingerprint; ones citing no observation of the session are dropped. */
function stagedLearnings(answer: FinalAnswer, observations: ObservationRow[], citations: Map<number, object[]>): StagedLearning[] {
  const bySequence = new Map(observations.map((o) => [o.sequence, o]));
  const out = new Map<string, StagedLearning>();
  for (const c of answer.learnings) {
    const sources = [...new Set(c.sources)].sort((a, b) => a - b).flatMap((n) => bySequence.get(n) ?? []);
    if (sources.length === 0) continue;
    const fingerprint = learningFingerprint(c.kind, c.title);
    const prev = out.get(fingerprint);
    const cited = sources.flatMap((o) => citations.get(o.sequence) ?? []);
    if (prev) {
      prev.observationIds = [...new Set([...prev.observationIds, ...sources.map((o) => o.id)])];
      continue;
    }
    out.set(fingerprint, {
      fingerprint,
      kind: c.kind,
      title: c.title,
      body: c.body,
      confidence: c.confidence,
      outcome: outcomeOf(c),
      flags: poisonFlags(c.title, c.body),
      observationIds: sources.map((o) => o.id),
      evidence: sources.map((o) => o.title),
      citations: cited,
    });
  }
  return [...out.values()];
}

export async function deriveSession(
  ctx: SummarizeContext,
  d: DerivationRef,
  session: { id: string; endedAt: Date | null; current: { id: string; createdAt: Date } | null },
  observations: ObservationRow[],
): Promise<RederiveOutcome> {
  const { prisma } = ctx;
  let answer: FinalAnswer;
  let usage: Usage = NO_USAGE;
  let requests = 0;
  if (d.model === null || !ctx.client) {
    answer = offlineFinal(observations);
  } else {
    const { user } = sessionCall(d.project, observations);
    const result = await callWithinBudget(ctx, d.tenantId, { client: ctx.client, model: d.model, toolDescription: TOOL_DESCRIPTION, schema: finalAnswerSchema, user });
    if (result.kind === 'parked') return result.outcome;
    ({ answer, usage, requests } = result);
  }
  const { citations, git } = await sessionCitations(prisma, session.id);
  const cost = d.model ? ctx.costOf(d.model, usage) : 0;
  const summary = {
    // The swap replaces the session's final summary in place: a search that found it by id still finds it.
    id: session.current?.id ?? crypto.randomUUID(),
    tenantId: d.tenantId,
    projectId: d.projectId,
    sessionId: session.id,
    kind: 'final',
    ...summaryColumns(answer),
    model: d.model,
    ...usage,
    costUsd: cost,
    offline: d.model === null,
    fromSequence: observations[0]?.sequence ?? 1,
    toSequence: observations.at(-1)?.sequence ?? 0,
    observationCount: observations.length,
    // The summary keeps the place in time of the one it replaces (context ranks by recency).
    createdAt: (session.current?.createdAt ?? session.endedAt ?? new Date()).toISOString(),
    gitBranch: git.branch,
    gitCommit: git.commit,
    citations: mergeCitations([...citations.values()].flat()),
    derivationId: d.id,
  };
  const learnings = stagedLearnings(answer, observations, citations as Map<number, object[]>);
  const tokens = usage.tokensIn + usage.tokensOut + usage.cacheReadTokens + usage.cacheWriteTokens;
  await prisma.$transaction(async (tx) => {
    const inserted = await tx.derivedSession.createMany({
      data: [
        {
          derivationId: d.id,
          sessionId: session.id,
          summary: summary as unknown as Prisma.InputJsonValue,
          learnings: learnings as unknown as Prisma.InputJsonValue,
          ...usage,
          costUsd: cost,
        },
      ],
      skipDuplicates: true,
    });
    // Every paid call counts against the budget, even one whose session a concurrent run staged first.
    if (requests > 0) await recordUsage(tx, d.tenantId, usage, cost, requests);
    if (inserted.count === 0) return;
    await tx.derivation.update({
      where: { id: d.id },
      data: {
        sessionsDone: { increment: 1 },
        tokensIn: { increment: usage.tokensIn },
        tokensOut: { increment: usage.tokensOut },
        cacheReadTokens: { increment: usage.cacheReadTokens },
        cacheWriteTokens: { increment: usage.cacheWriteTokens },
        costUsd: { increment: cost },
      },
    });
  }, TRANSACTION_OPTIONS);
  return { status: 'derived', tokens };
}
