/**
 * Learnings: active and superseded (or those pending review, or rejected in it), page by page; each with its provenance (trust tier, outcome, a dead
 * end as a dead end, poisoning flags, staleness reports, branch and commit, citations), its sources
 * (→ the observation), its revision history (what replaced what, when, why), and the correct, forget
 * and "this is wrong" actions.
 */
import { useEffect, useState } from 'preact/hooks';
import { attributionOf, attributionText } from '../../../clients/attribution.js';
import { call, enc, qs, type Learning } from '../api.js';
import { usePaged, useUrlState } from '../hooks.js';
import { Choice, ErrorNote, Form, More } from '../ui/controls.js';
import { MemoryPanel, ProvenanceFacts, Sources, TrustBadges } from '../ui/memory-panel.js';
import { ProjectField } from '../ui/project-field.js';
import { fmtTime, shortId } from '../ui/view-format.js';

export function Learnings() {
  const [status, setStatus] = useUrlState('status', 'active');
  const [project, setProject] = useUrlState('project');
  const [n, setN] = useState(0);
  const learnings = usePaged<Learning>((cursor) => `/v1/learnings${qs({ status, project, cursor, limit: 20 })}`);
  useEffect(learnings.reload, [status, n]);

  return (
    <section aria-labelledby="learnings-h">
      <h1 id="learnings-h">Learnings</h1>
      <Form onSubmit={() => setN(n + 1)}>
        <Choice label="Status" value={status} options={['active', 'superseded', 'all', 'pending', 'rejected']} onChange={setStatus} />
        <ProjectField value={project} onInput={setProject} id="learning-projects" />
        <button type="submit">Filter</button>
      </Form>
      <ErrorNote error={learnings.error} />
      {!learnings.busy && !learnings.error && learnings.items.length === 0 ? (
        <div class="empty" role="status" data-testid="learnings-empty">
          <p>
            <strong>No {status === 'all' ? '' : `${status} `}learnings{project ? ` in ${project}` : ''} yet.</strong>
          </p>
          <p class="muted">
            Learnings are extracted when a session is summarized. Without a model key (<code>ANTHROPIC_API_KEY</code> unset for the worker) memflow summarizes offline, and the offline
            summarizer extracts few or none. To get them, set <code>ANTHROPIC_API_KEY</code> for the worker, or state one yourself: <code>memflow remember "…"</code>, the MCP{' '}
            <code>remember</code> tool, or <code>POST /v1/memories</code>.
          </p>
        </div>
      ) : null}
      <ul class="learnings">
        {learnings.items.map((l) => (
          <LearningCard key={l.id} learning={l} onChanged={() => setN(n + 1)} />
        ))}
      </ul>
      <More list={learnings} />
    </section>
  );
}

type Action = 'correct' | 'forget' | 'wrong';

const DONE: Record<Action, string> = {
  correct: 'Corrected: the new learning replaces this one.',
  forget: 'Forgotten: retracted, kept in the history.',
  wrong: 'Marked wrong: superseded with your reason, and a later session restating it will not bring it back.',
};
const SUBMIT: Record<Action, string> = { correct: 'Save correction', forget: 'Forget this learning', wrong: 'Mark as wrong' };

/** One learning with its provenance, sources and actions (also the Session view's learnings). */
export function LearningCard({ learning: l, onChanged }: { learning: Learning; onChanged: () => void }) {
  const [history, setHistory] = useState(false);
  const [action, setAction] = useState<Action>();
  const [text, setText] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const by = attributionOf(l);

  const submit = async () => {
    try {
      const body = action === 'correct' ? { text, reason } : { reason };
      await call('POST', `/v1/learnings/${enc(l.id)}/${action}`, body);
      if (action) setDone(DONE[action]);
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
        <span class="badge">{l.kind === 'dead_end' ? 'dead end' : l.kind}</span> <span class={`badge status-${l.status}`}>{l.status}</span> <TrustBadges p={l} kind={l.kind} />{' '}
        <h2 class="inline">{l.title}</h2>
      </header>
      <p>{l.body}</p>
      <p class="muted">
        {l.project} · {l.origin} · strength {l.strength} · confidence {l.confidence.toFixed(2)} · {l.tokenCount} tokens · {fmtTime(l.createdAt)} · <code>{shortId(l.id)}</code>
        {l.tags.length ? ` · tags ${l.tags.join(', ')}` : ''}
        {by.length ? <span data-testid="attribution">{` · ${attributionText(by, fmtTime)}`}</span> : null}
        {l.lastStatedAt ? ` · last stated ${fmtTime(l.lastStatedAt)}` : ''}
        {l.validFrom ? ` · valid from ${fmtTime(l.validFrom)}` : ''}
        {l.validTo ? ` · valid until ${fmtTime(l.validTo)}` : ''}
        {l.updatedAt !== l.createdAt ? ` · updated ${fmtTime(l.updatedAt)}` : ''}
        {l.supersededBy ? ` · superseded by ${shortId(l.supersededBy)}` : ''}
      </p>
      <details class="provenance">
        <summary>
          Provenance: {l.trust}
          {l.gitBranch ? ` · ${l.gitBranch}` : ''}
          {l.gitCommit ? ` @ ${l.gitCommit.slice(0, 10)}` : ''} · {l.citations?.length ?? 0} citation{l.citations?.length === 1 ? '' : 's'}
          {l.staleCount > 0 ? ` · seen stale ${l.staleCount}×` : ''}
        </summary>
        <ProvenanceFacts p={l} />
      </details>
      {l.sources.length > 0 ? <Sources sources={l.sources} /> : null}
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
            <button type="button" class="danger" onClick={() => setAction(action === 'wrong' ? undefined : 'wrong')}>
              This is wrong
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
            {action === 'wrong' ? 'Why is it wrong' : 'Reason'} <input required value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
          <button type="submit">{SUBMIT[action]}</button>
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
