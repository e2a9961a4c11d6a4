/** Backups: create, list, restore with progress; and the redaction rescan. */
import { useState } from 'preact/hooks';
import { call, enc, type BackupView, type Page } from '../../api.js';
import { useLoad } from '../../hooks.js';
import { ErrorNote, Field, Table } from '../../ui/controls.js';
import { fmtNum, fmtTime, shortId } from '../../ui/view-format.js';
import { JobProgress } from './job-progress.js';

export function Backups() {
  const backups = useLoad(() => call<Page<BackupView>>('GET', '/v1/admin/backups'), []);
  const [jobs, setJobs] = useState<{ url: string; label: string }[]>([]);
  const [error, setError] = useState<string>();
  const [restoreProject, setRestoreProject] = useState('');
  const addJob = (jobId: string, label: string) => setJobs((j) => [{ url: `/v1/admin/jobs/${jobId.split('/').map(enc).join('/')}`, label }, ...j]);
  return (
    <section aria-labelledby="backups-h">
      <h2 id="backups-h">Backups</h2>
      <div class="filters">
        <button
          type="button"
          onClick={() =>
            call<{ jobId: string; backupId: string }>('POST', '/v1/admin/backups').then(
              (b) => {
                addJob(b.jobId, `backup ${shortId(b.backupId)}`);
                setTimeout(backups.reload, 1500);
              },
              (err: Error) => setError(err.message),
            )
          }
        >
          Create backup
        </button>
        <button type="button" onClick={backups.reload}>
          Refresh
        </button>
        <Field label="Restore only project" value={restoreProject} onInput={setRestoreProject} placeholder="all projects" />
        <button
          type="button"
          onClick={() =>
            call<{ jobId: string }>('POST', '/v1/admin/redaction/rescan', {}).then(
              (j) => addJob(j.jobId, 'redaction rescan'),
              (err: Error) => setError(err.message),
            )
          }
        >
          Rescan redaction
        </button>
      </div>
      {jobs.map((j) => (
        <JobProgress key={j.url} url={j.url} label={j.label} />
      ))}
      <ErrorNote error={error ?? backups.error} />
      <Table label="Backups" head={['Backup', 'Scope', 'Status', 'Size', 'Tables (rows)', 'Created', 'Completed', 'Restore']}>
          {backups.data?.items.map((b) => (
            <tr key={b.id}>
              <td>
                <code>{shortId(b.id)}</code>
              </td>
              <td>{b.scope}</td>
              <td>
                {b.status}
                {b.error ? ` (${b.error})` : ''}
              </td>
              <td>{b.sizeBytes === null ? '—' : `${fmtNum(b.sizeBytes)} B`}</td>
              <td>{b.tables?.length ? b.tables.map((t) => `${t.table} ${fmtNum(t.rows)}`).join(', ') : '—'}</td>
              <td>{fmtTime(b.createdAt)}</td>
              <td>{fmtTime(b.completedAt)}</td>
              <td>
                {b.status === 'completed' ? (
                  <button
                    type="button"
                    onClick={() =>
                      call<{ jobId: string }>('POST', '/v1/admin/restore', { backupId: b.id, ...(restoreProject ? { project: restoreProject } : {}) }).then(
                        (j) => addJob(j.jobId, `restore of ${shortId(b.id)}`),
                        (err: Error) => setError(err.message),
                      )
                    }
                  >
                    Restore {shortId(b.id)}
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </Table>
    </section>
  );
}
