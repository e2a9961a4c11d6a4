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
 *   POST /mcp           memflow's MCP server (Streamable HTTP, stateless; RelayMcp): the handshake is
 *                       answered here, tool calls go to the API with the caller's key.
 *   GET  /health        { ok, service: "memflow-relay", pid, uid, version, spool, …, fileTouches, answers }
 * The server first, then its hook route (RelayHooks), then its MCP route (RelayMcp).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { createMemflowMcpServer } from '../../mcp/mcp-server.js';
import { createApiClient } from '../../clients/api.js';
import { MEMFLOW_VERSION } from '../../messages/version.js';
import { checkBaseUrl } from '../env.js';
import { fileResultOutput, fileTouchOutput, isEventRouteName, isHookEvent, relayStartTokens } from '../../messages/hooks-v1.js';
import { createHttpClient, httpTransport, type HttpClient } from '../node-http.js';
import { Spool, SpoolFullError } from '../capture/spool.js';
import { Lanes } from './lanes.js';
import type { LaneTiming } from './session-activity.js';
import { ClientLedger } from '../capture/client-ledger.js';
import { LedgerReporter } from './ledger-report.js';
import { sendJson, bearerKey, header, readBody, sendText } from './request.js';
import { isHostName } from '../hosts/shared.js';
import { scopeOfEntry, StartContexts } from './held-context.js';
import { DEFAULT_PROMPT_BUDGET_MS, promptAnswer, type PromptAnswerDeps } from './prompt-answer.js';
import { FILE_TOOLS, fileContext, fileOfToolCall, FileNames, FileTouches, noteSessionPrompt } from './file-answer.js';
import { LaterPushes } from './later-push.js';
import { AnswerTimes } from './answer-times.js';
import { CodeIndex, SessionFocus } from './code-anchors.js';
import { ensureRelayToken, relayTokenFile } from './relay-token.js';
import { spoolTargetOf } from '../capture/deliver.js';
import { GIT_EVENTS, mapHook, spoolEntriesOf, type HookHost } from '../capture/ingress.js';
import { hostHookOptions, type HostHookOptions } from '../hosts/hook-options.js';
import { startAnswer } from './start-answer.js';
import { treeRefusal, VouchedSessions } from './workspace-access.js';
import { DEFAULT_START_CONTEXT_MAX_AGE_MS, RELAY_SERVICE } from './relay-port.js';

