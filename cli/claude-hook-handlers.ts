/**
 * The hook handlers memflow writes into Claude Code's settings (install.ts merges them), and how
 * memflow recognises its own. What is written is the same on every machine: commands on PATH
 * (`memflow-hook`), the relay's local address, never an absolute path of node or of a checkout. The
 * hooks hand every event to the local relay (cli/relay/), which makes it durable before it
 * answers and delivers it behind the agent's back; they are all synchronous, so nothing is left
 * running for Claude Code to cancel at exit. SessionStart runs `memflow-hook session-start` (bash; it
 * answers with the context, and starts the relay when it is down — Claude Code runs no http
 * SessionStart hooks); every other event is an http hook that Claude Code posts to the relay itself,
 * so no process is started per event at all (measured in the real client: a bash process per event
 * cost ~20 ms of the agent's time, an http hook to the relay a few). `--command-hooks` runs
 * `memflow-hook` for every event (still no Node; it falls back to the Node client when the relay is
 * down). `--http` posts straight to the API with http hooks (no relay, no spool: an event is lost
 * when the API does not answer). PreToolUse only on the tools that change a file, answered by the relay with
 * what is known about the file and never kept (PostToolUse and PostToolUseFailure carry the call); a Read's
 * push goes with its PostToolUse.
 *
 * memflow's own handlers are recognised by what they run (`memflow-hook <event>`, `... memflow[.js]
 * hook <event>`) or where they post (`.../v1/hooks/<event>`), so that install replaces them in place.
 */
import { apiPaths } from '../clients/api-paths.js';
import { apiBaseUrl } from './env.js';
import { HOOK_EVENTS, type HookEventName } from '../messages/hooks-v1.js';
import { resolveProject } from '../common/workspace/project-naming.js';
import { projectIdentityOf } from '../common/workspace/repository-key.js';
import { defaultRelayPort } from './relay/relay-port.js';

export type HookHandler = Record<string, unknown>;

/** Seconds Claude Code waits for one of our hooks; the client itself gives up after ~2 s. */
const HOOK_TIMEOUT_S = 10;
/**
 * The hooks memflow installs, and for tool events the tools they match (`*`: every tool). PreToolUse
 * only on the tools that change a file, and only through the relay (not with --http): it is answered with
 * what was decided or learned about the file the agent is about to change (cli/relay/file-answer.ts), never
 * kept. A Read has no PreToolUse: its push goes with its PostToolUse (installed for every tool anyway, for
 * capture), which Claude Code hands to the model right after the file's content — one hook per Read instead
 * of two (measured in bench:agent --tool read: Claude Code waited ~7 ms at the median on each PreToolUse).
 */
export const INSTALLED: Record<Exclude<HookEventName, 'notification' | 'other'>, { tools: false | string; relayOnly?: true }> = {
  'session-start': { tools: false },
  'pre-tool-use': { tools: 'Edit|Write|MultiEdit|NotebookEdit', relayOnly: true },
  'user-prompt-submit': { tools: false },
  'post-tool-use': { tools: '*' },
  'post-tool-use-failure': { tools: '*' },
  stop: { tools: false },
  'subagent-stop': { tools: false },
  'stop-failure': { tools: false },
  'pre-compact': { tools: false },
  'post-compact': { tools: false },
  'session-end': { tools: false },
};
const EVENT_ALTERNATION = HOOK_EVENTS.join('|');
const OUR_COMMAND = new RegExp(`(?:^|[\\s/'"])memflow(?:(?:\\.js)?['"]?\\s+hook\\s+|-hook['"]?\\s+)['"]?(?:${EVENT_ALTERNATION})\\b`);
const OUR_URL = new RegExp(`/(?:v1/hooks|hook)/(?:${EVENT_ALTERNATION})(?:[?#].*)?$`);

export function isMemflowHandler(h: unknown): boolean {
  if (!h || typeof h !== 'object') return false;
  const o = h as Record<string, unknown>;
  if (o.type === 'command' && typeof o.command === 'string') return OUR_COMMAND.test(o.command);
  if (o.type === 'http' && typeof o.url === 'string') return OUR_URL.test(o.url);
  return false;
}

