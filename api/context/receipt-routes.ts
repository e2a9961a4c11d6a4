/**
 * Injection receipts, read back (docs/receipts.md):
 *
 * - GET /v1/sessions/{id}/receipts: what a session was handed (every serving: SessionStart, the MCP
 *   `context` tool and resources, GET /v1/context naming it), each item's tokens, rank and reason,
 *   and — once the session closed — whether it was used, with the evidence;
 * - GET /v1/usage/uptake: injected vs used context tokens per project and UTC day;
 * - POST /v1/context/receipts/{id}/delivered: the relay handed an offered push to the agent, which
 *   becomes its receipt (context-receipt.ts: a push past the relay's budget never does).
 *
 * Both are tenant-scoped by the caller's key; the viewer's session and usage views read them.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PgPool } from '../../common/server/pg.js';
import { requirePrincipal } from '../auth.js';
import { HttpError } from '../errors.js';
import { RECORD_TYPES, type RecordType } from '../../messages/record-types-v1.js';
import { sessionReceiptsAnswer, uptakeUsageAnswer } from '../../messages/api-v1.js';
import { agentSessionIdParam, answer, parseOr400, projectParam } from '../validation.js';
import { documented } from '../openapi-doc.js';
import { deliverOffer } from './context-receipt.js';

export interface ReceiptRouteDeps {
  pool: PgPool;
}

const sessionParams = z.object({ id: agentSessionIdParam });
const offerParams = z.object({ id: z.string().uuid('must be the `receipt` of a GET /v1/context answer') });
const receiptsQuery = z.object({ project: projectParam.optional() });
export const uptakeQuery = z.object({
  days: z.coerce.number().int('must be an integer from 1 to 366').min(1, 'must be an integer from 1 to 366').max(366, 'must be an integer from 1 to 366').default(30),
  project: projectParam.optional(),
});

/** A receipt's items with the records they name (the title as it reads now; null once erased). */
const RECEIPTS_SQL = `
select r.id, r.channel, r.budget, r.total_tokens, r.created_at, r.uptake_measured_at,
       (select coalesce(jsonb_agg(w || jsonb_build_object('title', lw.title)), '[]'::jsonb)
          from jsonb_array_elements(r.withheld) w left join learnings lw on w->>'type' = 'learning' and lw.id = (w->>'id')::uuid) as withheld,
       coalesce(jsonb_agg(jsonb_build_object('id', i.item_id, 'type', i.item_type, 'tokens', i.tokens, 'rank', i.position, 'reason', i.reason,
                 'used', i.used, 'evidence', i.evidence, 'title', coalesce(l.title, su.title, o.title)) order by i.position)
                 filter (where i.receipt_id is not null), '[]'::jsonb) as items
  from context_receipts r
  left join context_receipt_items i on i.receipt_id = r.id
  left join learnings l on i.item_type = 'learning' and l.id = i.item_id
  left join summaries su on i.item_type = 'summary' and su.id = i.item_id
  left join observations o on i.item_type = 'observation' and o.id = i.item_id
 where r.tenant_id = $1 and r.session_id = $2
 group by r.id order by r.created_at, r.id
 limit 200`;

interface ItemRow {
  id: string;
  type: string;
  tokens: number;
  rank: number;
  reason: string;
  used: boolean | null;
  evidence: string | null;
  title: string | null;
}

const isRecordType = (t: string): t is RecordType => (RECORD_TYPES as readonly string[]).includes(t);

