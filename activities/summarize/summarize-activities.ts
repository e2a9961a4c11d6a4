/**
 * Activities of the session workflow's summarize step: batch summaries while the session runs, a
 * rolling summary when the agent stops, and the final summary with learning extraction at the end.
 *
 * Each is idempotent: a summary is keyed by (session, kind, first sequence) and looked up before any
 * model call, and the summary, its learnings and its token usage are written in one transaction, so a
 * retry after a lost answer neither calls the model again nor stores anything twice. A tenant over its
 * daily budget gets `parked` back (with when the budget returns) instead of a call; the workflow waits.
 *
 * Where each part lives: the factory, then the shared context (client, models, prices), then the
 * batch summaries (the next batch, chosen by the tokens the model will be sent, looked up first,
 * summarized by the model or offline; how a batch is cut comes last: chooseBatch), all below; the
 * rolling and final summaries in session-summary.ts, the prompts and the answer's schema in
 * summary-prompt.ts, the budgeted model call (the Anthropic client, prices, the daily budget) in
 * summary-call.ts, the reads and the write in summary-store.ts.
 */
import { log } from '@temporalio/activity';
import { progressHeartbeat } from '../heartbeating.js';
import type Anthropic from '@anthropic-ai/sdk';
import type { Config } from '../../common/server/config.js';
import type { PrismaClient } from '../../common/server/db.js';
import { countTokens } from '../../common/rules/tokens.js';
import { agentLabel } from '../../common/rules/agent-label.js';
import { toActivityFailure } from '../failures.js';
import type { SessionIds } from '../capture/capture-activities.js';
import { offlineBatchSummary } from './offline.js';
import { summarizeSession, type SessionSummaryInput } from './session-summary.js';
import { callWithinBudget, createAnthropic, modelClient, PriceTable, type ModelClient, type Usage } from './summary-call.js';
import type { LearningMergeResult } from './learning-merge.js';
import { batchAnswerSchema, batchPrompt, SYSTEM_PROMPT } from './summary-prompt.js';
import { RenderedTokens } from './rendered-tokens.js';
import { candidates, llmOf, projectName, storeSummary } from './summary-store.js';
import { cliModelClient } from './cli-model.js';
import { cliBatcher, type CliBatcher } from './cli-batch.js';
import { chooseModel, type ModelChoice } from '../../common/server/model-choice.js';

export type { SessionSummaryInput } from './session-summary.js';

export function createSummarizeActivities(deps: SummarizeDeps) {
  const ctx = createSummarizeContext(deps);
  return {
    /**
     * Summarizes the next batch of observations after `afterSequence`, if one is due; with
     * `maxBatches`, up to that many batches in a row (one activity, one workflow task, for a burst).
     */
    summarizeBatch: (input: BatchInput): Promise<SummaryOutcome> => summarizeBatches(ctx, input),

    /**
     * The rolling summary (at a stop) or the final summary with learnings (at the end), from the
     * session's batch summaries; the final one also merges learnings into the project's.
     */
    summarizeSession: (input: SessionSummaryInput): Promise<SummaryOutcome> => summarizeSession(ctx, input),
  };
}

export type SummarizeActivities = ReturnType<typeof createSummarizeActivities>;

/**
 * What the summarize activities share, built once per worker by createSummarizeActivities: the
 * injected deps, the Anthropic client (none: summaries are written offline), the models and the
 * output cap, and what a call cost by the price table (a model without a price is warned about once).
 */
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
    | 'MEMFLOW_MODEL'
    | 'MEMFLOW_MODEL_CLI_CONSENT'
    | 'MEMFLOW_CLI_MODEL'
    | 'MEMFLOW_CLI_TIMEOUT_MS'
    | 'MEMFLOW_CLI_BATCH_WAIT_MS'
  >;
  /** An Anthropic client (tests); otherwise the model path MEMFLOW_MODEL chooses (common/server/model-choice.ts). */
  anthropic?: Anthropic;
  /** More environment for an agent CLI serving as the model (tests: a scripted model server, a HOME of its own). */
  cliEnv?: Record<string, string>;
}

