/**
 * Learnings: active and superseded, page by page; each with its sources (→ the observation), its
 * revision history (what replaced what, when, why), and the correct/forget actions.
 */
import { useEffect, useState } from 'preact/hooks';
import { call, enc, qs, type Learning } from '../api.js';
import { usePaged } from '../hooks.js';
import { Choice, ErrorNote, fmtTime, MemoryPanel, More, shortId, Sources, Form, Field } from '../ui.js';

export function Learnings() {
  const [status, setStatus] = useState('active');
  const [project, setProject] = useState('');
  const [n, setN] = useState(0);
  const learnings = usePaged<Learning>((cursor) => `/v1/learnings${qs({ status, project, cursor, limit: 20 })}`);
  useEffect(learnings.reload, [status, n]);

  return (
    <section aria-labelledby="learnings-h">
      <h1 id="learnings-h">Learnings</h1>
      <Form onSubmit={() => setN(n + 1)}>
        <Choice label="Status" value={status} options={['active', 'superseded', 'all']} onChange={setStatus} />
        <Field label="Project" value={project} onInput={setProject} />
        <button type="submit">Filter</button>
      </Form>
      <ErrorNote error={learnings.error} />
      {!learnings.busy && learnings.items.length === 0 ? <p class="muted">No learnings here.</p> : null}
      <ul class="learnings">
        {learnings.items.map((l) => (
          <LearningCard key={l.id} learning={l} onChanged={() => setN(n + 1)} />
        ))}
      </ul>
      <More list={learnings} />
    </section>
  );
}

function LearningCard({ learning: l, onChanged }: { learning: Learning; onChanged: () => void }) {
  const [history, setHistory] = useState(false);
  const [action, setAction] = useState<'correct' | 'forget'>();
  const [text, setText] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();

  const submit = async () => {
    try {
      const body = action === 'correct' ? { text, reason } : { reason };
      await call('POST', `/v1/learnings/${enc(l.id)}/${action}`, body);
      setDone(action === 'correct' ? 'Corrected: the new learning replaces this one.' : 'Forgotten: retracted, kept in the history.');
      setAction(undefined);
      setError(undefined);
      onChanged();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <li class="card learning" data-learning={l.id}>
      <header>
        <span class="badge">{l.kind}</span> <span class={`badge status-${l.status}`}>{l.status}</span> <h2 class="inline">{l.title}</h2>
      </header>
      <p>{l.body}</p>
      <p class="muted">
        {l.project} · {l.origin} · strength {l.strength} · confidence {l.confidence.toFixed(2)} · {fmtTime(l.createdAt)} · <code>{shortId(l.id)}</code>
        {l.validTo ? ` · valid until ${fmtTime(l.validTo)}` : ''}
      </p>
      <Sources sources={l.sources} />
      <div class="actions">
        <button type="button" aria-expanded={history} onClick={() => setHistory(!history)}>
          {history ? 'Hide history' : 'History'}
        </button>
        {l.status === 'active' ? (
          <>
            <button type="button" onClick={() => setAction(action === 'correct' ? undefined : 'correct')}>
              Correct
            </button>
            <button type="button" onClick={() => setAction(action === 'forget' ? undefined : 'forget')}>
              Forget
            </button>
          </>
        ) : null}
      </div>
      {done ? <p role="status">{done}</p> : null}
      {action ? (
        <Form class="stack" onSubmit={() => void submit()}>
          {action === 'correct' ? (
            <label>
              What is true instead <textarea required value={text} onInput={(e) => setText(e.currentTarget.value)} />
            </label>
          ) : null}
          <label>
            Reason <input required value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
          <button type="submit">{action === 'correct' ? 'Save correction' : 'Forget this learning'}</button>
        </Form>
      ) : null}
      <ErrorNote error={error} />
      {history ? <HistoryOf id={l.id} /> : null}
    </li>
  );
}

/** The learning's whole record with its revisions; a successor opens in turn. */
function HistoryOf({ id }: { id: string }) {
  const [chain, setChain] = useState<string[]>([id]);
  return (
    <div class="chain">
      {chain.map((c) => (
        <MemoryPanel key={c} id={c} onOpen={(next) => setChain(chain.includes(next) ? chain : [...chain, next])} />
      ))}
    </div>
  );
}
