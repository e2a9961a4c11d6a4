/**
 * Live: the tenant's sessions as they run, from GET /v1/live (server-sent events), newest activity
 * first, each with its latest items; below, every session, page by page (GET /v1/sessions).
 */
import { useEffect, useState } from 'preact/hooks';
import { call, qs, signedOut, type LiveItem, type LiveSession, type SessionItem } from '../api.js';
import { usePaged } from '../hooks.js';
import { ErrorNote, fmtNum, fmtTime, Item, itemText, markOnce, More, SessionLink, StatusBadge, Table, Form, Field } from '../ui.js';

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
                <SessionLink id={s.id} project={s.project} />
              </h2>
              <StatusBadge status={s.status} parked={s.parked} />
            </header>
            <p class="muted">
              {s.project} · {fmtNum(s.eventCount)} events · started {fmtTime(s.startedAt)}
              {s.endedAt ? ` · ended ${fmtTime(s.endedAt)}` : ''} · last change {fmtTime(s.changedAt)}
            </p>
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
      <AllSessions />
    </section>
  );
}

function AllSessions() {
  const [project, setProject] = useState('');
  const sessions = usePaged<SessionItem>((cursor) => `/v1/sessions${qs({ project, cursor, limit: 25 })}`);
  useEffect(sessions.reload, []);

  return (
    <section aria-labelledby="all-h">
      <h2 id="all-h">All sessions</h2>
      <Form onSubmit={() => sessions.reload()}>
        <Field label="Project" value={project} onInput={setProject} placeholder="all projects" />
        <button type="submit">Filter</button>
      </Form>
      <ErrorNote error={sessions.error} />
      <Table label="All sessions" head={['Session', 'Project', 'Status', 'Events', 'Started', 'Ended']}>
          {sessions.items.map((s) => (
            <tr key={`${s.project}/${s.id}`}>
              <td>
                <SessionLink id={s.id} project={s.project} />
              </td>
              <td>{s.project}</td>
              <td>
                <StatusBadge status={s.status} />
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
