/**
 * Session: the whole timeline (read page by page in the background, so the first items show at once),
 * a search-in-page that filters and marks the items, the session's summaries, and the learnings it
 * produced with their sources (each opens its observation). The list is windowed: the first 300 items
 * (of all, or of the matches) are in the page and more are added as the reader scrolls near the end,
 * so a session of thousands of events costs the browser only what is read.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { describeLedger } from '../../../messages/capture-ledger-text.js';
import type { CaptureLedger } from '../../../messages/capture-ledger-v1.js';
import { call, enc, qs, type Citation, type Page, type SessionItem, type SessionMemories, type TimelineItem } from '../api.js';
import { hashParams, useLoad, useNow, useUrlState } from '../hooks.js';
import { ErrorNote } from '../ui/controls.js';
import { Citations } from '../ui/memory-panel.js';
import { IdleHint, StatusBadge } from '../ui/session-badges.js';
import { Item } from '../ui/timeline-entry.js';
import { fmtNum, fmtTime, markOnce } from '../ui/view-format.js';
import { LearningCard } from './learnings.js';
import { SessionReceipts } from './session-receipts.js';

/** Timeline items of the first request (small: it is what shows first), then of each next one (the API's largest). */
const FIRST_PAGE = 100;
const PAGE = 1000;
/** Items added to the page at a time. */
const WINDOW = 300;

/** The capture ledger: what became of every event the hook client took; a session that does not reconcile is flagged. */
function CaptureLedgerNote({ capture }: { capture: CaptureLedger }) {
  const { headline, lines } = describeLedger(capture);
  return (
    <details class={`capture-ledger${capture.flagged ? ' flagged' : ''}`} open={capture.flagged} data-status={capture.status}>
      <summary>
        <span class="kind">capture</span> {headline}
      </summary>
      {lines.map((l) => (
        <p key={l} class="muted">
          {l}
        </p>
      ))}
    </details>
  );
}

