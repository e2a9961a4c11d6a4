/**
 * One summarizing call to the model, paid from the tenant's daily budget: when the budget cannot pay
 * for it, the call is not made and the summary is parked (with when the budget returns; the workflow
 * waits). Tokens spent on answers that never validated still count against the budget. Below it:
 * the Anthropic client and its structured call, the daily budget, and the price table.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { Failure } from '../../messages/errors-v1.js';
import { TRANSACTION_OPTIONS, type PrismaClient, type Tx } from '../../common/server/db.js';
import { countTokens } from '../../common/rules/tokens.js';
import { toActivityFailure } from '../failures.js';
import { anthropicSdk } from '../anthropic-sdk.js';
import type { SummarizeContext, SummaryOutcome } from './summarize-activities.js';
import { SUMMARY_TOOL, SYSTEM_PROMPT } from './summary-prompt.js';
import { redactValue } from '../../common/rules/redact.js';
import type { ModelPathName } from '../../common/server/model-choice.js';

export type Parked = Extract<SummaryOutcome, { status: 'parked' }>;

export interface SummaryCall<T> {
  /** The model client (the caller has checked there is one: without it, summaries are written offline). */
  client: ModelClient;
  model: string;
  /** What the forced tool call records. */
  toolDescription: string;
  schema: z.ZodType<T>;
  /** The schema the model is shown, when it differs from the one its answer is checked against (a CLI path only). */
  shownSchema?: z.ZodType;
  user: string;
}

/** The model's validated answer, or `parked` when the tenant's budget cannot pay for the call. */
export async function callWithinBudget<T>(
  ctx: SummarizeContext,
  tenantId: string,
  call: SummaryCall<T>,
): Promise<({ kind: 'answer' } & StructuredResult<T>) | { kind: 'parked'; outcome: Parked }> {
  const estimate = ctx.systemTokens + countTokens(call.user) + ctx.maxOut;
  const budget = await checkBudget(ctx.prisma, tenantId, estimate, ctx.config.MEMFLOW_DAILY_TOKEN_BUDGET);
  if (!budget.allowed) {
    log.info('daily LLM budget spent; summarization parked', { tenantId, used: budget.used, limit: budget.limit });
    return { kind: 'parked', outcome: { status: 'parked', resetsAt: budget.resetsAt, used: budget.used, limit: budget.limit } };
  }
  try {
    const answer = await call.client.call({
      model: call.model,
      maxTokens: ctx.maxOut,
      system: SYSTEM_PROMPT,
      toolName: SUMMARY_TOOL,
      toolDescription: call.toolDescription,
      schema: call.schema,
      ...(call.shownSchema ? { shownSchema: call.shownSchema } : {}),
      user: call.user,
    });
    return { kind: 'answer', ...answer };
  } catch (err) {
    // Tokens spent on answers that never validated still count against the budget.
    if (err instanceof ApplicationFailure && err.type === Failure.LlmMalformedOutput) {
      const usage = (err.details?.[0] as { usage?: Usage } | undefined)?.usage ?? NO_USAGE;
      await ctx.prisma.$transaction((tx) => recordUsage(tx, tenantId, usage, ctx.costOf(ctx.batchModel, usage), 1), TRANSACTION_OPTIONS).catch(toActivityFailure);
    }
    throw err;
  }
}

/**
 * One structured call to Claude through the real SDK: a forced tool call whose input is validated
 * against a zod schema, with a bounded repair conversation when the answer does not validate, the
 * system prompt marked for prompt caching, and errors mapped onto Temporal's retry semantics.
 *
 * The SDK's own retries are off (maxRetries: 0): Temporal's retry policy is the only one, so attempts
 * are visible in the workflow history and never multiply (SDK retries x activity retries).
 */
export interface StructuredCall<T> {
  model: string;
  maxTokens: number;
  /** Static instructions: identical across calls, so they are cached once and read cheaply after. */
  system: string;
  toolName: string;
  toolDescription: string;
  schema: z.ZodType<T>;
  /** The schema the model is shown (a CLI path's instruction), when it differs from `schema`, which checks the answer. */
  shownSchema?: z.ZodType;
  user: string;
  /** Follow-up requests allowed after an answer that does not validate. */
  maxRepairs?: number;
}

export interface StructuredResult<T> {
  answer: T;
  usage: Usage;
  /** Requests made (1 + repairs). */
  requests: number;
  /** What the model path itself says the calls cost (an agent CLI may); else the price table's. */
  costUsd?: number;
  /** The model that answered, when the path reports it. */
  model?: string;
}

export async function createAnthropic(apiKey: string, baseURL?: string): Promise<Anthropic> {
  const { default: Anthropic } = await anthropicSdk();
  return new Anthropic({ apiKey, ...(baseURL ? { baseURL } : {}), maxRetries: 0, timeout: 120_000 });
}

