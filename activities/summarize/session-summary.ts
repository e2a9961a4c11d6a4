/**
 * The summaries of the whole session, made from its batch summaries: the rolling summary at each
 * stop (the previous rolling summary and the batches after it) and the final summary at the end,
 * which also extracts learnings and merges them into the project's.
 */
import type { Tx } from '../../common/server/db.js';
import type { SessionIds } from '../capture/capture-activities.js';
import { mergeLearnings, type KnownLearningRow, type LearningMergeResult } from './learning-merge.js';
import { ruleLikePrompts, statedLearnings, withStatedRules, type StatedCandidate } from './stated-learnings.js';
import { decidedStatements, settlesNothing, verdictsByPrompt, withoutUnsettled } from './statement-verdicts.js';
import { isSmall, malformedPart } from './cli-batch.js';
import { countTokens } from '../../common/rules/tokens.js';
import { agentLabel } from '../../common/rules/agent-label.js';
import { mergeSummaries, offlineFinal } from './offline.js';
import { renameAnchors } from './anchor-renames.js';
import { checkedLearnings, llmOf, lookedAtOnly, teachesNothing, projectName, sessionCitations, storeSummary, type SummaryLlm, type SummaryRange } from './summary-store.js';
import { callWithinBudget } from './summary-call.js';
import { mergeCitations } from './summary-citations.js';
import type { SummarizeContext, SummaryOutcome } from './summarize-activities.js';
import { evidenceIndex, finalPrompt, promptLines, timelineLines, rollingPrompt, type PartSummary, batchAnswerSchema, finalAnswerSchema, type FinalAnswer, type Statement, type SummaryFields } from './summary-prompt.js';

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
  const { citations, git, renames } = await sessionCitations(prisma, input.sessionId);
  // A definition the session renamed takes the anchors of what was said about it along, before the summary is stored (so a
  // retry after a failure renames again; a run after the summary was stored returned above).
  await renameAnchors(prisma, input.tenantId, input.projectId, renames);
  const provenance = { gitBranch: git.branch, gitCommit: git.commit, citations: mergeCitations([...citations.values()].flat()) as unknown as object[] };
  const knownRows = await prisma.learning.findMany({
    where: { tenantId: input.tenantId, projectId: input.projectId, status: 'active' },
    orderBy: [{ strength: 'desc' }, { lastStatedAt: 'desc' }],
    take: KNOWN_LEARNINGS,
    select: { id: true, kind: true, title: true },
  });
  const known = knownRows.map((k, i) => ({ ...k, alias: `K${i + 1}` }));
  // The rules a person stated in the session, in their own words, whichever summarizer runs; where a
  // model ran, its judgement of each statement decides which are rules (./statement-verdicts.ts).
  const turns = observations.map((o) => ({ sequence: o.sequence, kind: o.kind as string, text: o.text, title: o.title, toolName: o.toolName }));
  const detected = statedLearnings(turns);
  // Prompts a later push may quote (idempotent: a retried activity sets the same flags); none the model judged to settle nothing.
  const flagRuleLike = async (rules: StatedCandidate[], verdicts: Map<number, Statement>) => {
    const ruleLike = ruleLikePrompts(turns, rules).filter((n) => !settlesNothing(verdicts, n));
    if (ruleLike.length > 0) await prisma.observation.updateMany({ where: { sessionId: input.sessionId, kind: 'prompt', sequence: { in: ruleLike } }, data: { ruleLike: true } });
  };
  // No candidates, nothing to merge: the summary is stored without the project's lock.
  const merge = (answerLearnings: Parameters<typeof mergeLearnings>[1]['candidates'], rules: StatedCandidate[], knownUsed: KnownLearningRow[]) =>
    withStatedRules(answerLearnings, rules).length === 0
      ? undefined
      : (tx: Tx, summaryId: string) =>
          mergeLearnings(tx, {
            tenantId: input.tenantId,
            projectId: input.projectId,
            summaryId,
            observations: bySequence,
            known: knownUsed,
            candidates: withStatedRules(answerLearnings, rules),
            changedBy: `session:${input.sessionId}`,
            citations,
            git,
          });

  const timeline = observations.map((o) => ({ ...o, kind: o.kind as string }));
  const agent = (await prisma.session.findUnique({ where: { id: input.sessionId }, select: { agent: true } }))?.agent ?? null;
  // The same checks whichever summarizer answered (./summary-store.ts: the checks): no rule a person did not
  // state, nothing instruction-shaped from tool output, no lesson drawn from a session with none.
  const checked = (answer: FinalAnswer, rules: StatedCandidate[]): FinalAnswer => {
    const learnings = checkedLearnings(answer.learnings, timeline);
    // A rule a person stated is something to teach, whichever learnings the summarizer found.
    return { ...(teachesNothing(timeline, [...learnings, ...rules]) ? lookedAtOnly(answer) : answer), learnings };
  };
  if (!client || input.offline) {
    await flagRuleLike(detected, new Map());
    const answer = checked(offlineFinal(timeline, agent), detected);
    const stored = await storeSummary(ctx, idsOf(input), 'final', answer, range, null, merge(answer.learnings, detected, known), provenance);
    return done(range, stored.id, true, stored.learnings ?? NO_LEARNINGS);
  }
  const project = await projectName(prisma, input.sessionId);
  const model = ctx.finalModel;
  let got: { answer: FinalAnswer; llm: SummaryLlm; known: KnownLearningRow[] };
  if (client.oneCallPerSession) {
    // A path with one call per session (an agent CLI) summarized no batch with a model: its call reads
    // the timeline itself, rendered as a batch is, as much of it as a batch holds; a small session
    // shares its run with the project's other small sessions closing with it (./cli-batch.ts).
    const lines = timelineLines(observations, ctx.config.MEMFLOW_SUMMARY_BATCH_TOKENS);
    const tokens = countTokens(lines.join('\n'));
    if (ctx.cliBatch && isSmall(ctx, tokens)) {
      const part = await ctx.cliBatch.join({ ...idsOf(input), project, agent: agentLabel(agent), lines, tokens, known });
      if (part.kind === 'parked') return part.outcome;
      if (part.kind === 'malformed') throw malformedPart(part.problem);
      got = part;
    } else {
      const user = finalPrompt(project, [], lines, known, agentLabel(agent));
      const result = await callWithinBudget(ctx, input.tenantId, { client, model, toolDescription: 'Record the final summary of the session and its learnings.', schema: finalAnswerSchema, user });
      if (result.kind === 'parked') return result.outcome;
      got = { answer: result.answer, llm: llmOf(model, result), known };
    }
  } else {
    // The API path's final call sees the batch summaries and an index, and the person's prompts verbatim (to judge each).
    const user = finalPrompt(project, partsOf(batches), evidenceIndex(observations, EVIDENCE_TOKENS), known, agentLabel(agent), promptLines(observations));
    const result = await callWithinBudget(ctx, input.tenantId, { client, model, toolDescription: 'Record the final summary of the session and its learnings.', schema: finalAnswerSchema, user });
    if (result.kind === 'parked') return result.outcome;
    got = { answer: result.answer, llm: llmOf(model, result), known };
  }
  // The model's judgement of the person's statements decides which are kept as rules.
  const verdicts = verdictsByPrompt(turns, got.answer.statements);
  const rules = decidedStatements(turns, detected, got.answer.statements);
  await flagRuleLike(rules, verdicts);
  const answer = checked({ ...got.answer, learnings: withoutUnsettled(got.answer.learnings, verdicts) }, rules);
  const stored = await storeSummary(ctx, idsOf(input), 'final', answer, range, got.llm, merge(answer.learnings, rules, got.known), provenance);
  return done(range, stored.id, false, stored.learnings ?? NO_LEARNINGS);
}
