/** Maps database errors onto Temporal's retry semantics, once, for every activity that writes. */
import { ApplicationFailure } from '@temporalio/activity';
import { Failure } from '../messages/errors/v1.js';
import { classifyDbError } from '../common/db.js';

export function rethrowDbError(err: unknown): never {
  if (err instanceof ApplicationFailure) throw err;
  const kind = classifyDbError(err);
  if (kind === 'permanent') {
    throw ApplicationFailure.nonRetryable(`database rejected the write: ${(err as Error).message}`, Failure.DatabasePermanent);
  }
  throw err; // transient and overloaded: Temporal retries with backoff
}
