/**
 * The client's ingress of one hook event, one pipeline for the Node hook client (hook.ts) and the
 * relay (relay/relay-server.ts), so the rules of what reaches the disk live in one place:
 * 1. `mapHook`: another agent's native event becomes memflow's (Claude-Code-shaped) event through its
 *    host adapter (cli/hosts/), with what the host's transcript adds, or is not kept at all;
 * 2. `spoolEntriesOf`: the project it belongs to, the git state of the events that open and close a
 *    turn, **redaction before anything is spooled** (nothing with a secret or <private> text touches
 *    the disk; the API redacts again), and the spool entries — the turn's tool calls read from the
 *    host's transcript first (keyed by their call ids), then the event, bound to the API and key it is
 *    for (never delivered with another).
 * What each caller does around it differs: the hook client delivers at once and spools what it cannot;
 * the relay spools first and delivers behind its answer. Below them: where the event comes from (its
 * project and git state), the transcript's entries, and an entry settled from its host's transcript
 * just before delivery.
 */
import { redactValue } from '../../common/rules/redact.js';
import { type HostHookOptions, hostHookOptions, settledExtras } from '../hosts/hook-options.js';
import type { HostHookEvent, Payload, HostExtras } from '../hosts/shared.js';
import { extrasOf, lacksExpected } from '../hosts/transcripts.js';
import { newSpoolEntry, type SpoolEntry, type SpoolSettle, type SpoolTarget } from './spool.js';
import { resolveProject } from '../../common/workspace/project-naming.js';
import { projectKeyOf } from '../../common/workspace/repository-key.js';
import { gitHead, type GitHead } from '../../common/workspace/git-head.js';
import { parseClientConfig } from '../../common/workspace/client-config.js';

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
  // (settledEntry, below): the agent is not kept waiting for it.
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

/**
 * Where a hook event comes from, read on the developer's machine: the project (name and repository
 * key) and, for the events that open and close a turn, the branch and HEAD (from .git, no git process).
 */
/**
 * The project, resolved here where the working tree is: MEMFLOW_PROJECT when set; else the
 * repository of $CLAUDE_PROJECT_DIR (where Claude Code was started, so a session that `cd`s stays one
 * project), else of the hook's cwd, named after its main worktree's folder and keyed by its remote so
 * that unrelated repositories with the same folder name stay apart.
 */
export function projectOfHook(body: Record<string, unknown>, projectDir?: string): [string?, string?] {
  const config = parseClientConfig();
  if (config.MEMFLOW_PROJECT) return [config.MEMFLOW_PROJECT];
  const root = projectDir ?? config.CLAUDE_PROJECT_DIR ?? (typeof body.cwd === 'string' && body.cwd ? body.cwd : undefined);
  if (!root) return [];
  return [resolveProject(root), recentProjectKey(root)];
}

/** How long the relay reuses a working tree's project key (its remote changes rarely). */
const PROJECT_KEY_TTL_MS = 5_000;
const projectKeys = new Map<string, { key: string | undefined; at: number }>();

/**
 * projectKeyOf, read again at most every few seconds per working tree: the relay answers every hook
 * of every session, and reading the repository's files (a walk up to `.git`, its config, a
 * realpath) took 0.4 ms of each answer in a profile of the relay under load.
 */
function recentProjectKey(root: string): string | undefined {
  const now = Date.now();
  const hit = projectKeys.get(root);
  if (hit && now - hit.at < PROJECT_KEY_TTL_MS) return hit.key;
  const key = projectKeyOf(root);
  projectKeys.set(root, { key, at: now });
  if (projectKeys.size > 1000) projectKeys.delete(projectKeys.keys().next().value!);
  return key;
}

/** Events that carry the repository's branch and HEAD (memflowGit). */
export const GIT_EVENTS = new Set(['session-start', 'stop', 'session-end']);

export function gitOfHook(body: Record<string, unknown>, projectDir?: string): GitHead | undefined {
  const config = parseClientConfig();
  if (!config.MEMFLOW_GIT) return undefined;
  const dir = projectDir ?? config.CLAUDE_PROJECT_DIR ?? (typeof body.cwd === 'string' && body.cwd ? body.cwd : undefined);
  try {
    return dir ? gitHead(dir) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The spool entries of the events a host adapter read from the host's own transcript (a Gemini
 * turn's tool calls), which go ahead of the hook's own event: redacted before they touch the disk,
 * keyed by the host's call ids (read twice, stored once), each as of when it happened.
 */
export function transcriptEntries(before: HostHookEvent[], target: SpoolTarget, project?: string, projectKey?: string): SpoolEntry[] {
  return before.map((b) => newSpoolEntry(b.event, redactValue(b.body).value, target, project, projectKey, { key: b.key, occurredAt: b.occurredAt }));
}

/**
 * An entry spooled before its host's transcript had the line it needs (SpoolSettle): its event
 * mapped anew from the native payload once the line is there, just before delivery.
 */
/** How long delivery waits for the line of the host's transcript an event needs; the hook itself is answered at once. */
export const TRANSCRIPT_WAIT_MS = 1000;

/**
 * What delivery is to read later for a host's native event whose transcript line is not there yet
 * (Copilot's final message at agentStop), given what the transcript held when the hook ran
 * (`extras`, from extrasOf); undefined when the line is there or the event needs none.
 */
export function settleLater(host: string, hostVersion: string | undefined, nativeEvent: string, payload: Payload, extras: HostExtras): SpoolSettle | undefined {
  if (!lacksExpected(host, nativeEvent, payload, extras)) return undefined;
  return { host, nativeEvent, ...(hostVersion ? { hostVersion } : {}), payload: redactValue(payload).value, until: new Date(Date.now() + TRANSCRIPT_WAIT_MS).toISOString() };
}

/**
 * The entry as it is to be delivered: with `settle`, the transcript is read (again every 50 ms, until
 * `settle.until` or for `maxWaitMs`; once when that has passed, as for an entry delivered from the
 * spool later) and the event's fields mapped from it are laid over the spooled body, redacted; `before`:
 * the events the transcript then holds that go ahead of it (a Copilot turn's tool calls, whose last
 * lines the host may also write after its agentStop ran), keyed by their call ids, so those already
 * spooled at the hook are stored once. Without the line, the entry goes as spooled.
 */
export async function settledEntry(entry: SpoolEntry, maxWaitMs = Number.POSITIVE_INFINITY): Promise<{ entry: SpoolEntry; before: SpoolEntry[] }> {
  const s = entry.settle;
  if (!s) return { entry, before: [] };
  const extras = await settledExtras(s.host, s.nativeEvent, s.payload, Math.max(0, Math.min(maxWaitMs, Date.parse(s.until) - Date.now())));
  if (lacksExpected(s.host, s.nativeEvent, s.payload, extras)) return { entry, before: [] };
  const mapped = hostHookOptions(s.host, s.hostVersion).adapt?.(s.nativeEvent, s.payload, extras);
  if (!mapped || mapped.event !== entry.event) return { entry, before: [] };
  const target = entry.target ?? { url: '', key: null };
  return { entry: { ...entry, body: { ...entry.body, ...redactValue(mapped.body).value } }, before: transcriptEntries(mapped.before ?? [], target, entry.project, entry.projectKey) };
}
