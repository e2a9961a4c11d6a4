/**
 * Start contexts the relay holds ready, so that SessionStart answers in milliseconds instead of
 * waiting for the API to store the event and assemble the project's memory while the agent waits.
 *
 * After a session's turn ends or the session ends (its Stop or SessionEnd delivered), the relay asks
 * the API for the project's start context (GET /v1/context, with the branch the session was on), and
 * again a little later, when the worker has summarized the session. A SessionStart of that project
 * and branch is answered from it while it is current:
 * - nothing of the project was delivered since it was fetched (every delivered event makes it stale:
 *   a generation per project, taken before the request and compared after it), and
 * - it is at most `maxAgeMs` old (memory written by others — teammates, the agent's MCP tools —
 *   reaches a start at most that late; `memflow context` and the MCP tools always ask the API).
 * Otherwise SessionStart asks the API itself, as before (start-answer.ts).
 */
import { keyFingerprint } from '../capture/deliver.js';
import { apiPaths } from '../../clients/api-paths.js';
import type { HttpClient } from '../node-http.js';
import { relayStartTokens, sessionStartOutput } from '../../messages/hooks-v1.js';
import type { SpoolEntry } from '../capture/spool.js';
import { copilotInstalledIn, writeCopilotInstructions } from '../hosts/copilot-instructions.js';

/** Which project's context: the API and key it is read with, the project and the branch. */
export interface ContextScope {
  url: string;
  key: string;
  project: string;
  projectKey?: string | undefined;
  branch?: string | null | undefined;
  defaultBranch?: string | null | undefined;
  /** The start context's token budget the relay asks for this host's sessions (relayStartTokens); undefined: the API's default. */
  tokens?: number | undefined;
  /**
   * The working tree of a Copilot CLI session, or of any session where Copilot is set up: Copilot takes its context from a file there, rewritten
   * with every fetch (cli/hosts/copilot-instructions.ts). Known only when the relay read the tree
   * for its own user (workspace-access.ts).
   */
  copilotRoot?: string | undefined;
}

/** The project scope of a spooled event (its API, key and project; the branch from its git state). */
export function scopeOfEntry(entry: SpoolEntry, key: string): ContextScope | undefined {
  if (!entry.project || !entry.target) return undefined;
  const git = entry.body.memflowGit as { branch?: string | null; defaultBranch?: string | null; root?: string | null } | undefined;
  // Copilot's instructions file is rewritten after a Copilot session, and after any other agent's in a
  // repository where Copilot is set up (its first session there then starts with that memory).
  const root = typeof git?.root === 'string' ? git.root : undefined;
  const copilot = root && ((entry.body.memflowAgent as { host?: unknown } | undefined)?.host === 'copilot' || copilotInstalledIn(root)) ? root : undefined;
  const tokens = relayStartTokens(entry.body);
  return { url: entry.target.url, key, project: entry.project, projectKey: entry.projectKey, branch: git?.branch, defaultBranch: git?.defaultBranch, ...(tokens ? { tokens } : {}), ...(copilot ? { copilotRoot: copilot } : {}) };
}

interface Held {
  /** The hook output the API's SessionStart would answer, memflowCheck included. */
  body: string;
  at: number;
  generation: number;
}

/** When to fetch after a session's Stop or SessionEnd was delivered: at once, and once it is summarized. */
export const PREFETCH_DELAYS_MS = [200, 5_000, 30_000];
const REQUEST_TIMEOUT_MS = 5_000;
const MAX_HELD = 200;

const projectOf = (s: ContextScope) => `${s.url}\0${keyFingerprint(s.key)}\0${s.project}\0${s.projectKey ?? ''}`;
const scopeOf = (s: ContextScope) => `${projectOf(s)}\0${s.branch ?? ''}\0${s.defaultBranch ?? ''}\0${s.tokens ?? ''}\0${s.copilotRoot ?? ''}`;

export class StartContexts {
  private readonly held = new Map<string, Held>();
  private readonly generations = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout[]>();
  private closed = false;
  /** Answers served from here, and fetches made (health). */
  served = 0;
  fetched = 0;
  /** Copilot instruction files rewritten. */
  copilotWrites = 0;

  constructor(
    private readonly client: HttpClient,
    private readonly maxAgeMs: number,
    private readonly log: (line: string) => void,
  ) {}