export type SummaryOutcome =
  | { status: 'done'; summaryId: string; fromSequence: number; toSequence: number; offline: boolean; more: boolean; learnings?: LearningMergeResult; batches?: number }
  | { status: 'nothing'; more: boolean }
  | { status: 'parked'; resetsAt: number; used: number; limit: number | null };

export interface SummarizeContext {
  prisma: PrismaClient;
  config: SummarizeDeps['config'];
  /** The model path's client; none on the offline path (every summary is written offline). */
  client: ModelClient | undefined;
  /** Which model path was chosen, and why (the worker logs it; `memflow doctor` shows the same choice). */
  choice: ModelChoice;
  batchModel: string;
  finalModel: string;
  /** Most output tokens of one call. */
  maxOut: number;
  /** Tokens of the system prompt, part of each call's budget estimate. */
  systemTokens: number;
  costOf(model: string, usage: Usage): number;
  /** A CLI path's queues of small closed sessions that share one run (./cli-batch.ts); none otherwise or when off. */
  cliBatch?: CliBatcher | undefined;
  /** The tokens of observations' renderings, remembered across calls (./rendered-tokens.ts). */
  renderedTokens: RenderedTokens;
}

export function createSummarizeContext({ prisma, config, anthropic, cliEnv }: SummarizeDeps): SummarizeContext {
  const prices = new PriceTable(config.MEMFLOW_LLM_PRICES);
  const warnedPrices = new Set<string>();
  const apiKey = config.ANTHROPIC_API_KEY;
  const choice: ModelChoice = anthropic
    ? { path: 'anthropic', why: 'an Anthropic client was given' }
    : chooseModel({ setting: config.MEMFLOW_MODEL, apiKey, consent: config.MEMFLOW_MODEL_CLI_CONSENT, env: { ...process.env, ...cliEnv } });
  const client = clientOf(choice, config, anthropic, cliEnv);
  const batchModel = client ? client.model(config.MEMFLOW_SUMMARY_MODEL) : config.MEMFLOW_SUMMARY_MODEL;
  const ctx: SummarizeContext = {
    prisma,
    config,
    client,
    choice,
    batchModel,
    finalModel: client && client.path !== 'anthropic' ? batchModel : (config.MEMFLOW_FINAL_SUMMARY_MODEL ?? batchModel),
    maxOut: config.MEMFLOW_SUMMARY_MAX_OUTPUT_TOKENS,
    systemTokens: countTokens(SYSTEM_PROMPT),
    renderedTokens: new RenderedTokens(),
    costOf(model, usage) {
      if (!prices.price(model) && !warnedPrices.has(model)) {
        warnedPrices.add(model);
        log.warn('no price known for model; cost recorded as 0 (set MEMFLOW_LLM_PRICES)', { model });
      }
      return prices.cost(model, usage);
    },
  };
  ctx.cliBatch = cliBatcher(ctx);
  return ctx;
}

function clientOf(choice: ModelChoice, config: SummarizeDeps['config'], anthropic: Anthropic | undefined, env: Record<string, string> | undefined): ModelClient | undefined {
  if (anthropic) return modelClient(async () => anthropic);
  const apiKey = config.ANTHROPIC_API_KEY;
  if (choice.path === 'anthropic' && apiKey) return modelClient(() => createAnthropic(apiKey, config.ANTHROPIC_BASE_URL));
  if (choice.path === 'offline' || choice.path === 'anthropic' || !choice.executable) return undefined;
  return cliModelClient({ cli: choice.path, executable: choice.executable, model: config.MEMFLOW_CLI_MODEL, timeoutMs: config.MEMFLOW_CLI_TIMEOUT_MS, env });
}

// The batch summaries written while the session runs.

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

/**
 * Summarizes the next batch of observations after `afterSequence`, if one is due; with
 * `maxBatches`, up to that many batches in a row (one activity, one workflow task, for a burst).
 */
