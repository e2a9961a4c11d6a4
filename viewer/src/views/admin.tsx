/**
 * Admin (admin keys only; the API refuses member keys with 403 whatever this page shows): API keys
 * (a new key is shown once), retention policies, backups (create, list, restore with progress),
 * redaction rescan, erasing a project (typed confirmation), exports, and the audit log.
 */
import { useEffect, useState } from 'preact/hooks';
import { call, CHANGED_EVENT, enc, qs, type AuditItem, type BackupView, type Page } from '../api.js';
import { useLoad, usePaged } from '../hooks.js';
import { readable } from '../../../clients/readable.js';
import { Choice, ErrorNote, Field, Form, More, Table } from '../ui/controls.js';
import { fmtNum, fmtTime, shortId } from '../ui/view-format.js';

interface Key {
  id: string;
  prefix: string;
  role: 'admin' | 'member';
  label: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function Admin({ myKeyId }: { myKeyId: string }) {
  return (
    <section aria-labelledby="admin-h">
      <h1 id="admin-h">Admin</h1>
      <Keys myKeyId={myKeyId} />
      <Retention />
      <Backups />
      <Erase />
      <Audit />
    </section>
  );
}

/** Polls a job until it is no longer running; shows where it stands. */
function JobProgress({ url, label }: { url: string; label: string }) {
  const [job, setJob] = useState<{ status: string; result?: unknown; error?: string | null }>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const j = await call<{ status: string; result?: unknown; error?: string | null }>('GET', url);
        if (!live) return;
        setJob(j);
        if (j.status === 'running' || j.status === 'requested' || j.status === 'pending') timer = setTimeout(() => void poll(), 1000);
      } catch (err) {
        if (live) setError((err as Error).message);
      }
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [url]);
  return (
    <div class="job" role="status" aria-live="polite">
      {label}: <strong>{job?.status ?? 'starting'}</strong>
      {job?.status === 'running' || !job ? <progress aria-label={`${label} in progress`} /> : null}
      {job?.error ? <span class="error"> {job.error}</span> : null}
      {job?.result !== undefined ? <pre class="body">{JSON.stringify(job.result, null, 2)}</pre> : null}
      <ErrorNote error={error} />
    </div>
  );
}

function Keys({ myKeyId }: { myKeyId: string }) {
  const keys = useLoad(() => call<{ items: Key[] }>('GET', '/v1/admin/keys'), []);
  const [role, setRole] = useState<'member' | 'admin'>('member');
  const [label, setLabel] = useState('');
  const [created, setCreated] = useState<{ key: string; prefix: string; role: string }>();
  const [confirm, setConfirm] = useState<string>();
  const [error, setError] = useState<string>();
  return (
    <section aria-labelledby="keys-h">
      <h2 id="keys-h">API keys</h2>
      <Form onSubmit={() => {
          call<{ key: string; prefix: string; role: string }>('POST', '/v1/admin/keys', { role, ...(label ? { label } : {}) }).then(
            (k) => {
              setCreated(k);
              setError(undefined);
              keys.reload();
            },
            (err: Error) => setError(err.message),
          );
        }}>
        <Choice label="Role" value={role} options={['member', 'admin']} onChange={(v) => setRole(v as 'member' | 'admin')} />
        <Field label="Label" value={label} onInput={setLabel} />
        <button type="submit">Create key</button>
      </Form>
      {created ? (
        <div class="notice" role="status">
          <p>
            New {created.role} key. Copy it now: it is shown this once and never again.
          </p>
          <output class="secret" aria-label="new API key">
            {created.key}
          </output>
          <button type="button" onClick={() => setCreated(undefined)}>
            I have copied it
          </button>
        </div>
      ) : null}
      <ErrorNote error={error ?? keys.error} />
      <Table label="API keys" head={['Key', 'State', 'Role', 'Label', 'Created', 'Last used']}>
          {keys.data?.items.map((k) => (
            <tr key={k.id} data-key={k.prefix}>
              <td>
                <code>{k.prefix}…</code>
              </td>
              <td>
                {k.revokedAt ? (
                  `revoked ${fmtTime(k.revokedAt)}`
                ) : k.id === myKeyId ? (
                  'active (this session)'
                ) : confirm === k.id ? (
                  <button
                    type="button"
                    class="danger"
                    onClick={() =>
                      call('DELETE', `/v1/admin/keys/${enc(k.id)}`).then(
                        () => {
                          setConfirm(undefined);
                          keys.reload();
                        },
                        (err: Error) => setError(err.message),
                      )
                    }
                  >
                    Confirm revoke {k.prefix}
                  </button>
                ) : (
                  <button type="button" onClick={() => setConfirm(k.id)}>
                    Revoke {k.prefix}
                  </button>
                )}
              </td>
              <td>{k.role}</td>
              <td>{k.label ?? ''}</td>
              <td>{fmtTime(k.createdAt)}</td>
              <td>{k.lastUsedAt ? fmtTime(k.lastUsedAt) : 'never'}</td>
            </tr>
          ))}
        </Table>
    </section>
  );
}

interface Policy {
  project: string | null;
  rawEventMaxAgeDays: number | null;
  observationMaxAgeDays: number | null;
  maxBytes: number | null;
  keepSummaries: boolean;
  keepLearnings: boolean;
}