/** Quotes a word for the POSIX shell Claude Code runs command hooks with, only when needed. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Which project an http hook's events belong to, as the command client would name it (see below). */
export interface ProjectHeaders {
  name: string;
  key?: string;
}

/**
 * The project identity an http hook sends. An http hook has no client on the agent's machine: Claude
 * Code posts the payload itself, and its header values can only interpolate environment variables of
 * Claude Code's own process that are listed in `allowedEnvVars`. $CLAUDE_PROJECT_DIR is set for
 * command hooks' processes, not (reliably) in Claude Code's own environment, and nothing there names
 * the repository's remote. So a project install resolves the identity once, here, where the working
 * tree is (the same name and key as the command client: common/workspace/project-naming.ts, common/workspace/repository-key.ts)
 * and writes it as literal headers: the folder name and a hash, the same on every clone of the
 * remote, never a path. A --global install serves every project, so it writes none; the API then
 * names the project from the payload's cwd (its git root's folder name, resolved on the API host).
 */
export function projectHeadersOf(dir: string, opts: { shared?: boolean } = {}): ProjectHeaders {
  const identity = projectIdentityOf(dir);
  // A repository without a remote is keyed by its path on this machine: in the committed file that
  // key would be wrong on every other machine, so the name goes alone.
  const key = identity && (identity.fromRemote || !opts.shared) ? identity.key : undefined;
  return { name: resolveProject(dir), ...(key ? { key } : {}) };
}

/** How the hooks reach memflow: see the module comment. */
export type HookMode = 'relay' | 'command' | 'http';

export interface HandlerOptions {
  mode: HookMode;
  url?: string;
  project?: ProjectHeaders;
  /** The local relay's port (relay mode). */
  relayPort?: number;
}

const projectHeaderValues = (project?: ProjectHeaders) =>
  project ? { 'X-Memflow-Project': project.name, ...(project.key ? { 'X-Memflow-Project-Key': project.key } : {}) } : {};

export function memflowHandler(event: keyof typeof INSTALLED, opts: HandlerOptions): HookHandler | undefined {
  if (opts.mode === 'http' && INSTALLED[event].relayOnly) return undefined;
  if (opts.mode === 'http' && event !== 'session-start') {
    const base = apiBaseUrl(opts.url);
    return {
      type: 'http',
      url: `${base}${apiPaths.hook(event)}`,
      headers: { Authorization: 'Bearer $MEMFLOW_API_KEY', ...projectHeaderValues(opts.project) },
      allowedEnvVars: ['MEMFLOW_API_KEY'],
      timeout: HOOK_TIMEOUT_S,
    };
  }
  if (opts.mode === 'relay' && event !== 'session-start') {
    // Claude Code posts the event to the relay itself: no process at all. The key and the API URL
    // come from Claude Code's environment (allowedEnvVars), a --url is written as it is.
    return {
      type: 'http',
      url: `http://127.0.0.1:${opts.relayPort ?? defaultRelayPort()}/hook/${event}`,
      headers: {
        Authorization: 'Bearer $MEMFLOW_API_KEY',
        'X-Memflow-Url': opts.url ? opts.url.replace(/\/+$/, '') : '$MEMFLOW_URL',
        ...projectHeaderValues(opts.project),
      },
      allowedEnvVars: opts.url ? ['MEMFLOW_API_KEY'] : ['MEMFLOW_API_KEY', 'MEMFLOW_URL'],
      timeout: HOOK_TIMEOUT_S,
    };
  }
  // SessionStart (Claude Code runs no http SessionStart hooks; it also makes sure the relay runs),
  // and every event with --command-hooks: the bash fast path, synchronous, so that nothing is left
  // running for Claude Code to cancel at exit.
  const words = ['memflow-hook', event, ...(opts.url ? ['--url', opts.url.replace(/\/+$/, '')] : [])];
  return { type: 'command', command: words.map(shellWord).join(' '), timeout: HOOK_TIMEOUT_S };
}
