/**
 * Admin (admin keys only; the API refuses member keys with 403 whatever this page shows): API keys
 * (a new key is shown once), retention policies, backups (create, list, restore with progress),
 * redaction rescan, erasing a project (typed confirmation), exports, and the audit log.
 */
import { useEffect, useState } from 'preact/hooks';
import { call, enc, qs, type Page } from '../api.js';
import { useLoad } from '../hooks.js';
import { ErrorNote, fmtNum, fmtTime, More, shortId } from '../ui.js';

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
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          call<{ key: string; prefix: string; role: string }>('POST', '/v1/admin/keys', { role, ...(label ? { label } : {}) }).then(
            (k) => {
              setCreated(k);
              setError(undefined);
              keys.reload();
            },
            (err: Error) => setError(err.message),
          );
        }}
      >
        <label>
          Role{' '}
          <select value={role} onChange={(e) => setRole(e.currentTarget.value as 'member' | 'admin')}>
            <option value="member">member</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <label>
          Label <input value={label} onInput={(e) => setLabel(e.currentTarget.value)} />
        </label>
        <button type="submit">Create key</button>
      </form>
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
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Role</th>
            <th scope="col">Label</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {keys.data?.items.map((k) => (
            <tr key={k.id} data-key={k.prefix}>
              <td>
                <code>{k.prefix}…</code>
              </td>
              <td>{k.role}</td>
              <td>{k.label ?? ''}</td>
              <td>{fmtTime(k.createdAt)}</td>
              <td>{fmtTime(k.lastUsedAt)}</td>
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
            </tr>
          ))}
        </tbody>
      </table>
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
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Scope</th>
            <th scope="col">Raw events (days)</th>
            <th scope="col">Observations (days)</th>
            <th scope="col">Max bytes</th>
            <th scope="col">Keep summaries</th>
            <th scope="col">Keep learnings</th>
          </tr>
        </thead>
        <tbody>
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
        </tbody>
      </table>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          const body = { ...(project ? { project } : {}), rawEventMaxAgeDays: n(raw), observationMaxAgeDays: n(obs), maxBytes: n(bytes), keepSummaries, keepLearnings };
          call('PUT', '/v1/admin/retention', body).then(
            () => {
              setMsg('Saved.');
              setError(undefined);
              policies.reload();
            },
            (err: Error) => setError(err.message),
          );
        }}
      >
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
      </form>
      {msg ? <p role="status">{msg}</p> : null}
      <ErrorNote error={error ?? policies.error} />
    </section>
  );
}

interface Backup {
  id: string;
  scope: string;
  status: string;
  sizeBytes: number | null;
  createdAt: string;
  completedAt: string | null;
  error: string | null;
}

function Backups() {
  const backups = useLoad(() => call<Page<Backup>>('GET', '/v1/admin/backups'), []);
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
        <label>
          Restore only project <input value={restoreProject} onInput={(e) => setRestoreProject(e.currentTarget.value)} placeholder="all projects" />
        </label>
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
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Backup</th>
            <th scope="col">Status</th>
            <th scope="col">Size</th>
            <th scope="col">Created</th>
            <th scope="col">Completed</th>
            <th scope="col">Restore</th>
          </tr>
        </thead>
        <tbody>
          {backups.data?.items.map((b) => (
            <tr key={b.id}>
              <td>
                <code>{shortId(b.id)}</code>
              </td>
              <td>
                {b.status}
                {b.error ? ` (${b.error})` : ''}
              </td>
              <td>{b.sizeBytes === null ? '—' : `${fmtNum(b.sizeBytes)} B`}</td>
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
        </tbody>
      </table>
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
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          call<{ jobId: string }>('DELETE', `/v1/projects/${enc(project)}`).then(
            (j) => {
              setJob(`/v1/jobs/${enc(j.jobId)}`);
              setTyped('');
              setError(undefined);
            },
            (err: Error) => setError(err.message),
          );
        }}
      >
        <label>
          Project <input value={project} required onInput={(e) => setProject(e.currentTarget.value)} />
        </label>
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
      </form>
      {job ? <JobProgress url={job} label={`erasure of ${project}`} /> : null}
      <ErrorNote error={error} />
    </section>
  );
}

interface AuditRow {
  id: string;
  action: string;
  target: string | null;
  outcome: string;
  actorKeyId: string | null;
  details: unknown;
  requestId: string | null;
  createdAt: string;
}

function Audit() {
  const [action, setAction] = useState('');
  const [items, setItems] = useState<AuditRow[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const load = async (cursor: string | null, replace: boolean) => {
    setBusy(true);
    try {
      const page = await call<Page<AuditRow>>('GET', `/v1/admin/audit${qs({ action, cursor, limit: 25 })}`);
      setItems((prev) => (replace ? page.items : [...prev, ...page.items]));
      setNext(page.nextCursor);
      setError(undefined);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => void load(null, true), []);
  return (
    <section aria-labelledby="audit-h">
      <h2 id="audit-h">Audit log</h2>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void load(null, true);
        }}
      >
        <label>
          Action (exact, or a family like <code>key.</code>) <input value={action} onInput={(e) => setAction(e.currentTarget.value)} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorNote error={error} />
      <table class="list">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Outcome</th>
            <th scope="col">Actor key</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {items.map((a) => (
            <tr key={a.id}>
              <td>{fmtTime(a.createdAt)}</td>
              <td>{a.action}</td>
              <td>{a.target ?? ''}</td>
              <td>{a.outcome}</td>
              <td>{a.actorKeyId ? shortId(a.actorKeyId) : 'operator'}</td>
              <td>
                <code>{a.details ? JSON.stringify(a.details) : ''}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <More next={next} busy={busy} onMore={() => void load(next, false)} />
    </section>
  );
}