export const RELAY_VERSION = '1';
/** How old the relay's view of its spool may be before a delivery cycle lists the directory again (Spool relistMs). */
const SPOOL_RELIST_MS = 1_000;

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
  /** The largest file a Read parses while the agent waits; a larger one not parsed yet has its push handed with the session's next hook (MEMFLOW_FILE_PARSE_INLINE_BYTES). */
  parseInlineBytes?: number;
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
  const spool = new Spool(opts.spoolDir, { ...(opts.maxEntries ? { maxEntries: opts.maxEntries } : {}), ...(opts.staleClaimMs ? { staleClaimMs: opts.staleClaimMs } : {}), syncAfterAnswer: true, relistMs: SPOOL_RELIST_MS, directCalls: true });
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
  const hooks = new RelayHooks({ spool, lanes, client, contexts, log, startBudgetMs: opts.startBudgetMs, promptBudgetMs: opts.promptBudgetMs ?? DEFAULT_PROMPT_BUDGET_MS, ...(opts.parseInlineBytes !== undefined ? { parseInlineBytes: opts.parseInlineBytes } : {}), defaultUrl: opts.defaultUrl, relayToken: () => token });
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
        sendJson(res, 200, { ok: true, service: RELAY_SERVICE, version: RELAY_VERSION, pid: process.pid, ...(typeof process.getuid === 'function' ? { uid: process.getuid() } : {}), spool: { ...s, ...lanes.stats(), received: hooks.received }, startContexts: { served: contexts.served, fetched: contexts.fetched }, ledger: { clientId: ledger.clientId(), reportsSent: reporter.sent, unreported: reporter.waiting, problem: reporter.lastProblem ?? null }, mcp: { answeredFromCache: mcp.answeredFromCache }, fileTouches: { ruledOut: hooks.fileNames.ruledOut, namesRead: hooks.fileNames.reads, parsed: hooks.code.parsed, notParsed: hooks.code.skipped, handedLater: hooks.later.handed, droppedLater: hooks.later.dropped }, answers: hooks.answerTimes.stats() }),
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
      await hooks.code.close();
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
  /** How long each kind of hook took to answer, by the relay's own clock (answer-times.ts). */
  readonly answerTimes = new AnswerTimes();
  /** Hook events taken since the relay started (health: what the agent's machine handled). */
  received = 0;

  /** Sessions whose start the relay's user vouched for (workspace-access.ts). */
  private readonly vouched = new VouchedSessions();

  /** Files each session touched (the file push is asked once per file and session). */
  private readonly touches = new FileTouches();
  /** Per project, the names a file with memory holds: a touch of any other file is answered without asking. */
  readonly fileNames = new FileNames();
  /** Parses of the files agents touch, and what each session's prompts named and files imported (the push at the code). */
  readonly code = new CodeIndex();
  private readonly focus = new SessionFocus();
  /** Read pushes held for the session's next hook (a parse not waited for: later-push.ts). */
  readonly later = new LaterPushes();

  /** What a file touch's answer works with (file-answer.ts). */
  private fileDeps() {
    return { ...this.deps, touches: this.touches, names: this.fileNames, code: this.code, focus: this.focus, later: this.later };
  }

  constructor(private readonly deps: PromptAnswerDeps & { /** The API when a hook names none. */ defaultUrl: string; /** The largest file a touch parses while the agent waits (file-answer.ts). */ parseInlineBytes?: number; /** The relay's token, once made (relay-token.ts). */ relayToken: () => string | undefined }) {}

  /**
   * A hook event: `event` is memflow's route name, or with `host` the host's native event name, which
   * the host's adapter maps (or drops) first; the answer then goes out in the host's format.
   */
  async handle(nameInRoute: string, req: http.IncomingMessage, res: http.ServerResponse, host?: string): Promise<void> {
    const { spool, lanes, log } = this.deps;
    const t0 = performance.now();
    let kind = host ? `${host}/${nameInRoute}` : nameInRoute;
    res.on('finish', () => this.answerTimes.note(kind, performance.now() - t0));
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
    let resultTouch: HostHookOptions['resultTouch'];
    let callsAtTurnEnd = false;
    if (host) {
      const hostVersion = header(req, 'x-memflow-host-version');
      const adapter = hostHookOptions(host, hostVersion);
      answer = (e, json) => adapter.answer!(e !== undefined && isHookEvent(e) ? e : undefined, json);
      adapted = { name: host, version: hostVersion, adapt: adapter.adapt! };
      resultTouch = adapter.resultTouch;
      callsAtTurnEnd = adapter.callsAtTurnEnd === true;
    }
    // One pipeline with the Node hook client's (ingress.ts): mapped first, redacted before the spool.
    const mapped = mapHook(nameInRoute, body as Record<string, unknown>, adapted);
    // An event memflow does not keep: the host's answer to nothing.
    if (!mapped) return sendText(res, answer(undefined, '{}'));
    const event = mapped.event;
    const raw = mapped.body;
    if (!host && typeof raw.tool_name === 'string' && FILE_TOOLS.has(raw.tool_name)) kind = `${event}:${raw.tool_name}`;
    // The relay's own clock, on the answer too (Server-Timing): a caller in another process reads what the relay took apart from its hop.
    const reply = (apiAnswerJson: string) => {
      res.setHeader('server-timing', `relay;dur=${(performance.now() - t0).toFixed(2)}`);
      return host ? sendText(res, answer(event, apiAnswerJson)) : sendJson(res, 200, JSON.parse(apiAnswerJson) as unknown);
    };
    const key = bearerKey(req);
    const url = (header(req, 'x-memflow-url') ?? this.deps.defaultUrl).replace(/\/+$/, '');
    const projectDir = header(req, 'x-memflow-project-dir');
    if (GIT_EVENTS.has(event)) {
      const hook = { event, projectDir, cwd: typeof raw.cwd === 'string' && raw.cwd ? raw.cwd : undefined, session: typeof raw.session_id === 'string' ? raw.session_id : undefined };
      const refused = treeRefusal(req, hook, this.deps.relayToken(), this.vouched);
      if (refused) return sendJson(res, 403, { error: { code: 'not_the_relay_user', message: `this memflow relay reads the working tree only for the user it runs as: ${refused}; run your own relay on another port (MEMFLOW_RELAY_PORT)` } });
    }
    const named = header(req, 'x-memflow-project');
    // The project the hook names (X-Memflow-Project / -Key), read once for the file push and the spool entry.
    const project = named ? ([named, header(req, 'x-memflow-project-key')] as [string, string | undefined]) : undefined;
    if (event === 'pre-tool-use') {
      // Not kept (PostToolUse carries the call): only answered, with what is known about the file.
      // In Claude Code (no host adapter) the answers of a session's later hooks reach the model: a Read's push whose parse
      // was not waited for is held for them (later-push.ts), and handed with this one when ready.
      const held = !host && typeof raw.session_id === 'string' ? this.later.handOver(this.deps, raw.session_id) : '';
      const now = await fileContext(this.fileDeps(), { body: raw, key, url, ...(project ? { project } : {}), projectDir, afterTool: !host });
      const context = [held, now].filter(Boolean).join('\n\n');
      return reply(context ? JSON.stringify(fileTouchOutput(context)) : '{}');
    }
    if (key) lanes.keys.learn(key);
    this.received++;
    if (typeof raw.session_id === 'string') lanes.activity.note(raw.session_id, event, callsAtTurnEnd);
    // Claude Code's sessions get a smaller start context: the relay also pushes with each prompt and at each file.
    const startTokens = event === 'session-start' ? relayStartTokens(raw) : undefined;
    if (startTokens) raw.memflowContextTokens = startTokens;
    const { entry, entries, git } = spoolEntriesOf(mapped, { target: spoolTargetOf(url, key), ...(project ? { project } : {}), ...(projectDir ? { projectDir } : {}) });
    // A tool's result: the push about a file it read is worked out while the event is spooled (the answer, below, waits
    // for both). In Claude Code a Read has no PreToolUse hook, its push goes with its result; a host whose result hook
    // reaches the model says which files the call touched (HostAdapter.resultTouch: Codex's shell command).
    const session = event === 'post-tool-use' && typeof raw.session_id === 'string' ? raw.session_id : undefined;
    const touched = session === undefined ? undefined : host ? resultTouch?.(raw) : fileOfToolCall(raw) ? raw : undefined;
    const resultSession = session !== undefined && (!host || touched) ? session : undefined;
    // Claude Code hands a later hook's answer to the model: a push not ready in time is held for it (later-push.ts); another host's is not.
    const filePush = touched ? fileContext(this.fileDeps(), { body: touched, key, url, ...(project ? { project } : {}), projectDir, afterTool: !host }).catch(() => '') : undefined;
    // A tool's result: in Claude Code a push held for the session (later-push.ts) when ready, and what bears on a file this
    // session had not touched (worked out beside the spooling). Handed even when the event could not be spooled: its
    // receipt is already confirmed (prompt-answer.ts handedContext), so what it says was handed must reach the agent.
    const resultAnswer = async (): Promise<string> => {
      if (!resultSession || !((!host && this.later.has(resultSession)) || filePush)) return '{}';
      const held = host ? '' : this.later.handOver(this.deps, resultSession);
      const context = [held, (await filePush) ?? ''].filter(Boolean).join('\n\n');
      return context ? JSON.stringify(fileResultOutput(context)) : '{}';
    };
    let name = '';
    for (const [i, e] of entries.entries()) {
      try {
        name = await spool.add(e);
      } catch (err) {
        log(err instanceof SpoolFullError ? `${err.message}: ${entries.length - i} event(s) from a ${event} hook are dropped` : `could not spool a ${e.event} event (${(err as Error).message})`);
        for (const lost of entries.slice(i)) lanes.settle(lost, { dropped: err instanceof SpoolFullError ? 'spool_full' : 'spool_unwritable' });
        lanes.kick();
        return reply(event === 'session-start' ? JSON.stringify({ systemMessage: `memflow: the spool is full or unwritable, events are being dropped (run \`memflow doctor\`)` }) : await resultAnswer());
      }
    }
    if (event === 'user-prompt-submit') {
      const session = typeof raw.session_id === 'string' ? raw.session_id : undefined;
      // The memory that bears on this prompt, within the prompt budget (prompt-answer.ts).
      reply(await promptAnswer(this.deps, { name, entry, key, url, session }));
      // Behind the answer: the prompt's words for the session's file touches, and the project's anchors read when due.
      noteSessionPrompt({ ...this.deps, names: this.fileNames, code: this.code, focus: this.focus }, { key, url, session, prompt: raw.prompt, project: entry.project, projectKey: entry.projectKey, cwd: typeof raw.cwd === 'string' ? raw.cwd : undefined });
      lanes.kick();
      return;
    }
    if (event !== 'session-start') {
      reply(await resultAnswer());
      lanes.kick();
      return;
    }
    reply(await startAnswer(this.deps, { name, entry, key, url, git, source: raw.source, session: typeof raw.session_id === 'string' ? raw.session_id : undefined }));
    lanes.kick();
  }
}

