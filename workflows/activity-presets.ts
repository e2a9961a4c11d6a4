/**
 * Timeout and retry presets of every activity proxy, one per class of activity, each with the reason
 * for its numbers. Every preset either has an attempt limit or says why it has none: an unlimited
 * preset is only for work that must finish (capture, erasure) or whose delay is harmless, and it
 * relies on the activities raising non-retryable failures (messages/errors-v1.ts, mapped once in
 * activities/failures.ts) for what will never succeed.
 *
 * Changing a preset changes workflow code, but not its determinism: activity options are not part
 * of the replay check of activities already scheduled (the saved histories in tests/ replay).
 */
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import { Failure } from '../messages/errors-v1.js';

/**
 * Session capture writes (one batch of events): well under a second, so 15 s only bounds how long a
 * dead worker holds one. No attempt limit: PostgreSQL being away for a while must delay the session,
 * never fail it; rows that can never be written fail as DatabasePermanent or SessionNotFound.
 */
export const captureWrites: ActivityOptions = {
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};

/**
 * Model calls: Temporal is the only retry layer (the SDK's retries are off). 429/529/5xx wait as long
 * as the server asks (nextRetryDelay) or back off to 5 minutes. No attempt limit: summaries are
 * delayed, never dropped; refused requests fail at once (LlmRequestRejected, LlmAuthFailed,
 * LlmMalformedOutput). The activities heartbeat on a timer while they run (activities/heartbeating.ts),
 * so an attempt Temporal stops hearing from for 20 s is retried: its worker died, or its completion
 * was lost in a Temporal server restart (a soak's closes waited out the 4 minutes on such attempts).
 */
export const llmCalls: ActivityOptions = {
  startToCloseTimeout: '4 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
};

/**
 * How long a session's in-session work (a batch or rolling summary, a vector sync between turns) may
 * wait in the task queue for a worker. When the workers are busy (a burst of sessions, a backlog
 * after a fault), that work is not needed now: the final summary at the session's end takes every
 * batch left, and the end's vector sync covers all. So it gives up after this wait (Temporal's
 * schedule-to-start timeout, never retried) and the session waits for its next turn, instead of
 * piling up in front of other sessions' closes — a soak's closes waited minutes behind it.
 */
export const IN_SESSION_QUEUE_WAIT = '10 seconds';

/** Model calls within a session (not its end): as llmCalls, given up when no worker takes them soon. */
export const inSessionLlmCalls: ActivityOptions = { ...llmCalls, scheduleToStartTimeout: IN_SESSION_QUEUE_WAIT };

/**
 * A session's turn in one activity (activities/summarize/session-turn.ts): the model calls of
 * inSessionLlmCalls and the session's vector sync after them, so the sync's 5 minutes
 * (sessionVectorSync) bound it instead of 4. Heartbeats on a timer as the model calls do; given up
 * when no worker takes it soon, as all in-session work (the end does what is left).
 */
export const inSessionTurn: ActivityOptions = { ...inSessionLlmCalls, startToCloseTimeout: '5 minutes' };

/**
 * A session's vector sync: Weaviate is derived data, so a few quick attempts, then the session
 * carries on and reconciliation repairs what is missed. A first sync of a long session embeds
 * thousands of records (remote providers: many HTTP calls), hence 5 minutes. It heartbeats after
 * every page and every written chunk, and no single call in it waits longer than 30 s (an embedding
 * request, a REST call, a batch write: common/server/weaviate/grpc-batch.ts batchDeadlineMs), so an attempt
 * silent for 45 s is stuck (a worker gone, a call on a lost Weaviate node) and is retried at once
 * instead of holding the session's close for minutes (a soak saw one Started for 4+ minutes).
 */
export const sessionVectorSync: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '45 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '20 seconds', maximumAttempts: 4 },
};

/** A vector sync between turns: as sessionVectorSync, given up when no worker takes it soon (the end's sync covers it). */
export const inSessionVectorSync: ActivityOptions = { ...sessionVectorSync, scheduleToStartTimeout: IN_SESSION_QUEUE_WAIT };

