import type { Client } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';

/** The one error shape of the HTTP API: {"error":{"code","message"}}. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const errorBody = (code: string, message: string) => ({ error: { code, message } });

/**
 * A workflow could not be started because Temporal is away: 503 with Retry-After, the same answer for
 * every route that starts a job (erase, backup, restore, redaction rescan).
 */
const temporalUnavailable = (what: string) => new HttpError(503, 'unavailable', `Temporal is unavailable: ${what} was not started; retry later`, { 'retry-after': '5' });

/**
 * How long a job's start waits to hear from Temporal at all. Temporal's client retries a refused
 * connection for about 20 s (its gRPC retry policy: 10 attempts, backing off to 5 s), longer than
 * `memflow` commands wait for an answer (15 s): with Temporal away, the person would see a timeout
 * instead of this route's 503. A cheap call under this deadline, before anything is started, says so
 * within seconds; a Temporal that answers it gets the start with the client's usual retries.
 */
export const TEMPORAL_REACH_MS = 3000;

/**
 * Starts a job's workflow. When that fails (Temporal away or refusing), `undo` removes what the route
 * wrote for a job no workflow will finish, and the answer is temporalUnavailable(what).
 */
export async function startOr503(
  req: FastifyRequest,
  temporal: Client,
  what: string,
  jobId: string,
  start: () => Promise<unknown>,
  undo?: (err: Error) => Promise<unknown>,
): Promise<void> {
  try {
    await temporal.connection.withDeadline(Date.now() + TEMPORAL_REACH_MS, () => temporal.connection.workflowService.getSystemInfo({}));
    await start();
  } catch (err) {
    req.log.warn({ err: (err as Error).message, jobId }, `could not start ${what} workflow`);
    await undo?.(err as Error);
    throw temporalUnavailable(what);
  }
}