/**
 * The relay's MCP route: memflow's MCP server, served at POST /mcp (Streamable HTTP, stateless, JSON
 * answers). Claude Code connects to it at every session start and waits for it before its first
 * model request; from the relay, `initialize` and `tools/list` are answered on this machine, so the
 * agent's start never waits for the API (slow, down or hanging). Only a tool call goes to the API,
 * with the caller's own key (Authorization) at the caller's API (X-Memflow-Url), as the stdio
 * server (`memflow mcp`) does: the relay holds no privilege, and tenant scoping stays the API's.
 * X-Memflow-Project names the project tools use by default; X-Memflow-Project-Key travels with
 * every call so the API maps the repository to its own project.
 *
 * The MCP SDK is loaded once, in the background after the relay starts (not on the first session's
 * critical path), and every request gets a server and a transport of its own (stateless: GET and
 * DELETE answer 405) — except the handshake's answers, which are the same for every session: the
 * result of `initialize` and of the list methods is kept per request shape (method, params, default
 * project, `?structured`) after the server first gave it, and `notifications/initialized` is acknowledged, without
 * building a server (about 15 ms of CPU per session otherwise, on the agent's machine). Requests
 * must name a loopback Host (a page in the user's browser cannot reach the relay by DNS rebinding).
 */
/** A tool call's wait for the API (the stdio server's). */
const TOOL_TIMEOUT_MS = 15_000;
const MAX_MCP_BODY_BYTES = 4 * 1024 * 1024;
const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?$/i;

