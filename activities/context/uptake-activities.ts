/**
 * The session workflow's uptake step, run as the session closes: every item the session was handed
 * (its injection receipts) is judged used or unused from what the session did
 * (common/server/context-receipts.ts). Idempotent: only items not judged yet are judged, so a
 * retried activity changes nothing it already wrote.
 */
import { log } from '@temporalio/activity';
import type { PgPool } from '../../common/server/pg.js';
import { measureSessionUptake, type UptakeOutcome } from '../../common/server/context-receipts.js';
import { toActivityFailure } from '../failures.js';
import type { SessionIds } from '../capture/capture-activities.js';

export interface UptakeDeps {
  pool: PgPool;
}

export function createUptakeActivities({ pool }: UptakeDeps) {
  return {
    async measureUptake(input: SessionIds): Promise<UptakeOutcome> {
      try {
        const outcome = await measureSessionUptake(pool, input.tenantId, input.sessionId);
        if (outcome.judged > 0) log.info('uptake measured', { sessionId: input.sessionId, ...outcome });
        return outcome;
      } catch (err) {
        toActivityFailure(err);
      }
    },
  };
}

export type UptakeActivities = ReturnType<typeof createUptakeActivities>;
