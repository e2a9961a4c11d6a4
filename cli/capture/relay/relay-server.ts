/**
 * The local relay: one long-lived process per user that the agent's hooks hand their events to, so
 * that a hook costs the agent a local round trip and nothing more. Every event is redacted and made
 * durable in the spool before the hook is answered; delivery to the API happens behind it (lanes.ts),
 * in the order events happened, through outages, after the agent has exited, for several sessions at
 * once. Only SessionStart waits for the API, for the context it answers with, and not when the API
 * was unreachable a moment ago.
 *
 * HTTP on 127.0.0.1 only:
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
 *   POST /mcp           memflow's MCP server (Streamable HTTP, stateless; mcp.ts): the handshake is
 *                       answered here, tool calls go to the API with the caller's key.
 *   GET  /health        { ok, service: "memflow-relay", pid, version, spool }
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { redactValue } from '../../../common/rules/redact.js';
import { isEventRouteName, isHookEvent } from '../../../messages/hooks-v1.js';
import { deliver, spoolTargetOf } from '../deliver.js';
import { checkBaseUrl } from '../../env.js';
import { checkStartContext, hookOutput, REPORT_TIMEOUT_MS } from '../hook-answer.js';
import { gitOfHook, GIT_EVENTS, projectOfHook } from '../hook-workspace.js';
import { createHttpClient } from '../../node-http.js';
import { Spool } from '../spool.js';
import { newSpoolEntry, type SpoolEntry } from '../spool-entry.js';
import { SpoolFullError } from '../spool-write.js';
import { Lanes } from './lanes.js';
import type { LaneTiming } from './session-activity.js';
import { RelayMcp } from './relay-mcp.js';
import { ClientLedger } from '../client-ledger.js';
import { LedgerReporter } from './ledger-report.js';
import { bearerKey, header, readBody } from './request.js';
import { hostHookOptions, settledExtras } from '../../hosts/hook-options.js';
import { isHostName } from '../../hosts/shared.js';
import { StartContexts, type ContextScope } from './held-context.js';

export const RELAY_SERVICE = 'memflow-relay';
export const RELAY_VERSION = '1';
const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** How long a host's hook waits for the line of the host's transcript it needs (hook-options.ts). */
const TRANSCRIPT_WAIT_MS = 1000;
/** SessionStart's wait for an API that did not answer lately. */
const UNREACHABLE_START_MS = 150;
/** How old a held start context may be (MEMFLOW_START_CONTEXT_MAX_AGE_MS). */
export const DEFAULT_START_CONTEXT_MAX_AGE_MS = 15 * 60_000;

/** The project scope of a spooled event (its API, key and project; the branch from its git state). */
function scopeOfEntry(entry: SpoolEntry, key: string): ContextScope | undefined {
  if (!entry.project || !entry.target) return undefined;
  const git = entry.body.memflowGit as { branch?: string | null; defaultBranch?: string | null } | undefined;
  return { url: entry.target.url, key, project: entry.project, projectKey: entry.projectKey, branch: git?.branch, defaultBranch: git?.defaultBranch };
}

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
  /** When delivery goes out behind a busy session (session-activity.ts). */
  timing?: Partial<LaneTiming>;
  /** How old a prefetched start context may be when SessionStart is answered from it (0: never; start-context.ts). */
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

