/**
 * The capture ledger in words, for `memflow sessions show` and the viewer's session page (both show
 * the same lines). No zod here: the viewer's bundle imports it.
 */
import type { CaptureLedger } from './capture-ledger-v1.js';

const reasons = (r: Record<string, number>) =>
  Object.entries(r)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');

/** A one-line verdict and the counts behind it. */
export function describeLedger(c: CaptureLedger): { headline: string; lines: string[] } {
  const headline =
    c.status === 'reconciled'
      ? 'reconciled: every event accounted for, 0 unexplained'
      : c.status === 'pending'
        ? `pending: ${c.client?.pending ?? 0} event(s) still on their way${c.unexplained ? `, ${c.unexplained} unexplained` : ''}`
        : c.status === 'unreconciled'
          ? `UNRECONCILED: ${c.unexplained} event(s) unexplained (${c.missingOnServer} delivered but not stored, ${c.unclaimedOnServer} stored but not accounted for by the client, ${c.client?.lost ?? 0} lost by the client)`
          : 'no hook client reported (events sent straight to the API, e.g. an http hook)';
  const lines: string[] = [];
  const k = c.client;
  if (k) {
    lines.push(`client   ${k.seen} taken: ${k.delivered} delivered (${k.late} late, ${k.duplicates} repeat answer(s)), ${Object.keys(k.refused).length ? `refused ${reasons(k.refused)}` : '0 refused'}, ${Object.keys(k.dropped).length ? `dropped ${reasons(k.dropped)}` : '0 dropped'}, ${k.pending} pending${Object.keys(k.held).length ? ` (${reasons(k.held)})` : ''}${k.lost ? `, ${k.lost} LOST` : ''}`);
  }
  const d = c.server.duplicates;
  lines.push(`server   ${c.server.accepted} stored (${c.server.fromClients} from ledger-keeping clients); duplicates answered: ${d.idempotencyKey} by Idempotency-Key, ${d.toolUseId} by tool_use_id, ${d.body} by body`);
  return { headline, lines };
}
