/**
 * The admin client commands (they need an admin API key):
 *   memflow backup [create] [--wait]   POST /v1/admin/backups, then GET /v1/admin/jobs/{jobId}
 *   memflow backup list                GET /v1/admin/backups
 *   memflow restore <backupId>         POST /v1/admin/restore, then GET /v1/admin/jobs/{jobId}
 *   memflow erase <project> --yes      DELETE /v1/projects/{project}, then GET /v1/jobs/{jobId}
 * With --json each prints the API's answer as is; with --wait, the job's final status document.
 */
import { withApi, type ApiOptions } from './api-client.js';
import { backupId as checkBackupId } from './args.js';
import { ADMIN_HINT, waitAdminJob, waitEraseJob, type AdminJob } from './jobs.js';
import { byteSize, CliError, printTable, shortTime } from './output.js';

type Out = (line: string) => void;

interface WaitOptions extends ApiOptions {
  wait?: boolean;
  json?: boolean;
}

/** Prints the finished job (JSON or `describe`), failing unless it completed. */
function finishAdminJob(job: AdminJob, opts: WaitOptions, out: Out, describe: (result: unknown) => void): void {
  if (opts.json) out(JSON.stringify(job));
  if (job.status !== 'completed') throw new CliError(`job ${job.jobId} ${job.status}${job.error ? `: ${job.error}` : ''}`);
  if (!opts.json) describe(job.result);
}

export async function backupCreate(opts: WaitOptions, out: Out): Promise<void> {
  const started = await withApi(opts, (api) => api.startBackup(), ADMIN_HINT);
  if (!opts.wait) {
    if (opts.json) return out(JSON.stringify(started));
    out(`backup ${started.backupId} started (job ${started.jobId})`);
    return out('follow it with `memflow backup list`, or run with --wait');
  }
  if (!opts.json) out(`backup ${started.backupId} started (job ${started.jobId})`);
  const job = await waitAdminJob(started.jobId, opts);
  finishAdminJob(job, opts, out, (result) => {
    const r = result as { sizeBytes: number; rows: number; pruned: number };
    out(`backup ${started.backupId} completed: ${r.rows} rows, ${byteSize(r.sizeBytes)}${r.pruned ? `, ${r.pruned} old backup${r.pruned === 1 ? '' : 's'} pruned` : ''}`);
  });
}

export async function backupList(opts: ApiOptions & { json?: boolean }, out: Out): Promise<void> {
  const page = await withApi(opts, (api) => api.backups(), ADMIN_HINT);
  if (opts.json) return out(JSON.stringify(page));
  if (page.items.length === 0) return out('no backups yet (memflow backup create)');
  const rows = page.items.map((b) => [b.id, b.status, byteSize(b.sizeBytes), shortTime(b.createdAt)]);
  printTable(['ID', 'STATUS', 'SIZE', 'CREATED'], rows, out);
}

export async function restore(id: string, opts: WaitOptions & { project?: string; includeErased?: boolean }, out: Out): Promise<void> {
  const body = { backupId: checkBackupId(id), ...(opts.project ? { project: opts.project } : {}), includeErased: opts.includeErased === true };
  const started = await withApi(opts, (api) => api.restore(body), ADMIN_HINT);
  if (!opts.wait) {
    if (opts.json) return out(JSON.stringify(started));
    return out(`restore of backup ${body.backupId} started (job ${started.jobId}); run with --wait to follow it`);
  }
  if (!opts.json) out(`restore of backup ${body.backupId} started (job ${started.jobId})`);
  const job = await waitAdminJob(started.jobId, opts);
  finishAdminJob(job, opts, out, (result) => {
    const r = result as { inserted: Record<string, number>; skippedErasedProjects: string[]; vectors: { upserted: number } };
    const inserted = Object.entries(r.inserted).filter(([, n]) => n > 0);
    out(`restore completed: ${inserted.length === 0 ? 'nothing was missing, no rows inserted' : `inserted ${inserted.map(([t, n]) => `${n} ${t}`).join(', ')}`}`);
    out(`vectors re-indexed: ${r.vectors.upserted}`);
    if (r.skippedErasedProjects.length > 0) out(`skipped erased projects: ${r.skippedErasedProjects.join(', ')} (add --include-erased --project <name> to bring one back)`);
  });
}

/** Exit code of a refused erase (no --yes): not an error of the API, a decision not to act. */
export const ERASE_REFUSED = 2;

export async function erase(project: string, opts: WaitOptions & { yes?: boolean }, out: Out, err: Out): Promise<void> {
  if (!opts.yes) {
    // What would go, as far as a member's view tells (the first page of its sessions).
    const page = await withApi(opts, (api) => api.sessions({ project, limit: 100 }));
    const sessions = page.nextCursor ? `more than ${page.items.length}` : String(page.items.length);
    err(`this would permanently erase project '${project}': ${sessions} session${page.items.length === 1 ? '' : 's'} with all their events,`);
    err('observations, summaries and learnings, from PostgreSQL and Weaviate; later restores skip it unless --include-erased.');
    err(`to erase it, run: memflow erase ${project} --yes`);
    throw new CliError('not erased (irreversible: confirm with --yes)', ERASE_REFUSED);
  }
  const started = await withApi(opts, (api) => api.eraseProject(project), ADMIN_HINT);
  if (!opts.wait) {
    if (opts.json) return out(JSON.stringify(started));
    return out(`erasing project '${project}' (job ${started.jobId}); run with --wait to follow it`);
  }
  if (!opts.json) out(`erasing project '${project}' (job ${started.jobId})`);
  const job = await waitEraseJob(started.jobId, opts);
  if (opts.json) out(JSON.stringify(job));
  if (job.status !== 'erased') throw new CliError(`erasure job ${job.jobId} ${job.status}${job.error ? `: ${job.error}` : ''}`);
  if (!opts.json) out(`erased project '${job.project}' at ${shortTime(job.erasedAt)}`);
}
