/**
 * The local relay: one long-lived process per user that the agent's hooks hand their events to, so
 * that a hook costs the agent a local round trip and nothing more. Every event is redacted and made
 * durable in the spool before the hook is answered; delivery to the API happens behind it (lanes.ts),
 * in the order events happened, through outages, after the agent has exited, for several sessions at
 * once. Only SessionStart waits for the API, for the context it answers with, and not when the API
 * was unreachable a moment ago.
 *
 * HTTP on 127.0.0.1 only. A hook that makes the relay read the working tree (SessionStart, Stop,
 * SessionEnd) is served only to the relay's own user (workspace-access.ts: the relay's token, a
 * vouched session, or the socket's owner); another user's gets a 403 and nothing is kept.
 *   POST /hook/<event>  the hook JSON; credentials travel with each event (Authorization: Bearer
 *                       <the user's API key>, X-Memflow-Url), so the relay forwards with the caller's
 *                       own key and holds no privilege of its own. The project comes from
 *                       X-Memflow-Project(-Key), else from X-Memflow-Project-Dir (CLAUDE_PROJECT_DIR),
 *                       else from the payload's cwd. Answers with the hook output JSON.
 *   POST /hook/<host>/<native event>
 *                       another agent's hook (Codex, Gemini CLI, OpenCode, Copilot CLI: `memflow-hook
 *                       <native event> --host <host>`, or OpenCode's plugin): its adapter
 *                       (cli/hosts/) maps the payload to memflow's event (X-Memflow-Host-Version:
 *                       the agent's version), which then goes the same way; the answer is the
 *                       host's own stdout for memflow's answer (text).
 *   POST /mcp           memflow's MCP server (Streamable HTTP, stateless; relay-mcp.ts): the handshake is
 *                       answered here, tool calls go to the API with the caller's key.
 *   GET  /health        { ok, service: "memflow-relay", pid, uid, version, spool }
 * The server first, then its hook route (RelayHooks).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isEventRouteName, isHookEvent, relayStartTokens } from '../../messages/hooks-v1.js';
import { createHttpClient } from '../node-http.js';
import { Spool, SpoolFullError } from '../capture/spool.js';
import { Lanes } from './lanes.js';
import type { LaneTiming } from './session-activity.js';
import { RelayMcp } from './relay-mcp.js';
import { ClientLedger } from '../capture/client-ledger.js';
import { LedgerReporter } from './ledger-report.js';
import { sendJson, bearerKey, header, readBody, sendText } from './request.js';
import { isHostName } from '../hosts/shared.js';
import { scopeOfEntry, StartContexts } from './held-context.js';
import { DEFAULT_PROMPT_BUDGET_MS, promptAnswer, type PromptAnswerDeps } from './prompt-answer.js';
import { fileAnswer, FileTouches } from './file-answer.js';
import { ensureRelayToken, relayTokenFile } from './relay-token.js';
import { spoolTargetOf } from '../capture/deliver.js';
import { GIT_EVENTS, mapHook, spoolEntriesOf, type HookHost } from '../capture/ingress.js';
import { hostHookOptions } from '../hosts/hook-options.js';
import { startAnswer } from './start-answer.js';
import { treeRefusal, VouchedSessions } from './workspace-access.js';

export const RELAY_SERVICE = 'memflow-relay';
export const RELAY_VERSION = '1';
/** How old a held start context may be (MEMFLOW_START_CONTEXT_MAX_AGE_MS). */
export const DEFAULT_START_CONTEXT_MAX_AGE_MS = 15 * 60_000;

