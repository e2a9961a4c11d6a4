/**
 * Activities of the session workflow's summarize step: batch summaries while the session runs, a
 * rolling summary when the agent stops, and the final summary with learning extraction at the end.
 *
 * Each is idempotent: a summary is keyed by (session, kind, first sequence) and looked up before any
 * model call, and the summary, its learnings and its token usage are written in one transaction, so a
 * retry after a lost answer neither calls the model again nor stores anything twice. A tenant over its
 * daily budget gets `parked` back (with when the budget returns) instead of a call; the workflow waits.
 */
import { ApplicationFailure, heartbeat, log, sleep } from '@temporalio/activity';
import { Failure } from '../../messages/errors-v1.js';
import type Anthropic from '@anthropic-ai/sdk';
import type { Config } from '../../common/server/config.js';
import { TRANSACTION_OPTIONS, type PrismaClient, type Tx } from '../../common/server/db.js';
import { countTokens } from '../../common/rules/tokens.js';
import { toActivityFailure } from '../failures.js';
import type { SessionIds } from '../capture/capture-activities.js';
import { chooseBatch } from './batching.js';
import { citationsOfToolCall, mergeCitations, rememberRead, settleCitations, type ReadFiles } from './summary-citations.js';
import type { Citation } from '../../common/rules/citations.js';
import { checkBudget, recordUsage } from './summary-budget.js';
import { callStructured, createAnthropic } from './claude.js';
import { reconcileLearnings, tryLockProjectLearnings, type ReconcileResult } from './learning-merge.js';
import { mergeSummaries, offlineBatchSummary, offlineFinal, type OfflineObservation } from './offline.js';
import { NO_USAGE, PriceTable, type Usage } from './pricing.js';
import { SUMMARY_TOOL, SYSTEM_PROMPT, batchPrompt, evidenceIndex, finalPrompt, renderObservation, rollingPrompt, type PartSummary } from './summary-prompt.js';
import { batchAnswerSchema, finalAnswerSchema, summaryText, type SummaryFields } from './summary-schema.js';

export interface SummarizeDeps {
  prisma: PrismaClient;
  config: Pick<
    Config,
    | 'ANTHROPIC_API_KEY'
    | 'ANTHROPIC_BASE_URL'
    | 'MEMFLOW_SUMMARY_MODEL'
    | 'MEMFLOW_FINAL_SUMMARY_MODEL'
    | 'MEMFLOW_SUMMARY_BATCH_TOKENS'
    | 'MEMFLOW_SUMMARY_MAX_OUTPUT_TOKENS'
    | 'MEMFLOW_DAILY_TOKEN_BUDGET'
    | 'MEMFLOW_LLM_PRICES'
  >;
  /** An Anthropic client (tests); otherwise one is made from ANTHROPIC_API_KEY, or none (offline). */
  anthropic?: Anthropic;
}

export type SummaryOutcome =
  | { status: 'done'; summaryId: string; fromSequence: number; toSequence: number; offline: boolean; more: boolean; learnings?: ReconcileResult; batches?: number }
  | { status: 'nothing'; more: boolean }
  | { status: 'parked'; resetsAt: number; used: number; limit: number | null };

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

export interface SessionSummaryInput extends SessionIds {
  kind: 'rolling' | 'final';
  offline?: boolean;
}

/** Candidate rows read per batch: more than any token budget fills with real observations. */
const CANDIDATE_ROWS = 500;
/** Tokens of the observation index sent with the final call. */
const EVIDENCE_TOKENS = 4000;
/** Known learnings shown to the final call for reconciliation. */
const KNOWN_LEARNINGS = 40;
/** A tool call without its result for this long is summarized as it is. */
const OPEN_CALL_GRACE = '15 minutes';
/** Activity that happened longer ago than this before its summary was written arrived late (from a spool). */
const LATE_ACTIVITY_MS = 10 * 60_000;
/** Longest a final summary waits for its project's learnings lock before the attempt fails (and is retried). */
const LEARNINGS_LOCK_WAIT_MS = 90_000;

const NO_LEARNINGS: ReconcileResult = { created: [], restated: [], superseded: [], dropped: 0 };

interface CandidateRow extends OfflineObservation {
  id: string;
  open: boolean;
}

