/** A stored memory as a panel: the whole record behind an id, a learning's provenance, trust and sources. */
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { call, enc, type Citation, type MemoryRecord, type Provenance, type Revision, type Source } from '../api.js';
import { useLoad } from '../hooks.js';
import { ErrorNote } from './controls.js';
import { SessionLink } from './session-badges.js';
import { fmtTime, shortId } from './view-format.js';

function History({ history }: { history: Revision[] }) {
  return (
    <ol class="history" aria-label="revision history">
      {history.map((r) => (
        <li key={r.revision}>
          <strong>rev {r.revision}</strong> <span class={`badge status-${r.status}`}>{r.status}</span> {fmtTime(r.createdAt)}
          {r.by ? ` by ${r.by}` : r.changedBy ? ` by ${r.changedBy}` : ''}
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
      <dt>written by</dt>
      <dd>{p.writtenBy ?? 'a person or an agent stated it'}</dd>
      {p.appliesWhen && p.appliesWhen.length > 0 ? (
        <>
          <dt>applies when</dt>
          <dd>{p.appliesWhen.join('; ')}</dd>
        </>
      ) : null}
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
const SHOWN = new Set(['id', 'type', 'title', 'text', 'body', 'project', 'sessionId', 'createdAt', 'sources', 'history', 'supersededBy', 'request', 'investigated', 'learned', 'completed', 'nextSteps', 'trust', 'outcome', 'flags', 'staleCount', 'checkedAt', 'gitBranch', 'gitCommit', 'onDefaultBranch', 'citations', 'writtenBy', 'appliesWhen']);
const TIMES = new Set(['updatedAt', 'lastStatedAt', 'validFrom', 'validTo', 'approvedAt']);

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
  // The panel lists the fields it does not show in its own way by name, whatever the record's type.
  const fields: Record<string, unknown> = r;
  const str = (k: string) => (typeof fields[k] === 'string' ? (fields[k] as string) : '');
  const learning = r.type === 'learning' ? r : undefined;
  const summary = r.type === 'summary' ? r : undefined;
  const history = learning?.history ?? [];
  const rest = Object.keys(r).filter((k) => !SHOWN.has(k));
  const provenance = learning;
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
            <dd>{factText(k, fields[k])}</dd>
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
        {summary && summary.citations.length > 0 ? (
          <>
            <dt>citations</dt>
            <dd>
              <Citations citations={summary.citations} />
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
      {learning?.sources.length ? <Sources sources={learning.sources} /> : null}
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
