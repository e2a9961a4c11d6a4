/**
 * Small closed sessions summarized together: at most one agent-CLI run per closed session, several
 * sessions per run where they are small (issue 69). Each run of an agent CLI starts a program (seconds
 * of wall time and CPU before the model reads a word: docs/summaries.md), so the final summaries of
 * small sessions of one project that close together, or close while a run is under way, share one run.
 *
 * Why here, in the activity, and not a batching workflow: the session workflow stays as it is (one per
 * session, deterministic, its history unchanged: no new signals, no cross-workflow waits, nothing to
 * patch), and each session's summarizeSessionEnd activity still stores its own session's summary,
 * keyed by the session (idempotent: a retry finds it stored). What is shared is only the model call, in
 * the worker process: a session's activity joins its project's queue (CliBatcher) and waits for the
 * part of the answer that is its own. A CLI path is the solo developer's: one worker on their laptop,
 * so one process sees every close; where several workers run, each batches what it holds.
 *
 * The queue per (tenant, project): the first small session opens it; it is sent after
 * MEMFLOW_CLI_BATCH_WAIT_MS, or at once when full (BATCH_SESSIONS sessions or the batch's tokens); while
 * a run is under way the sessions that arrive wait and go together in the next run (one run at a time
 * per project). One session alone is sent with the single-session prompt, exactly as without batching.
 *
 * Failures stay per session: the answer holds one part per session (`S1`, `S2`, ...), each validated on
 * its own against the single-session schema; a part missing or invalid fails that session's activity
 * with LlmMalformedOutput (non-retryable), after which the workflow writes that session's summary
 * offline; the others are stored. A run that fails as a whole (the CLI missing, signed out, slow, the
 * answer never a JSON object) fails every session of it with its type: each is summarized offline, none
 * lost. Usage and cost are shared among the stored parts by the tokens of their timelines; the run's
 * requests are counted once.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import { z } from 'zod';
import { Failure } from '../../messages/errors-v1.js';
import { TRANSACTION_OPTIONS } from '../../common/server/db.js';
import { toActivityFailure } from '../failures.js';
import { callWithinBudget, NO_USAGE, recordUsage, type Parked, type Usage } from './summary-call.js';
import { llmOf, type SummaryLlm } from './summary-store.js';
import { finalAnswerSchema, finalPrompt, type FinalAnswer, type KnownLearning } from './summary-prompt.js';
import type { SummarizeContext } from './summarize-activities.js';

/** Sessions one run summarizes at most (each answer is a summary with up to 12 learnings: the output stays well under the CLI's cap). */
export const BATCH_SESSIONS = 6;
/** A session is small when its timeline is at most this share of MEMFLOW_SUMMARY_BATCH_TOKENS; a run's timelines together stay within it. */
export const SMALL_SHARE = 4;

/** One session's part of a run. */
export interface BatchMember {
  tenantId: string;
  projectId: string;
  sessionId: string;
  project: string;
  agent: string | undefined;
  /** The session's timeline, rendered (summary-prompt.ts timelineLines). */
  lines: string[];
  tokens: number;
  /** The project's known learnings as this session read them. */
  known: (KnownLearning & { id: string })[];
}

/** What a session gets back: its validated answer (with the known learnings its aliases refer to), parked, or why its part is unusable. */
export type PartResult =
  | { kind: 'answer'; answer: FinalAnswer; llm: SummaryLlm; known: (KnownLearning & { id: string })[]; together: number }
  | { kind: 'parked'; outcome: Parked }
  | { kind: 'malformed'; problem: string };

interface Waiting {
  member: BatchMember;
  resolve(p: PartResult): void;
  reject(err: unknown): void;
}

interface Queue {
  waiting: Waiting[];
  timer: NodeJS.Timeout | undefined;
  running: boolean;
}

export interface CliBatcherOptions {
  waitMs: number;
  maxSessions: number;
  maxTokens: number;
  run(members: BatchMember[]): Promise<PartResult[]>;
}

