/**
 * POST /v1/sessions/{id}/ledger: a hook client's capture ledger for one session (what became of
 * every event it took: messages/capture-ledger-v1.ts). Idempotent by client id and counter: a repeated
 * or older report changes nothing. The answer is the session's reconciled ledger, which
 * GET /v1/sessions/{id} also carries (`capture`). Tenant-scoped: another tenant's session is a 404.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PgPool } from '../../common/server/pg.js';
import { captureLedger, ledgerReport } from '../../messages/capture-ledger-v1.js';
import { requirePrincipal } from '../auth.js';
import { sessionLedger, storeLedgerReport } from '../capture/capture-ledger.js';
import { HttpError } from '../errors.js';
import { apiMetrics } from '../metrics.js';
import { agentSessionIdParam, answer, parseOr400, projectParam } from '../validation.js';
import { findSessionRow } from '../sessions/session-list.js';
import { documented } from '../openapi-doc.js';

const params = z.object({ id: agentSessionIdParam });
const query = z.object({ project: projectParam });

export function registerCaptureLedgerRoutes(app: FastifyInstance, deps: { pool: PgPool }): void {
  const doc = documented({
    summary: "A hook client's capture ledger for the session (what became of every event it took); idempotent by client id and counter. Answers the session's reconciled ledger",
    tags: ['sessions'],
    params,
    query,
    body: ledgerReport,
    answers: { 200: captureLedger, 404: null },
  });
  app.post<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>('/v1/sessions/:id/ledger', doc, async (req) => {
    const { tenantId } = requirePrincipal(req);
    const { id } = parseOr400(params, req.params, 'invalid_path');
    const { project } = parseOr400(query, req.query);
    const report = parseOr400(ledgerReport, req.body, 'invalid_body');
    const row = await findSessionRow(deps.pool, tenantId, id, project);
    if (!row) throw new HttpError(404, 'not_found', `no session '${id}'`);
    await storeLedgerReport(deps.pool, tenantId, row.id, report);
    const ledger = await sessionLedger(deps.pool, tenantId, row.id);
    if (!ledger) throw new HttpError(404, 'not_found', `no session '${id}'`);
    apiMetrics.ledgerReports.inc({ status: ledger.status });
    if (ledger.flagged) req.log.warn({ tenantId, session: id, unexplained: ledger.unexplained, missingOnServer: ledger.missingOnServer, unclaimedOnServer: ledger.unclaimedOnServer }, 'capture ledger does not reconcile');
    return answer(captureLedger, ledger);
  });
}
