/**
 * An entry spooled before its host's transcript had the line it needs (SpoolSettle): its event
 * mapped anew from the native payload once the line is there, just before delivery.
 */
import { redactValue } from '../../common/rules/redact.js';
import { hostHookOptions, settledExtras } from '../hosts/hook-options.js';
import type { HostExtras, Payload } from '../hosts/shared.js';
import { expectsExtras } from '../hosts/transcripts.js';
import type { SpoolEntry, SpoolSettle } from './spool-entry.js';

/** How long delivery waits for the line of the host's transcript an event needs; the hook itself is answered at once. */
export const TRANSCRIPT_WAIT_MS = 1000;

/**
 * What delivery is to read later for a host's native event whose transcript line is not there yet
 * (Copilot's final message at agentStop), given what the transcript held when the hook ran
 * (`extras`, from extrasOf); undefined when the line is there or the event needs none.
 */
export function settleLater(host: string, hostVersion: string | undefined, nativeEvent: string, payload: Payload, extras: HostExtras): SpoolSettle | undefined {
  if (!expectsExtras(host, nativeEvent, payload) || Object.keys(extras).length > 0) return undefined;
  return { host, nativeEvent, ...(hostVersion ? { hostVersion } : {}), payload: redactValue(payload).value, until: new Date(Date.now() + TRANSCRIPT_WAIT_MS).toISOString() };
}

/**
 * The entry as it is to be delivered: with `settle`, the transcript is read (again every 50 ms, until
 * `settle.until` or for `maxWaitMs`; once when that has passed, as for an entry delivered from the
 * spool later) and the event's fields mapped from it are laid over the spooled body, redacted.
 * Without the line, the entry goes as spooled.
 */
export async function settledEntry(entry: SpoolEntry, maxWaitMs = Number.POSITIVE_INFINITY): Promise<SpoolEntry> {
  const s = entry.settle;
  if (!s) return entry;
  const extras = await settledExtras(s.host, s.nativeEvent, s.payload, Math.max(0, Math.min(maxWaitMs, Date.parse(s.until) - Date.now())));
  if (Object.keys(extras).length === 0) return entry;
  const mapped = hostHookOptions(s.host, s.hostVersion).adapt?.(s.nativeEvent, s.payload, extras);
  if (!mapped || mapped.event !== entry.event) return entry;
  return { ...entry, body: { ...entry.body, ...redactValue(mapped.body).value } };
}
