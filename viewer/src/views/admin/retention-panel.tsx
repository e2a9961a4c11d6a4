/** Retention policies of the tenant and its projects. */
import { useState } from 'preact/hooks';
import { call } from '../../api.js';
import { useLoad } from '../../hooks.js';
import { ErrorNote, Form, Table } from '../../ui/controls.js';
import { fmtNum } from '../../ui/view-format.js';

interface Policy {
  project: string | null;
  rawEventMaxAgeDays: number | null;
  observationMaxAgeDays: number | null;
  maxBytes: number | null;
  keepSummaries: boolean;
  keepLearnings: boolean;
}

export function Retention() {
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