type Loaded = {
  Transport: typeof WebStandardStreamableHTTPServerTransport;
  createServer: typeof createMemflowMcpServer;
  defaultMaxTokens: number;
};

export interface RelayMcpOptions {
  client: HttpClient;
  /** The API when a request names none (X-Memflow-Url absent or empty). */
  defaultUrl: string;
  /** Cap on any one answer, in tokens (default: the MCP server's). */
  maxTokens?: number;
}

/** A JSON-RPC error answer (the request's id unknown: null), as MCP clients read them. */
function rpcError(res: http.ServerResponse, status: number, code: number, message: string, extra: Record<string, string> = {}): void {
  const text = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...extra }).end(text);
}

async function readJson(req: http.IncomingMessage): Promise<{ ok: true; body: unknown } | { ok: false; status: number; message: string }> {
  const text = await readBody(req, MAX_MCP_BODY_BYTES);
  if (text === undefined) return { ok: false, status: 413, message: `the request is larger than ${MAX_MCP_BODY_BYTES} bytes, or was cut off` };
  try {
    return { ok: true, body: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, status: 400, message: 'Parse error: the body is not valid JSON' };
  }
}

/**
 * X-Memflow-Url as the agent sent it: an agent that expands environment references in its MCP entry
 * (Gemini CLI's `${MEMFLOW_URL}`, OpenCode's `{env:MEMFLOW_URL}`, Codex's env_http_headers) may send
 * the reference itself, or nothing, when the variable is unset: then the relay's own default URL.
 */
export function apiUrlHeader(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '' || /^\$\{?[A-Za-z_]\w*(?::-[^}]*)?\}?$|^\{env:\w+\}$/.test(value.trim())) return undefined;
  return value;
}

/** The handshake's methods: their answers depend only on the request (never on the API or the key). */
const CACHED_METHODS = new Set(['initialize', 'tools/list', 'prompts/list', 'resources/list', 'resources/templates/list']);
const MAX_CACHED = 64;

interface RpcRequest {
  jsonrpc: '2.0';
  id?: string | number | null;
  method: string;
  params?: unknown;
}

const isRpc = (b: unknown): b is RpcRequest => Boolean(b) && typeof b === 'object' && !Array.isArray(b) && (b as RpcRequest).jsonrpc === '2.0' && typeof (b as RpcRequest).method === 'string';

export class RelayMcp {
  private loaded: Promise<Loaded> | undefined;
  /** Handshake results by request shape (CACHED_METHODS). */
  private readonly answers = new Map<string, unknown>();
  /** Requests answered from there (health, tests). */
  answeredFromCache = 0;

  constructor(private readonly opts: RelayMcpOptions) {}

