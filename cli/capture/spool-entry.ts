/**
 * What the hook client's spool (spool.ts) keeps on disk: one file per event, so concurrent hook
 * processes (Claude Code runs hooks in parallel) never share a file:
 * - `<ms:15>-<seq:4>-<pid>-<rand>.json`             a waiting event; names sort oldest first.
 *   Written as `.tmp-*` (0600, fsynced) and renamed into place, so a reader never sees half a file
 *   (spool-write.ts).
 * - `<that name>.claim-<ms>-<pid>-<rand>`             claimed for delivery by one process. Claiming
 *   is a rename, which exactly one of several racing processes wins. Delivered or dropped: the file
 *   is removed. Not delivered: renamed back. A claim older than `staleClaimMs` belonged to a process
 *   that died mid-delivery; it is renamed back and delivered again, and the saved Idempotency-Key
 *   makes the API store it once even if the first attempt had reached it.
 * - `<that name>.corrupt`                             unreadable; kept aside for inspection.
 * The directory is created 0700 and files 0600: hook payloads hold prompts and tool output.
 */
import crypto from 'node:crypto';
import { isEventRouteName } from '../../messages/hooks-v1.js';

/**
 * Where an entry may be delivered: the API it was meant for and the identity of the key it was sent
 * with (a truncated SHA-256, never the key). `key` is null when no key was set when it was spooled.
 */
export interface SpoolTarget {
  url: string;
  key: string | null;
}

export interface SpoolEntry {
  v: 1;
  /** The hook event's route name (a future event's too). */
  event: string;
  /** The hook payload exactly as read from stdin. */
  body: Record<string, unknown>;
  /** Sent as Idempotency-Key on every delivery attempt, so the API stores the event once. */
  idempotencyKey: string;
  /** X-Memflow-Project, when the invocation named one or resolved it from the working tree. */
  project?: string;
  /** X-Memflow-Project-Key: which repository the project is (see common/workspace/repository-key.ts). */
  projectKey?: string;
  /** When the hook fired (ISO 8601). */
  createdAt: string;
  /** When the event happened, when before its hook: a tool call read from the host's transcript at the end of its turn. */
  occurredAt?: string;
  /** Absent in entries written before targets were recorded: only an explicit `spool flush` delivers those. */
  target?: SpoolTarget;
  /** Read from the host's transcript at delivery: see SpoolSettle. */
  settle?: SpoolSettle;
}

/**
 * A host's event whose hook ran before the host wrote the transcript line it needs (Copilot CLI
 * writes its final message about 100 ms after it runs agentStop): the hook is answered at once, and
 * delivery reads the transcript again, until `until` at the latest, and maps the event anew from its
 * (redacted) native payload (settle-entry.ts). Later events of the session are delivered after it.
 */
export interface SpoolSettle {
  host: string;
  nativeEvent: string;
  hostVersion?: string;
  payload: Record<string, unknown>;
  /** ISO 8601: how long delivery waits for the transcript line. */
  until: string;
}

/** A waiting entry's file name; the group is its time in ms. */
export const READY_NAME = /^(\d{15})-\d{4}-\d+-[0-9a-f]{8}\.json$/;
/** A claimed entry's file name; the groups are the waiting name and when it was claimed. */
export const CLAIM_NAME = /^(\d{15}-\d{4}-\d+-[0-9a-f]{8}\.json)\.claim-(\d+)-\d+-[0-9a-f]{8}$/;
/** A file being written (or left by a writer that died). */
export const TMP_NAME = /^\.tmp-/;

let sequence = 0;

/** A new waiting entry's file name. */
export function newEntryName(): string {
  const seq = String(sequence++ % 10_000).padStart(4, '0');
  return `${String(Date.now()).padStart(15, '0')}-${seq}-${process.pid}-${crypto.randomBytes(4).toString('hex')}.json`;
}

/** The path a waiting entry is claimed under by this process, now. */
export function claimPath(readyPath: string): string {
  return `${readyPath}.claim-${Date.now()}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
}

/**
 * `read`: an event a later hook may read again from the host's transcript — its stable key (else a
 * fresh UUID) and when it happened; or one whose transcript line delivery is to read (`settle`).
 */
export function newSpoolEntry(
  event: string,
  body: Record<string, unknown>,
  target: SpoolTarget,
  project?: string,
  projectKey?: string,
  read: { key?: string | undefined; occurredAt?: string | undefined; settle?: SpoolSettle | undefined } = {},
): SpoolEntry {
  return {
    v: 1,
    event,
    body,
    idempotencyKey: read.key ?? crypto.randomUUID(),
    ...(project ? { project } : {}),
    ...(project && projectKey ? { projectKey } : {}),
    createdAt: new Date().toISOString(),
    ...(read.occurredAt ? { occurredAt: read.occurredAt } : {}),
    target,
    ...(read.settle ? { settle: read.settle } : {}),
  };
}

function isSettle(s: unknown): s is SpoolSettle {
  const x = s as Partial<SpoolSettle> | null;
  return (
    !!x &&
    typeof x.host === 'string' &&
    typeof x.nativeEvent === 'string' &&
    typeof x.until === 'string' &&
    (x.hostVersion === undefined || typeof x.hostVersion === 'string') &&
    !!x.payload &&
    typeof x.payload === 'object' &&
    !Array.isArray(x.payload)
  );
}

export function parseEntry(text: string): SpoolEntry {
  const e = JSON.parse(text) as Partial<SpoolEntry>;
  if (
    e?.v !== 1 ||
    typeof e.event !== 'string' ||
    !isEventRouteName(e.event) ||
    (e.target !== undefined && (typeof e.target?.url !== 'string' || (e.target.key !== null && typeof e.target.key !== 'string'))) ||
    !e.body ||
    typeof e.body !== 'object' ||
    Array.isArray(e.body) ||
    typeof e.idempotencyKey !== 'string' ||
    typeof e.createdAt !== 'string' ||
    (e.occurredAt !== undefined && typeof e.occurredAt !== 'string') ||
    (e.settle !== undefined && !isSettle(e.settle))
  ) {
    throw new Error('not a spool entry');
  }
  return e as SpoolEntry;
}
