/**
 * An entry spooled before its host's transcript had the line it needs (SpoolSettle): its event
 * mapped anew from the native payload once the line is there, just before delivery.
 */
import { redactValue } from '../../common/rules/redact.js';
import { hostHookOptions, settledExtras } from '../hosts/hook-options.js';
import type { SpoolEntry } from './spool-entry.js';

/**
 * The entry as it is to be delivered: with `settle`, the transcript is read (again every 50 ms, until
 * `settle.until`; once when that has passed, as for an entry delivered from the spool later) and the
 * event's fields mapped from it are laid over the spooled body, redacted. Without the line, the
 * entry goes as spooled.
 */
export async function settledEntry(entry: SpoolEntry): Promise<SpoolEntry> {
  const s = entry.settle;
  if (!s) return entry;
  const extras = await settledExtras(s.host, s.nativeEvent, s.payload, Math.max(0, Date.parse(s.until) - Date.now()));
  if (Object.keys(extras).length === 0) return entry;
  const mapped = hostHookOptions(s.host, s.hostVersion).adapt?.(s.nativeEvent, s.payload, extras);
  if (!mapped || mapped.event !== entry.event) return entry;
  return { ...entry, body: { ...entry.body, ...redactValue(mapped.body).value } };
}
