/**
 * Live: the tenant's sessions as they run, from GET /v1/live (server-sent events), newest activity
 * first, each with its latest items; below, every session, page by page (GET /v1/sessions).
 */
import { useEffect, useState } from 'preact/hooks';
import { call, qs, signedOut, type LiveItem, type LiveSession, type SessionItem } from '../api.js';
import { useLoad, useNow, usePaged, useUrlState } from '../hooks.js';
import { Choice, ErrorNote, Form, More, Table } from '../ui/controls.js';
import { loadProjects, ProjectField } from '../ui/project-field.js';
import { IdleHint, SessionLink, StatusBadge } from '../ui/session-badges.js';
import { Item, itemText } from '../ui/timeline-entry.js';
import { fmtNum, fmtTime, markOnce } from '../ui/view-format.js';

interface LiveEntry {
  session: LiveSession;
  items: LiveItem[];
}

const PAGE = 10;

export function Live() {
  const [entries, setEntries] = useState<Map<string, LiveEntry>>(new Map());
  const [state, setState] = useState<'connecting' | 'live' | 'reconnecting'>('connecting');
  const [shown, setShown] = useState(PAGE);

  useEffect(() => {
    let pending: { session: LiveSession; items?: LiveItem[] }[] = [];
    const flush = () => {
      const batch = pending;
      pending = [];
      setEntries((prev) => {
        const next = new Map(prev);
        for (const entry of batch) {
          // Items come with new events; a status change alone (parked, summarizing) sends the session only.
          const key = `${entry.session.project}/${entry.session.id}`;
          next.set(key, { session: entry.session, items: entry.items ?? next.get(key)?.items ?? [] });
        }
        return next;
      });
    };
    const es = new EventSource('/v1/live');
    // `ready`: the first snapshot is complete (until then "no sessions" would be a guess).
    es.addEventListener('ready', () => setState('live'));
    es.addEventListener('session', (e: MessageEvent<string>) => {
      pending.push(JSON.parse(e.data) as { session: LiveSession; items?: LiveItem[] });
      // One render per frame however many sessions a tick sends (the first sends up to 30 at once).
      if (pending.length === 1) requestAnimationFrame(flush);
    });
    es.addEventListener('revoked', (e: MessageEvent<string>) => {
      es.close();
      signedOut((JSON.parse(e.data) as { message: string }).message);
    });
    es.onerror = () => {
      setState('reconnecting');
      // A stream refused for good (expired session, revoked key) is closed by the browser: ask who we are.
      if (es.readyState === EventSource.CLOSED) void call('GET', '/ui/session').catch((err: Error) => signedOut(err.message));
    };
    return () => es.close();
  }, []);

  const list = [...entries.values()].sort((a, b) => b.session.changedAt.localeCompare(a.session.changedAt));
  const now = useNow(30_000);
  useEffect(() => {
    if (entries.size > 0) markOnce('memflow:live-painted');
  }, [entries]);
  return (
    <section aria-labelledby="live-h">
      <h1 id="live-h">
        Live <span class={`badge conn-${state}`}>{state === 'live' ? 'connected' : state}</span>
      </h1>
      {state === 'live' && list.length === 0 ? <p class="muted">No sessions yet. They appear here as agents post their hooks.</p> : null}
      <ul class="cards" aria-label="live sessions">
        {list.slice(0, shown).map(({ session: s, items }) => (
          <li key={`${s.project}/${s.id}`} class="card" data-session={s.id}>
            <header>
              <h2>
                <SessionLink id={s.id} project={s.project} title={s.title} />
              </h2>
              <StatusBadge status={s.status} parked={s.parked} />
            </header>
            {s.firstPrompt && s.firstPrompt !== s.title ? (
              <p class="first-prompt">
                <span class="kind">asked</span> {s.firstPrompt}
              </p>
            ) : null}
            <p class="muted">
              {s.project} · {s.agent} · {fmtNum(s.eventCount)} events · started {fmtTime(s.startedAt)}
              {s.endedAt ? ` · ended ${fmtTime(s.endedAt)}` : ''} · last change {fmtTime(s.changedAt)} · <code class="sid">{s.id}</code>
            </p>
            <IdleHint s={s} now={now} />
            <ol class="timeline compact">
              {items.slice(-8).map((i) => (
                <Item key={i.id} item={{ ...i, text: i.truncated ? `${itemText(i)} … (shortened; the session has it whole)` : itemText(i) }} />
              ))}
            </ol>
          </li>
        ))}
      </ul>
      {list.length > shown ? (
        <button type="button" class="more" onClick={() => setShown(shown + PAGE)}>
          Show {Math.min(PAGE, list.length - shown)} more
        </button>
      ) : null}
      <AllSessions live={list.map((e) => e.session)} />
    </section>
  );
}

