/**
 * Every `ApplicationFailure` type memflow raises (v1): one list, so that activities throw them,
 * workflows match them and retry policies name them without string literals. Pure values: every
 * layer (workflow code included) may import it.
 */
export const Failure = {
  // The LLM (activities/summarize/summary-call.ts, mapped in activities/failures.ts).
  /** 429: retried after the server's delay. */
  LlmRateLimited: 'LlmRateLimited',
  /** Unreachable, 5xx, 408, 409: retried. */
  LlmUnavailable: 'LlmUnavailable',
  /** Any other 4xx: the same request fails again. */
  LlmRequestRejected: 'LlmRequestRejected',
  /** 401 or 403: the key is wrong; the session parks until credentials work. */
  LlmAuthFailed: 'LlmAuthFailed',
  /** The answer did not fit the tool's schema after the repairs. */
  LlmMalformedOutput: 'LlmMalformedOutput',
  /**
   * An agent CLI used as the model (activities/summarize/cli-model.ts) is missing, signed out, out of
   * quota or too slow: that summary is written offline.
   */
  LlmPathUnavailable: 'LlmPathUnavailable',

  // Embeddings and Weaviate (activities/vectors/, mapped in activities/failures.ts).
  /** The embedding provider refused the input or the credentials. */
  EmbeddingRejected: 'EmbeddingRejected',
  /** The embedding provider is down or rate-limited: retried. */
  EmbeddingUnavailable: 'EmbeddingUnavailable',
  /** Weaviate refused memflow's credentials. */
  WeaviateRejected: 'WeaviateRejected',

  // PostgreSQL (activities/failures.ts).
  /** A write the database will never accept (constraint, bad input, missing table). */
  DatabasePermanent: 'DatabasePermanent',
  /** A lock stayed held by other work longer than the activity waits for it: retried. */
  DatabaseBusy: 'DatabaseBusy',

  // Inputs and rows.
  /** An activity was called with an input it can never handle. */
  InvalidInput: 'InvalidInput',
  /** The session row an activity works on does not exist. */
  SessionNotFound: 'SessionNotFound',
  /** Persisting a session's events failed for good (the session workflow gives up). */
  PersistFailed: 'PersistFailed',

  // Backup and restore.
  /** No such backup, or not completed. */
  BackupNotFound: 'BackupNotFound',
  /** A file of the backup does not match its checksum. */
  BackupCorrupt: 'BackupCorrupt',
  /** The backup is another tenant's, or its rows cannot go back. */
  RestoreRefused: 'RestoreRefused',
} as const;

/**
 * Model failures after which that one summary is written by the offline summarizer instead (kept
 * and marked): the answer stays malformed, the API refuses the request as it is, or the agent CLI
 * serving as the model cannot answer. The session
 * workflow's summarize step and the close's summarizeSessionEnd both apply it.
 */
export const SUMMARIZE_OFFLINE_ON: readonly string[] = [Failure.LlmMalformedOutput, Failure.LlmRequestRejected, Failure.LlmPathUnavailable];