export async function summarizeBatches(ctx: SummarizeContext, input: BatchInput): Promise<SummaryOutcome> {
  let outcome = await summarizeOneBatch(ctx, input);
  let batches = outcome.status === 'done' ? 1 : 0;
  while (outcome.status === 'done' && outcome.more && batches < (input.maxBatches ?? 1)) {
    const next = await summarizeOneBatch(ctx, { ...input, afterSequence: outcome.toSequence });
    if (next.status !== 'done') break; // parked or nothing: what is done so far is kept
    outcome = next;
    batches++;
    progressHeartbeat(batches);
  }
  return outcome.status === 'done' ? { ...outcome, batches } : outcome;
}

/** One batch (see summarizeBatches). */
async function summarizeOneBatch(ctx: SummarizeContext, input: BatchInput): Promise<SummaryOutcome> {
  const { prisma, client } = ctx;
  const ids = { tenantId: input.tenantId, projectId: input.projectId, sessionId: input.sessionId };
  const rows = await candidates(prisma, input.sessionId, input.afterSequence).catch(toActivityFailure);
  // Batches are measured in the tokens the model will be sent (renderings are clipped per tool),
  // counted only for the rows the choice looks at (a batch takes a few dozen of the candidates).
  const sized = rows.map((r) => ({
    ...r,
    get tokenCount() {
      return ctx.renderedTokens.of(r.id, r);
    },
  }));
  const choice = chooseBatch(sized, {
    budget: ctx.config.MEMFLOW_SUMMARY_BATCH_TOKENS,
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
  // An agent CLI is one program start per call: the session's one call is its final summary.
  if (!client || input.offline || client.oneCallPerSession) {
    const stored = await storeSummary(ctx, ids, 'batch', offlineBatchSummary(batch), range, null);
    return done(stored.id, to, true);
  }
  const agent = (await prisma.session.findUnique({ where: { id: input.sessionId }, select: { agent: true } }))?.agent ?? null;
  const user = batchPrompt(await projectName(prisma, input.sessionId), batch, agentLabel(agent));
  const model = ctx.batchModel;
  const result = await callWithinBudget(ctx, input.tenantId, { client, model, toolDescription: 'Record the summary of this part of the session.', schema: batchAnswerSchema, user });
  if (result.kind === 'parked') return result.outcome;
  const stored = await storeSummary(ctx, ids, 'batch', result.answer, range, llmOf(model, result));
  return done(stored.id, to, false);
}

/**
 * Which observations go into the next summarization batch: consecutive ones, from the first not yet
 * summarized, until the token budget is reached (tiktoken counts, so a batch of long tool outputs is
 * short and a batch of prompts is long). A tool call still waiting for its result ends the batch early
 * unless the session is over, so a result that arrives later is not merged into an item that was
 * already summarized.
 */
export interface BatchCandidate {
  sequence: number;
  tokenCount: number;
  /** A tool call whose result has not been stored yet. */
  open: boolean;
}

export interface BatchChoice {
  /** How many of the candidates form the batch (0 = nothing to summarize now). */
  take: number;
  tokens: number;
  /** Candidates remain after the batch. */
  more: boolean;
}

/**
 * `budget` bounds the batch's tokens; a single observation larger than the budget is a batch alone
 * (its rendering is clipped by the prompt). `minTokens` keeps tiny batches from being sent unless the
 * caller is flushing (stop or end).
 */
export function chooseBatch(candidates: BatchCandidate[], opts: { budget: number; flush: boolean; minTokens?: number }): BatchChoice {
  let tokens = 0;
  let take = 0;
  for (const c of candidates) {
    if (c.open && !opts.flush) break;
    if (take > 0 && tokens + c.tokenCount > opts.budget) break;
    tokens += c.tokenCount;
    take++;
  }
  const reachedBudget = take < candidates.length && !candidates[take]!.open;
  if (!opts.flush && !reachedBudget && tokens < (opts.minTokens ?? opts.budget)) return { take: 0, tokens: 0, more: candidates.length > 0 };
  return { take, tokens, more: take < candidates.length };
}
