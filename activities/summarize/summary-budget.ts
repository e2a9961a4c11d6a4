/**
 * Per-tenant daily LLM budget. A tenant's own `daily_token_budget` wins; otherwise the configured
 * default applies (0 = unlimited). Usage is kept per UTC day in token_usage, so the budget "returns"
 * at the next UTC midnight, or at once when an operator raises it. Before a call the caller asks
 * whether the estimated tokens still fit; when they do not, the work is parked, never dropped.
 * Two sessions of one tenant checking at the same moment may overshoot by one call each: the check is
 * a brake, not a lock.
 */
import type { PrismaClient, Tx } from '../../common/server/db.js';
import { totalTokens, type Usage } from './pricing.js';

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
