/**
 * Re-derivation (docs/rederivation.md): a project's derivations with their progress, estimate and
 * measured tokens, refreshed each second while one runs; estimate, start, cancel and resume.
 */
import { useEffect, useState } from 'preact/hooks';
import { call, enc, type DerivationView } from '../../api.js';
import { useLoad } from '../../hooks.js';
import { Choice, ErrorNote, Field, Form, Table } from '../../ui/controls.js';
import { fmtNum, fmtTime, shortId } from '../../ui/view-format.js';

const RUNNING = new Set(['estimating', 'building', 'paused']);

function Progress({ d }: { d: DerivationView }) {
  const label = `${fmtNum(d.sessionsDone)} / ${fmtNum(d.sessionsTotal)} sessions`;
  return (
    <>
      <progress value={d.sessionsDone} max={Math.max(1, d.sessionsTotal)} aria-label={`derivation ${shortId(d.id)}: ${label}`} /> {label}
      {d.status === 'paused' && d.pausedUntil ? <div>paused by the daily budget until {fmtTime(d.pausedUntil)}</div> : null}
      {d.error ? <div class="error">{d.error}</div> : null}
    </>
  );
}

export function Rederive() {
  const [project, setProject] = useState('');
  const [shown, setShown] = useState('');
  const [summarizer, setSummarizer] = useState('claude');
  const [error, setError] = useState<string>();
  const list = useLoad(() => (shown ? call<{ items: DerivationView[] }>('GET', `/v1/projects/${enc(shown)}/derivations`) : Promise.resolve({ items: [] })), [shown]);
  const running = list.data?.items.some((d) => RUNNING.has(d.status)) ?? false;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(list.reload, 1000);
    return () => clearInterval(timer);
  }, [running, list.reload]);
  const act = (method: 'POST', url: string, body: unknown = {}) =>
    call<DerivationView>(method, url, body).then(
      () => {
        setError(undefined);
        list.reload();
      },
      (err: Error) => setError(err.message),
    );
  const start = (dryRun: boolean) => {
    setShown(project);
    void act('POST', `/v1/projects/${enc(project)}/rederive`, { summarizer, ...(dryRun ? { dryRun } : {}) });
  };
  return (
    <section aria-labelledby="rederive-h">
      <h2 id="rederive-h">Re-derivation</h2>
      <Form onSubmit={() => setShown(project)}>
        <Field label="Project" value={project} onInput={setProject} required />
        <Choice label="Summarizer" value={summarizer} options={['claude', 'offline']} onChange={setSummarizer} />
        <button type="submit">Show</button>
        <button type="button" disabled={!project} onClick={() => start(true)}>
          Estimate
        </button>
        <button type="button" disabled={!project} onClick={() => start(false)}>
          Derive again
        </button>
      </Form>
      <ErrorNote error={error ?? list.error} />
      {shown ? (
        <Table label={`Derivations of ${shown}`} head={['Derivation', 'Summarizer', 'Status', 'Progress', 'Estimate', 'Measured', 'Created', '']}>
          {list.data?.items.map((d) => (
            <tr key={d.id}>
              <td>
                <code>{shortId(d.id)}</code>
              </td>
              <td>
                {d.summarizer}
                {d.model ? ` ${d.model}` : ''}
                {d.promptVersion ? ` (prompt ${d.promptVersion})` : ''}
              </td>
              <td>{d.dryRun ? `${d.status} (estimate only)` : d.status}</td>
              <td>
                <Progress d={d} />
              </td>
              <td>
                {fmtNum(d.estimate.tokens)} tokens, ${d.estimate.costUsd.toFixed(2)}
              </td>
              <td>
                {fmtNum(d.measured.tokens)} tokens, ${d.measured.costUsd.toFixed(2)}
              </td>
              <td>{fmtTime(d.createdAt)}</td>
              <td>
                {RUNNING.has(d.status) && !d.dryRun ? (
                  <button type="button" onClick={() => void act('POST', `/v1/derivations/${enc(d.id)}/cancel`)}>
                    Cancel
                  </button>
                ) : null}
                {(d.status === 'cancelled' || d.status === 'failed') && !d.dryRun ? (
                  <button type="button" onClick={() => void act('POST', `/v1/derivations/${enc(d.id)}/resume`)}>
                    Resume
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </Table>
      ) : null}
    </section>
  );
}