/**
 * A session's settling as it closes (activities/close: its vector sync, its uptake, the status
 * completed). The close must happen, so no attempt limit: the activity itself stops retrying the
 * vector sync after a few attempts (Weaviate is derived data; reconciliation repairs it) and closes;
 * only the database being away keeps it retrying, as captureWrites. Heartbeats as sessionVectorSync
 * (per page and written chunk), so a stuck attempt is retried after 45 s.
 */
export const sessionSettle: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '45 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '20 seconds' },
};

/**
 * The settling as a local activity (runs since lean-session-v1): it is short (the few records the
 * session's last turn left to embed, one uptake judgement, one status write), so it runs in the
 * workflow task that follows the final summary, with no activity task and workflow task of its own
 * on Temporal. The same bounds and retries as sessionSettle; a local activity has no heartbeat
 * timeout: while it runs the worker keeps extending its workflow task, and a worker that dies loses
 * that task, so the next worker runs the settling again (it is idempotent). Retries closer than
 * Temporal's local retry threshold (a minute) happen in the worker, later ones after a timer.
 */
export const sessionSettleLocal: LocalActivityOptions = {
  startToCloseTimeout: sessionSettle.startToCloseTimeout!,
  retry: sessionSettle.retry!,
};

/**
 * A memory stated through the API: one embedding call and one Weaviate batch, well under a second
 * when both are up. Retried briskly for a few minutes (Weaviate restarting); after that the
 * reconcile schedule takes over, so the run does not linger.
 */
export const memoryVectorSync: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
};

/**
 * One bounded batch of a job that must finish (a project's erasure, a redaction rescan): one DELETE
 * or a few hundred rows rewritten, seconds. No attempt limit: the database being away delays the job;
 * DatabasePermanent and InvalidInput end it.
 */
export const jobDatabaseBatch: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/**
 * One reconciliation step (embeds and writes up to a batch of records; the provider may be slow),
 * heartbeating. No attempt limit: Weaviate or the provider being away delays the run;
 * EmbeddingRejected, WeaviateRejected and DatabasePermanent end it.
 */
export const reconcileStep: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '3 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/** A redaction rescan's re-embedding step: as reconcileStep, with room for larger batches. */
export const rescanVectorStep: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/**
 * A page of a re-derivation: up to a page of sessions, each one model call (or the offline
 * summarizer), heartbeating per session. Long enough for a page of slow model answers; the
 * heartbeat notices a lost worker (and delivers a cancellation) within a minute or two. No attempt
 * limit for what passes (the model or the database away): staged sessions are skipped on retry;
 * LlmAuthFailed, LlmRequestRejected, InvalidInput and DatabasePermanent end the run (failed, resumable).
 */
export const rederivePage: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: [Failure.LlmAuthFailed, Failure.LlmRequestRejected, Failure.LlmMalformedOutput] },
};

/**
 * A re-derivation's estimate (reads and tokenizes every session's timeline, heartbeating) and its
 * swap (one transaction over the project's summaries and learnings): minutes for a large project.
 */
export const rederiveBulk: ActivityOptions = {
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/**
 * An erased project's Weaviate objects, deleted in repeated batch deletes with heartbeats. No attempt
 * limit: an erasure must finish; WeaviateRejected ends it.
 */
export const eraseVectors: ActivityOptions = {
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/**
 * A retention batch (database, or the matching Weaviate deletes): seconds. Ten attempts (about ten
 * minutes of backoff): the run is scheduled daily and the next run resumes what this one left, so a
 * failure that outlasts the backoff fails this run visibly instead of retrying forever.
 */
export const retentionBatch: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
};

/**
 * Backup bookkeeping (record the row, prune, audit): one query or a few files. Ten attempts: a backup
 * that cannot even be recorded fails visibly (and is audited); the next scheduled backup follows.
 */
export const backupBookkeeping: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
};

/** Writing or restoring a snapshot: large tenants take a while; the activities heartbeat per table. */
export const backupSnapshot: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes', maximumAttempts: 5 },
};
