/**
 * Summaries of the whole session, from its batch summaries: the rolling summary at each stop (the
 * previous rolling summary and the batches after it), and the final summary at the end, which also
 * merges the session's learnings into the project's (learning-merge.ts) with the citations of the
 * code its edits left.
 */
import type { SessionIds } from '../capture/capture-activities.js';
import type { Tx } from '../../common/server/db.js';
import { countTokens } from '../../common/rules/tokens.js';
import type { Citation } from '../../common/rules/citations.js';
import { callStructured } from './claude.js';
import { mergeLearnings, type LearningMergeResult } from './learning-merge.js';
import { mergeSummaries, offlineFinal } from './offline.js';
import { SUMMARY_TOOL, SYSTEM_PROMPT, evidenceIndex, finalPrompt, rollingPrompt, type PartSummary } from './prompt.js';
import { citationsOfToolCall, mergeCitations, rememberRead, settleCitations, type ReadFiles } from './summary-citations.js';
import type { SummaryKit, SummaryOutcome } from './summary-kit.js';
import { batchAnswerSchema, finalAnswerSchema, type SummaryFields } from './summary-schema.js';

export interface SessionSummaryInput extends SessionIds {
  kind: 'rolling' | 'final';
  offline?: boolean;
}

/** Tokens of the observation index sent with the final call. */
const EVIDENCE_TOKENS = 4000;
/** Known learnings shown to the final call to merge into. */
const KNOWN_LEARNINGS = 40;

/**
 * The session's branch and commit, and the citations of the code each of its edits left (by
 * observation sequence), from the captured post-tool-use payloads.
 */
async function sessionCitations(prisma: SummaryKit['prisma'], sessionId: string) {
  const session = await prisma.session.findUniqueOrThrow({ where: { id: sessionId }, select: { gitBranch: true, gitCommit: true, gitRoot: true, cwd: true } });
  const rows = await prisma.$queryRawUnsafe<{ sequence: number; toolName: string; payload: unknown }[]>(
    `SELECT o.sequence, o.tool_name AS "toolName", h.payload
       FROM observations o JOIN hook_events h ON h.id = ANY(o.source_event_ids) AND h.event = 'post-tool-use'
      WHERE o.session_id = $1::uuid AND o.tool_name IN ('Edit', 'MultiEdit', 'Write', 'Read')
      ORDER BY o.sequence`,
    sessionId,
  );
  const root = session.gitRoot ?? session.cwd;
  // An edit without a patch is located in what the session's earlier Reads showed of its file.
  const reads: ReadFiles = new Map();
  const edits: { sequence: number; citations: Citation[] }[] = [];
  for (const r of rows) {
    if (r.toolName === 'Read') rememberRead(reads, r.payload);
    else edits.push({ sequence: r.sequence, citations: citationsOfToolCall(r.toolName, r.payload, root, reads) });
  }
  const citations = settleCitations(edits);
  return { citations, git: { branch: session.gitBranch, commit: session.gitCommit } };
}

function partsOf(rows: { fromSequence: number; toSequence: number; text: string }[]): PartSummary[] {
  return rows.map((r) => ({ fromSequence: r.fromSequence, toSequence: r.toSequence, text: r.text }));
}

/**
 * The rolling summary (at a stop) or the final summary with learnings (at the end), from the
 * session's batch summaries; the final one also merges learnings into the project's.
 */
