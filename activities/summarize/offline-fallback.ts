/**
 * The summarize calls' policy for answers that stay malformed and requests the API refuses
 * (SUMMARIZE_OFFLINE_ON), where one activity makes several calls (a session's turn, its end): that
 * one summary is written offline instead, kept and marked. Refused credentials (LlmAuthFailed) and
 * everything else reach the workflow, which parks the work or retries.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import { SUMMARIZE_OFFLINE_ON } from '../../messages/errors-v1.js';
import type { SummaryOutcome } from './summarize-activities.js';

const offlineFallback = (err: unknown): boolean => err instanceof ApplicationFailure && SUMMARIZE_OFFLINE_ON.includes(err.type ?? '');

/** `call(false)`, or `call(true)` (offline) when the model path failed for good (see above). */
export async function withOfflineFallback(name: string, call: (offline: boolean) => Promise<SummaryOutcome>): Promise<SummaryOutcome> {
  try {
    return await call(false);
  } catch (err) {
    if (!offlineFallback(err)) throw err;
    log.warn(`${name}: model call failed (${(err as ApplicationFailure).type}); using the offline summarizer`, { error: (err as Error).message });
    return call(true);
  }
}
