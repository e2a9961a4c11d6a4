/** Pieces every view uses: status badges, times, highlighted text, timeline items, a record panel. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { call, enc, type LiveItem, type MemoryRecord, type Parked, type Revision, type TimelineItem } from './api.js';
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
      {parked ? ` (${parked.reason}: ${why})` : ''}
    </span>
  );
}

/** The text with every occurrence of `needle` marked (as text nodes: nothing is ever parsed as HTML). */
export function Highlight({ text, needle }: { text: string; needle?: string }) {
  if (!needle) return <>{text}</>;
  const parts: ComponentChildren[] = [];
  const lower = text.toLowerCase();
  const n = needle.toLowerCase();
  let at = 0;
  for (let i = lower.indexOf(n); i >= 0; i = lower.indexOf(n, at)) {
    parts.push(text.slice(at, i), <mark key={i}>{text.slice(i, i + n.length)}</mark>);
    at = i + n.length;
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
          <pre>
            <Highlight text={rest.join('\n')} needle={needle} />
          </pre>
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

export function ErrorNote({ error }: { error: string | undefined }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

export function SessionLink({ id, project }: { id: string; project?: string }) {
  return <a href={`#/sessions/${enc(id)}${project ? `?project=${enc(project)}` : ''}`}>{id}</a>;
}

function History({ history }: { history: Revision[] }) {
  return (
    <ol class="history" aria-label="revision history">
      {history.map((r) => (
        <li key={r.revision}>
          <strong>rev {r.revision}</strong> <span class={`badge status-${r.status}`}>{r.status}</span> {fmtTime(r.createdAt)}
          {r.changedBy ? ` by ${r.changedBy}` : ''}
          <div>{r.title}</div>
          {r.reason ? <div class="muted">reason: {r.reason}</div> : null}
          {r.note ? <div class="muted">{r.note}</div> : null}
        </li>
      ))}
    </ol>
  );
}

/** The whole record behind an id (GET /v1/memories/{id}): observation, summary or learning. */
export function MemoryPanel({ id, onOpen }: { id: string; onOpen?: (id: string) => void }) {
  const rec = useLoad(() => call<MemoryRecord>('GET', `/v1/memories/${enc(id)}`), [id]);
  if (rec.error) return <ErrorNote error={rec.error} />;
  if (!rec.data) return <p class="muted">Loading {shortId(id)}…</p>;
  const r = rec.data;
  const str = (k: string) => (typeof r[k] === 'string' ? (r[k] as string) : '');
  const history = Array.isArray(r.history) ? (r.history as Revision[]) : [];
  return (
    <article class="record" aria-label={`${r.type} ${shortId(r.id)}`}>
      <header>
        <span class={`badge type-${r.type}`}>{r.type}</span> <strong>{str('title')}</strong> <code>{shortId(r.id)}</code>
      </header>
      <dl class="facts">
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
        {['kind', 'toolName', 'status', 'origin', 'model'].map((k) =>
          str(k) ? (
            <>
              <dt>{k}</dt>
              <dd>{str(k)}</dd>
            </>
          ) : null,
        )}
        {['sequence', 'strength', 'confidence', 'tokenCount'].map((k) =>
          typeof r[k] === 'number' ? (
            <>
              <dt>{k}</dt>
              <dd>{String(r[k])}</dd>
            </>
          ) : null,
        )}
        <dt>created</dt>
        <dd>{fmtTime(str('createdAt'))}</dd>
      </dl>
      <pre class="body">{str('text') || str('body')}</pre>
      {['request', 'investigated', 'learned', 'completed', 'nextSteps'].map((k) =>
        str(k) ? (
          <p key={k}>
            <strong>{k}:</strong> {str(k)}
          </p>
        ) : null,
      )}
      {str('supersededBy') && onOpen ? (
        <p>
          Superseded by{' '}
          <button type="button" class="link" onClick={() => onOpen(str('supersededBy'))}>
            {shortId(str('supersededBy'))}
          </button>
        </p>
      ) : null}
      {Array.isArray(r.sources) && r.sources.length ? <Sources sources={r.sources as { observationId: string | null; summaryId: string | null; sessionId: string | null }[]} /> : null}
      {history.length ? <History history={history} /> : null}
    </article>
  );
}

/** A learning's sources; each opens its observation (or summary) below. */
export function Sources({ sources }: { sources: { observationId: string | null; summaryId: string | null; sessionId: string | null }[] }) {
  const [open, setOpen] = useState<string>();
  return (
    <div class="sources">
      <span class="muted">sources:</span>{' '}
      {sources.map((s) => {
        const id = s.observationId ?? s.summaryId;
        if (!id) return null;
        return (
          <button key={id} type="button" class="chip" aria-expanded={open === id} onClick={() => setOpen(open === id ? undefined : id)}>
            {s.observationId ? 'observation' : 'summary'} {shortId(id)}
          </button>
        );
      })}
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

/** A table with one header row; the rows are the children. */
export function Table({ head, children }: { head: string[]; children: ComponentChildren }) {
  return (
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
export function Choice({ label, value, options, onChange }: { label: string; value: string; options: (string | [string, string])[]; onChange: (v: string) => void }) {
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
