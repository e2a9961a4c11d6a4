/**
 * `memflow install --host opencode`: a plugin module at .memflow/opencode-plugin.js, named in the
 * project's opencode.json (`plugin`), and the MCP server there too (`mcp.memflow`, type "remote":
 * the local relay's /mcp, which answers OpenCode's handshake on this machine and sends tool calls to
 * the API named by {env:MEMFLOW_URL}, the key from {env:MEMFLOW_API_KEY}, the repository's project as
 * X-Memflow-Project[-Key]; the API's own /mcp when no relay port is given).
 * OpenCode has no command hooks; the plugin runs inside OpenCode and posts a few events to the local
 * relay itself (no process at all; the relay maps them with the OpenCode adapter, see opencode.ts
 * for what it forwards), and runs `memflow hook <event> --host opencode --relay` only when the relay
 * does not answer (which delivers or spools it and starts the relay). The context memflow answers at
 * session start is added to the system prompt of that session. When OpenCode exits (it awaits the
 * plugin's dispose) the plugin ends each session it saw.
 *
 * Why not .opencode/plugin/ (where an older install put it, removed here): OpenCode installs
 * @opencode-ai/plugin with npm into every .opencode folder it finds, and once any plugin is
 * configured it waits for those installs before its first model request — measured on 1.18.33, the
 * first session after the folder appeared waited 22 s for the registry (and would fail offline), and
 * every later one for the check. The plugin needs nothing from that package.
 *
 * The plugin is JavaScript in a template string here: an escape written for TypeScript (`'\n'`) is a
 * line break in the plugin. OpenCode 1.18.33 drops a plugin module that does not parse without a word
 * (its loader reports it only as a bus error event, which `opencode run` does not print), and with it
 * every hook; tests/unit/opencode-plugin.test.ts loads the module as OpenCode does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { updateJsonObject } from '../json-file.js';
import { relayMcpUrl } from '../install-mcp.js';
import { RELAY_PORT_BASE, RELAY_PORT_SPAN } from '../relay/relay-port.js';
import { DEFAULT_PROMPT_BUDGET_MS } from '../relay/prompt-answer.js';
import { HOOK_COMMANDS, mcpUrl, projectHeaders, type HostInstallOptions, type HostInstallResult, type HostPlace, type HostState, type HostUninstallResult } from './install-shared.js';
import { removeEmptyFolders, removeFile, unexcludeFromGit } from './repo-files.js';

/** What a prompt waits for its push beyond the relay's budget: the local hop and the relay's spooling of the prompt (ms). */
const PROMPT_HOP_MS = 100;

/** The plugin's first words: what an older install's plugin is recognised by. */
const PLUGIN_HEADER = "// memflow: hands OpenCode's session events";