  /** Loads the SDK and the server's module (once); the relay calls it right after it starts. */
  preload(): Promise<Loaded> {
    this.loaded ??= Promise.all([
      import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'),
      import('../../mcp/mcp-server.js'),
      import('../../mcp/tools/tool-kit.js'),
    ]).then(([t, s, b]) => ({ Transport: t.WebStandardStreamableHTTPServerTransport, createServer: s.createMemflowMcpServer, defaultMaxTokens: b.DEFAULT_MAX_TOKENS }));
    return this.loaded;
  }

  private keep(shape: string, out: Buffer): void {
    try {
      const parsed = JSON.parse(out.toString('utf8')) as { result?: unknown };
      if (parsed.result === undefined) return;
      if (this.answers.size >= MAX_CACHED) this.answers.delete(this.answers.keys().next().value!);
      this.answers.set(shape, parsed.result);
    } catch {
      // not a JSON answer: not kept
    }
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!LOOPBACK_HOST.test(req.headers.host ?? '')) return rpcError(res, 403, -32000, `Forbidden: the relay answers MCP only at a loopback address, not at Host "${req.headers.host ?? ''}"`);
    if (req.method !== 'POST') return rpcError(res, 405, -32000, 'Method not allowed: this MCP endpoint is stateless; send JSON-RPC messages with POST', { allow: 'POST' });
    const key = bearerKey(req);
    if (!key) return rpcError(res, 401, -32001, 'Unauthorized: send the memflow API key as "Authorization: Bearer <key>" (MEMFLOW_API_KEY)');
    const base = (apiUrlHeader(header(req, 'x-memflow-url')) ?? this.opts.defaultUrl).replace(/\/+$/, '');
    try {
      checkBaseUrl(base, 'X-Memflow-Url');
    } catch (err) {
      return rpcError(res, 400, -32602, (err as Error).message);
    }
    const body = await readJson(req);
    if (!body.ok) return rpcError(res, body.status, -32700, body.message);
    const rpc = isRpc(body.body) ? body.body : undefined;
    const defaultProject = header(req, 'x-memflow-project');
    // `?structured=true`: tools declare output schemas and answer with structured content too (mcp/tools/tool-kit.ts).
    const structured = new URL(req.url ?? '/mcp', 'http://relay').searchParams.get('structured') === 'true';
    const shape = rpc && CACHED_METHODS.has(rpc.method) && rpc.id !== undefined ? JSON.stringify([rpc.method, rpc.params ?? null, defaultProject ?? null, structured]) : undefined;
    if (rpc && rpc.method === 'notifications/initialized' && rpc.id === undefined) {
      this.answeredFromCache++;
      res.writeHead(202).end();
      return;
    }
    if (shape && this.answers.has(shape)) {
      this.answeredFromCache++;
      const text = JSON.stringify({ result: this.answers.get(shape), jsonrpc: '2.0', id: rpc!.id });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
      return;
    }
    const projectKey = header(req, 'x-memflow-project-key');
    const { Transport, createServer, defaultMaxTokens } = await this.preload();
    const server = createServer({
      api: createApiClient({
        transport: httpTransport(this.opts.client, base, TOOL_TIMEOUT_MS),
        key,
        describe: base,
        // The repository's folder name with its key: the API maps the pair to the repository's own project.
        headers: { 'user-agent': 'memflow-relay-mcp', ...(projectKey ? { 'x-memflow-project-key': projectKey, ...(defaultProject ? { 'x-memflow-project': defaultProject } : {}) } : {}) },
      }),
      defaultProject,
      maxTokens: this.opts.maxTokens ?? defaultMaxTokens,
      structured,
      version: MEMFLOW_VERSION,
    });
    const transport = new Transport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    try {
      await server.connect(transport);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers.set(name, value);
        else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      }
      const answer = await transport.handleRequest(new Request(`http://${req.headers.host}${req.url ?? '/mcp'}`, { method: 'POST', headers }), { parsedBody: body.body });
      const out = answer.body ? Buffer.from(await answer.arrayBuffer()) : undefined;
      if (shape && answer.status === 200 && out) this.keep(shape, out);
      const outHeaders: Record<string, string> = {};
      answer.headers.forEach((value, name) => (outHeaders[name] = value));
      if (out) outHeaders['content-length'] = String(out.length);
      res.writeHead(answer.status, outHeaders).end(out);
    } finally {
      void transport.close();
      void server.close();
    }
  }
}
