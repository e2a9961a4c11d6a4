/**
 * The summaries of the whole session, made from its batch summaries: the rolling summary at each
 * stop (the previous rolling summary and the batches after it) and the final summary at the end,
 * which also extracts learnings and merges them into the project's.
 */
import type { Tx } from '../../common/server/db.js';
import type { SessionIds } from '../capture/capture-activities.js';
import { mergeLearnings, type LearningMergeResult } from './learning-merge.js';
import { ruleLikePrompts, statedLearnings, withStatedRules } from './stated-learnings.js';
import { agentLabel } from '../../common/rules/agent-label.js';
import { mergeSummaries, offlineFinal } from './offline.js';
import { checkedLearnings, llmOf, lookedAtOnly, teachesNothing, projectName, sessionCitations, storeSummary, type SummaryRange } from './summary-store.js';
import { callWithinBudget } from './summary-call.js';
import { mergeCitations } from './summary-citations.js';
import type { SummarizeContext, SummaryOutcome } from './summarize-activities.js';
import { evidenceIndex, finalPrompt, timelineLines, rollingPrompt, type PartSummary, batchAnswerSchema, finalAnswerSchema, type FinalAnswer, type SummaryFields } from './summary-prompt.js';

export interface SessionSummaryInput extends SessionIds {
  kind: 'rolling' | 'final';
  offline?: boolean;
}

/** Tokens of the observation index sent with the final call. */
const EVIDENCE_TOKENS = 4000;
/** Known learnings shown to the final call, to merge into. */
const KNOWN_LEARNINGS = 40;

const NO_LEARNINGS: LearningMergeResult = { created: [], restated: [], superseded: [], dropped: 0 };

/** A stored summary as the session's summaries read it (a batch, or the previous rolling summary). */
interface PartRow extends PartSummary {
  title: string;
  request: string | null;
  investigated: string | null;
  learned: string | null;
  completed: string | null;
  nextSteps: string | null;
}

/**
 * The rolling summary (at a stop) or the final summary with learnings (at the end), from the
 * session's batch summaries; the final one also merges learnings into the project's.
 */
export async function summarizeSession(ctx: SummarizeContext, input: SessionSummaryInput): Promise<SummaryOutcome> {
  const batches: PartRow[] = await ctx.prisma.summary.findMany({
    where: { sessionId: input.sessionId, kind: 'batch' },
    orderBy: { fromSequence: 'asc' },
    select: { fromSequence: true, toSequence: true, text: true, title: true, request: true, investigated: true, learned: true, completed: true, nextSteps: true },
  });
  if (input.kind === 'rolling') return batches.length === 0 ? { status: 'nothing', more: false } : rollingSummary(ctx, input, batches);
  return finalSummary(ctx, input, batches);
}

/** The outcome of a stored (or found) session summary: what it covers. */
function done(range: { from: number; to: number }, id: string, offline: boolean, learnings?: LearningMergeResult): SummaryOutcome {
  return { status: 'done', summaryId: id, fromSequence: range.from, toSequence: range.to, offline, more: false, ...(learnings ? { learnings } : {}) };
}

const fieldsOf = (b: PartRow): SummaryFields => ({
  title: b.title,
  request: b.request ?? '',
  investigated: b.investigated ?? '',
  learned: b.learned ?? '',
  completed: b.completed ?? '',
  nextSteps: b.nextSteps ?? '',
});

function partsOf(rows: PartSummary[]): PartSummary[] {
  return rows.map((r) => ({ fromSequence: r.fromSequence, toSequence: r.toSequence, text: r.text }));
}

const idsOf = (input: SessionIds): SessionIds => ({ tenantId: input.tenantId, projectId: input.projectId, sessionId: input.sessionId });

/**
 * The session so far = the previous rolling summary + the batches after it: each stop pays for what
 * is new, not for the whole session again.
 */
async function rollingSummary(ctx: SummarizeContext, input: SessionSummaryInput, batches: PartRow[]): Promise<SummaryOutcome> {
  const { prisma, client } = ctx;
  const previous = await prisma.summary.findFirst({ where: { sessionId: input.sessionId, kind: 'rolling' }, orderBy: { toSequence: 'desc' } });
  const fresh = batches.filter((b) => b.toSequence > (previous?.toSequence ?? 0));
  if (fresh.length === 0) return { status: 'nothing', more: false };
  const parts = previous ? [previous, ...fresh] : fresh;
  const range: SummaryRange = { from: parts[0]!.fromSequence, to: fresh.at(-1)!.toSequence, count: batches.length };
  const existing = await prisma.summary.findFirst({ where: { sessionId: input.sessionId, kind: 'rolling', toSequence: range.to } });
  if (existing) return done(range, existing.id, existing.offline);
  // One part is its own rolling summary; merging several needs the model (or the offline merge).
  if (parts.length === 1 || !client || input.offline || client.oneCallPerSession) {
    const stored = await storeSummary(ctx, idsOf(input), 'rolling', mergeSummaries(parts.map(fieldsOf)), range, null);
    return done(range, stored.id, true);
  }
  const user = rollingPrompt(await projectName(prisma, input.sessionId), partsOf(parts));
  const model = ctx.batchModel;
  const result = await callWithinBudget(ctx, input.tenantId, { client, model, toolDescription: 'Record the summary of the session so far.', schema: batchAnswerSchema, user });
  if (result.kind === 'parked') return result.outcome;
  const stored = await storeSummary(ctx, idsOf(input), 'rolling', result.answer, range, llmOf(model, result));
  return done(range, stored.id, false);
}