function Retention() {
  const policies = useLoad(() => call<{ items: Policy[] }>('GET', '/v1/admin/retention'), []);
  const [project, setProject] = useState('');
  const [raw, setRaw] = useState('');
  const [obs, setObs] = useState('');
  const [bytes, setBytes] = useState('');
  const [keepSummaries, setKeepSummaries] = useState(true);
  const [keepLearnings, setKeepLearnings] = useState(true);
  const [msg, setMsg] = useState<string>();
  const [error, setError] = useState<string>();
  const n = (s: string) => (s.trim() === '' ? null : Number(s));
  return (
    <section aria-labelledby="retention-h">
      <h2 id="retention-h">Retention</h2>
      <Table label="Retention policies" head={['Scope', 'Raw events (days)', 'Observations (days)', 'Max bytes', 'Keep summaries', 'Keep learnings']}>
          {policies.data?.items.map((p) => (
            <tr key={p.project ?? '(tenant)'}>
              <td>{p.project ?? 'tenant default'}</td>
              <td>{p.rawEventMaxAgeDays ?? 'forever'}</td>
              <td>{p.observationMaxAgeDays ?? 'forever'}</td>
              <td>{p.maxBytes === null ? 'no limit' : fmtNum(p.maxBytes)}</td>
              <td>{p.keepSummaries ? 'yes' : 'no'}</td>
              <td>{p.keepLearnings ? 'yes' : 'no'}</td>
            </tr>
          ))}
        </Table>
      <Form onSubmit={() => {
          const body = { ...(project ? { project } : {}), rawEventMaxAgeDays: n(raw), observationMaxAgeDays: n(obs), maxBytes: n(bytes), keepSummaries, keepLearnings };
          call('PUT', '/v1/admin/retention', body).then(
            () => {
              setMsg('Saved.');
              setError(undefined);
              policies.reload();
            },
            (err: Error) => setError(err.message),
          );
        }}>
        <label>
          Project (empty: tenant default) <input value={project} onInput={(e) => setProject(e.currentTarget.value)} />
        </label>
        <label>
          Raw events, days <input inputMode="numeric" value={raw} onInput={(e) => setRaw(e.currentTarget.value)} />
        </label>
        <label>
          Observations, days <input inputMode="numeric" value={obs} onInput={(e) => setObs(e.currentTarget.value)} />
        </label>
        <label>
          Max bytes <input inputMode="numeric" value={bytes} onInput={(e) => setBytes(e.currentTarget.value)} />
        </label>
        <label>
          <input type="checkbox" checked={keepSummaries} onChange={(e) => setKeepSummaries(e.currentTarget.checked)} /> keep summaries
        </label>
        <label>
          <input type="checkbox" checked={keepLearnings} onChange={(e) => setKeepLearnings(e.currentTarget.checked)} /> keep learnings
        </label>
        <button type="submit">Save policy</button>
      </Form>
      {msg ? <p role="status">{msg}</p> : null}
      <ErrorNote error={error ?? policies.error} />
    </section>
  );
}

function Backups() {
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

function Erase() {
  const [project, setProject] = useState('');
  const [typed, setTyped] = useState('');
  const [job, setJob] = useState<string>();
  const [error, setError] = useState<string>();
  const phrase = `erase ${project}`;
  return (
    <section aria-labelledby="erase-h">
      <h2 id="erase-h">Export or erase a project</h2>
      <Form class="stack" onSubmit={() => {
          call<{ jobId: string }>('DELETE', `/v1/projects/${enc(project)}`).then(
            (j) => {
              setJob(`/v1/jobs/${enc(j.jobId)}`);
              setTyped('');
              setError(undefined);
            },
            (err: Error) => setError(err.message),
          );
        }}>
        <Field label="Project" value={project} onInput={setProject} required />
        {project ? (
          <p>
            <a href={`/v1/export${qs({ project })}`} download={`${project}.ndjson`}>
              Download everything stored for {project} (NDJSON)
            </a>
          </p>
        ) : null}
        <label>
          Type <code>{phrase}</code> to confirm <input value={typed} onInput={(e) => setTyped(e.currentTarget.value)} autocomplete="off" />
        </label>
        <button type="submit" class="danger" disabled={!project || typed !== phrase}>
          Erase {project || 'project'} everywhere
        </button>
      </Form>
      {job ? <JobProgress url={job} label={`erasure of ${project}`} /> : null}
      <ErrorNote error={error} />
    </section>
  );
}

function Audit() {
  const [action, setAction] = useState('');
  const audit = usePaged<AuditItem>((cursor) => `/v1/admin/audit${qs({ action, cursor, limit: 25 })}`);
  useEffect(audit.reload, []);
  // An action taken on this page (a key, a policy, a backup, an erasure) is in the log at once.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const on = () => {
      clearTimeout(timer);
      timer = setTimeout(audit.reload, 300);
    };
    addEventListener(CHANGED_EVENT, on);
    return () => {
      clearTimeout(timer);
      removeEventListener(CHANGED_EVENT, on);
    };
  }, [action]);
  return (
    <section aria-labelledby="audit-h">
      <h2 id="audit-h">Audit log</h2>
      <Form onSubmit={() => audit.reload()}>
        <label>
          Action (exact, or a family like <code>key.</code>) <input value={action} onInput={(e) => setAction(e.currentTarget.value)} />
        </label>
        <button type="submit">Filter</button>
      </Form>
      <ErrorNote error={audit.error} />
      <Table label="Audit log" head={['When', 'Action', 'Target', 'Outcome', 'Actor key', 'Details', 'Request']}>
          {audit.items.map((a) => (
            <tr key={a.id}>
              <td>{fmtTime(a.createdAt)}</td>
              <td>{a.action}</td>
              <td>{a.target ?? ''}</td>
              <td>{a.outcome}</td>
              <td>{a.actorKeyId ? shortId(a.actorKeyId) : 'operator'}</td>
              <td>
                <code class="details">{a.details ? readable(JSON.stringify(a.details)) : ''}</code>
              </td>
              <td>{a.requestId ? <code>{a.requestId}</code> : '—'}</td>
            </tr>
          ))}
        </Table>
      <More list={audit} />
    </section>
  );
}