/** The plugin's source: plain JavaScript (OpenCode loads it as is), no dependencies. */
export function opencodePlugin(opts: Pick<HostInstallOptions, 'version' | 'hookUrl'>): string {
  const args = JSON.stringify([...(opts.version ? ['--host-version', opts.version] : []), ...(opts.hookUrl ? ['--url', opts.hookUrl.replace(/\/+$/, '')] : [])]);
  const version = JSON.stringify(opts.version ?? '');
  const url = JSON.stringify(opts.hookUrl ? opts.hookUrl.replace(/\/+$/, '') : '');
  return `${PLUGIN_HEADER} to memflow's local relay (127.0.0.1:$MEMFLOW_RELAY_PORT),
// or to \`memflow hook <event> --host opencode --relay\` when the relay does not answer.
// Written by \`memflow install --host opencode\`; remove the file to turn it off.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

const EXTRA = ${args};
const VERSION = ${version};
const URL_ = ${url};

// Each user's relay has a port of its own (cli/relay/lifecycle.ts defaultRelayPort).
const relayPort = () => ${RELAY_PORT_BASE} + (typeof process.getuid === 'function' ? process.getuid() % ${RELAY_PORT_SPAN} : 0);

// How long a prompt waits for the memory memflow pushes with it: the relay's budget for the API
// (MEMFLOW_PROMPT_BUDGET_MS, ${DEFAULT_PROMPT_BUDGET_MS} ms unless set; 0: no push) and the hop to the relay.
function promptWait() {
  const budget = Number(process.env.MEMFLOW_PROMPT_BUDGET_MS || ${DEFAULT_PROMPT_BUDGET_MS});
  return Number.isFinite(budget) && budget > 0 ? budget + ${PROMPT_HOP_MS} : 0;
}

// A part id as OpenCode makes them (prt_, 12 hex digits of ms * 4096 + a counter, 14 base62
// characters), after every id in after: the part sorts after the prompt's own.
function partId(after) {
  let n = BigInt(Date.now()) * 4096n;
  for (const id of after) {
    const m = /^prt_([0-9a-f]{12})/.exec(typeof id === 'string' ? id : '');
    if (m && BigInt('0x' + m[1]) + 1n > n) n = BigInt('0x' + m[1]) + 1n;
  }
  const abc = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const rnd = Array.from(crypto.getRandomValues(new Uint8Array(14)), (b) => abc[b % 62]).join('');
  return 'prt_' + (n & 0xffffffffffffn).toString(16).padStart(12, '0') + rnd;
}

// The tools whose call names a file the agent reads or changes: the push at the code asks about it.
const FILE_TOOLS = new Set(['read', 'edit', 'write', 'apply_patch']);

async function send(event, payload, fallback = true) {
  const env = process.env;
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const headers = { 'content-type': 'application/json' };
  if (env.MEMFLOW_API_KEY) headers.authorization = 'Bearer ' + env.MEMFLOW_API_KEY;
  if (URL_ || env.MEMFLOW_URL) headers['x-memflow-url'] = URL_ || env.MEMFLOW_URL;
  if (env.MEMFLOW_PROJECT) headers['x-memflow-project'] = env.MEMFLOW_PROJECT;
  if (VERSION) headers['x-memflow-host-version'] = VERSION;
  // The relay's token, in a file only this user can read: the relay then knows the event is its own user's.
  try {
    headers['x-memflow-relay-token'] = readFileSync(join(dirname(env.MEMFLOW_SPOOL_DIR || join(homedir(), '.memflow', 'spool')), 'relay-token'), 'utf8').trim();
  } catch {
    // no relay has made one yet
  }
  let res;
  try {
    res = await fetch('http://127.0.0.1:' + (env.MEMFLOW_RELAY_PORT || relayPort()) + '/hook/opencode/' + event, { method: 'POST', headers, body, signal: AbortSignal.timeout(10000) });
  } catch (err) {
    // No relay (refused: Node says ECONNREFUSED, Bun ConnectionRefused): the Node client delivers or
    // spools the event and starts the relay. Any other failure (a timeout) may come after the relay
    // took the event: never sent twice.
    const code = err?.code ?? err?.cause?.code;
    return fallback && (code === 'ECONNREFUSED' || code === 'ConnectionRefused') ? spawnHook(event, body) : '';
  }
  // Once the relay took the event it is the relay's: never a second delivery. A 403 is another
  // user's relay on this port, which took nothing: the Node client delivers it.
  if (res.status === 403) return fallback ? spawnHook(event, body) : '';
  return res.ok ? (await res.text()).trim() : '';
}

function spawnHook(event, body) {
  return new Promise((resolve) => {
    let out = '';
    let child;
    try {
      child = spawn('memflow', ['hook', event, '--host', 'opencode', '--relay', ...EXTRA], { stdio: ['pipe', 'pipe', 'ignore'] });
    } catch {
      return resolve('');
    }
    child.on('error', () => resolve(''));
    child.stdout.on('data', (d) => (out += d));
    child.on('close', () => resolve(out.trim()));
    child.stdin.on('error', () => {});
    child.stdin.end(body);
  });
}

export const MemflowPlugin = async ({ directory }) => {
  const contexts = new Map();
  const lastText = new Map();
  // File tools' calls in flight: the relay's answer about the file, and until when it is waited for.
  const touches = new Map();
  // The sessions this OpenCode process ran: each is ended when OpenCode exits (dispose).
  const seen = new Set();
  let latest = Promise.resolve('');
  // Everything but the session's start goes out one event after another, behind the agent: OpenCode
  // waits for a tool.execute.after hook before it goes on, and a hook that waited for the relay cost
  // every tool call a round trip. Each payload is taken when its hook runs (OpenCode may change its
  // objects later) and sent in the order the hooks ran, after the session's start. dispose, which
  // OpenCode awaits when it exits (measured on 1.18.33: \`opencode run\` exits after it), waits until
  // all of it is out: nothing is lost at the end of a session.
  let queue = Promise.resolve();
  const after = (step) => {
    queue = queue.then(step).then(() => undefined, () => undefined);
  };
  const later = (event, payload) => {
    if (payload.sessionID) seen.add(payload.sessionID);
    const body = JSON.stringify(payload);
    after(() => send(event, body));
  };
  return {
    event: async ({ event }) => {
      const p = event.properties ?? {};
      if (event.type === 'session.created') {
        const id = p.info?.id ?? p.sessionID;
        if (id) seen.add(id);
        const started = send('session.created', { sessionID: id, directory });
        latest = started;
        contexts.set(id, started);
        after(() => started);
      } else if (event.type === 'message.part.updated' && p.part?.type === 'text' && p.part.time?.end && !p.part.synthetic) {
        lastText.set(p.part.sessionID, p.part.text);
      } else if (event.type === 'session.idle') {
        later('session.idle', { sessionID: p.sessionID, directory, lastAssistantMessage: lastText.get(p.sessionID) });
      } else if (event.type === 'session.compacted') {
        later('session.compacted', { sessionID: p.sessionID, directory });
      }
    },
    // The prompt goes out in its place, behind the events before it, like every other event; its
    // answer is the memory that bears on it (the relay's UserPromptSubmit answer), which OpenCode
    // gets as a synthetic text part of the user's message (what the model reads with the prompt, not
    // shown as the user's words). The wait: the session's start first (the first model request waits
    // for it anyway, in experimental.chat.system.transform), then at most promptWait(); past it, or on
    // any failure, nothing is added and the prompt still goes out once.
    'chat.message': async (input, output) => {
      const parts = output.parts ?? [];
      const prompt = parts.filter((x) => x.type === 'text' && !x.synthetic).map((x) => x.text).join('\\n');
      const wait = promptWait();
      if (input.sessionID) seen.add(input.sessionID);
      const body = JSON.stringify({ sessionID: input.sessionID, directory, prompt });
      if (!wait || !prompt.trim() || !output.message?.id) return after(() => send('chat.message', body));
      let answered;
      const answer = new Promise((resolve) => (answered = resolve));
      after(() => send('chat.message', body).then(answered, () => answered('')));
      try {
        await contexts.get(input.sessionID);
      } catch {
        // its own failure: the start adds nothing
      }
      let timer;
      const text = await Promise.race([answer, new Promise((resolve) => (timer = setTimeout(() => resolve(''), wait)))]);
      clearTimeout(timer);
      if (typeof text !== 'string' || !text.trim()) return;
      // OpenCode turns a hook's throw into a failed prompt: whatever goes wrong here adds nothing.
      try {
        parts.push({ id: partId(parts.map((x) => x.id)), messageID: output.message.id, sessionID: input.sessionID, type: 'text', synthetic: true, text });
      } catch {
        // nothing added
      }
    },
    // The push at the code: a file tool's call asks the relay what memflow knows of its file as the call
    // starts (a file touch: answered, never kept, so never handed to the Node client), and the answer is
    // appended to the tool's result, which is what the model reads next. Waited for at most promptWait()
    // from the start of the call (the tool ran meanwhile); past it, or on any failure, nothing is added.
    'tool.execute.before': async (input, output) => {
      const wait = promptWait();
      if (!wait || !FILE_TOOLS.has(input.tool) || !input.callID) return;
      const asked = send('tool.execute.before', { sessionID: input.sessionID, directory, tool: input.tool, callID: input.callID, args: output?.args ?? {} }, false).catch(() => '');
      touches.set(input.callID, { asked, until: Date.now() + wait });
    },
    'tool.execute.after': async (input, output) => {
      // Stored as the tool gave it: taken before memflow's push is added to what the model reads.
      later('tool.execute.after', { sessionID: input.sessionID, directory, tool: input.tool, callID: input.callID, args: input.args, output });
      const touch = touches.get(input.callID);
      if (!touch) return;
      touches.delete(input.callID);
      let timer;
      const text = await Promise.race([touch.asked, new Promise((resolve) => (timer = setTimeout(() => resolve(''), Math.max(0, touch.until - Date.now()))))]);
      clearTimeout(timer);
      if (typeof text !== 'string' || !text.trim() || typeof output?.output !== 'string') return;
      output.output = output.output + '\\n\\n' + text;
    },
    'experimental.chat.system.transform': async (input, output) => {
      const context = await (contexts.get(input?.sessionID) ?? latest);
      if (context) output.system.push(context);
    },
    // OpenCode exits: its sessions end here (OpenCode has no session-end event of its own). At most
    // one hook's timeout: a relay that hangs must not hold OpenCode's exit for every event.
    dispose: async () => {
      for (const id of seen) later('session.ended', { sessionID: id, directory });
      seen.clear();
      let timer;
      await Promise.race([queue, new Promise((resolve) => (timer = setTimeout(resolve, 10000)))]);
      clearTimeout(timer);
    },
  };
};
`;
}