/** The final summary, with the learnings it extracts merged into the project's. */
async function finalSummary(ctx: SummarizeContext, input: SessionSummaryInput, batches: PartRow[]): Promise<SummaryOutcome> {
  const { prisma, client } = ctx;
  const from = batches[0]?.fromSequence ?? 1;
  const to = batches.at(-1)?.toSequence ?? 0;
  const existing = await prisma.summary.findFirst({ where: { sessionId: input.sessionId, kind: 'final' } });
  if (existing) return done({ from, to }, existing.id, existing.offline);
  const observations = await prisma.observation.findMany({
    where: { sessionId: input.sessionId },
    orderBy: { sequence: 'asc' },
    select: { id: true, sequence: true, kind: true, toolName: true, title: true, text: true, tokenCount: true, createdAt: true },
  });
  const range: SummaryRange = { from, to: Math.max(to, observations.at(-1)?.sequence ?? 0), count: observations.length };
  const bySequence = new Map(observations.map((o) => [o.sequence, { id: o.id, title: o.title, at: o.createdAt }]));
  const { citations, git } = await sessionCitations(prisma, input.sessionId);
  const provenance = { gitBranch: git.branch, gitCommit: git.commit, citations: mergeCitations([...citations.values()].flat()) as unknown as object[] };
  const knownRows = await prisma.learning.findMany({
    where: { tenantId: input.tenantId, projectId: input.projectId, status: 'active' },
    orderBy: [{ strength: 'desc' }, { lastStatedAt: 'desc' }],
    take: KNOWN_LEARNINGS,
    select: { id: true, kind: true, title: true },
  });
  const known = knownRows.map((k, i) => ({ ...k, alias: `K${i + 1}` }));
  // The rules a person stated in the session, in their own words, whichever summarizer runs.
  const turns = observations.map((o) => ({ sequence: o.sequence, kind: o.kind as string, text: o.text, title: o.title, toolName: o.toolName }));
  const stated = statedLearnings(turns);
  // Prompts a later push may quote (idempotent: a retried activity sets the same flags).
  const ruleLike = ruleLikePrompts(turns, stated);
  if (ruleLike.length > 0) await prisma.observation.updateMany({ where: { sessionId: input.sessionId, kind: 'prompt', sequence: { in: ruleLike } }, data: { ruleLike: true } });
  // No candidates, nothing to merge: the summary is stored without the project's lock.
  const merge = (answerLearnings: Parameters<typeof mergeLearnings>[1]['candidates']) =>
    withStatedRules(answerLearnings, stated).length === 0
      ? undefined
      : (tx: Tx, summaryId: string) =>
          mergeLearnings(tx, {
            tenantId: input.tenantId,
            projectId: input.projectId,
            summaryId,
            observations: bySequence,
            known,
            candidates: withStatedRules(answerLearnings, stated),
            changedBy: `session:${input.sessionId}`,
            citations,
            git,
          });

  const timeline = observations.map((o) => ({ ...o, kind: o.kind as string }));
  const agent = (await prisma.session.findUnique({ where: { id: input.sessionId }, select: { agent: true } }))?.agent ?? null;
  // The same checks whichever summarizer answered (./summary-store.ts: the checks): no rule a person did not
  // state, nothing instruction-shaped from tool output, no lesson drawn from a session with none.
  const checked = (answer: FinalAnswer): FinalAnswer => {
    const learnings = checkedLearnings(answer.learnings, timeline);
    // A rule a person stated is something to teach, whichever learnings the summarizer found.
    return { ...(teachesNothing(timeline, [...learnings, ...stated]) ? lookedAtOnly(answer) : answer), learnings };
  };
  if (!client || input.offline) {
    const answer = checked(offlineFinal(timeline, agent));
    const stored = await storeSummary(ctx, idsOf(input), 'final', answer, range, null, merge(answer.learnings), provenance);
    return done(range, stored.id, true, stored.learnings ?? NO_LEARNINGS);
  }
  // A path with one call per session (an agent CLI) summarized no batch with a model: its one call
  // reads the timeline itself, rendered as a batch is, as much of it as a batch holds.
  const user = client.oneCallPerSession
    ? finalPrompt(await projectName(prisma, input.sessionId), [], timelineLines(observations, ctx.config.MEMFLOW_SUMMARY_BATCH_TOKENS), known, agentLabel(agent))
    : finalPrompt(await projectName(prisma, input.sessionId), partsOf(batches), evidenceIndex(observations, EVIDENCE_TOKENS), known, agentLabel(agent));
  const model = ctx.finalModel;
  const result = await callWithinBudget(ctx, input.tenantId, { client, model, toolDescription: 'Record the final summary of the session and its learnings.', schema: finalAnswerSchema, user });
  if (result.kind === 'parked') return result.outcome;
  const answer = checked(result.answer);
  const stored = await storeSummary(ctx, idsOf(input), 'final', answer, range, llmOf(model, result), merge(answer.learnings), provenance);
  return done(range, stored.id, false, stored.learnings ?? NO_LEARNINGS);
}
