/**
 * Who is behind a learning (issue 51), in words, as every edge shows it — the viewer, the CLI and
 * the MCP answers: who stated it, who edited or approved it in review, and who took it out of
 * service (corrected, forgot, marked wrong, rejected). Pure functions over the API's answer shapes;
 * each edge chooses how it prints the parts.
 */
import type { LearningRecord, LearningRevision, SearchHit } from '../messages/api-v1.js';

/** What took a learning out of service, by the reason of the revision that did it. */
const ENDED: Readonly<Record<string, string>> = {
  superseded: 'corrected',
  forgotten: 'forgotten',
  wrong: 'marked wrong',
  rejected: 'rejected',
  'code changed': 'reported stale',
};

export interface AttributionPart {
  /** `stated`, `edited`, `approved` or what ended it (`corrected`, `forgotten`, `marked wrong`, `rejected`, `reported stale`). */
  verb: string;
  /** The person ("Alice <alice@example.com>") or the key ("key ci"). */
  by: string;
  /** When, where the record says (an approval's time). */
  at?: string;
}

type Attributed = Pick<LearningRecord, 'status' | 'editedBy' | 'statedBy' | 'approvedBy' | 'approvedAt'> & { history?: readonly Pick<LearningRevision, 'reason' | 'by'>[] };

/**
 * The parts of a learning's attribution, in the order they happened. An edit in review is also its
 * approval: "edited by" stands for both when the same person did them.
 */
export function attributionOf(l: Attributed): AttributionPart[] {
  const parts: AttributionPart[] = [];
  if (l.statedBy) parts.push({ verb: 'stated', by: l.statedBy });
  if (l.editedBy) parts.push({ verb: 'edited', by: l.editedBy });
  if (l.approvedBy && l.approvedBy !== l.editedBy) parts.push({ verb: 'approved', by: l.approvedBy, ...(l.approvedAt ? { at: l.approvedAt } : {}) });
  else if (l.approvedBy && l.approvedAt && parts.at(-1)?.verb === 'edited') parts.at(-1)!.at = l.approvedAt;
  const last = l.history?.at(-1);
  if ((l.status === 'superseded' || l.status === 'rejected') && last?.by) parts.push({ verb: ENDED[last.reason] ?? last.reason, by: last.by });
  return parts;
}

/** `edited by …` or else `approved by …`: the short form, for a search hit or an index line. */
export function hitAttribution(h: { editedBy?: SearchHit['editedBy'] | null; approvedBy?: SearchHit['approvedBy'] | null }): string | undefined {
  if (h.editedBy) return `edited by ${h.editedBy}`;
  if (h.approvedBy) return `approved by ${h.approvedBy}`;
  return undefined;
}

/** The parts as one phrase: "stated by Alice; approved by Rita <rita@example.com> 2026-11-27 16:40". */
export function attributionText(parts: readonly AttributionPart[], when: (iso: string) => string = (iso) => iso.slice(0, 16).replace('T', ' ')): string {
  return parts.map((p) => `${p.verb} by ${p.by}${p.at ? ` ${when(p.at)}` : ''}`).join('; ');
}