/**
 * A model path under one contract (common/server/model-choice.ts names them): the same prompts in,
 * a zod-validated, redacted answer and its usage out, malformed answers repaired a bounded number of
 * times. The Anthropic API (below) and the agent CLIs (./cli-model.ts) implement it.
 */
export interface ModelClient {
  path: ModelPathName;
  /**
   * The model as summaries record it: `configured` on the API path; on a CLI path the path and the
   * CLI's model (`claude-cli:haiku`), so a summary's provenance names the path that wrote it.
   */
  model(configured: string): string;
  /**
   * Each call starts a program (an agent CLI): the session is summarized in one call at its end, with
   * its timeline, and the summaries while it runs are written offline.
   */
  oneCallPerSession: boolean;
  call<T>(call: StructuredCall<T>): Promise<StructuredResult<T>>;
}

/** The Anthropic API path, its SDK client made when first asked for (the SDK is loaded then: activities/anthropic-sdk.ts). */
export function modelClient(make: () => Promise<Anthropic>): ModelClient {
  let made: Promise<Anthropic> | undefined;
  return {
    path: 'anthropic',
    model: (configured) => configured,
    oneCallPerSession: false,
    call: async (call) => callStructured(await (made ??= make()), call),
  };
}

export function jsonSchemaOf(schema: z.ZodType): Anthropic.Tool.InputSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
  return rest as Anthropic.Tool.InputSchema;
}

function usageOf(u: Anthropic.Usage): Usage {
  return {
    tokensIn: u.input_tokens,
    tokensOut: u.output_tokens,
    cacheReadTokens: u.cache_read_input_tokens ?? 0,
    cacheWriteTokens: u.cache_creation_input_tokens ?? 0,
  };
}

function describeIssues(err: z.ZodError): string {
  return err.issues
    .slice(0, 8)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

export async function callStructured<T>(client: Anthropic, call: StructuredCall<T>): Promise<StructuredResult<T>> {
  const maxRepairs = call.maxRepairs ?? 2;
  const tool: Anthropic.Tool = { name: call.toolName, description: call.toolDescription, input_schema: jsonSchemaOf(call.schema) };
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: call.user }];
  let usage = NO_USAGE;
  let problem = '';
  for (let attempt = 0; attempt <= maxRepairs; attempt++) {
    let response: Anthropic.Message;
    try {
      response = await client.messages.create({
        model: call.model,
        max_tokens: call.maxTokens,
        system: [{ type: 'text', text: call.system, cache_control: { type: 'ephemeral' } }],
        tools: [tool],
        tool_choice: { type: 'tool', name: call.toolName },
        messages,
      });
    } catch (err) {
      toActivityFailure(err, 'retry');
    }
    usage = addUsage(usage, usageOf(response.usage));
    const toolUse = response.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use' && b.name === call.toolName);
    if (toolUse) {
      const parsed = call.schema.safeParse(toolUse.input);
      // What the model writes passes the same filter as what it read (docs/redaction.md): it may restate a
      // secret it saw before the rules improved, or assemble one from parts.
      if (parsed.success) return { answer: redactValue(parsed.data).value, usage, requests: attempt + 1 };
      problem = describeIssues(parsed.error);
      messages.push({ role: 'assistant', content: response.content });
      messages.push({
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: toolUse.id,
            is_error: true,
            content: `The input did not match the schema: ${problem}. Call ${call.toolName} again with a corrected, complete input.`,
          },
        ],
      });
    } else {
      problem = response.stop_reason === 'max_tokens' ? 'the answer was cut at max_tokens' : `no ${call.toolName} call in the answer`;
      if (response.content.length > 0) messages.push({ role: 'assistant', content: response.content });
      messages.push({ role: 'user', content: `Answer only by calling the ${call.toolName} tool, keeping each field short.` });
    }
  }
  throw ApplicationFailure.create({
    message: `model answer still invalid after ${maxRepairs} repair request(s): ${problem}`,
    type: Failure.LlmMalformedOutput,
    nonRetryable: true,
    details: [{ usage }],
  });
}

/**
 * Per-tenant daily LLM budget. A tenant's own `daily_token_budget` wins; otherwise the configured
 * default applies (0 = unlimited). Usage is kept per UTC day in token_usage, so the budget "returns"
 * at the next UTC midnight, or at once when an operator raises it. Before a call the caller asks
 * whether the estimated tokens still fit; when they do not, the work is parked, never dropped.
 * Two sessions of one tenant checking at the same moment may overshoot by one call each: the check is
 * a brake, not a lock.
 */
export interface BudgetCheck {
  allowed: boolean;
  /** Tokens allowed today (null = unlimited) and used so far. */
  limit: number | null;
  used: number;
  /** When today's usage stops counting (next UTC midnight), as epoch ms. */
  resetsAt: number;
}

export const utcDay = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));

