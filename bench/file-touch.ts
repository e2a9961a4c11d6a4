/**
 * `npm run bench:file-touch`: what a file touch costs the agent at the relay (docs/push.md, "At the
 * code"): the real relay, in process, answering Claude Code's PostToolUse of each Read (memflow installs no
 * PreToolUse hook on Read: a Read's push goes with its result) for the files of a planted Python project —
 * its failing test, the module under test (about 2,000 lines), and 40 other modules — with the project's
 * index holding anchored identifiers (some of them words the other modules use too, so some of those are
 * parsed and ruled out by their names). The API is a local stand-in that answers at once: the figure is
 * the relay's own work (reading the file, deciding whether to parse, parsing with tree-sitter, matching,
 * the loopback hop), not the API's round trip (bench:decisions and bench:agent measure that).
 *
 * Each round starts a new relay (no parse kept) whose index is read first, as a session's prompt does,
 * then reads the files as an agent fixing a bug does: the test, the module (after the model's turn,
 * while the relay parsed the test's imports), the session's next tool call, then the other modules. A second
 * pass reads the module first (no parse kept, no prewarm: the planted tree is no git repository): its parse is
 * not waited for (larger than MEMFLOW_FILE_PARSE_INLINE_BYTES) and its push goes with the session's next
 * tool call (cli/relay/later-push.ts).
 *
 *   npm run bench:file-touch -- --rounds 20
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { startRelay } from '../cli/relay/relay-server.js';
import { CodeReader } from '../common/code/code-names.js';
import { loadAverage } from './proc-cpu.js';
import { postHook } from './hook-post.js';
import { percentile, printTable } from './lib.js';

const opts = new Command('bench:file-touch').option('--rounds <n>', 'rounds (a new relay each)', '20').option('--think-ms <n>', "the model's turn between two touches", '300').parse(process.argv).opts<{ rounds: string; thinkMs: string }>();
const rounds = Math.max(3, Number(opts.rounds));
const thinkMs = Math.max(0, Number(opts.thinkMs));

// The planted project: a 2,000-line module whose one function a rule is anchored to, its test, 40 other modules.
const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-bench-touch-'));
const write = (f: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(repo, f)), { recursive: true });
  fs.writeFileSync(path.join(repo, f), text);
  return path.join(repo, f);
};
const fn = (name: string, i: number) => `def ${name}(amount, places=2):\n    """Rounds {amount} for ledger line ${i}."""\n    value = decimal.Decimal(amount) * ${i}\n    if value < 0:\n        raise ValueError("negative")\n    return value.quantize(decimal.Decimal(10) ** -places)\n\n`;
const moduleText = `import decimal\nfrom pay.currency import CURRENCIES\n\nMAX_ATTEMPTS = 7\n\n${Array.from({ length: 284 }, (_, i) => fn(`helper_${i}`, i)).join('')}${fn('round_half_even', 999)}`;
const moduleFile = write('pay/rounding.py', moduleText);
const testFile = write('tests/test_rounding.py', 'import pytest\nfrom pay.rounding import round_half_even, MAX_ATTEMPTS\n\n\ndef test_cent():\n    assert round_half_even("0.125") == decimal.Decimal("0.12")\n\n\ndef test_attempts():\n    assert MAX_ATTEMPTS == 7\n');
write('pay/currency.py', 'CURRENCIES = ("EUR", "USD")\n');
const others = Array.from({ length: 40 }, (_, m) =>
  write(`pay/mod_${m}.py`, `import os\nfrom pay import util\n\n${Array.from({ length: 20 + (m % 5) * 10 }, (_, i) => `def op_${m}_${i}(x):\n    # uses ${m % 4 === 0 ? 'format_amount' : 'plain'} here\n    return util.step(x) + ${i}\n\n`).join('')}`),
);
// The anchored identifiers: the rule's two, names of other modules' code (format_amount: a word four modules use), and 300 more.
const identifiers = ['round_half_even', 'max_attempts', 'format_amount', ...Array.from({ length: 300 }, (_, i) => `anchored_name_${i}`)];

const api = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://api');
  const body = url.pathname === '/v1/context/files' ? { names: ['billing/rates.json'], complete: true, identifiers } : { context: url.searchParams.get('anchors') ? `# memflow: about ${url.searchParams.get('anchors')}` : '', tokens: 8, items: [] };
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
});
await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;

const agent = new http.Agent({ keepAlive: true });
async function post(relayPort: number, event: string, body: unknown): Promise<{ ms: number; text: string }> {
  return postHook(agent, relayPort, event, body, { authorization: 'Bearer mf_bench_touch', 'x-memflow-url': apiUrl, 'x-memflow-project': 'pay' });
}
/** Where the module's push reached the agent: with its Read, with the session's next hook, or neither. */
const where = { read: 0, next: 0, none: 0 };
const pushed = (t: string) => t.includes('# memflow: about');
/**
 * One Read as Claude Code makes it since memflow installs no PreToolUse hook on Read: the tool reads the file, then
 * PostToolUse carries the result and is answered with the file's push (cli/claude-hook-handlers.ts).
 */
