/**
 * Search: the API's modes and filters, the answer as its compact index, each hit's whole record on
 * demand; `degraded` (Weaviate away, keyword results only) is said plainly, with its reason. A person
 * searches here, so learnings waiting for review are listed too, marked "pending review", and a
 * learning says who edited or approved it. Below it,
 * the context a new session of a project would get (GET /v1/context), its items, what a client with the
 * working tree would check, and how many flagged learnings were withheld.
 */
import { useEffect, useState } from 'preact/hooks';
import { call, qs, type ContextAnswer, type SearchAnswer } from '../api.js';
import { useUrlState } from '../hooks.js';
import { hitAttribution } from '../../../clients/attribution.js';
import { readable, queryWords } from '../../../clients/readable.js';
import { RECORD_TYPES, SEARCH_MODES } from '../../../messages/record-types-v1.js';
import { Choice, ErrorNote, Field, Form, Table } from '../ui/controls.js';
import { Citations, MemoryPanel } from '../ui/memory-panel.js';
import { ProjectField } from '../ui/project-field.js';
import { SessionLink } from '../ui/session-badges.js';
import { Highlight } from '../ui/timeline-entry.js';
import { fmtTime, shortId } from '../ui/view-format.js';

const TYPES = RECORD_TYPES;
const isoOf = (date: string, end: boolean) => (date ? new Date(`${date}T${end ? '23:59:59.999' : '00:00:00'}Z`).toISOString() : undefined);