/** Whether a session matches the table's filters as the API would (words in title, first prompt, project or id). */
function matches(s: SessionItem, f: { words: string[]; project: string; exact: boolean; agent: string }): boolean {
  if (f.project && (f.exact ? s.project !== f.project : !s.project.toLowerCase().includes(f.project.toLowerCase()))) return false;
  if (f.agent && s.agent !== f.agent) return false;
  const hay = `${s.title ?? ''} ${s.firstPrompt ?? ''} ${s.project} ${s.id}`.toLowerCase();
  return f.words.every((w) => hay.includes(w));
}

function AllSessions({ live }: { live: LiveSession[] }) {
  const [q, setQ] = useUrlState('q');
  const [project, setProject] = useUrlState('project');
  const [agent, setAgent] = useUrlState('agent');
  const projects = useLoad(loadProjects, []);
  const exact = Boolean(projects.data?.some((p) => p.name === project.trim()));
  const filters = { words: q.toLowerCase().split(/\s+/).filter(Boolean), project: project.trim(), exact, agent };
  const sessions = usePaged<SessionItem>((cursor) =>
    `/v1/sessions${qs({ q: q.trim() || undefined, project: exact ? project.trim() : undefined, projectMatch: !exact && project.trim() ? project.trim() : undefined, agent: agent || undefined, cursor, limit: 25 })}`,
  );
  // Typing filters as one types (debounced): the list answers the words, no button needed.
  useEffect(() => {
    const t = setTimeout(sessions.reload, 200);
    return () => clearTimeout(t);
  }, [q, project, agent, exact]);
  const agents = [...new Set(['claude-code', ...(projects.data ?? []).flatMap((p) => p.agents)])].sort();

  // Sessions that started after the newest listed one arrive over the live stream: shown on top as they come.
  const newest = sessions.items[0]?.startedAt ?? '';
  const known = new Set(sessions.items.map((s) => `${s.project}/${s.id}`));
  const arrived = live
    .filter((s) => !known.has(`${s.project}/${s.id}`) && (s.startedAt > newest || (sessions.items.length === 0 && !sessions.busy && !sessions.next)) && matches(s, filters))
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  const liveById = new Map(live.map((s) => [`${s.project}/${s.id}`, s]));
  const rows = [...arrived, ...sessions.items.map((s) => liveById.get(`${s.project}/${s.id}`) ?? s)];
  const now = useNow(30_000);

  return (
    <section aria-labelledby="all-h">
      <h2 id="all-h">All sessions</h2>
      <Form role="search" onSubmit={() => sessions.reload()}>
        <label class="grow">
          Find a session <input type="search" value={q} placeholder="words of its first prompt or title, a project, an id" onInput={(e) => setQ(e.currentTarget.value)} />
        </label>
        <ProjectField value={project} onInput={setProject} id="session-projects" />
        <Choice label="Agent" value={agent} options={[['', 'all agents'], ...agents.map((a): [string, string] => [a, a])]} onChange={setAgent} />
      </Form>
      <ErrorNote error={sessions.error} />
      <p class="muted" aria-live="polite" data-testid="sessions-count">
        {sessions.busy && rows.length === 0 ? 'Loading…' : rows.length === 0 ? (filters.words.length || filters.project || agent ? 'No session matches these filters.' : 'No sessions yet.') : `${fmtNum(rows.length)}${sessions.next ? '+' : ''} session${rows.length === 1 ? '' : 's'}`}
      </p>
      <Table label="All sessions" head={['Session', 'Project', 'Agent', 'Status', 'Events', 'Started', 'Ended']}>
        {rows.map((s) => (
          <tr key={`${s.project}/${s.id}`} data-session={s.id}>
            <td class="title-cell">
              <SessionLink id={s.id} project={s.project} title={s.title} />
              {s.title ? <div class="muted small"><code>{s.id}</code></div> : null}
            </td>
            <td>{s.project}</td>
            <td>{s.agent}</td>
            <td>
              <StatusBadge status={s.status} />
              <IdleHint s={s} now={now} />
            </td>
            <td>{fmtNum(s.eventCount)}</td>
            <td>{fmtTime(s.startedAt)}</td>
            <td>{fmtTime(s.endedAt)}</td>
          </tr>
        ))}
      </Table>
      <More list={sessions} />
    </section>
  );
}