async function readFile(relayPort: number, session: string, file: string, id: string): Promise<{ ms: number; pushed: boolean }> {
  const after = await post(relayPort, 'post-tool-use', { ...touch(session, file, id), hook_event_name: 'PostToolUse', tool_response: { type: 'text', file: { filePath: file } } });
  return { ms: after.ms, pushed: pushed(after.text) };
}
/** The session's next tool call after the model's turn (it runs the tests): its PostToolUse. */
const bashMs: number[] = [];
async function nextCall(relayPort: number, session: string, id: string): Promise<boolean> {
  await sleep(thinkMs);
  const bash = async (i: string) => post(relayPort, 'post-tool-use', { session_id: session, hook_event_name: 'PostToolUse', cwd: repo, tool_name: 'Bash', tool_input: { command: 'git status' }, tool_use_id: i, tool_response: { stdout: 'clean' } });
  const after = await post(relayPort, 'post-tool-use', { session_id: session, hook_event_name: 'PostToolUse', cwd: repo, tool_name: 'Bash', tool_input: { command: 'pytest -q' }, tool_use_id: id, tool_response: { stdout: '1 failed' } });
  // Two more shell calls: a PostToolUse that is only spooled (the part of every Read's cost that is not the file's).
  for (const k of [1, 2]) bashMs.push((await bash(`${id}-b${k}`)).ms);
  return pushed(after.text);
}
const count = (read: boolean, next: boolean) => (read ? where.read++ : next ? where.next++ : where.none++);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const touch = (session: string, file: string, id: string) => ({ session_id: session, hook_event_name: 'PreToolUse', cwd: repo, tool_name: 'Read', tool_input: { file_path: file }, tool_use_id: id });

// The parser alone on the module (warm grammar), for reference.
const reader = new CodeReader();
await reader.load('python');
const parseMs: number[] = [];
for (let i = 0; i < 10; i++) {
  const t0 = performance.now();
  await reader.names('python', moduleText);
  parseMs.push(performance.now() - t0);
}

const times = { test: [] as number[], moduleWarm: [] as number[], others: [] as number[], moduleCold: [] as number[], all: [] as number[] };
const spool = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-bench-touch-spool-'));
for (let r = 0; r < rounds; r++) {
  const relay = await startRelay({ port: 0, spoolDir: path.join(spool, String(r)), defaultUrl: apiUrl, startBudgetMs: 200, promptBudgetMs: 300 });
  try {
    // The session's prompt reads the project's index (and the relay loads the grammars) while the model thinks.
    await post(relay.port, 'user-prompt-submit', { session_id: `p${r}`, hook_event_name: 'UserPromptSubmit', cwd: repo, prompt: 'The cent rounding is off for 0.125' });
    await sleep(1500);
    const s = `s${r}`;
    const t1 = await readFile(relay.port, s, testFile, `${r}-t`);
    await sleep(thinkMs);
    const t2 = await readFile(relay.port, s, moduleFile, `${r}-m`);
    count(t2.pushed, await nextCall(relay.port, s, `${r}-n`));
    times.test.push(t1.ms);
    times.moduleWarm.push(t2.ms);
    times.all.push(t1.ms, t2.ms);
    for (const [i, f] of others.entries()) {
      const t = await readFile(relay.port, s, f, `${r}-o${i}`);
      times.others.push(t.ms);
      times.all.push(t.ms);
    }
  } finally {
    await relay.close();
  }
  // The module read first, in a relay that never parsed it (this tree is no git repository: no prewarm): its parse is
  // not waited for (more than MEMFLOW_FILE_PARSE_INLINE_BYTES); the push goes with the session's next hook.
  const cold = await startRelay({ port: 0, spoolDir: path.join(spool, `c${r}`), defaultUrl: apiUrl, startBudgetMs: 200, promptBudgetMs: 300 });
  try {
    await post(cold.port, 'user-prompt-submit', { session_id: `cp${r}`, hook_event_name: 'UserPromptSubmit', cwd: repo, prompt: 'Look at the rounding module' });
    await sleep(1500);
    const t = await readFile(cold.port, `c${r}`, moduleFile, `${r}-c`);
    times.moduleCold.push(t.ms);
    count(t.pushed, await nextCall(cold.port, `c${r}`, `${r}-cn`));
  } finally {
    await cold.close();
  }
}
api.close();
agent.destroy();

const fmt = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${percentile(s, 50).toFixed(2)} / ${percentile(s, 95).toFixed(2)} / ${s.at(-1)!.toFixed(2)}`;
};
printTable(`A Read at the relay (Claude Code's PostToolUse), ms (p50 / p95 / max), ${rounds} rounds, ${moduleText.split('\n').length}-line module; load ${loadAverage()}`, [
  ['the failing test (cold parse, 10 lines)', fmt(times.test)],
  ['the module (2,000 lines, parsed behind the test)', fmt(times.moduleWarm)],
  ['40 other modules (most not parsed, 10 parsed)', fmt(times.others)],
  ['every Read of a session (42 each)', fmt(times.all)],
  ['the module read first (its parse not waited for)', fmt(times.moduleCold)],
  ['tree-sitter parse of the module alone (warm grammar)', fmt(parseMs)],
  ["for comparison: a shell call's PostToolUse (spooled, no file)", fmt(bashMs)],
]);
console.log(`the module's push reached the agent: with its Read ${where.read}, with the session's next tool call ${where.next} (${thinkMs} ms later), not at all ${where.none} (of ${rounds * 2} module Reads)`);
process.exit(0);
