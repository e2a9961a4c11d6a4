/**
 * `--wait` for the long-running admin commands: poll a job's status document until it is no longer
 * running, printing a progress dot on stderr per poll (stdout stays clean for the result or --json).
 */
import type { JobView } from '../messages/api-v1.js';
import type { ApiClient } from '../clients/api.js';
import { withApi, type ApiOptions } from './api-client.js';
import { CliError } from './output.js';

export const ADMIN_HINT = 'this needs an admin API key (memflow keys create --tenant <name> --admin)';

/** GET /v1/admin/jobs/{jobId}: a backup, restore or rescan workflow, by Temporal's status name. */
export type AdminJob = JobView;

/** GET /v1/jobs/{jobId}: a project erasure, from its tombstone. */
export interface EraseJob extends JobView {
  project: string;
  status: 'requested' | 'erased' | 'failed';
  requestedAt: string;
  erasedAt: string | null;
}

export interface PollOptions extends ApiOptions {
  intervalMs?: number;
  /** Give up waiting (the job itself goes on) after this long. */
  maxWaitMs?: number;
  progress?: (chunk: string) => void;
}

const stderrChunk = (chunk: string) => {
  process.stderr.write(chunk);
};

/** Polls the job (`read`) until `running(doc)` is false; returns the last document. */
export async function pollJob<T>(jobId: string, read: (api: ApiClient) => Promise<T>, running: (doc: T) => boolean, opts: PollOptions = {}): Promise<T> {
  const progress = opts.progress ?? stderrChunk;
  const interval = opts.intervalMs ?? 500;
  const deadline = Date.now() + (opts.maxWaitMs ?? 60 * 60_000);
  let dots = 0;
  try {
    for (;;) {
      const doc = await withApi(opts, read, ADMIN_HINT);
      if (!running(doc)) return doc;
      if (Date.now() > deadline) throw new CliError(`stopped waiting after ${Math.round((opts.maxWaitMs ?? 3_600_000) / 1000)}s; the job goes on (${jobId})`);
      progress('.');
      dots++;
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  } finally {
    if (dots > 0) progress('\n');
  }
}

export const waitAdminJob = (jobId: string, opts: PollOptions = {}) => pollJob<AdminJob>(jobId, (api) => api.job(jobId), (j) => j.status === 'running', opts);

export const waitEraseJob = (jobId: string, opts: PollOptions = {}) => pollJob<EraseJob>(jobId, (api) => api.erasure(jobId), (j) => j.status === 'requested', opts);