export function createSummarizeActivities({ prisma, config, anthropic }: SummarizeDeps) {
  const client = anthropic ?? (config.ANTHROPIC_API_KEY ? createAnthropic(config.ANTHROPIC_API_KEY, config.ANTHROPIC_BASE_URL) : undefined);
  const prices = new PriceTable(config.MEMFLOW_LLM_PRICES);
  const batchModel = config.MEMFLOW_SUMMARY_MODEL;
  const finalModel = config.MEMFLOW_FINAL_SUMMARY_MODEL ?? batchModel;
  const maxOut = config.MEMFLOW_SUMMARY_MAX_OUTPUT_TOKENS;
  const systemTokens = countTokens(SYSTEM_PROMPT);
  const warnedPrices = new Set<string>();

  function costOf(model: string, usage: Usage): number {
    if (!prices.price(model) && !warnedPrices.has(model)) {
      warnedPrices.add(model);
      log.warn('no price known for model; cost recorded as 0 (set MEMFLOW_LLM_PRICES)', { model });
    }
    return prices.cost(model, usage);
  }

  async function projectName(sessionId: string): Promise<string> {
    const s = await prisma.session.findUniqueOrThrow({ where: { id: sessionId }, select: { project: { select: { name: true } } } });
    return s.project.name;
  }

  /** Observations after `after`, in order, with whether each tool call still waits for its result. */
  function candidates(sessionId: string, after: number): Promise<CandidateRow[]> {
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

  /** Runs the model call, or parks when the tenant's budget cannot pay for it. */
  async function withBudget<T>(
    tenantId: string,
    estimate: number,
    call: () => Promise<{ answer: T; usage: Usage; requests: number }>,
  ): Promise<{ kind: 'answer'; answer: T; usage: Usage; requests: number } | { kind: 'parked'; resetsAt: number; used: number; limit: number | null }> {
    const budget = await checkBudget(prisma, tenantId, estimate, config.MEMFLOW_DAILY_TOKEN_BUDGET);
    if (!budget.allowed) {
      log.info('daily LLM budget spent; summarization parked', { tenantId, used: budget.used, limit: budget.limit });
      return { kind: 'parked', resetsAt: budget.resetsAt, used: budget.used, limit: budget.limit };
    }
    try {
      return { kind: 'answer', ...(await call()) };
    } catch (err) {
      // Tokens spent on answers that never validated still count against the budget.
      if (err instanceof ApplicationFailure && err.type === Failure.LlmMalformedOutput) {
        const usage = (err.details?.[0] as { usage?: Usage } | undefined)?.usage ?? NO_USAGE;
        await prisma.$transaction((tx) => recordUsage(tx, tenantId, usage, costOf(batchModel, usage), 1), TRANSACTION_OPTIONS).catch(toActivityFailure);
      }
      throw err;
    }
  }

  /**
   * A summary of activity that was delivered late (from a hook client's spool, see
   * X-Memflow-Occurred-At) is dated by when its latest covered activity happened, not when it was
   * written; a live session's summary keeps its own time.
   */
  async function happenedAt(sessionId: string, range: { from: number; to: number }): Promise<Date | undefined> {
    const { _max } = await prisma.observation.aggregate({ _max: { createdAt: true }, where: { sessionId, sequence: { gte: range.from, lte: range.to } } });
    const latest = _max.createdAt;
    return latest && latest.getTime() < Date.now() - LATE_ACTIVITY_MS ? latest : undefined;
  }

  /**
   * Stores the summary and its usage in one short transaction; with `learnings`, also reconciles
   * them with the project's under the project's lock. Only the writes happen inside: what they need
   * is read before, and the wait for the lock (another session of the project reconciling) happens
   * between transactions, so no transaction waits for its turn while Prisma's timeout runs.
   */
  async function storeSummary(
    ids: SessionIds,
    kind: 'batch' | 'rolling' | 'final',
    fields: SummaryFields,
    range: { from: number; to: number; count: number },
    llm: { model: string; usage: Usage; requests: number } | null,
    learnings?: (tx: Tx, summaryId: string) => Promise<ReconcileResult>,
    provenance?: { gitBranch: string | null; gitCommit: string | null; citations: object[] },
  ): Promise<{ id: string; learnings?: ReconcileResult }> {
    const text = summaryText(fields);
    const usage = llm?.usage ?? NO_USAGE;
    const cost = llm ? costOf(llm.model, usage) : 0;
    try {
      const happened = await happenedAt(ids.sessionId, range);
      const data = {
        ...ids,
        ...(happened ? { createdAt: happened } : {}),
        kind,
        title: fields.title,
        request: fields.request || null,
        investigated: fields.investigated || null,
        learned: fields.learned || null,
        completed: fields.completed || null,
        nextSteps: fields.nextSteps || null,
        text,
        tokenCount: countTokens(text),
        model: llm?.model ?? null,
        tokensIn: usage.tokensIn,
        tokensOut: usage.tokensOut,
        cacheReadTokens: usage.cacheReadTokens,
        cacheWriteTokens: usage.cacheWriteTokens,
        costUsd: cost,
        offline: llm === null,
        fromSequence: range.from,
        toSequence: range.to,
        observationCount: range.count,
        ...(provenance ?? {}),
      };
      const started = Date.now();
      for (let round = 0; ; round++) {
        const stored = await prisma.$transaction(async (tx) => {
          if (learnings && !(await tryLockProjectLearnings(tx, ids.projectId))) return undefined;
          const row = await tx.summary.create({ data });
          if (llm) await recordUsage(tx, ids.tenantId, usage, cost, llm.requests);
          const reconciled = learnings ? await learnings(tx, row.id) : undefined;
          return { id: row.id, ...(reconciled ? { learnings: reconciled } : {}) };
        }, TRANSACTION_OPTIONS);
        if (stored) return stored;
        if (Date.now() - started > LEARNINGS_LOCK_WAIT_MS) {
          throw ApplicationFailure.retryable(`the learnings of project ${ids.projectId} stayed locked by other sessions for ${LEARNINGS_LOCK_WAIT_MS / 1000} s`, Failure.DatabaseBusy);
        }
        heartbeat({ waitingForLearningsLock: round + 1 });
        // Another session of the project reconciles (tens of milliseconds): try again soon, jittered
        // so that sessions ending together do not retry in step.
        await sleep(Math.min(500, 20 * 2 ** Math.min(round, 5)) * (0.5 + Math.random()));
      }
    } catch (err) {
      if (err instanceof ApplicationFailure) throw err;
      toActivityFailure(err);
    }
  }

  /** One batch (see summarizeBatch). */
  async function summarizeOneBatch(input: BatchInput): Promise<SummaryOutcome> {
    const ids = { tenantId: input.tenantId, projectId: input.projectId, sessionId: input.sessionId };
    const rows = await candidates(input.sessionId, input.afterSequence).catch(toActivityFailure);
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

  /**
   * The session's branch and commit, and the citations of the code each of its edits left (by
   * observation sequence), from the captured post-tool-use payloads.
   */
  async function sessionCitations(sessionId: string) {
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

  return {
    /**
     * Summarizes the next batch of observations after `afterSequence`, if one is due; with
     * `maxBatches`, up to that many batches in a row (one activity, one workflow task, for a burst).
     */
    async summarizeBatch(input: BatchInput): Promise<SummaryOutcome> {
      let outcome = await summarizeOneBatch(input);
      let batches = outcome.status === 'done' ? 1 : 0;
      while (outcome.status === 'done' && outcome.more && batches < (input.maxBatches ?? 1)) {
        const next = await summarizeOneBatch({ ...input, afterSequence: outcome.toSequence });
        if (next.status !== 'done') break; // parked or nothing: what is done so far is kept
        outcome = next;
        batches++;
        heartbeat(batches);
      }
      return outcome.status === 'done' ? { ...outcome, batches } : outcome;
    },

    /**
     * The rolling summary (at a stop) or the final summary with learnings (at the end), from the
     * session's batch summaries; the final one also reconciles learnings with the project's.
     */
    async summarizeSession(input: SessionSummaryInput): Promise<SummaryOutcome> {
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
      const done = (id: string, offline: boolean, learnings?: ReconcileResult): SummaryOutcome => ({
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
      const { citations, git } = await sessionCitations(input.sessionId);
      const provenance = { gitBranch: git.branch, gitCommit: git.commit, citations: mergeCitations([...citations.values()].flat()) as unknown as object[] };
      const knownRows = await prisma.learning.findMany({
        where: { tenantId: input.tenantId, projectId: input.projectId, status: 'active' },
        orderBy: [{ strength: 'desc' }, { lastStatedAt: 'desc' }],
        take: KNOWN_LEARNINGS,
        select: { id: true, kind: true, title: true },
      });
      const known = knownRows.map((k, i) => ({ ...k, alias: `K${i + 1}` }));
      // No candidates, nothing to reconcile: the summary is stored without the project's lock.
      const reconcile = (answerLearnings: Parameters<typeof reconcileLearnings>[1]['candidates']) =>
        answerLearnings.length === 0
          ? undefined
          : (tx: Tx, summaryId: string) =>
              reconcileLearnings(tx, {
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
        const stored = await storeSummary(ids, 'final', answer, range, null, reconcile(answer.learnings), provenance);
        return done(stored.id, true, stored.learnings ?? NO_LEARNINGS);
      }
      const user = finalPrompt(await projectName(input.sessionId), partsOf(batches), evidenceIndex(observations, EVIDENCE_TOKENS), known);
      const result = await withBudget(input.tenantId, systemTokens + countTokens(user) + maxOut, () =>
        callStructured(client, { model: finalModel, maxTokens: maxOut, system: SYSTEM_PROMPT, toolName: SUMMARY_TOOL, toolDescription: 'Record the final summary of the session and its learnings.', schema: finalAnswerSchema, user }),
      );
      if (result.kind === 'parked') return { status: 'parked', resetsAt: result.resetsAt, used: result.used, limit: result.limit };
      const stored = await storeSummary(ids, 'final', result.answer, range, { model: finalModel, usage: result.usage, requests: result.requests }, reconcile(result.answer.learnings), provenance);
      return done(stored.id, false, stored.learnings ?? NO_LEARNINGS);
    },
  };
}

export type SummarizeActivities = ReturnType<typeof createSummarizeActivities>;
