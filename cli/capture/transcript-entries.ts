/**
 * The spool entries of the events a host adapter read from the host's own transcript (a Gemini
 * turn's tool calls), which go ahead of the hook's own event: redacted before they touch the disk,
 * keyed by the host's call ids (read twice, stored once), each as of when it happened.
 */
import { redactValue } from '../../common/rules/redact.js';
import type { HostHookEvent } from '../hosts/shared.js';
import { newSpoolEntry, type SpoolEntry, type SpoolTarget } from './spool-entry.js';

export function transcriptEntries(before: HostHookEvent[], target: SpoolTarget, project?: string, projectKey?: string): SpoolEntry[] {
  return before.map((b) => newSpoolEntry(b.event, redactValue(b.body).value, target, project, projectKey, { key: b.key, occurredAt: b.occurredAt }));
}
