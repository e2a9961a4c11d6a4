/**
 * The client's ingress of one hook event, one pipeline for the Node hook client (hook.ts) and the
 * relay (relay/relay-hook.ts), so the rules of what reaches the disk live in one place:
 * 1. `mapHook`: another agent's native event becomes memflow's (Claude-Code-shaped) event through its
 *    host adapter (cli/hosts/), with what the host's transcript adds, or is not kept at all;
 * 2. `spoolEntriesOf`: the project it belongs to, the git state of the events that open and close a
 *    turn, **redaction before anything is spooled** (nothing with a secret or <private> text touches
 *    the disk; the API redacts again), and the spool entries — the turn's tool calls read from the
 *    host's transcript first (keyed by their call ids), then the event, bound to the API and key it is
 *    for (never delivered with another).
 * What each caller does around it differs: the hook client delivers at once and spools what it cannot;
 * the relay spools first and delivers behind its answer.
 */
import { redactValue } from '../../common/rules/redact.js';
import type { HostHookOptions } from '../hosts/hook-options.js';
import type { HostHookEvent, Payload } from '../hosts/shared.js';
import { extrasOf } from '../hosts/transcripts.js';
import { GIT_EVENTS, gitOfHook, projectOfHook } from './hook-workspace.js';
import { settleLater } from './settle-entry.js';
import { newSpoolEntry, type SpoolEntry, type SpoolSettle, type SpoolTarget } from './spool-entry.js';
import { transcriptEntries } from './transcript-entries.js';

/** A hook event as memflow keeps it, before redaction. */
export interface MappedHook {
  /** memflow's event (route name). */
  event: string;
  body: Payload;
  /** Events read from the host's transcript that go before this one (a turn's tool calls). */
  before: HostHookEvent[];
  /** A key that names the event whatever its delivery (a transcript line's call id). */
  key?: string;
  /** A transcript line the event needs that the host writes a moment later: read at delivery. */
  settle?: SpoolSettle;
}

/** Another agent whose native event is mapped by its adapter (Claude Code's events pass as they are). */
export interface HookHost {
  name: string;
  version?: string;
  adapt: NonNullable<HostHookOptions['adapt']>;
}

/** Step 1: the event as memflow keeps it; undefined when memflow does not keep this native event. */
export function mapHook(nameInRoute: string, payload: Payload, host?: HookHost): MappedHook | undefined {
  if (!host) return { event: nameInRoute, body: payload, before: [] };
  // A line of the host's transcript the event needs that is not there yet is read at delivery
  // (settle-entry.ts): the agent is not kept waiting for it.
  const extras = extrasOf(host.name, nameInRoute, payload);
  const settle = settleLater(host.name, host.version, nameInRoute, payload, extras);
  const mapped = host.adapt(nameInRoute, payload, extras);
  if (!mapped) return undefined;
  return { event: mapped.event, body: mapped.body, before: mapped.before ?? [], ...(mapped.key ? { key: mapped.key } : {}), ...(settle ? { settle } : {}) };
}

export interface Ingress {
  /** The event's own entry (redacted). */
  entry: SpoolEntry;
  /** Everything to spool, in order: the transcript's entries, then `entry`. */
  entries: SpoolEntry[];
  /** Branch and HEAD of the working tree, for the events that open and close a turn. */
  git: ReturnType<typeof gitOfHook>;
  project?: string;
  projectKey?: string;
}

/**
 * Step 2: the spool entries of a mapped event. `project`: the repository's project as the hook named it
 * (X-Memflow-Project with its key), else taken from `projectDir` or the payload's cwd.
 */
export function spoolEntriesOf(hook: MappedHook, where: { target: SpoolTarget; project?: [string, string | undefined]; projectDir?: string }): Ingress {
  const [project, projectKey] = where.project ?? projectOfHook(hook.body, where.projectDir);
  // Branch and HEAD, read from .git (no git process), with the events that open and close a turn.
  const git = GIT_EVENTS.has(hook.event) ? gitOfHook(hook.body, where.projectDir) : undefined;
  // Redacted here, before the spool.
  const redacted = redactValue(hook.body).value;
  if (git) redacted.memflowGit = { branch: git.branch, commit: git.commit, root: git.root, defaultBranch: git.defaultBranch };
  const entry = newSpoolEntry(hook.event, redacted, where.target, project, projectKey, { key: hook.key, settle: hook.settle });
  return { entry, entries: [...transcriptEntries(hook.before, where.target, project, projectKey), entry], git, ...(project ? { project } : {}), ...(projectKey ? { projectKey } : {}) };
}
