/** A session as the lists and pages show it: its status badge, a link to it, and why it is still active. */
import { enc, type ParkedView, type SessionItem } from '../api.js';
import { fmtTime } from './view-format.js';

export function StatusBadge({ status, parked }: { status: string; parked?: ParkedView | null }) {
  const shown = parked ? 'parked' : status;
  const why = parked ? (parked.reason === 'budget' ? 'daily token budget spent' : 'LLM credentials refused') : '';
  return (
    <span class={`badge status-${shown}`} title={why || undefined}>
      {shown}
      {parked ? ` (${parked.reason}: ${why}${parked.until ? `, until ${fmtTime(new Date(parked.until).toISOString())}` : ''})` : ''}
    </span>
  );
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
