/**
 * Learnings: active and superseded, page by page; each with its sources (→ the observation), its
 * revision history (what replaced what, when, why), and the correct/forget actions.
 */
import { useEffect, useState } from 'preact/hooks';
import { call, enc, qs, type Learning, type Page } from '../api.js';
import { ErrorNote, fmtTime, MemoryPanel, More, shortId, Sources } from '../ui.js';

export function Learnings() {
  const [status, setStatus] = useState('active');
  const [project, setProject] = useState('');
  const [items, setItems] = useState<Learning[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [n, setN] = useState(0);

  const load = async (cursor: string | null, replace: boolean) => {
    setBusy(true);
    try {
      const page = await call<Page<Learning>>('GET', `/v1/learnings${qs({ status, project, cursor, limit: 20 })}`);
      setItems((prev) => (replace ? page.items : [...prev, ...page.items]));
      setNext(page.nextCursor);
      setError(undefined);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => void load(null, true), [status, n]);

  return (
    <section aria-labelledby="learnings-h">
      <h1 id="learnings-h">Learnings</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setN(n + 1);
        }}
      >
        <label>
          Status{' '}
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="active">active</option>
            <option value="superseded">superseded</option>
            <option value="all">all</option>
          </select>
        </label>
        <label>
          Project <input value={project} onInput={(e) => setProject(e.currentTarget.value)} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorNote error={error} />
      {!busy && items.length === 0 ? <p class="muted">No learnings here.</p> : null}
      <ul class="learnings">
        {items.map((l) => (
          <LearningCard key={l.id} learning={l} onChanged={() => setN(n + 1)} />
        ))}
      </ul>
      <More next={next} busy={busy} onMore={() => void load(next, false)} />
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
        <form
          class="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          {action === 'correct' ? (
            <label>
              What is true instead <textarea required value={text} onInput={(e) => setText(e.currentTarget.value)} />
            </label>
          ) : null}
          <label>
            Reason <input required value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
          <button type="submit">{action === 'correct' ? 'Save correction' : 'Forget this learning'}</button>
        </form>
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