export interface RelayOptions {
  port: number;
  host?: string;
  spoolDir: string;
  maxEntries?: number;
  keysFile?: string;
  /** The API when a hook names none (X-Memflow-Url absent or empty). */
  defaultUrl: string;
  /** How long SessionStart waits for the API's context. */
  startBudgetMs: number;
  /** How long UserPromptSubmit waits for the memory pushed with the prompt (0: no push). */
  promptBudgetMs?: number;
  /** When delivery goes out behind a busy session (session-activity.ts). */
  timing?: Partial<LaneTiming>;
  /** How old a prefetched start context may be when SessionStart is answered from it (0: never; held-context.ts). */
  startContextMaxAgeMs?: number;
  /** Cap on an MCP tool's answer, in tokens (MEMFLOW_MCP_MAX_TOKENS). */
  mcpMaxTokens?: number;
  /** Exit after this long without a hook while nothing is waiting (0: never). */
  idleExitMs?: number;
  /** How often a running session's capture ledger is reported at most (MEMFLOW_LEDGER_REPORT_MS). */
  ledgerReportMs?: number;
  /** A claim older than this belonged to a relay that died; its event is delivered again (MEMFLOW_SPOOL_STALE_CLAIM_MS). */
  staleClaimMs?: number;
  log?: (line: string) => void;
  onIdleExit?: () => void;
}

export interface Relay {
  url: string;
  port: number;
  lanes: Lanes;
  close(): Promise<void>;
}