/** The per-project queues of a worker process (see the file's comment). */
export class CliBatcher {
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly opts: CliBatcherOptions) {}

  join(member: BatchMember): Promise<PartResult> {
    const key = `${member.tenantId}/${member.projectId}`;
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = { waiting: [], timer: undefined, running: false }));
    const queue = q;
    return new Promise<PartResult>((resolve, reject) => {
      queue.waiting.push({ member, resolve, reject });
      this.schedule(key, queue);
    });
  }

  private schedule(key: string, q: Queue): void {
    if (q.running) return; // sent when the run under way ends
    const tokens = q.waiting.reduce((sum, w) => sum + w.member.tokens, 0);
    if (q.waiting.length >= this.opts.maxSessions || tokens >= this.opts.maxTokens) return void this.flush(key, q);
    q.timer ??= setTimeout(() => void this.flush(key, q), this.opts.waitMs);
  }

  private async flush(key: string, q: Queue): Promise<void> {
    if (q.timer) clearTimeout(q.timer);
    q.timer = undefined;
    if (q.running || q.waiting.length === 0) return;
    const take: Waiting[] = [];
    let tokens = 0;
    while (q.waiting.length > 0 && take.length < this.opts.maxSessions && (take.length === 0 || tokens + q.waiting[0]!.member.tokens <= this.opts.maxTokens)) {
      const w = q.waiting.shift()!;
      take.push(w);
      tokens += w.member.tokens;
    }
    q.running = true;
    try {
      const parts = await this.opts.run(take.map((w) => w.member));
      take.forEach((w, i) => w.resolve(parts[i] ?? { kind: 'malformed', problem: 'no part for this session' }));
    } catch (err) {
      for (const w of take) w.reject(err);
    } finally {
      q.running = false;
      // Those that arrived during the run have waited for it: they go now.
      if (q.waiting.length > 0) void this.flush(key, q);
      else this.queues.delete(key);
    }
  }
}

/** The batcher of a CLI path's context (none when batching is off: MEMFLOW_CLI_BATCH_WAIT_MS=0). */
export function cliBatcher(ctx: SummarizeContext): CliBatcher | undefined {
  if (!ctx.client?.oneCallPerSession || ctx.config.MEMFLOW_CLI_BATCH_WAIT_MS <= 0) return undefined;
  return new CliBatcher({
    waitMs: ctx.config.MEMFLOW_CLI_BATCH_WAIT_MS,
    maxSessions: BATCH_SESSIONS,
    maxTokens: ctx.config.MEMFLOW_SUMMARY_BATCH_TOKENS,
    run: (members) => summarizeTogether(ctx, members),
  });
}

/** Whether a session's timeline is small enough to share a run. */
export const isSmall = (ctx: SummarizeContext, tokens: number): boolean => tokens <= Math.floor(ctx.config.MEMFLOW_SUMMARY_BATCH_TOKENS / SMALL_SHARE);

/** The answer of a run of several sessions: one part per session, each checked on its own (togetherParts). */
const togetherSchema = z.object({ sessions: z.array(z.looseObject({ session: z.string() })).min(1) });
/** What the model is shown it must answer: each part is a whole single-session answer. */
const togetherShown = z.object({ sessions: z.array(finalAnswerSchema.extend({ session: z.string().describe('The session this part is about: S1, S2, ...') })) });

export function togetherPrompt(members: BatchMember[], known: KnownLearning[]): string {
  const first = members[0]!;
  return [
    `Project: ${first.project}`,
    `Write the final summary of each of these ${members.length} sessions and extract each one's learnings, each session on its own.`,
    `Answer with one part per session in "sessions", in order, each naming its session (${members.map((_, i) => `S${i + 1}`).join(', ')}) in "session" and holding that session's whole answer.`,
    "Observation numbers (#N) belong to their session: a session's sources and statements cite only its own numbers.",
    '',
    ...members.flatMap((m, i) => [`# Session S${i + 1}`, ...(m.agent ? [`Agent: ${m.agent}`] : []), '## The session, in order (cite these numbers as sources)', ...m.lines, '']),
    '# Known learnings of this project (cite their ids in restates/supersedes)',
    ...(known.length > 0 ? known.map((k) => `${k.alias} [${k.kind}] ${k.title}`) : ['(none yet)']),
  ].join('\n');
}