export async function summarizeSession(kit: SummaryKit, input: SessionSummaryInput): Promise<SummaryOutcome> {
  const { prisma, client, batchModel, finalModel, maxOut, systemTokens, projectName, withBudget, storeSummary } = kit;
  const ids = { tenantId: input.tenantId, projectId: input.projectId, sessionId: input.sessionId };
  const batches = await prisma.summary.findMany({
    where: { sessionId: input.sessionId, kind: 'batch' },
    orderBy: { fromSequence: 'asc' },
    select: { fromSequence: true, toSequence: true, text: true, title: true, request: true, investigated: true, learned: true, completed: true, nextSteps: true },
  });
  if (batches.length === 0 && input.kind === 'rolling') return { status: 'nothing', more: false };
  const from = batches[0]?.fromSequence ?? 1;
  const to = batches.at(-1)?.toSequence ?? 0;
  const range = { from, to, count: 0 };
  const done = (id: string, offline: boolean, learnings?: LearningMergeResult): SummaryOutcome => ({
    status: 'done',
    summaryId: id,
    fromSequence: range.from, // what the stored summary covers (set below per kind)
    toSequence: range.to,
    offline,
    more: false,
    ...(learnings ? { learnings } : {}),
  });
  const fieldsOf = (b: (typeof batches)[number]): SummaryFields => ({
    title: b.title,
    request: b.request ?? '',
    investigated: b.investigated ?? '',
    learned: b.learned ?? '',
    completed: b.completed ?? '',
    nextSteps: b.nextSteps ?? '',
  });

  if (input.kind === 'rolling') {
    // The session so far = the previous rolling summary + the batches after it: each stop pays
    // for what is new, not for the whole session again.
    const previous = await prisma.summary.findFirst({ where: { sessionId: input.sessionId, kind: 'rolling' }, orderBy: { toSequence: 'desc' } });
    const fresh = batches.filter((b) => b.toSequence > (previous?.toSequence ?? 0));
    if (fresh.length === 0) return { status: 'nothing', more: false };
    const parts = previous ? [previous, ...fresh] : fresh;
    range.from = parts[0]!.fromSequence;
    range.to = fresh.at(-1)!.toSequence;
    range.count = batches.length;
    const existing = await prisma.summary.findFirst({ where: { sessionId: input.sessionId, kind: 'rolling', toSequence: range.to } });
    if (existing) return done(existing.id, existing.offline);
    // One part is its own rolling summary; merging several needs the model (or the offline merge).
    if (parts.length === 1 || !client || input.offline) {
      const stored = await storeSummary(ids, 'rolling', mergeSummaries(parts.map(fieldsOf)), range, null);
      return done(stored.id, true);
    }
    const user = rollingPrompt(await projectName(input.sessionId), partsOf(parts));
    const result = await withBudget(input.tenantId, systemTokens + countTokens(user) + maxOut, () =>
      callStructured(client, { model: batchModel, maxTokens: maxOut, system: SYSTEM_PROMPT, toolName: SUMMARY_TOOL, toolDescription: 'Record the summary of the session so far.', schema: batchAnswerSchema, user }),
    );
    if (result.kind === 'parked') return { status: 'parked', resetsAt: result.resetsAt, used: result.used, limit: result.limit };
    const stored = await storeSummary(ids, 'rolling', result.answer, range, { model: batchModel, usage: result.usage, requests: result.requests });
    return done(stored.id, false);
  }

  const existing = await prisma.summary.findFirst({ where: { sessionId: input.sessionId, kind: 'final' } });
  if (existing) return done(existing.id, existing.offline);
  const observations = await prisma.observation.findMany({
    where: { sessionId: input.sessionId },
    orderBy: { sequence: 'asc' },
    select: { id: true, sequence: true, kind: true, toolName: true, title: true, text: true, tokenCount: true },
  });
  range.count = observations.length;
  range.to = Math.max(to, observations.at(-1)?.sequence ?? 0);
  const bySequence = new Map(observations.map((o) => [o.sequence, { id: o.id, title: o.title }]));
  const { citations, git } = await sessionCitations(prisma, input.sessionId);
  const provenance = { gitBranch: git.branch, gitCommit: git.commit, citations: mergeCitations([...citations.values()].flat()) as unknown as object[] };
  const knownRows = await prisma.learning.findMany({
    where: { tenantId: input.tenantId, projectId: input.projectId, status: 'active' },
    orderBy: [{ strength: 'desc' }, { lastStatedAt: 'desc' }],
    take: KNOWN_LEARNINGS,
    select: { id: true, kind: true, title: true },
  });
  const known = knownRows.map((k, i) => ({ ...k, alias: `K${i + 1}` }));
  const merge = (answerLearnings: Parameters<typeof mergeLearnings>[1]['candidates']) => (tx: Tx, summaryId: string) =>
    mergeLearnings(tx, {
      tenantId: input.tenantId,
      projectId: input.projectId,
      summaryId,
      observations: bySequence,
      known,
      candidates: answerLearnings,
      changedBy: `session:${input.sessionId}`,
      citations,
      git,
    });

  if (!client || input.offline) {
    const answer = offlineFinal(observations.map((o) => ({ ...o, kind: o.kind as string })));
    const stored = await storeSummary(ids, 'final', answer, range, null, merge(answer.learnings), provenance);
    return done(stored.id, true, stored.learnings);
  }
  const user = finalPrompt(await projectName(input.sessionId), partsOf(batches), evidenceIndex(observations, EVIDENCE_TOKENS), known);
  const result = await withBudget(input.tenantId, systemTokens + countTokens(user) + maxOut, () =>
    callStructured(client, { model: finalModel, maxTokens: maxOut, system: SYSTEM_PROMPT, toolName: SUMMARY_TOOL, toolDescription: 'Record the final summary of the session and its learnings.', schema: finalAnswerSchema, user }),
  );
  if (result.kind === 'parked') return { status: 'parked', resetsAt: result.resetsAt, used: result.used, limit: result.limit };
  const stored = await storeSummary(ids, 'final', result.answer, range, { model: finalModel, usage: result.usage, requests: result.requests }, merge(result.answer.learnings), provenance);
  return done(stored.id, false, stored.learnings);
}