export function SessionView({ id }: { id: string }) {
  const project = hashParams().get('project') ?? undefined;
  const info = useLoad(() => call<SessionItem>('GET', `/v1/sessions/${enc(id)}${qs({ project })}`), [id, project]);
  const memories = useLoad(() => call<SessionMemories>('GET', `/v1/sessions/${enc(id)}/memories${qs({ project })}`), [id, project]);
  const [items, setItems] = useState<TimelineItem[]>([]);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string>();
  const [needle, setNeedle] = useUrlState('find');
  const now = useNow(30_000);
  const [windowSize, setWindowSize] = useState(WINDOW);
  const sentinel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let live = true;
    setItems([]);
    setDone(false);
    (async () => {
      let cursor: string | null = null;
      const all: TimelineItem[] = [];
      let pages = 0;
      do {
        const page: Page<TimelineItem> = await call<Page<TimelineItem>>('GET', `/v1/sessions/${enc(id)}/timeline${qs({ project, cursor, limit: cursor ? PAGE : FIRST_PAGE })}`);
        if (!live) return;
        all.push(...page.items);
        cursor = page.nextCursor;
        pages += 1;
        // The first page at once, then the rest together: each render diffs the whole list.
        if (pages === 1 || !cursor) setItems([...all]);
      } while (cursor);
      setDone(true);
    })().catch((err: Error) => live && setError(err.message));
    return () => {
      live = false;
    };
  }, [id, project]);

  const shown = useMemo(() => {
    const n = needle.trim().toLowerCase();
    return n ? items.filter((i) => i.text.toLowerCase().includes(n) || (i.toolName ?? '').toLowerCase().includes(n)) : items;
  }, [items, needle]);

  useEffect(() => setWindowSize(WINDOW), [needle]);
  useEffect(() => {
    if (items.length > 0) markOnce('memflow:timeline-first-items');
    if (done) markOnce('memflow:timeline-painted');
  }, [items, done]);
  // More items when the end of the window comes near (two screens ahead).
  useEffect(() => {
    const el = sentinel.current;
    if (!el) return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && setWindowSize((w) => w + WINDOW), { rootMargin: '1600px 0px' });
    io.observe(el);
    return () => io.disconnect();
  }, [shown.length > windowSize]);

  if (info.error) return <ErrorNote error={info.error} />;
  const s = info.data;
  return (
    <section aria-labelledby="session-h">
      <h1 id="session-h">{s?.title ? s.title : <>Session <code>{id}</code></>}</h1>
      {s ? (
        <>
          {s.firstPrompt && s.firstPrompt !== s.title ? (
            <p class="first-prompt">
              <span class="kind">asked</span> {s.firstPrompt}
            </p>
          ) : null}
          <p>
            <StatusBadge status={s.status} /> {s.project} · {s.agent} · {fmtNum(s.eventCount)} events · started {fmtTime(s.startedAt)}
            {s.endedAt ? ` · ended ${fmtTime(s.endedAt)}` : ''} · <code class="sid">{id}</code> <IdleHint s={s} now={now} />
          </p>
          {s.capture ? <CaptureLedgerNote capture={s.capture} /> : null}
        </>
      ) : (
        <p class="muted">Loading…</p>
      )}
      <section aria-labelledby="summaries-h">
        <h2 id="summaries-h">Summaries</h2>
        <ErrorNote error={memories.error} />
        {memories.data && memories.data.summaries.length === 0 ? <p class="muted">No summary yet.</p> : null}
        {memories.data?.summaries.map((m) => (
          <details key={m.id} class="summary" open={m.kind === 'final'}>
            <summary>
              <span class="badge">{String(m.kind)}</span> {String(m.title)} <span class="muted">{fmtTime(String(m.createdAt))}</span>
              {/* Held with a learning drawn from it (common/server/review-hold.ts): agents are not given it. */}
              {m.heldBy ? (
                <span class="badge status-pending" data-testid="summary-held" title="a learning drawn from this summary waits for review or was rejected: agents are not given this summary">
                  {m.heldBy === 'pending' ? 'held: learning pending review' : 'held: learning rejected'}
                </span>
              ) : null}
            </summary>
            <p class="muted">
              {m.offline ? 'offline summarizer' : `model ${String(m.model ?? '—')}`} · {fmtNum(Number(m.observationCount ?? 0))} observations (events {String(m.fromSequence)}–{String(m.toSequence)}) · {String(m.tokenCount)} tokens
              {m.gitBranch || m.gitCommit ? ` · ${String(m.gitBranch ?? 'detached')} @ ${String(m.gitCommit ?? '—')}` : ''} · <code>{String(m.id)}</code>
            </p>
            <pre class="body">{String(m.text)}</pre>
            {Array.isArray(m.citations) && m.citations.length > 0 ? <Citations citations={m.citations as Citation[]} /> : null}
          </details>
        ))}
      </section>
      <section aria-labelledby="learned-h">
        <h2 id="learned-h">Learnings from this session</h2>
        {memories.data && memories.data.learnings.length === 0 ? <p class="muted">None yet.</p> : null}
        <ul class="learnings">
          {memories.data?.learnings.map((l) => (
            <LearningCard key={l.id} learning={l} onChanged={memories.reload} />
          ))}
        </ul>
      </section>
      <SessionReceipts id={id} project={project} />
      <section aria-labelledby="timeline-h">
        <h2 id="timeline-h">Timeline</h2>
        <div class="filters" role="search">
          <label>
            Find in this session <input type="search" value={needle} onInput={(e) => setNeedle(e.currentTarget.value)} />
          </label>
          <span class="muted" aria-live="polite" data-testid="timeline-count">
            {needle.trim() ? `${fmtNum(shown.length)} of ` : ''}
            {fmtNum(items.length)} items{done ? '' : ' (loading…)'}
            {shown.length > windowSize ? ` · first ${fmtNum(windowSize)} shown, more as you scroll` : ''}
          </span>
        </div>
        <ErrorNote error={error} />
        <ol class="timeline" data-done={done ? 'true' : 'false'}>
          {shown.slice(0, windowSize).map((i) => (
            <Item key={i.id} item={i} needle={needle.trim() || undefined} />
          ))}
        </ol>
        {shown.length > windowSize ? (
          <div ref={sentinel} class="more">
            <button type="button" onClick={() => setWindowSize(windowSize + WINDOW)}>
              Show {fmtNum(Math.min(WINDOW, shown.length - windowSize))} more
            </button>
          </div>
        ) : null}
      </section>
    </section>
  );
}
