/**
 * The relay's handling of one hook event (POST /hook/<event>, POST /hook/<host>/<native event>):
 * read and check the hook JSON, map another agent's event with its adapter (cli/hosts/), name the
 * project (X-Memflow-Project(-Key), else X-Memflow-Project-Dir, else the payload's cwd) and its git
 * state (for the relay's own user only: workspace-access.ts), redact — the ingress pipeline the Node
 * hook client uses too (../capture/ingress.ts) — make the event durable in the spool, then answer: at once, for SessionStart with its context (start-answer.ts), for
 * UserPromptSubmit with the memory that bears on the prompt (prompt-answer.ts). Delivery to the API follows behind the answer (lanes.ts).
 */
import type http from 'node:http';
import { isHookEvent } from '../../messages/hooks-v1.js';
import { spoolTargetOf } from '../capture/deliver.js';
import { GIT_EVENTS } from '../capture/hook-workspace.js';
import { mapHook, spoolEntriesOf, type HookHost } from '../capture/ingress.js';
import { SpoolFullError } from '../capture/spool-write.js';
import { hostHookOptions } from '../hosts/hook-options.js';
import { bearerKey, header, readBody, sendJson, sendText } from './request.js';
import { startAnswer } from './start-answer.js';
import { promptAnswer, type PromptAnswerDeps } from './prompt-answer.js';
import { fileAnswer, FileTouches } from './file-answer.js';
import { treeRefusal, VouchedSessions } from './workspace-access.js';

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