/** Where the plugin goes, from the repository's root; opencode.json names it so (relative to itself). */
export const OPENCODE_PLUGIN_PATH = '.memflow/opencode-plugin.js';
const PLUGIN_SPEC = `./${OPENCODE_PLUGIN_PATH}`;
/** An older install's plugin, recognised by its first line. */
const OLD_PLUGIN_PATH = path.join('.opencode', 'plugin', 'memflow.js');

/** Removes an older install's .opencode/plugin/memflow.js (and the plugin folder if that leaves it empty); true when it did. */
function removeOldPlugin(dir: string): boolean {
  const old = path.join(dir, OLD_PLUGIN_PATH);
  let text: string;
  try {
    text = fs.readFileSync(old, 'utf8');
  } catch {
    return false;
  }
  if (!text.startsWith(PLUGIN_HEADER)) return false;
  fs.rmSync(old);
  try {
    fs.rmdirSync(path.dirname(old));
  } catch {
    // other plugins are there
  }
  return true;
}

export function installOpencode(opts: HostInstallOptions): HostInstallResult {
  const plugin = path.join(opts.dir, OPENCODE_PLUGIN_PATH);
  fs.mkdirSync(path.dirname(plugin), { recursive: true });
  fs.writeFileSync(plugin, opencodePlugin(opts));
  const config = path.join(opts.dir, 'opencode.json');
  updateJsonObject(config, (obj) => {
    obj.$schema ??= 'https://opencode.ai/config.json';
    const plugins = Array.isArray(obj.plugin) ? (obj.plugin as unknown[]) : (obj.plugin = []);
    if (!plugins.includes(PLUGIN_SPEC)) plugins.push(PLUGIN_SPEC);
    if (opts.noMcp) return;
    const mcp = (obj.mcp && typeof obj.mcp === 'object' ? obj.mcp : (obj.mcp = {})) as Record<string, unknown>;
    mcp.memflow = opencodeMcpEntry(opts);
  });
  const notes: string[] = [];
  if (removeOldPlugin(opts.dir)) notes.push(`removed the plugin an older memflow put in ${OLD_PLUGIN_PATH} (OpenCode waits for an npm install in .opencode/ when it starts; nothing of memflow's is there now)`);
  return { host: 'opencode', files: [plugin, config], notes };
}

