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

  /** Exact id first, then the id without a date suffix (claude-haiku-4-5-20251001 -> claude-haiku-4-5). */
  price(model: string): ModelPrice | undefined {
    return this.prices[model] ?? this.prices[model.replace(/-\d{8}$/, '')];
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