/** A host's own hook output, as it expects it on stdout. */
const text200 = (res: http.ServerResponse, text: string) => {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
};

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
};

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
    if (entry.event === 'stop' || entry.event === 'session-end') contexts.plan(scope);
  };
  const mcp = new RelayMcp({ client, defaultUrl: opts.defaultUrl, ...(opts.mcpMaxTokens ? { maxTokens: opts.mcpMaxTokens } : {}) });
  let lastRequest = Date.now();
  /** Hook events taken since the relay started (health: what the agent's machine handled). */
  let received = 0;

  /**
   * A hook event: `event` is memflow's route name, or with `host` the host's native event name, which
   * the host's adapter maps (or drops) first; the answer then goes out in the host's format.
   */
  async function onHook(nameInRoute: string, req: http.IncomingMessage, res: http.ServerResponse, host?: string): Promise<void> {
    const text = await readBody(req, MAX_BODY_BYTES);
    if (text === undefined) return json(res, 413, { error: { code: 'payload_too_large', message: `the hook JSON is larger than ${MAX_BODY_BYTES} bytes` } });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return json(res, 400, { error: { code: 'invalid_json', message: 'the hook JSON is not valid JSON' } });
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) return json(res, 400, { error: { code: 'invalid_json', message: 'the hook JSON is not an object' } });
    let event = nameInRoute;
    let raw = body as Record<string, unknown>;
    let answer = (_event: string | undefined, apiAnswerJson: string) => apiAnswerJson;
    if (host) {
      const adapter = hostHookOptions(host, header(req, 'x-memflow-host-version'));
      answer = (e, json) => adapter.answer!(e !== undefined && isHookEvent(e) ? e : undefined, json);
      const mapped = adapter.adapt!(nameInRoute, raw, await settledExtras(host, nameInRoute, raw, TRANSCRIPT_WAIT_MS));
      // An event memflow does not keep: the host's answer to nothing.
      if (!mapped) return text200(res, answer(undefined, '{}'));
      event = mapped.event;
      raw = mapped.body;
    }
    const reply = (apiAnswerJson: string) => (host ? text200(res, answer(event, apiAnswerJson)) : json(res, 200, JSON.parse(apiAnswerJson) as unknown));
    const key = bearerKey(req);
    const url = (header(req, 'x-memflow-url') ?? opts.defaultUrl).replace(/\/+$/, '');
    const projectDir = header(req, 'x-memflow-project-dir');
    const named = header(req, 'x-memflow-project');
    const [project, projectKey] = named ? [named, header(req, 'x-memflow-project-key')] : projectOfHook(raw, projectDir);
    const git = GIT_EVENTS.has(event) ? gitOfHook(raw, projectDir) : undefined;
    const redacted = redactValue(raw).value;
    if (git) redacted.memflowGit = { branch: git.branch, commit: git.commit, root: git.root, defaultBranch: git.defaultBranch };
    if (key) lanes.keys.learn(key);
    received++;
    if (typeof raw.session_id === 'string') lanes.activity.note(raw.session_id, event);
    const entry = newSpoolEntry(event, redacted, spoolTargetOf(url, key), project, projectKey);
    let name: string;
    try {
      name = await spool.add(entry);
    } catch (err) {
      log(err instanceof SpoolFullError ? `${err.message}: a ${event} event is dropped` : `could not spool a ${event} event (${(err as Error).message})`);
      lanes.settle(entry, { dropped: err instanceof SpoolFullError ? 'spool_full' : 'spool_unwritable' });
      lanes.kick();
      return reply(event === 'session-start' ? JSON.stringify({ systemMessage: `memflow: the spool is full or unwritable, events are being dropped (run \`memflow doctor\`)` }) : '{}');
    }
    if (event !== 'session-start') {
      reply('{}');
      lanes.kick();
      return;
    }
    reply(await startAnswer(name, entry, key, url, git, raw.source, typeof raw.session_id === 'string' ? raw.session_id : undefined));
    lanes.kick();
  }

  /** The staleness check's report is a hint: it goes out behind the answer. */
  const reportTo = (url: string, key: string) => async (report: { results: Record<string, unknown>[] }) => {
    void client.request({
      method: 'POST',
      url: `${url}/v1/learnings/staleness`,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'user-agent': 'memflow-relay' },
      body: JSON.stringify(report),
      timeoutMs: REPORT_TIMEOUT_MS,
    });
  };

  /**
   * SessionStart: answered from the context held ready for its project (start-context.ts), else
   * delivered at once for its context, unless the API was just unreachable.
   */
  async function startAnswer(
    name: string,
    entry: SpoolEntry,
    key: string | undefined,
    url: string,
    git: ReturnType<typeof gitOfHook>,
    source: unknown,
    session: string | undefined,
  ): Promise<string> {
    const warn = (why: string) => JSON.stringify({ systemMessage: `memflow: ${why}; events are kept and sent later (run \`memflow doctor\`)` });
    if (!key) return warn('MEMFLOW_API_KEY is not set');
    const stuckWarning = () => {
      const { stuck } = lanes.stats();
      return stuck > 0 ? `memflow: ${stuck} session(s) of events are stuck in ${spool.dir} (run \`memflow doctor\`)` : undefined;
    };
    // A resumed conversation already holds the context it was given at its start (the API answers
    // it with nothing): its event is delivered behind the agent like any other.
    if (source === 'resume') return hookOutput('{}', stuckWarning());
    try {
      checkBaseUrl(url);
    } catch (err) {
      return warn((err as Error).message);
    }
    const t = lanes.targets.of(url, key);
    if (t.refused) return JSON.stringify({ systemMessage: `memflow: ${t.problem}; events are kept until the key is fixed (run \`memflow doctor\`)` });
    // Held ready (also while the API is down: the memory as it was when last read).
    const scope = scopeOfEntry(entry, key);
    const held = scope ? contexts.take(scope) : undefined;
    if (held) return hookOutput(await checkStartContext(held, git, reportTo(url, key)), stuckWarning());
    if (t.unreachable && t.until > Date.now()) return warn(t.problem ?? 'the API is not taking events');
    // An API that did not answer lately gets a short try (a hanging one must not cost every session
    // the whole budget); one that answers gets the budget.
    const budget = t.unreachable ? Math.min(opts.startBudgetMs, UNREACHABLE_START_MS) : opts.startBudgetMs;
    // After compaction or /clear the session's earlier events may still wait: the event keeps its
    // place behind them, and its context is read on its own.
    if (scope && session && (await lanes.waitingBefore(session, name))) {
      const body = await contexts.now(scope, budget);
      return body ? hookOutput(await checkStartContext(body, git, reportTo(url, key)), stuckWarning()) : warn('the API did not answer with the context in time');
    }
    const claim = await spool.claim(name);
    if (!claim) return '{}'; // already taken by a delivery cycle: it will be delivered in order
    const target = lanes.deliveryTarget(url, key);
    let verdict: Awaited<ReturnType<typeof deliver>>;
    try {
      verdict = await deliver(client, target, entry, budget, false);
    } catch (err) {
      await claim.release();
      throw err;
    }
    lanes.targets.observe(t, verdict);
    lanes.settle(entry, verdict);
    if (verdict.kind === 'retry') {
      await claim.release();
      if (t.refused) return JSON.stringify({ systemMessage: `memflow: ${t.problem}; events are kept until the key is fixed (run \`memflow doctor\`)` });
      return warn(verdict.reason);
    }
    await claim.complete();
    if (verdict.kind === 'rejected') {
      log(`the API refused a session-start event (${verdict.reason}); dropped`);
      return '{}';
    }
    if (scope) contexts.changed(scope);
    return hookOutput(await checkStartContext(verdict.body, git, reportTo(url, key)), stuckWarning());
  }

  const server = http.createServer((req, res) => {
    lastRequest = Date.now();
    const url = new URL(req.url ?? '/', 'http://relay');
    const m = /^\/hook\/(?:([a-z]+)\/)?([A-Za-z.-]+)$/.exec(url.pathname);
    if (req.method === 'POST' && m) {
      const [host, event] = [m[1], m[2]!];
      if (host !== undefined && (!isHostName(host) || host === 'claude')) return json(res, 404, { error: { code: 'unknown_host', message: `'${host}' is not an agent memflow has an adapter for (codex, gemini, opencode, copilot)` } });
      if (host === undefined && !isEventRouteName(event)) return json(res, 404, { error: { code: 'unknown_event', message: `'${event}' is not a hook event name` } });
      onHook(event, req, res, host).catch((err: Error) => {
        log(`a ${event} event failed: ${err.message}`);
        if (!res.headersSent) json(res, 500, { error: { code: 'relay_error', message: err.message } });
      });
      return;
    }
    if (url.pathname === '/mcp') {
      mcp.handle(req, res).catch((err: Error) => {
        log(`an MCP request failed: ${err.message}`);
        if (!res.headersSent) json(res, 500, { jsonrpc: '2.0', error: { code: -32603, message: `Internal error: ${err.message}` }, id: null });
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/health') {
      void spool.status().then((s) =>
        json(res, 200, { ok: true, service: RELAY_SERVICE, version: RELAY_VERSION, pid: process.pid, spool: { ...s, ...lanes.stats(), received }, startContexts: { served: contexts.served, fetched: contexts.fetched }, ledger: { clientId: ledger.clientId(), reportsSent: reporter.sent, unreported: reporter.waiting, problem: reporter.lastProblem ?? null }, mcp: { answeredFromCache: mcp.answeredFromCache } }),
      );
      return;
    }
    json(res, 404, { error: { code: 'not_found', message: `${req.method} ${url.pathname} is not a relay route` } });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
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
