/**
 * Review: the inbox of a project under review (issue 51). What a summarizer extracted waits here,
 * oldest first with its age, until a maintainer approves, edits or rejects it; pending learnings are
 * never pushed to agents. Approve or reject many at once with the checkboxes; a project's policy is
 * shown, and an admin sets it. Also the header's "N waiting" badge (ReviewBadge).
 */
import { useEffect, useState } from 'preact/hooks';
import { call, CHANGED_EVENT, enc, qs } from '../api.js';
import type { ReviewCounts, ReviewItem } from '../../../messages/review-api-v1.js';
import { useLoad, usePaged, useUrlState } from '../hooks.js';
import { ErrorNote, Form, More } from '../ui/controls.js';
import { ProjectField } from '../ui/project-field.js';
import { fmtTime, shortId } from '../ui/view-format.js';

const ageOf = (s: number) => (s >= 86_400 ? `${Math.floor(s / 86_400)}d` : s >= 3_600 ? `${Math.floor(s / 3_600)}h` : s >= 60 ? `${Math.floor(s / 60)}m` : `${s}s`);

/** The header's count of what waits; read again after every change the viewer makes. */
export function ReviewBadge() {
  const [n, setN] = useState(0);
  const counts = useLoad(() => call<ReviewCounts>('GET', '/v1/review/counts'), [n]);
  useEffect(() => {
    const again = () => setN((x) => x + 1);
    addEventListener(CHANGED_EVENT, again);
    return () => removeEventListener(CHANGED_EVENT, again);
  }, []);
  const pending = counts.data?.pending ?? 0;
  if (pending === 0) return null;
  return (
    <a class="badge status-pending review-badge" href="#/review" data-testid="review-badge" title="learnings waiting for a maintainer; agents get none of them until approved">
      {pending} waiting for review
    </a>
  );
}