export function Search() {
  const [urlQ, setUrlQ] = useUrlState('q');
  const [q, setQ] = useState(urlQ);
  const [mode, setMode] = useUrlState('mode', 'hybrid');
  const [typesParam, setTypesParam] = useUrlState('types', TYPES.join(','));
  const types = typesParam.split(',').filter(Boolean);
  const setTypes = (t: string[]) => setTypesParam(TYPES.filter((x) => t.includes(x)).join(','));
  const [project, setProject] = useUrlState('project');
  const [since, setSince] = useUrlState('since');
  const [until, setUntil] = useUrlState('until');
  const [limitParam, setLimitParam] = useUrlState('limit', '20');
  const limit = Number(limitParam) || 20;
  const [answer, setAnswer] = useState<SearchAnswer>();
  const [asked, setAsked] = useState('');
  const [error, setError] = useState<string>();
  const [open, setOpen] = useState<string>();
  const [busy, setBusy] = useState(false);

  const run = async (query: string) => {
    setBusy(true);
    try {
      // A person's search: learnings waiting for review are listed too, marked (agents never get them).
      const a = await call<SearchAnswer>('GET', `/v1/search${qs({ q: query, mode, types: types.join(','), project, since: isoOf(since, false), until: isoOf(until, true), limit, includePending: 'true' })}`);
      setAnswer(a);
      setAsked(query);
      setError(undefined);
    } catch (err) {
      // The refusal replaces the previous answer: results under an error would read as its answer.
      setAnswer(undefined);
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  // A shared or reloaded URL with a query runs it.
  useEffect(() => {
    if (urlQ) void run(urlQ);
  }, []);
  const submit = () => {
    setUrlQ(q);
    void run(q);
  };

  return (
    <section aria-labelledby="search-h">
      <h1 id="search-h">Search</h1>
      <Form role="search" onSubmit={submit}>
        <label class="grow">
          Query <input type="search" name="q" value={q} required onInput={(e) => setQ(e.currentTarget.value)} />
        </label>
        <Choice label="Mode" value={mode} options={SEARCH_MODES} onChange={setMode} />
        <fieldset>
          <legend>Types</legend>
          {TYPES.map((t) => (
            <label key={t}>
              <input type="checkbox" checked={types.includes(t)} onChange={(e) => setTypes(e.currentTarget.checked ? [...types, t] : types.filter((x) => x !== t))} /> {t}
            </label>
          ))}
        </fieldset>
        <ProjectField value={project} onInput={setProject} />
        <label>
          Since <input type="date" value={since} onInput={(e) => setSince(e.currentTarget.value)} />
        </label>
        <label>
          Until <input type="date" value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
        </label>
        <Choice label="Limit" value={String(limit)} options={['10', '20', '50', '100']} onChange={setLimitParam} />
        <button type="submit" disabled={busy}>
          Search
        </button>
      </Form>
      <ErrorNote error={error} />
      {answer ? (
        <>
          <p class="muted" aria-live="polite" data-testid="search-count">
            {answer.results.length === 0 ? `No results for “${asked}”.` : `${answer.results.length} results`} · {answer.mode} · {answer.tookMs} ms
          </p>
          {answer.degraded ? (
            <p class="warning" role="status">
              Degraded: the vector store did not answer, so these are keyword results from PostgreSQL only
              {answer.degradedReason ? ` (${answer.degradedReason})` : ''}.
            </p>
          ) : null}
          <ol class="results">
            {answer.results.map((r, i) => (
              <li key={r.id} class="result">
                <div>
                  <span class="rank" title="place in the ranking">
                    #{i + 1}
                  </span>{' '}
                  <span class={`badge type-${r.type}`}>{r.type}</span>{' '}
                  {r.status === 'pending' ? (
                    <>
                      <span class="badge status-pending" title="waits for a maintainer's review: no agent is given it until it is approved">
                        pending review
                      </span>{' '}
                    </>
                  ) : null}
                  <strong>
                    <Highlight text={readable(r.title)} needles={queryWords(asked)} />
                  </strong>{' '}
                  <code>{shortId(r.id)}</code>
                </div>
                {r.snippet && r.snippet !== r.title ? (
                  <p class="snippet">
                    <Highlight text={readable(r.snippet)} needles={queryWords(asked)} />
                  </p>
                ) : null}
                <p class="muted">
                  {fmtTime(r.createdAt)}
                  {hitAttribution(r) ? <span data-testid="attribution">{` · ${hitAttribution(r)}`}</span> : null}
                  {r.sessionId ? (
                    <>
                      {' '}
                      · session <SessionLink id={r.sessionId} />
                    </>
                  ) : null}{' '}
                  <button type="button" class="link" aria-expanded={open === r.id} onClick={() => setOpen(open === r.id ? undefined : r.id)}>
                    {open === r.id ? 'Hide details' : 'Details'}
                  </button>
                </p>
                {open === r.id ? <MemoryPanel id={r.id} onOpen={setOpen} /> : null}
              </li>
            ))}
          </ol>
        </>
      ) : null}
      <Context />
    </section>
  );
}

function Context() {
  const [project, setProject] = useState('');
  const [tokens, setTokens] = useState(1500);
  const [q, setQ] = useState('');
  const [branch, setBranch] = useState('');
  const [defaultBranch, setDefaultBranch] = useState('');
  const [answer, setAnswer] = useState<ContextAnswer>();
  const [error, setError] = useState<string>();
  const [open, setOpen] = useState<string>();
  return (
    <section aria-labelledby="context-h">
      <h2 id="context-h">Start context</h2>
      <Form onSubmit={() => {
          call<ContextAnswer>('GET', `/v1/context${qs({ project, tokens, q, branch, defaultBranch })}`).then(
            (a) => {
              setAnswer(a);
              setError(undefined);
            },
            (err: Error) => setError(err.message),
          );
        }}>
        <Field label="Project" value={project} onInput={setProject} required />
        <label>
          Token budget <input type="number" min={1} value={tokens} onInput={(e) => setTokens(Number(e.currentTarget.value))} />
        </label>
        <Field label="About (optional)" value={q} onInput={setQ} />
        <Field label="Branch (optional)" value={branch} onInput={setBranch} />
        <Field label="Default branch (optional)" value={defaultBranch} onInput={setDefaultBranch} />
        <button type="submit">Show context</button>
      </Form>
      <ErrorNote error={error} />
      {answer ? (
        <>
          <p class="muted">
            {answer.tokens} tokens · {answer.items.length} items
            {answer.withheld ? ` · ${answer.withheld} learning${answer.withheld === 1 ? '' : 's'} withheld (FLAGGED: never injected)` : ''}
          </p>
          <pre class="body">{answer.context}</pre>
          {answer.items.length > 0 ? (
            <p>
              <span class="muted">items:</span>{' '}
              {answer.items.map((id) => (
                <button key={id} type="button" class="chip" aria-expanded={open === id} onClick={() => setOpen(open === id ? undefined : id)}>
                  {shortId(id)}
                </button>
              ))}
            </p>
          ) : null}
          {open ? <MemoryPanel id={open} onOpen={setOpen} /> : null}
          {answer.check && answer.check.length > 0 ? (
            <>
              <h3>Checked against the working tree by the client</h3>
              <p class="muted">These items cite code; a client with the repository (memflow hook, memflow context, the MCP server) checks them before the agent sees them.</p>
              <Table label="Checkable items" head={['Item', 'Type', 'Line', 'Branch', 'Commit', 'On default branch', 'Citations']}>
                {answer.check.map((c) => (
                  <tr key={c.id}>
                    <td>
                      <code>{shortId(c.id)}</code>
                    </td>
                    <td>{c.type}</td>
                    <td>{c.line}</td>
                    <td>{c.gitBranch ?? '—'}</td>
                    <td>{c.gitCommit ? <code>{c.gitCommit.slice(0, 12)}</code> : '—'}</td>
                    <td>{c.onDefaultBranch === true ? 'yes' : c.onDefaultBranch === false ? 'not yet' : 'not known'}</td>
                    <td>{c.citations.length > 0 ? <Citations citations={c.citations} /> : 'none'}</td>
                  </tr>
                ))}
              </Table>
            </>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