/** OpenCode's remote MCP entry: the relay's /mcp (tool calls to the API named in X-Memflow-Url), else the API's; scoped to the project. */
export function opencodeMcpEntry(opts: Pick<HostInstallOptions, 'url' | 'hookUrl' | 'relayPort' | 'project'>): Record<string, unknown> {
  const auth = { Authorization: 'Bearer {env:MEMFLOW_API_KEY}' };
  if (opts.relayPort === undefined) return { type: 'remote', url: mcpUrl(opts.url), headers: { ...auth, ...projectHeaders(opts.project) }, enabled: true };
  const apiUrl = opts.hookUrl ? opts.hookUrl.replace(/\/+$/, '') : '{env:MEMFLOW_URL}';
  return { type: 'remote', url: relayMcpUrl(opts.relayPort), headers: { ...auth, 'X-Memflow-Url': apiUrl, ...projectHeaders(opts.project) }, enabled: true };
}

const SCHEMA = 'https://opencode.ai/config.json';

export function uninstallOpencode(place: HostPlace): HostUninstallResult {
  const r: HostUninstallResult = { host: 'opencode', removed: [], changed: [] };
  const plugin = path.join(place.dir, OPENCODE_PLUGIN_PATH);
  if (removeFile(plugin)) r.removed.push(plugin);
  unexcludeFromGit(place.dir, OPENCODE_PLUGIN_PATH);
  if (removeOldPlugin(place.dir)) r.removed.push(path.join(place.dir, OLD_PLUGIN_PATH));
  const config = path.join(place.dir, 'opencode.json');
  if (fs.existsSync(config)) {
    const u = updateJsonObject(
      config,
      (obj) => {
        let changed = false;
        if (Array.isArray(obj.plugin) && obj.plugin.includes(PLUGIN_SPEC)) {
          obj.plugin = (obj.plugin as unknown[]).filter((p) => p !== PLUGIN_SPEC);
          if ((obj.plugin as unknown[]).length === 0) delete obj.plugin;
          changed = true;
        }
        const mcp = obj.mcp as Record<string, unknown> | undefined;
        if (mcp && typeof mcp === 'object' && 'memflow' in mcp) {
          delete mcp.memflow;
          if (Object.keys(mcp).length === 0) delete obj.mcp;
          changed = true;
        }
        // The $schema install added to a file it created is all that is left: nothing of the user's.
        if (changed && Object.keys(obj).length === 1 && obj.$schema === SCHEMA) delete obj.$schema;
        return changed;
      },
      { removeIfEmpty: true },
    );
    if (u.result) (fs.existsSync(config) ? r.changed : r.removed).push(config);
    unexcludeFromGit(place.dir, 'opencode.json');
  }
  removeEmptyFolders([path.dirname(plugin)], place.dir);
  return r;
}

export function opencodeState(place: HostPlace): HostState {
  const plugin = path.join(place.dir, OPENCODE_PLUGIN_PATH);
  const config = path.join(place.dir, 'opencode.json');
  let obj: { plugin?: unknown; mcp?: Record<string, unknown> } = {};
  try {
    obj = JSON.parse(fs.readFileSync(config, 'utf8')) as typeof obj;
  } catch {
    // none
  }
  const named = Array.isArray(obj.plugin) && obj.plugin.includes(PLUGIN_SPEC);
  const installed = named && fs.existsSync(plugin);
  const mcp = obj.mcp && typeof obj.mcp === 'object' && 'memflow' in obj.mcp ? config : undefined;
  return { host: 'opencode', installed, files: installed || mcp ? [plugin, config].filter((f) => fs.existsSync(f)) : [], commands: installed ? [HOOK_COMMANDS[1]] : [], ...(mcp ? { mcp } : {}) };
}