  /** An event of the project was delivered: what is held for it is stale. */
  changed(scope: ContextScope): void {
    const p = projectOf(scope);
    this.generations.set(p, (this.generations.get(p) ?? 0) + 1);
  }

  /** The held answer for this scope, if it is current. */
  take(scope: ContextScope): string | undefined {
    if (this.maxAgeMs <= 0) return undefined;
    const h = this.held.get(scopeOf(scope));
    if (!h || h.generation !== (this.generations.get(projectOf(scope)) ?? 0) || Date.now() - h.at > this.maxAgeMs) return undefined;
    this.served++;
    return h.body;
  }

  /** Fetches the scope's context now and at the later delays (replacing fetches already planned). */
  plan(scope: ContextScope): void {
    if (this.closed || this.maxAgeMs <= 0) return;
    const id = scopeOf(scope);
    for (const t of this.timers.get(id) ?? []) clearTimeout(t);
    this.timers.set(
      id,
      PREFETCH_DELAYS_MS.map((ms, i) => {
        const t = setTimeout(() => {
          if (i === PREFETCH_DELAYS_MS.length - 1) this.timers.delete(id);
          void this.fetch(scope);
        }, ms);
        t.unref();
        return t;
      }),
    );
  }

  /**
   * The scope's start context read now, not held (a SessionStart that may not be delivered ahead of
   * its session's earlier events asks for its context this way); undefined when the API did not give it.
   */
  async now(scope: ContextScope, timeoutMs: number): Promise<string | undefined> {
    return this.closed ? undefined : (await this.readContext(scope, timeoutMs))?.body;
  }

  /** GET /v1/context for the scope: the context text, and as SessionStart's hook output. */
  private async readContext(scope: ContextScope, timeoutMs: number): Promise<{ context: string; body: string } | undefined> {
    // Held for a SessionStart, not handed to an agent yet: no receipt (the SessionStart's own, written
    // when the API stores that event, is the injection's).
    const path = apiPaths.context({ project: scope.project, channel: 'prefetch', branch: scope.branch, defaultBranch: scope.defaultBranch, tokens: scope.tokens });
    const headers: Record<string, string> = { authorization: `Bearer ${scope.key}`, 'user-agent': 'memflow-relay', 'x-memflow-project': scope.project };
    if (scope.projectKey) headers['x-memflow-project-key'] = scope.projectKey;
    const outcome = await this.client.request({ method: 'GET', url: `${scope.url}${path}`, headers, timeoutMs });
    if (outcome.kind !== 'response' || outcome.status !== 200) {
      this.log(`start context of ${scope.project} not fetched (${outcome.kind === 'response' ? `HTTP ${outcome.status}` : outcome.code})`);
      return undefined;
    }
    let answer: { context?: unknown; check?: unknown };
    try {
      answer = JSON.parse(outcome.body) as typeof answer;
    } catch {
      return undefined;
    }
    if (typeof answer.context !== 'string') return undefined;
    return { context: answer.context, body: JSON.stringify(sessionStartOutput(answer.context, Array.isArray(answer.check) ? { project: scope.project, items: answer.check } : undefined)) };
  }

  private async fetch(scope: ContextScope): Promise<void> {
    if (this.closed) return;
    const p = projectOf(scope);
    const generation = this.generations.get(p) ?? 0;
    // When it is not fetched, the next SessionStart asks the API itself.
    const read = await this.readContext(scope, REQUEST_TIMEOUT_MS);
    if (read === undefined) return;
    const { body } = read;
    if (scope.copilotRoot) this.writeForCopilot(scope.copilotRoot, read.context);
    // Stale already: an event of the project was delivered while the request ran.
    if ((this.generations.get(p) ?? 0) !== generation) return;
    this.fetched++;
    const id = scopeOf(scope);
    this.held.delete(id);
    this.held.set(id, { body, at: Date.now(), generation });
    if (this.held.size > MAX_HELD) this.held.delete(this.held.keys().next().value!);
  }

  private writeForCopilot(root: string, context: string): void {
    try {
      if (writeCopilotInstructions(root, context)) this.copilotWrites++;
    } catch (err) {
      this.log(`could not write Copilot's instructions in ${root} (${(err as Error).message})`);
    }
  }

  close(): void {
    this.closed = true;
    for (const ts of this.timers.values()) for (const t of ts) clearTimeout(t);
    this.timers.clear();
  }
}
