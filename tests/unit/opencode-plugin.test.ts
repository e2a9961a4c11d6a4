/**
 * The plugin `memflow install --host opencode` writes (cli/hosts/install-opencode.ts), loaded as the
 * module OpenCode loads: it is generated as text, and OpenCode 1.18.33 drops a plugin module that does
 * not parse without a word (its loader reports the failure only as a bus error event, which `opencode
 * run` does not print) — every hook of memflow's was gone that way once. Its tool hooks then run
 * against a loopback listener standing in for the relay's answer (the relay's own part is in
 * tests/hosts-code-push.test.ts, with the real OpenCode): the answer about a read file is appended to
 * the tool's result, on a line of its own; a call the relay does not answer waits the budget, then
 * adds nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { installOpencode, OPENCODE_PLUGIN_PATH } from '../../cli/hosts/install-opencode.js';

type Hook = (input: Record<string, unknown>, output: Record<string, unknown>) => Promise<void>;
type Plugin = (ctx: { directory: string }) => Promise<Record<string, Hook>>;

const ANSWER = '# memflow: decided or learned about payclient/retry.py\n- retries are capped at 7';
/**
 * The prompt budget the plugin runs with here (ms): generous, so a loaded machine (the unit tier runs
 * under coverage, files side by side) still answers in time; a call about slow.py is never answered.
 */
const BUDGET_MS = 2_000;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opencode-plugin-'));
const seen: string[] = [];
const relay = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d: Buffer) => (body += d.toString()));
  req.on('end', () => {
    seen.push(`${req.url} ${body}`);
    const touch = req.url === '/hook/opencode/tool.execute.before';
    if (touch && body.includes('slow.py')) return; // held until the listener closes
    res.end(touch ? ANSWER : '');
  });
});
const saved = { port: process.env.MEMFLOW_RELAY_PORT, budget: process.env.MEMFLOW_PROMPT_BUDGET_MS, spool: process.env.MEMFLOW_SPOOL_DIR };
let plugin: Plugin;

before(async () => {
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  process.env.MEMFLOW_RELAY_PORT = String((relay.address() as AddressInfo).port);
  process.env.MEMFLOW_PROMPT_BUDGET_MS = String(BUDGET_MS);
  process.env.MEMFLOW_SPOOL_DIR = path.join(dir, 'spool');
  installOpencode({ dir, home: dir, url: 'http://127.0.0.1:8080', noMcp: true });
  // OpenCode imports the file as an ES module; here under a name Node reads as one whatever the folder's package.json says.
  const file = path.join(dir, 'plugin.mjs');
  fs.copyFileSync(path.join(dir, OPENCODE_PLUGIN_PATH), file);
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  // OpenCode 1.18.33 takes every exported function as a plugin (a default export object with server() otherwise).
  const fns = Object.values(mod).filter((v): v is Plugin => typeof v === 'function');
  assert.equal(fns.length, 1, 'one plugin exported');
  plugin = fns[0]!;
});

after(async () => {
  for (const [name, value] of [['MEMFLOW_RELAY_PORT', saved.port], ['MEMFLOW_PROMPT_BUDGET_MS', saved.budget], ['MEMFLOW_SPOOL_DIR', saved.spool]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  relay.closeAllConnections();
  await new Promise((resolve) => relay.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One read through the plugin's tool hooks, as OpenCode 1.18.33 calls them; the tool's result afterwards. */
async function read(hooks: Record<string, Hook>, callID: string, file: string): Promise<string> {
  const input = { tool: 'read', sessionID: 'ses_1', callID };
  const args = { filePath: path.join(dir, file) };
  await hooks['tool.execute.before']!(input, { args });
  const output = { title: file, output: `<content>\n1: MAX_ATTEMPTS = 7\n</content>`, metadata: {}, attachments: undefined };
  await hooks['tool.execute.after']!({ ...input, args }, output);
  return output.output;
}

test('opencode plugin: the installed module loads, and the answer about a read file is appended to what the model reads; a late answer adds nothing', async () => {
  const hooks = await plugin({ directory: dir });
  for (const name of ['event', 'chat.message', 'tool.execute.before', 'tool.execute.after', 'experimental.chat.system.transform', 'dispose']) assert.equal(typeof hooks[name], 'function', name);
  assert.equal(await read(hooks, 'call_1', 'payclient/retry.py'), `<content>\n1: MAX_ATTEMPTS = 7\n</content>\n\n${ANSWER}`);
  const asked = seen.find((s) => s.startsWith('/hook/opencode/tool.execute.before '));
  assert.ok(asked, 'the relay was asked at the start of the call');
  assert.deepEqual(JSON.parse(asked.slice(asked.indexOf(' ') + 1)), { sessionID: 'ses_1', directory: dir, tool: 'read', callID: 'call_1', args: { filePath: path.join(dir, 'payclient/retry.py') } });
  const t = Date.now();
  assert.equal(await read(hooks, 'call_2', 'slow.py'), `<content>\n1: MAX_ATTEMPTS = 7\n</content>`, 'past the wait: the result as the tool gave it');
  const waited = Date.now() - t;
  assert.ok(waited >= BUDGET_MS && waited < BUDGET_MS + 1_500, `an unanswered call waits the budget and the hop, no longer: ${waited} ms`);
  await hooks.dispose!({}, {});
});
