/**
 * GET /v1/usage?days=N (default 30, at most 366): the tenant's LLM usage for the web viewer's Usage
 * view and for scripts. Per UTC day (token_usage, what the budget is checked against) and per day and
 * project (summaries' own counts), with the tenant's daily budgets and how much of today's is spent.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PgPool } from '../../common/server/pg.js';
import { requirePrincipal } from '../auth.js';
import { usageAnswer } from '../../messages/api-v1.js';
import { answer, parseOr400 } from '../validation.js';
import { documented } from '../openapi-doc.js';

export interface UsageRouteDeps {
  pool: PgPool;
  /** MEMFLOW_DAILY_TOKEN_BUDGET: the budget of tenants without one of their own (0 = unlimited). */
  defaultDailyTokenBudget: number;
}

export const usageQuery = z.object({
  days: z.coerce.number().int('must be an integer from 1 to 366').min(1, 'must be an integer from 1 to 366').max(366, 'must be an integer from 1 to 366').default(30),
});

const num = (v: unknown) => Number(v ?? 0);

export function registerUsageRoutes(app: FastifyInstance, deps: UsageRouteDeps): void {
  const usageDoc = documented({ summary: 'LLM tokens and cost per day and per project, with the daily budgets', tags: ['operations'], query: usageQuery, answers: { 200: usageAnswer } });
  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/usage', usageDoc, async (req) => {
    const { tenantId } = requirePrincipal(req);
    const { days } = parseOr400(usageQuery, req.query);
    const [perDay, perProject, tenant] = await Promise.all([
      deps.pool.query(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, tokens_in, tokens_out, cache_read_tokens, cache_write_tokens, cost_usd, requests
           FROM token_usage WHERE tenant_id = $1 AND day > (now() AT TIME ZONE 'UTC')::date - $2::int ORDER BY day`,
        [tenantId, days],
      ),
      deps.pool.query(
        `SELECT to_char((s.created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, p.name AS project,
                sum(s.tokens_in) AS tokens_in, sum(s.tokens_out) AS tokens_out, sum(s.cost_usd) AS cost_usd, count(*) AS summaries
           FROM summaries s JOIN projects p ON p.id = s.project_id
          WHERE s.tenant_id = $1 AND s.created_at > (now() AT TIME ZONE 'UTC')::date - $2::int
          GROUP BY 1, 2 ORDER BY 1, 2`,
        [tenantId, days],
      ),
      deps.pool.query(`SELECT daily_token_budget, daily_cost_budget_usd FROM tenants WHERE id = $1`, [tenantId]),
    ]);
    const today = new Date().toISOString().slice(0, 10);
    const todayRow = perDay.rows.find((r) => r.day === today);
    const t = tenant.rows[0] ?? {};
    const tokenBudget = t.daily_token_budget !== null && t.daily_token_budget !== undefined ? num(t.daily_token_budget) : deps.defaultDailyTokenBudget || null;
    return answer(usageAnswer, {
      days: perDay.rows.map((r) => ({
        day: r.day,
        tokensIn: num(r.tokens_in),
        tokensOut: num(r.tokens_out),
        cacheReadTokens: num(r.cache_read_tokens),
        cacheWriteTokens: num(r.cache_write_tokens),
        costUsd: num(r.cost_usd),
        requests: num(r.requests),
      })),
      projects: perProject.rows.map((r) => ({ day: r.day, project: r.project, tokensIn: num(r.tokens_in), tokensOut: num(r.tokens_out), costUsd: num(r.cost_usd), summaries: num(r.summaries) })),
      budget: {
        dailyTokens: tokenBudget,
        dailyCostUsd: t.daily_cost_budget_usd !== null && t.daily_cost_budget_usd !== undefined ? num(t.daily_cost_budget_usd) : null,
        today: { day: today, tokens: todayRow ? num(todayRow.tokens_in) + num(todayRow.tokens_out) : 0, costUsd: todayRow ? num(todayRow.cost_usd) : 0 },
      },
    });
  });
}
