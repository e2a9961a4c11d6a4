/** Pieces every view uses: status badges, times, highlighted text, timeline items, a record panel. */
import { Fragment, type ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { call, enc, type Citation, type LiveItem, type MemoryRecord, type Parked, type ProjectItem, type Provenance, type Revision, type SessionItem, type Source, type TimelineItem } from './api.js';
import { editDiff, plainText, plainValue, toolParts, wordRanges } from '../../clients/readable.js';
import { useLoad, type Paged } from './hooks.js';

// One formatter each: toLocaleString builds a new one per call, which thousands of items feel.
const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const numFormat = new Intl.NumberFormat('en-US');
export const fmtTime = (iso: string | null | undefined) => (iso ? timeFormat.format(new Date(iso)) : '—');
export const fmtNum = (n: number) => numFormat.format(n);

/**
 * A User Timing mark, once per page load: when a view first showed what matters (effects run after
 * the browser painted). bench/viewer.ts reads them; they cost nothing otherwise.
 */
export function markOnce(name: string): void {
  if (performance.getEntriesByName(name, 'mark').length === 0) performance.mark(name);
}
export const shortId = (id: string) => id.slice(0, 8);

export function StatusBadge({ status, parked }: { status: string; parked?: Parked | null }) {
  const shown = parked ? 'parked' : status;
  const why = parked ? (parked.reason === 'budget' ? 'daily token budget spent' : 'LLM credentials refused') : '';
  return (
    <span class={`badge status-${shown}`} title={why || undefined}>
      {shown}
      {parked ? ` (${parked.reason}: ${why}${parked.until ? `, until ${fmtTime(new Date(parked.until).toISOString())}` : ''})` : ''}
    </span>
  );
}

/**
 * The text with every occurrence of `needle` marked, or every word starting like one of `needles`
 * (a query's words). As text nodes: nothing is ever parsed as HTML.
 */
export function Highlight({ text, needle, needles }: { text: string; needle?: string | undefined; needles?: readonly string[] }) {
  const ranges: [number, number][] = [];
  if (needle) {
    const lower = text.toLowerCase();
    const n = needle.toLowerCase();
    for (let i = lower.indexOf(n); i >= 0; i = lower.indexOf(n, i + n.length)) ranges.push([i, i + n.length]);
  } else if (needles?.length) ranges.push(...wordRanges(text, needles));
  if (ranges.length === 0) return <>{text}</>;
  const parts: ComponentChildren[] = [];
  let at = 0;
  for (const [i, j] of ranges) {
    parts.push(text.slice(at, i), <mark key={i}>{text.slice(i, j)}</mark>);
    at = j;
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}

export const itemText = (i: LiveItem) => (!i.text ? i.title : i.text.startsWith(i.title) ? i.text : `${i.title}\n${i.text}`);

/** One timeline item: prompts and stops as text, a tool call folded with its result. */
export function Item({ item, needle }: { item: TimelineItem; needle?: string | undefined }) {
  const [head, ...rest] = item.text.split('\n');
  if (item.kind === 'tool') {
    return (
      <li class="item kind-tool">
        <details open={Boolean(needle)}>
          <summary>
            <span class="kind">{item.toolName ?? 'tool'}</span> <Highlight text={head ?? ''} needle={needle} />
          </summary>
          <ToolBody toolName={item.toolName} body={rest.join('\n')} toolUseId={item.toolUseId} needle={needle} />
        </details>
        <time dateTime={item.createdAt}>{fmtTime(item.createdAt)}</time>
      </li>
    );
  }
  return (
    <li class={`item kind-${item.kind}`}>
      <span class="kind">{item.kind}</span>{' '}
      <span class="text">
        <Highlight text={item.text} needle={needle} />
      </span>
      <time dateTime={item.createdAt}>{fmtTime(item.createdAt)}</time>
    </li>
  );
}

/** A tool call's input and result as a person reads them: an edit as a diff, other inputs as `key: value` lines. */
export function ToolBody({ toolName, body, toolUseId, needle }: { toolName: string | null; body: string; toolUseId: string | null; needle?: string | undefined }) {
  const { input, inputText, resultText } = toolParts(body);
  const diff = editDiff(toolName, input);
  const result = resultText ? plainText(resultText) : '';
  return (
    <div class="tool-body">
      {diff ? (
        <div class="diff" role="group" aria-label={`changes to ${diff.path || 'the file'}`}>
          {diff.path ? <div class="diff-path"><code>{diff.path}</code></div> : null}
          {diff.hunks.map((h, i) => (
            <pre key={i} class="diff-hunk">
              {h.map((l, j) => (
                <span key={j} class={l.sign === '-' ? 'del' : l.sign === '+' ? 'add' : 'ctx'}>
                  <span class="sign" aria-hidden="true">{l.sign}</span>
                  <span class="visually-hidden">{l.sign === '-' ? 'removed: ' : 'added: '}</span>
                  <Highlight text={l.text} needle={needle} />
                  {'\n'}
                </span>
              ))}
            </pre>
          ))}
        </div>
      ) : (
        <pre class="tool-input">
          <Highlight text={input ? plainValue(input).replace(/^\n/, '') : inputText.replace(/\\n/g, '\n')} needle={needle} />
        </pre>
      )}
      {result ? (
        <pre class="tool-result">
          <Highlight text={result} needle={needle} />
        </pre>
      ) : null}
      {toolUseId ? <p class="muted tool-id">tool use {toolUseId}</p> : null}
    </div>
  );
}

export function ErrorNote({ error }: { error: string | undefined }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

/** A link to a session, named by its title when it has one (the id stays in the link's tooltip). */
export function SessionLink({ id, project, title }: { id: string; project?: string; title?: string | null }) {
  return (
    <a href={`#/sessions/${enc(id)}${project ? `?project=${enc(project)}` : ''}`} title={title ? `session ${id}` : undefined} class={title ? 'session-title' : 'session-id'}>
      {title || id}
    </a>
  );
}

/** Why an active session is still active: it closes after its idle timeout, or at once at session-end. */
export function IdleHint({ s, now }: { s: Pick<SessionItem, 'status' | 'idleClosesAt' | 'lastEventAt'>; now: number }) {
  if (s.status !== 'active' || !s.idleClosesAt) return null;
  const closes = Date.parse(s.idleClosesAt);
  const quietMin = s.lastEventAt ? Math.floor((now - Date.parse(s.lastEventAt)) / 60_000) : null;
  if (quietMin === null || quietMin < 2) return null;
  return (
    <span class="idle-hint" data-testid="idle-hint">
      quiet for {quietMin} min: stays active until the idle timeout closes it{closes > now ? ` (about ${fmtTime(s.idleClosesAt)})` : ' (closing now)'}, or at once when the agent ends the session
    </span>
  );
}

/** The tenant's projects (GET /v1/projects), read once per page load and shared by every filter. */
let projectsOnce: Promise<ProjectItem[]> | undefined;
export function loadProjects(): Promise<ProjectItem[]> {
  projectsOnce ??= call<{ items: ProjectItem[] }>('GET', '/v1/projects').then(
    (a) => a.items,
    () => {
      projectsOnce = undefined;
      return [];
    },
  );
  return projectsOnce;
}

/** The projects matching what was typed: by prefix first, then by any part of the name. */
export function matchingProjects(all: readonly ProjectItem[], typed: string): ProjectItem[] {
  const t = typed.trim().toLowerCase();
  if (!t) return [...all];
  const prefix = all.filter((p) => p.name.toLowerCase().startsWith(t));
  return [...prefix, ...all.filter((p) => !prefix.includes(p) && p.name.toLowerCase().includes(t))];
}

/** A project filter that suggests the tenant's projects as one types, and says when none matches. */
export function ProjectField({ value, onInput, label = 'Project', id = 'projects' }: { value: string; onInput: (v: string) => void; label?: string; id?: string }) {
  const projects = useLoad(loadProjects, []);
  const matches = projects.data ? matchingProjects(projects.data, value) : [];
  const none = Boolean(value.trim() && projects.data && matches.length === 0);
  return (
    <label>
      {label}{' '}
      <input value={value} list={`${id}-list`} placeholder="all projects" autocomplete="off" aria-describedby={none ? `${id}-none` : undefined} onInput={(e) => onInput(e.currentTarget.value)} />
      <datalist id={`${id}-list`}>
        {matches.slice(0, 50).map((p) => (
          <option key={p.name} value={p.name}>
            {`${p.sessions} session${p.sessions === 1 ? '' : 's'}`}
          </option>
        ))}
      </datalist>
      {none ? (
        <span id={`${id}-none`} class="error" role="status">
          No project matches “{value.trim()}”{projects.data!.length ? ` (there are ${projects.data!.length}: ${projects.data!.slice(0, 3).map((p) => p.name).join(', ')}${projects.data!.length > 3 ? ', …' : ''})` : ''}
        </span>
      ) : null}
    </label>
  );
}

function History({ history }: { history: Revision[] }) {
  return (
    <ol class="history" aria-label="revision history">
      {history.map((r) => (
        <li key={r.revision}>
          <strong>rev {r.revision}</strong> <span class={`badge status-${r.status}`}>{r.status}</span> {fmtTime(r.createdAt)}
          {r.changedBy ? ` by ${r.changedBy}` : ''}
          <div>
            {r.title} <span class="muted">({r.kind} · strength {r.strength} · confidence {r.confidence.toFixed(2)})</span>
          </div>
          <div class="muted">{r.body}</div>
          {r.reason ? <div class="muted">reason: {r.reason}</div> : null}
          {r.note ? <div class="muted">{r.note}</div> : null}
        </li>
      ))}
    </ol>
  );
}

const TRUST: Record<string, string> = {
  user: 'stated by a person',
  confirmed: 'confirmed by outcome',
  extracted: 'extracted by a model',
  agent: 'remembered by an agent tool, unverified',
};

/** A learning's trust tier, outcome (a dead end as a dead end) and poisoning flags, as badges. */
export function TrustBadges({ p, kind }: { p: Partial<Provenance>; kind?: string }) {
  const deadEnd = kind === 'dead_end';
  return (
    <>
      {p.trust ? (
        <span class={`badge trust-${p.trust}`} title={TRUST[p.trust]}>
          trust: {p.trust}
        </span>
      ) : null}{' '}
      {deadEnd ? <span class="badge dead-end">dead end — do not repeat</span> : p.outcome && p.outcome !== 'unverified' ? <span class={`badge outcome-${p.outcome}`}>{p.outcome}</span> : null}{' '}
      {p.flags && p.flags.length > 0 ? (
        <span class="badge flagged" title="never injected into an agent's context">
          FLAGGED: {p.flags.join(', ')}
        </span>
      ) : null}
    </>
  );
}

const yesNo = (v: boolean | null | undefined, unknown: string) => (v === true ? 'yes' : v === false ? 'not yet' : unknown);

/** What a learning rests on: trust, outcome, flags, staleness reports, branch and commit, its citations. */
export function ProvenanceFacts({ p }: { p: Partial<Provenance> }) {
  return (
    <dl class="facts provenance" aria-label="provenance">
      <dt>trust</dt>
      <dd>{p.trust ? `${p.trust} (${TRUST[p.trust] ?? p.trust})` : '—'}</dd>
      <dt>outcome</dt>
      <dd>{p.outcome ?? '—'}</dd>
      <dt>flags</dt>
      <dd>{p.flags && p.flags.length > 0 ? `FLAGGED: ${p.flags.join(', ')} (kept, never injected)` : 'none'}</dd>
      <dt>seen stale</dt>
      <dd>
        {p.staleCount ?? 0} time{p.staleCount === 1 ? '' : 's'}
        {p.checkedAt ? ` · last checked ${fmtTime(p.checkedAt)}` : ' · never checked'}
      </dd>
      <dt>branch</dt>
      <dd>{p.gitBranch ?? '—'}</dd>
      <dt>commit</dt>
      <dd>{p.gitCommit ? <code>{p.gitCommit}</code> : '—'}</dd>
      <dt>on default branch</dt>
      <dd>{yesNo(p.onDefaultBranch, 'not known')}</dd>
      <dt>citations</dt>
      <dd>{p.citations && p.citations.length > 0 ? <Citations citations={p.citations} /> : 'none'}</dd>
    </dl>
  );
}

export function Citations({ citations }: { citations: Citation[] }) {
  return (
    <ul class="citations">
      {citations.map((c, i) => (
        <li key={i}>
          <code>
            {/* Line 0: the summarizer knew the file, not where in it (no range rather than a false one). */}
            {c.startLine > 0 ? `${c.path}:${c.startLine}–${c.endLine}` : c.path}
          </code>{' '}
          <span class="muted">
            {c.lines.length} cited line{c.lines.length === 1 ? '' : 's'}
            {c.removed?.length ? `, ${c.removed.length} removed` : ''}
            {c.around?.length ? `, ${c.around.length} around` : ''} · hash {c.hash}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** Fields a record panel shows in its own way; any other field of the answer is listed as it is. */
const SHOWN = new Set(['id', 'type', 'title', 'text', 'body', 'project', 'sessionId', 'createdAt', 'sources', 'history', 'supersededBy', 'request', 'investigated', 'learned', 'completed', 'nextSteps', 'trust', 'outcome', 'flags', 'staleCount', 'checkedAt', 'gitBranch', 'gitCommit', 'onDefaultBranch', 'citations']);
const TIMES = new Set(['updatedAt', 'lastStatedAt', 'validFrom', 'validTo']);

function factText(k: string, v: unknown): string {
  if (TIMES.has(k)) return fmtTime(v as string | null);
  if (Array.isArray(v)) return v.length ? v.map(String).join(', ') : '—';
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The whole record behind an id (GET /v1/memories/{id}): observation, summary or learning. */
export function MemoryPanel({ id, onOpen }: { id: string; onOpen?: (id: string) => void }) {
  const rec = useLoad(() => call<MemoryRecord>('GET', `/v1/memories/${enc(id)}`), [id]);
  if (rec.error) return <ErrorNote error={rec.error} />;
  if (!rec.data) return <p class="muted">Loading {shortId(id)}…</p>;
  const r = rec.data;
  const str = (k: string) => (typeof r[k] === 'string' ? (r[k] as string) : '');
  const history = Array.isArray(r.history) ? (r.history as Revision[]) : [];
  const rest = Object.keys(r).filter((k) => !SHOWN.has(k));
  const provenance = r.type === 'learning' ? (r as unknown as Provenance) : undefined;
  return (
    <article class="record" aria-label={`${r.type} ${shortId(r.id)}`}>
      <header>
        <span class={`badge type-${r.type}`}>{r.type}</span> <strong>{str('title')}</strong> <code>{shortId(r.id)}</code>
        {provenance ? (
          <>
            {' '}
            <TrustBadges p={provenance} kind={str('kind')} />
          </>
        ) : null}
      </header>
      <dl class="facts">
        <dt>id</dt>
        <dd>{r.id}</dd>
        {str('project') ? (
          <>
            <dt>project</dt>
            <dd>{str('project')}</dd>
          </>
        ) : null}
        {str('sessionId') ? (
          <>
            <dt>session</dt>
            <dd>
              <SessionLink id={str('sessionId')} project={str('project')} />
            </dd>
          </>
        ) : null}
        {rest.map((k) => (
          <Fragment key={k}>
            <dt>{k}</dt>
            <dd>{factText(k, r[k])}</dd>
          </Fragment>
        ))}
        {r.type === 'summary' && (str('gitBranch') || str('gitCommit')) ? (
          <>
            <dt>branch</dt>
            <dd>{str('gitBranch') || '—'}</dd>
            <dt>commit</dt>
            <dd>{str('gitCommit') ? <code>{str('gitCommit')}</code> : '—'}</dd>
          </>
        ) : null}
        {r.type === 'summary' && Array.isArray(r.citations) && r.citations.length > 0 ? (
          <>
            <dt>citations</dt>
            <dd>
              <Citations citations={r.citations as Citation[]} />
            </dd>
          </>
        ) : null}
        <dt>created</dt>
        <dd>{fmtTime(str('createdAt'))}</dd>
      </dl>
      {provenance ? <ProvenanceFacts p={provenance} /> : null}
      <pre class="body">{str('text') || str('body')}</pre>
      {['request', 'investigated', 'learned', 'completed', 'nextSteps'].map((k) =>
        str(k) ? (
          <p key={k}>
            <strong>{k}:</strong> {str(k)}
          </p>
        ) : null,
      )}
      {str('supersededBy') ? (
        <p>
          Superseded by{' '}
          {onOpen ? (
            <button type="button" class="link" onClick={() => onOpen(str('supersededBy'))}>
              {shortId(str('supersededBy'))}
            </button>
          ) : (
            <code>{str('supersededBy')}</code>
          )}
        </p>
      ) : null}
      {Array.isArray(r.sources) && r.sources.length ? <Sources sources={r.sources as Source[]} /> : null}
      {history.length ? <History history={history} /> : null}
    </article>
  );
}

/** A learning's sources, each with its evidence; each opens its observation (or summary) below. */
export function Sources({ sources }: { sources: Source[] }) {
  const [open, setOpen] = useState<string>();
  return (
    <div class="sources">
      <span class="muted">sources:</span>
      <ul class="source-list">
        {sources.map((s) => {
          const id = s.observationId ?? s.summaryId;
          if (!id) return null;
          return (
            <li key={id}>
              <button type="button" class="chip" aria-expanded={open === id} onClick={() => setOpen(open === id ? undefined : id)}>
                {s.observationId ? 'observation' : 'summary'} {shortId(id)}
              </button>{' '}
              <span class="muted">
                {s.sessionId ? <>session <SessionLink id={s.sessionId} /> · </> : null}
                {fmtTime(s.createdAt)}
                {s.evidence ? ` · ${s.evidence}` : ''}
              </span>
            </li>
          );
        })}
      </ul>
      {open ? <MemoryPanel id={open} /> : null}
    </div>
  );
}

/** "Load more" under a cursor-paginated list. */
export function More({ list }: { list: Paged<unknown> }) {
  if (!list.next) return null;
  return (
    <button type="button" class="more" disabled={list.busy} onClick={list.more}>
      {list.busy ? 'Loading…' : 'Load more'}
    </button>
  );
}

/**
 * A table with one header row; the rows are the children. It scrolls sideways in a focusable region
 * (keyboard users can scroll it), and says so when its columns are wider than the screen.
 */
export function Table({ head, children, label }: { head: string[]; children: ComponentChildren; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [overflow, setOverflow] = useState(false);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const check = () => setOverflow(el.scrollWidth > el.clientWidth + 1);
    check();
    const ro = new ResizeObserver(check);
    ro.observe(el);
    if (el.firstElementChild) ro.observe(el.firstElementChild);
    return () => ro.disconnect();
  }, []);
  return (
    <>
      {overflow ? (
        <p class="scroll-hint" aria-hidden="true">
          {label}: scroll sideways for more columns →
        </p>
      ) : null}
      <div ref={box} class={`table-scroll${overflow ? ' overflows' : ''}`} tabIndex={0} role="region" aria-label={`${label} (table${overflow ? ', scrolls sideways' : ''})`}>
        <table class="list">
          <thead>
            <tr>
              {head.map((h) => (
                <th key={h} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>{children}</tbody>
        </table>
      </div>
    </>
  );
}

/** A table row of plain cells. */
export function Row({ cells }: { cells: ComponentChildren[] }) {
  return (
    <tr>
      {cells.map((c, i) => (
        <td key={i}>{c}</td>
      ))}
    </tr>
  );
}

/** A labelled select of fixed choices (value, or [value, label]). */
export function Choice({ label, value, options, onChange }: { label: string; value: string; options: readonly (string | readonly [string, string])[]; onChange: (v: string) => void }) {
  return (
    <label>
      {label}{' '}
      <select value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {options.map((o) => {
          const [v, text] = typeof o === 'string' ? [o, o] : o;
          return (
            <option key={v} value={v}>
              {text}
            </option>
          );
        })}
      </select>
    </label>
  );
}

/** A form that calls `onSubmit` instead of navigating. */
export function Form({ onSubmit, class: cls = 'filters', role, children }: { onSubmit: () => void; class?: string; role?: 'search'; children: ComponentChildren }) {
  return (
    <form
      class={cls}
      role={role}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      {children}
    </form>
  );
}

/** A labelled text input bound to a string state. */
export function Field({ label, value, onInput, required, placeholder }: { label: string; value: string; onInput: (v: string) => void; required?: boolean; placeholder?: string }) {
  return (
    <label>
      {label} <input value={value} required={required} placeholder={placeholder} onInput={(e) => onInput(e.currentTarget.value)} />
    </label>
  );
}