/** `u` scaled by `f` (rounded). */
const scaled = (u: Usage, f: number): Usage => ({
  tokensIn: Math.round(u.tokensIn * f),
  tokensOut: Math.round(u.tokensOut * f),
  cacheReadTokens: Math.round(u.cacheReadTokens * f),
  cacheWriteTokens: Math.round(u.cacheWriteTokens * f),
});

/** One run for `members` (one project's small sessions): each session's part of the answer, or why not. */
export async function summarizeTogether(ctx: SummarizeContext, members: BatchMember[]): Promise<PartResult[]> {
  const client = ctx.client!;
  const first = members[0]!;
  const model = ctx.finalModel;
  if (members.length === 1) {
    const user = finalPrompt(first.project, [], first.lines, first.known, first.agent);
    const result = await callWithinBudget(ctx, first.tenantId, { client, model, toolDescription: 'Record the final summary of the session and its learnings.', schema: finalAnswerSchema, user });
    if (result.kind === 'parked') return [result];
    return [{ kind: 'answer', answer: result.answer, llm: llmOf(model, result), known: first.known, together: 1 }];
  }
  const user = togetherPrompt(members, first.known);
  const result = await callWithinBudget(ctx, first.tenantId, {
    client,
    model,
    toolDescription: 'Record the final summary of each session and its learnings.',
    schema: togetherSchema,
    shownSchema: togetherShown,
    user,
  });
  if (result.kind === 'parked') return members.map(() => result);
  const byAlias = new Map(result.answer.sessions.map((s) => [s.session.trim().toUpperCase(), s]));
  const parsed = members.map((_, i) => {
    const part = byAlias.get(`S${i + 1}`);
    if (!part) return { ok: false as const, problem: `the answer holds no part for session S${i + 1}` };
    const { session: _alias, ...rest } = part;
    const checked = finalAnswerSchema.safeParse(rest);
    if (checked.success) return { ok: true as const, answer: checked.data };
    return { ok: false as const, problem: checked.error.issues.slice(0, 8).map((x) => `${x.path.join('.') || '(root)'}: ${x.message}`).join('; ') };
  });
  const stored = parsed.flatMap((p, i) => (p.ok ? [i] : []));
  if (stored.length === 0) {
    // No part to store the usage with: it is counted against the budget here, once.
    await ctx.prisma.$transaction((tx) => recordUsage(tx, first.tenantId, result.usage, result.costUsd ?? ctx.costOf(result.model ?? model, result.usage), result.requests), TRANSACTION_OPTIONS).catch(toActivityFailure);
  }
  const weight = stored.reduce((sum, i) => sum + Math.max(1, members[i]!.tokens), 0);
  log.info('small sessions summarized in one CLI run', { sessions: members.length, valid: stored.length, requests: result.requests });
  return parsed.map((p, i): PartResult => {
    if (!p.ok) return { kind: 'malformed', problem: `session S${i + 1} of ${members.length}: ${p.problem}` };
    const f = Math.max(1, members[i]!.tokens) / weight;
    const llm = llmOf(model, result);
    return {
      kind: 'answer',
      answer: p.answer,
      // The run's requests counted once, with the first stored part.
      llm: { ...llm, usage: scaled(result.usage, f), requests: i === stored[0] ? result.requests : 0, ...(llm.costUsd !== undefined ? { costUsd: Math.round(llm.costUsd * f * 1e6) / 1e6 } : {}) },
      known: first.known,
      together: members.length,
    };
  });
}

/** A session's part that cannot be stored: its summary is written offline (the workflow's fallback on this type). */
export function malformedPart(problem: string): ApplicationFailure {
  return ApplicationFailure.create({ message: `agent CLI answer for this session invalid: ${problem}`, type: Failure.LlmMalformedOutput, nonRetryable: true, details: [{ usage: NO_USAGE }] });
}