export function registerReceiptRoutes(app: FastifyInstance, deps: ReceiptRouteDeps): void {
  const receiptsDoc = documented({
    summary: 'What a session was handed (injection receipts): each item, its tokens, why it was chosen, and whether the session used it',
    tags: ['sessions'],
    params: sessionParams,
    query: receiptsQuery,
    answers: { 200: sessionReceiptsAnswer, 404: null },
  });
  app.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>('/v1/sessions/:id/receipts', receiptsDoc, async (req) => {
    const { tenantId } = requirePrincipal(req);
    const { id } = parseOr400(sessionParams, req.params, 'invalid_path');
    const { project } = parseOr400(receiptsQuery, req.query);
    const session = await deps.pool.query<{ id: string }>(
      `select s.id from sessions s join projects p on p.id = s.project_id
        where s.tenant_id = $1 and s.agent_session_id = $2 and ($3::text is null or p.name = $3) order by s.started_at desc limit 1`,
      [tenantId, id, project ?? null],
    );
    const sessionId = session.rows[0]?.id;
    if (!sessionId) throw new HttpError(404, 'not_found', `no session '${id}'`);
    const { rows } = await deps.pool.query<{ id: string; channel: string; budget: number; total_tokens: number; created_at: Date; uptake_measured_at: Date | null; items: ItemRow[]; withheld: { id: string; type: string; score: number; reason: string; title: string | null }[] }>(RECEIPTS_SQL, [tenantId, sessionId]);
    const totals = { injectedTokens: 0, usedTokens: 0, unusedTokens: 0, pendingTokens: 0 };
    const receipts = rows.map((r) => ({
      id: r.id,
      channel: r.channel,
      budget: r.budget,
      tokens: r.total_tokens,
      createdAt: r.created_at.toISOString(),
      uptakeMeasuredAt: r.uptake_measured_at?.toISOString() ?? null,
      items: r.items.filter((i) => isRecordType(i.type)).map((i) => {
        totals.injectedTokens += i.tokens;
        if (i.used === true) totals.usedTokens += i.tokens;
        else if (i.used === false) totals.unusedTokens += i.tokens;
        else totals.pendingTokens += i.tokens;
        return { ...i, type: i.type as RecordType };
      }),
      withheld: r.withheld,
    }));
    return answer(sessionReceiptsAnswer, { receipts, totals });
  });

  const deliveredDoc = documented({
    summary: "The context a GET /v1/context answer offered (its `receipt`, asked with X-Memflow-Receipt: on-delivery) was handed to the agent: its injection receipt is written (once; an offer not confirmed within ten minutes is dropped)",
    tags: ['retrieval'],
    params: offerParams,
    answers: { 204: { mediaType: 'text/plain', description: 'the receipt is written (no body)' }, 404: null },
  });
  app.post<{ Params: { id: string } }>('/v1/context/receipts/:id/delivered', deliveredDoc, async (req, reply) => {
    const { tenantId } = requirePrincipal(req);
    const { id } = parseOr400(offerParams, req.params, 'invalid_path');
    if (!(await deliverOffer(deps.pool, tenantId, id))) throw new HttpError(404, 'not_found', `no offered receipt '${id}' (delivered already, expired after ten minutes, or another tenant's)`);
    return reply.code(204).send();
  });

  const uptakeDoc = documented({
    summary: 'Injected vs used context tokens per project and UTC day (from injection receipts; pending: the receiving session has not closed or is unknown)',
    tags: ['operations'],
    query: uptakeQuery,
    answers: { 200: uptakeUsageAnswer },
  });
  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/usage/uptake', uptakeDoc, async (req) => {
    const { tenantId } = requirePrincipal(req);
    const { days, project } = parseOr400(uptakeQuery, req.query);
    const { rows } = await deps.pool.query<Record<string, string>>(
      `select to_char((r.created_at at time zone 'UTC')::date, 'YYYY-MM-DD') as day, p.name as project, count(distinct r.id) as receipts,
              coalesce(sum(i.tokens), 0) as injected, coalesce(sum(i.tokens) filter (where i.used), 0) as used,
              coalesce(sum(i.tokens) filter (where i.used = false), 0) as unused, coalesce(sum(i.tokens) filter (where i.used is null), 0) as pending
         from context_receipts r join projects p on p.id = r.project_id
         left join context_receipt_items i on i.receipt_id = r.id
        where r.tenant_id = $1 and r.created_at > (now() at time zone 'UTC')::date - $2::int and ($3::text is null or p.name = $3)
        group by 1, 2 order by 1, 2`,
      [tenantId, days, project ?? null],
    );
    const n = (v: string | undefined) => Number(v ?? 0);
    return answer(uptakeUsageAnswer, {
      days: rows.map((r) => ({ day: r.day!, project: r.project!, receipts: n(r.receipts), injectedTokens: n(r.injected), usedTokens: n(r.used), unusedTokens: n(r.unused), pendingTokens: n(r.pending) })),
    });
  });
}