export async function checkBudget(prisma: PrismaClient, tenantId: string, estimate: number, defaultBudget: number, now = new Date()): Promise<BudgetCheck> {
  const day = utcDay(now);
  const resetsAt = day.getTime() + 86_400_000;
  const [tenant, usage] = await Promise.all([
    prisma.tenant.findUnique({ where: { id: tenantId }, select: { dailyTokenBudget: true, dailyCostBudgetUsd: true } }),
    prisma.tokenUsage.findUnique({ where: { tenantId_day: { tenantId, day } } }),
  ]);
  const used = usage ? Number(usage.tokensIn + usage.tokensOut + usage.cacheReadTokens + usage.cacheWriteTokens) : 0;
  const own = tenant?.dailyTokenBudget;
  const limit = own !== null && own !== undefined ? Number(own) : defaultBudget > 0 ? defaultBudget : null;
  const costLimit = tenant?.dailyCostBudgetUsd ? Number(tenant.dailyCostBudgetUsd) : null;
  const overCost = costLimit !== null && usage !== null && Number(usage.costUsd) >= costLimit;
  const allowed = !overCost && (limit === null || used + estimate <= limit);
  return { allowed, limit, used, resetsAt };
}


/** Adds one summary's usage to the tenant's day; called in the transaction that stores the summary. */
export async function recordUsage(tx: Tx, tenantId: string, usage: Usage, costUsd: number, requests: number, now = new Date()): Promise<void> {
  if (requests === 0 && totalTokens(usage) === 0) return;
  const day = utcDay(now);
  const increments = {
    tokensIn: BigInt(usage.tokensIn),
    tokensOut: BigInt(usage.tokensOut),
    cacheReadTokens: BigInt(usage.cacheReadTokens),
    cacheWriteTokens: BigInt(usage.cacheWriteTokens),
    costUsd,
    requests,
  };
  await tx.tokenUsage.upsert({
    where: { tenantId_day: { tenantId, day } },
    create: { tenantId, day, ...increments },
    update: Object.fromEntries(Object.entries(increments).map(([k, v]) => [k, { increment: v }])),
  });
}

/**
 * What a call cost, from the usage the Messages API reports. Prices are USD per million tokens; cache
 * writes cost 1.25x and cache reads 0.1x the input price (Anthropic's 5-minute cache). Models not in
 * the table (or priced differently for you) are set with MEMFLOW_LLM_PRICES; an unknown model costs 0
 * and is logged once by the caller, so a missing price never blocks summarizing.
 */
export interface ModelPrice {
  input: number;
  output: number;
}

// Published list prices for the model families at the time of writing; override with MEMFLOW_LLM_PRICES.
const BUILT_IN: Record<string, ModelPrice> = {
  'claude-haiku-4-5': { input: 1, output: 5 },
  'claude-sonnet-4-5': { input: 3, output: 15 },
  'claude-sonnet-4-6': { input: 3, output: 15 },
  'claude-opus-4-5': { input: 5, output: 25 },
  'claude-opus-4-6': { input: 5, output: 25 },
};

export interface Usage {
  tokensIn: number;
  tokensOut: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export const NO_USAGE: Usage = { tokensIn: 0, tokensOut: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    tokensIn: a.tokensIn + b.tokensIn,
    tokensOut: a.tokensOut + b.tokensOut,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
  };
}

/** Every token sent or received; what the daily budget counts. */
export const totalTokens = (u: Usage): number => u.tokensIn + u.tokensOut + u.cacheReadTokens + u.cacheWriteTokens;

export class PriceTable {
  private readonly prices: Record<string, ModelPrice>;

  constructor(overridesJson?: string) {
    this.prices = { ...BUILT_IN, ...(overridesJson ? parseOverrides(overridesJson) : {}) };
  }

  /**
   * Exact id first, then the id without a date suffix (claude-haiku-4-5-20251001 -> claude-haiku-4-5);
   * an agent CLI's label (`codex-cli:gpt-5-codex-mini`) is priced as its model.
   */
  price(model: string): ModelPrice | undefined {
    const id = model.replace(/^[a-z]+-cli:/, '');
    return this.prices[id] ?? this.prices[id.replace(/-\d{8}$/, '')];
  }

  cost(model: string, u: Usage): number {
    const p = this.price(model);
    if (!p) return 0;
    const usd = (u.tokensIn * p.input + u.cacheWriteTokens * p.input * 1.25 + u.cacheReadTokens * p.input * 0.1 + u.tokensOut * p.output) / 1e6;
    return Math.round(usd * 1e6) / 1e6;
  }
}

function parseOverrides(json: string): Record<string, ModelPrice> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error('MEMFLOW_LLM_PRICES is not valid JSON');
  }
  const out: Record<string, ModelPrice> = {};
  for (const [model, v] of Object.entries(parsed as Record<string, unknown>)) {
    const p = v as Partial<ModelPrice>;
    if (typeof p?.input !== 'number' || typeof p.output !== 'number') {
      throw new Error(`MEMFLOW_LLM_PRICES: ${model} needs numeric "input" and "output" (USD per million tokens)`);
    }
    out[model] = { input: p.input, output: p.output };
  }
  return out;
}
