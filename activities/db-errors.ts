/** Maps database errors onto Temporal's retry semantics, once, for every activity that writes. */
import { ApplicationFailure } from '@temporalio/activity';
import { classifyDbError } from '../common/db.js';

export function rethrowDbError(err: unknown): never {
  if (err instanceof ApplicationFailure) throw err;
  const kind = classifyDbError(err);
  if (kind === 'permanent') {
    throw ApplicationFailure.nonRetryable(`database rejected the write: ${(err as Error).message}`, 'DatabasePermanent');
  }
  throw err; // transient and overloaded: Temporal retries with backoff
}