export function Review({ canDecide, isAdmin }: { canDecide: boolean; isAdmin: boolean }) {
  const [project, setProject] = useUrlState('project');
  const [n, setN] = useState(0);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [note, setNote] = useState('');
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const counts = useLoad(() => call<ReviewCounts>('GET', '/v1/review/counts'), [n]);
  const items = usePaged<ReviewItem>((cursor) => `/v1/review${qs({ project, cursor, limit: 50 })}`);
  useEffect(items.reload, [n]);
  const changed = () => (setPicked(new Set()), setN(n + 1));

  const decide = async (decision: 'approve' | 'reject', ids: string[]) => {
    try {
      const r = await call<{ decided: string[] }>('POST', '/v1/review/decisions', { decision, ids, ...(note.trim() ? { note: note.trim() } : {}) });
      setDone(`${r.decided.length} ${decision === 'approve' ? 'approved: pushed to agents from the next session' : 'rejected: kept only in their history'}.`);
      setError(undefined);
      changed();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const setPolicy = async (p: string, policy: string) => {
    try {
      await call('PUT', `/v1/projects/${enc(p)}/review-policy`, { policy });
      changed();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <section aria-labelledby="review-h">
      <h1 id="review-h">Review</h1>
      <p class="muted">
        In a project under review, what a summarizer extracts waits here until a maintainer decides; agents get none of it until it is approved. What a person states
        (<code>memflow remember</code>, the <code>remember</code> tool) goes live at once.
      </p>
      <ErrorNote error={counts.error} />
      <ul class="review-counts">
        {(counts.data?.projects ?? []).map((p) => (
          <li key={p.project} data-project={p.project}>
            <strong>{p.project}</strong>: policy <span class="badge">{p.policy}</span>, {p.pending} pending{p.oldestAt ? `, oldest since ${fmtTime(p.oldestAt)}` : ''}
            {isAdmin ? (
              <button type="button" onClick={() => void setPolicy(p.project, p.policy === 'review' ? 'live' : 'review')}>
                {p.policy === 'review' ? 'Go live at once' : 'Turn review on'}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      <Form onSubmit={() => setN(n + 1)}>
        <ProjectField value={project} onInput={setProject} id="review-projects" />
        <button type="submit">Filter</button>
      </Form>
      <ErrorNote error={items.error ?? error} />
      {done ? <p role="status">{done}</p> : null}
      {!items.busy && !items.error && items.items.length === 0 ? (
        <p class="empty" role="status" data-testid="review-empty">
          Nothing waits for review{project ? ` in ${project}` : ''}.
        </p>
      ) : null}
      {canDecide && items.items.length > 0 ? (
        <div class="actions">
          <label>
            <input type="checkbox" checked={picked.size === items.items.length} onChange={(e) => setPicked(e.currentTarget.checked ? new Set(items.items.map((i) => i.id)) : new Set())} /> all shown
          </label>
          <input aria-label="Note (why)" placeholder="note (why)" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          <button type="button" disabled={picked.size === 0} onClick={() => void decide('approve', [...picked])}>
            Approve {picked.size || ''}
          </button>
          <button type="button" class="danger" disabled={picked.size === 0} onClick={() => void decide('reject', [...picked])}>
            Reject {picked.size || ''}
          </button>
        </div>
      ) : null}
      {!canDecide && items.items.length > 0 ? <p class="muted">Deciding needs a maintainer or admin key.</p> : null}
      <ul class="learnings">
        {items.items.map((i) => (
          <PendingCard
            key={i.id}
            item={i}
            canDecide={canDecide}
            picked={picked.has(i.id)}
            onPick={(on) => setPicked((s) => (on ? new Set([...s, i.id]) : new Set([...s].filter((x) => x !== i.id))))}
            onDecide={(d) => void decide(d, [i.id])}
            onEdited={changed}
          />
        ))}
      </ul>
      <More list={items} />
    </section>
  );
}

function PendingCard(props: { item: ReviewItem; canDecide: boolean; picked: boolean; onPick: (on: boolean) => void; onDecide: (d: 'approve' | 'reject') => void; onEdited: () => void }) {
  const { item: i } = props;
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(i.body);
  const [title, setTitle] = useState(i.title);
  const [error, setError] = useState<string>();
  const save = async () => {
    try {
      await call('POST', `/v1/review/${enc(i.id)}/edit`, { text, title });
      setEditing(false);
      props.onEdited();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <li class="card learning" data-review={i.id}>
      <header>
        {props.canDecide ? <input type="checkbox" aria-label={`select ${i.title}`} checked={props.picked} onChange={(e) => props.onPick(e.currentTarget.checked)} /> : null}{' '}
        <span class="badge">{i.kind === 'dead_end' ? 'dead end' : i.kind}</span> <span class="badge status-pending">pending {ageOf(i.ageSeconds)}</span> <h2 class="inline">{i.title}</h2>
      </header>
      <p>{i.body}</p>
      <p class="muted">
        {i.project} · {i.origin} · confidence {i.confidence.toFixed(2)} · {fmtTime(i.createdAt)} · <code>{shortId(i.id)}</code>
        {i.sessionId ? (
          <>
            {' '}
            · from <a href={`#/sessions/${enc(i.sessionId)}`}>session {i.sessionId.slice(0, 12)}</a>
          </>
        ) : null}
        {i.flags.length ? ` · flags ${i.flags.join(', ')}` : ''}
      </p>
      {props.canDecide ? (
        <div class="actions">
          <button type="button" onClick={() => props.onDecide('approve')}>
            Approve
          </button>
          <button type="button" onClick={() => setEditing(!editing)} aria-expanded={editing}>
            Edit
          </button>
          <button type="button" class="danger" onClick={() => props.onDecide('reject')}>
            Reject
          </button>
        </div>
      ) : null}
      {editing ? (
        <Form class="stack" onSubmit={() => void save()}>
          <label>
            Title <input required value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
          </label>
          <label>
            Text <textarea required value={text} onInput={(e) => setText(e.currentTarget.value)} />
          </label>
          <button type="submit">Save and approve</button>
        </Form>
      ) : null}
      <ErrorNote error={error} />
    </li>
  );
}