export async function startRelay(opts: RelayOptions): Promise<Relay> {
  const log = opts.log ?? (() => {});
  // The hook is answered once the event is written; it reaches the disk (fsync) right after.
  const spool = new Spool(opts.spoolDir, { ...(opts.maxEntries ? { maxEntries: opts.maxEntries } : {}), ...(opts.staleClaimMs ? { staleClaimMs: opts.staleClaimMs } : {}), syncAfterAnswer: true });
  const client = createHttpClient();
  const lanes = new Lanes(spool, client, log, opts.keysFile, opts.timing);
  // The capture ledger: what became of every event, beside the spool, reported per session.
  const ledger = new ClientLedger(opts.spoolDir);
  const reporter = new LedgerReporter(ledger, spool, client, (fp) => lanes.keys.get(fp), log, opts.ledgerReportMs);
  lanes.capture = { ledger, reporter };
  const contexts = new StartContexts(client, opts.startContextMaxAgeMs ?? DEFAULT_START_CONTEXT_MAX_AGE_MS, log);
  lanes.onDelivered = (entry, key) => {
    const scope = scopeOfEntry(entry, key);
    if (!scope) return;
    contexts.changed(scope);
    // A turn or a session ended: the next session's context is fetched while nobody waits for it.
    // Copilot's is also written into its instructions file when one of its sessions starts (a clone
    // that has none yet gets one for the session after).
    if (entry.event === 'stop' || entry.event === 'session-end' || (entry.event === 'session-start' && scope.copilotRoot)) contexts.plan(scope);
  };
  const mcp = new RelayMcp({ client, defaultUrl: opts.defaultUrl, ...(opts.mcpMaxTokens ? { maxTokens: opts.mcpMaxTokens } : {}) });
  // Made (or read) once the port is ours: a second relay that loses the port never replaces it.
  let token: string | undefined;
  const hooks = new RelayHooks({ spool, lanes, client, contexts, log, startBudgetMs: opts.startBudgetMs, promptBudgetMs: opts.promptBudgetMs ?? DEFAULT_PROMPT_BUDGET_MS, defaultUrl: opts.defaultUrl, relayToken: () => token });
  let lastRequest = Date.now();

  const server = http.createServer((req, res) => {
    lastRequest = Date.now();
    const url = new URL(req.url ?? '/', 'http://relay');
    const m = /^\/hook\/(?:([a-z]+)\/)?([A-Za-z.-]+)$/.exec(url.pathname);
    if (req.method === 'POST' && m) {
      const [host, event] = [m[1], m[2]!];
      if (host !== undefined && (!isHostName(host) || host === 'claude')) return sendJson(res, 404, { error: { code: 'unknown_host', message: `'${host}' is not an agent memflow has an adapter for (codex, gemini, opencode, copilot)` } });
      if (host === undefined && !isEventRouteName(event)) return sendJson(res, 404, { error: { code: 'unknown_event', message: `'${event}' is not a hook event name` } });
      hooks.handle(event, req, res, host).catch((err: Error) => {
        log(`a ${event} event failed: ${err.message}`);
        if (!res.headersSent) sendJson(res, 500, { error: { code: 'relay_error', message: err.message } });
      });
      return;
    }
    if (url.pathname === '/mcp') {
      mcp.handle(req, res).catch((err: Error) => {
        log(`an MCP request failed: ${err.message}`);
        if (!res.headersSent) sendJson(res, 500, { jsonrpc: '2.0', error: { code: -32603, message: `Internal error: ${err.message}` }, id: null });
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/health') {
      void spool.status().then((s) =>
        sendJson(res, 200, { ok: true, service: RELAY_SERVICE, version: RELAY_VERSION, pid: process.pid, ...(typeof process.getuid === 'function' ? { uid: process.getuid() } : {}), spool: { ...s, ...lanes.stats(), received: hooks.received }, startContexts: { served: contexts.served, fetched: contexts.fetched }, ledger: { clientId: ledger.clientId(), reportsSent: reporter.sent, unreported: reporter.waiting, problem: reporter.lastProblem ?? null }, mcp: { answeredFromCache: mcp.answeredFromCache } }),
      );
      return;
    }
    sendJson(res, 404, { error: { code: 'not_found', message: `${req.method} ${url.pathname} is not a relay route` } });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  try {
    token = ensureRelayToken(relayTokenFile(opts.spoolDir));
  } catch (err) {
    // Without it, every hook that reads the tree is checked by its socket's owner instead (slower).
    log(`could not keep the relay token (${(err as Error).message})`);
  }
  lanes.kick(); // what earlier runs left behind
  // The MCP SDK is loaded now, while no session waits for it.
  setImmediate(() => void mcp.preload().catch((err: Error) => log(`could not load the MCP server: ${err.message}`)));

  let idleTimer: NodeJS.Timeout | undefined;
  if (opts.idleExitMs && opts.idleExitMs > 0) {
    idleTimer = setInterval(() => {
      if (Date.now() - lastRequest < opts.idleExitMs!) return;
      void spool.status().then((s) => {
        if (s.waiting === 0 && s.claimed === 0) opts.onIdleExit?.();
      });
    }, Math.min(60_000, opts.idleExitMs));
    idleTimer.unref();
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    lanes,
    async close() {
      if (idleTimer) clearInterval(idleTimer);
      lanes.close();
      contexts.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      client.close();
    },
  };
}

/**
 * The relay's handling of one hook event (POST /hook/<event>, POST /hook/<host>/<native event>):
 * read and check the hook JSON, map another agent's event with its adapter (cli/hosts/), name the
 * project (X-Memflow-Project(-Key), else X-Memflow-Project-Dir, else the payload's cwd) and its git
 * state (for the relay's own user only: workspace-access.ts), redact — the ingress pipeline the Node
 * hook client uses too (../capture/ingress.ts) — make the event durable in the spool, then answer: at once, for SessionStart with its context (start-answer.ts), for
 * UserPromptSubmit with the memory that bears on the prompt (prompt-answer.ts). Delivery to the API follows behind the answer (lanes.ts).
 */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export class RelayHooks {
  /** Hook events taken since the relay started (health: what the agent's machine handled). */
  received = 0;

  /** Sessions whose start the relay's user vouched for (workspace-access.ts). */
  private readonly vouched = new VouchedSessions();

  /** Files each session touched (the file push is asked once per file and session). */
  private readonly touches = new FileTouches();

  constructor(private readonly deps: PromptAnswerDeps & { /** The API when a hook names none. */ defaultUrl: string; /** The relay's token, once made (relay-token.ts). */ relayToken: () => string | undefined }) {}

  /**
   * A hook event: `event` is memflow's route name, or with `host` the host's native event name, which
   * the host's adapter maps (or drops) first; the answer then goes out in the host's format.
   */
  async handle(nameInRoute: string, req: http.IncomingMessage, res: http.ServerResponse, host?: string): Promise<void> {
    const { spool, lanes, log } = this.deps;
    const text = await readBody(req, MAX_BODY_BYTES);
    if (text === undefined) return sendJson(res, 413, { error: { code: 'payload_too_large', message: `the hook JSON is larger than ${MAX_BODY_BYTES} bytes` } });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return sendJson(res, 400, { error: { code: 'invalid_json', message: 'the hook JSON is not valid JSON' } });
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) return sendJson(res, 400, { error: { code: 'invalid_json', message: 'the hook JSON is not an object' } });
    let answer = (_event: string | undefined, apiAnswerJson: string) => apiAnswerJson;
    let adapted: HookHost | undefined;
    if (host) {
      const hostVersion = header(req, 'x-memflow-host-version');
      const adapter = hostHookOptions(host, hostVersion);
      answer = (e, json) => adapter.answer!(e !== undefined && isHookEvent(e) ? e : undefined, json);
      adapted = { name: host, version: hostVersion, adapt: adapter.adapt! };
    }
    // One pipeline with the Node hook client's (ingress.ts): mapped first, redacted before the spool.
    const mapped = mapHook(nameInRoute, body as Record<string, unknown>, adapted);
    // An event memflow does not keep: the host's answer to nothing.
    if (!mapped) return sendText(res, answer(undefined, '{}'));
    const event = mapped.event;
    const raw = mapped.body;
    const reply = (apiAnswerJson: string) => (host ? sendText(res, answer(event, apiAnswerJson)) : sendJson(res, 200, JSON.parse(apiAnswerJson) as unknown));
    const key = bearerKey(req);
    const url = (header(req, 'x-memflow-url') ?? this.deps.defaultUrl).replace(/\/+$/, '');
    const projectDir = header(req, 'x-memflow-project-dir');
    if (GIT_EVENTS.has(event)) {
      const hook = { event, projectDir, cwd: typeof raw.cwd === 'string' && raw.cwd ? raw.cwd : undefined, session: typeof raw.session_id === 'string' ? raw.session_id : undefined };
      const refused = treeRefusal(req, hook, this.deps.relayToken(), this.vouched);
      if (refused) return sendJson(res, 403, { error: { code: 'not_the_relay_user', message: `this memflow relay reads the working tree only for the user it runs as: ${refused}; run your own relay on another port (MEMFLOW_RELAY_PORT)` } });
    }
    const named = header(req, 'x-memflow-project');
    if (event === 'pre-tool-use') {
      // Not kept (PostToolUse carries the call): only answered, with what is known about the file.
      const project = named ? ([named, header(req, 'x-memflow-project-key')] as [string, string | undefined]) : undefined;
      return reply(await fileAnswer({ ...this.deps, touches: this.touches }, { body: raw, key, url, ...(project ? { project } : {}), projectDir }));
    }
    if (key) lanes.keys.learn(key);
    this.received++;
    if (typeof raw.session_id === 'string') lanes.activity.note(raw.session_id, event);
    // Claude Code's sessions get a smaller start context: the relay also pushes with each prompt and at each file.
    const startTokens = event === 'session-start' ? relayStartTokens(raw) : undefined;
    if (startTokens) raw.memflowContextTokens = startTokens;
    const { entry, entries, git } = spoolEntriesOf(mapped, { target: spoolTargetOf(url, key), ...(named ? { project: [named, header(req, 'x-memflow-project-key')] as [string, string | undefined] } : {}), ...(projectDir ? { projectDir } : {}) });
    let name = '';
    for (const [i, e] of entries.entries()) {
      try {
        name = await spool.add(e);
      } catch (err) {
        log(err instanceof SpoolFullError ? `${err.message}: ${entries.length - i} event(s) from a ${event} hook are dropped` : `could not spool a ${e.event} event (${(err as Error).message})`);
        for (const lost of entries.slice(i)) lanes.settle(lost, { dropped: err instanceof SpoolFullError ? 'spool_full' : 'spool_unwritable' });
        lanes.kick();
        return reply(event === 'session-start' ? JSON.stringify({ systemMessage: `memflow: the spool is full or unwritable, events are being dropped (run \`memflow doctor\`)` }) : '{}');
      }
    }
    if (event === 'user-prompt-submit') {
      // The memory that bears on this prompt, within the prompt budget (prompt-answer.ts).
      reply(await promptAnswer(this.deps, { name, entry, key, url, session: typeof raw.session_id === 'string' ? raw.session_id : undefined }));
      lanes.kick();
      return;
    }
    if (event !== 'session-start') {
      reply('{}');
      lanes.kick();
      return;
    }
    reply(await startAnswer(this.deps, { name, entry, key, url, git, source: raw.source, session: typeof raw.session_id === 'string' ? raw.session_id : undefined }));
    lanes.kick();
  }
}
