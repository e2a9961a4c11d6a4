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
 * Each round starts a new relay (no parse of the tree kept) that first serves an earlier session in another folder
 * (a prompt, a Read of a README and of a script there, a shell call), as the relay, a daemon, has when an agent's
 * session begins: its code and the parser's thread are warm, not its kept parses. Its index is read first, as a
 * session's prompt does (and
 * with it the prewarm: the files of the tree that name an identifier are parsed while the model thinks; the
 * planted tree is no git repository, so it is walked), then reads the files as an agent fixing a bug does: the
 * test, the module, the session's next tool call, then the other modules. A second pass reads the module first
 * after it changed since the prewarm (a line added, as the agent's or the developer's edit does; no parse
 * kept): its parse is not waited for (larger than MEMFLOW_FILE_PARSE_INLINE_BYTES) and its push goes with the
 * session's next tool call (cli/relay/later-push.ts). `--no-prewarm` starts each session in a folder outside
 * the tree (nothing is parsed ahead): every parse is then on the Read's path.
 *
 *   npm run bench:file-touch -- --rounds 20
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { CodeReader } from '../common/code/code-names.js';
import { loadAverage } from './proc-cpu.js';
import { postHook } from './hook-post.js';
import { percentile, printTable } from './lib.js';

const opts = new Command('bench:file-touch')
  .option('--rounds <n>', 'rounds (a new relay each)', '20')
  .option('--think-ms <n>', "the model's turn between two touches", '300')
  .option('--no-prewarm', 'start each session outside the tree: nothing is parsed ahead of the Reads')
  .parse(process.argv)
  .opts<{ rounds: string; thinkMs: string; prewarm: boolean }>();
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
/** Where the sessions start (their prompts' cwd: what the prewarm reads): the tree, or with --no-prewarm an empty folder. */
const sessionCwd = opts.prewarm ? repo : fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-bench-touch-elsewhere-'));
/** The earlier session's folder: a README and a script that names an anchored identifier (so the parser's thread is up). */
const earlier = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-bench-touch-earlier-'));
fs.writeFileSync(path.join(earlier, 'README.md'), '# tools\n\nScripts of the ops team.\n');
fs.writeFileSync(path.join(earlier, 'report.py'), 'from pay.format import format_amount\n\n\ndef report(rows):\n    return [format_amount(r) for r in rows]\n');
/** An earlier session of the relay's, in another folder: the relay has served agents before this session. */
async function earlierSession(relayPort: number, r: number): Promise<void> {
  const s = `e${r}`;
  await post(relayPort, 'user-prompt-submit', { session_id: s, hook_event_name: 'UserPromptSubmit', cwd: earlier, prompt: 'tidy the report script' });
  await sleep(300);
  for (const [i, f] of ['README.md', 'report.py'].entries()) await readFile(relayPort, s, path.join(earlier, f), `${r}-e${i}`);
  await post(relayPort, 'post-tool-use', { session_id: s, hook_event_name: 'PostToolUse', cwd: earlier, tool_name: 'Bash', tool_input: { command: 'python report.py' }, tool_use_id: `${r}-eb`, tool_response: { stdout: 'ok' } });
  await sleep(500);
}
const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;

const agent = new http.Agent({ keepAlive: true });
/** A hook posted to the relay: the round trip (ms), the relay's own clock (its Server-Timing), the answer. */
async function post(relayPort: number, event: string, body: unknown): Promise<{ ms: number; relayMs: number; text: string }> {
  return postHook(agent, relayPort, event, body, { authorization: 'Bearer mf_bench_touch', 'x-memflow-url': apiUrl, 'x-memflow-project': 'pay' });
}

/** The relay in a process of its own (bench/file-touch-relay.ts), as the relay daemon runs beside an agent. */
async function startRelay(spoolDir: string | 'bare'): Promise<{ port: number; close: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'file-touch-relay.ts'), spoolDir, apiUrl], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(readline.createInterface({ input: child.stdout! }), 'line')) as [string];
  const { port } = JSON.parse(line) as { port: number };
  return {
    port,
    close: async () => {
      const exited = once(child, 'exit');
      child.stdin!.end();
      await exited;
    },
  };
}
/** Where the module's push reached the agent: with its Read, with the session's next hook, or neither. */
const where = { read: 0, next: 0, none: 0 };
const pushed = (t: string) => t.includes('# memflow: about');
/**
 * One Read as Claude Code makes it since memflow installs no PreToolUse hook on Read: the tool reads the file, then
 * PostToolUse carries the result and is answered with the file's push (cli/claude-hook-handlers.ts).
 */
async function readFile(relayPort: number, session: string, file: string, id: string): Promise<{ ms: number; relayMs: number; pushed: boolean }> {
  const after = await post(relayPort, 'post-tool-use', { ...touch(session, file, id), hook_event_name: 'PostToolUse', tool_response: { type: 'text', file: { filePath: file } } });
  return { ms: after.ms, relayMs: after.relayMs, pushed: pushed(after.text) };
}
/** The session's next tool call after the model's turn (it runs the tests): its PostToolUse. */
const bashMs: Timed[] = [];
async function nextCall(relayPort: number, session: string, id: string): Promise<boolean> {
  await sleep(thinkMs);
  const bash = async (i: string) => post(relayPort, 'post-tool-use', { session_id: session, hook_event_name: 'PostToolUse', cwd: repo, tool_name: 'Bash', tool_input: { command: 'git status' }, tool_use_id: i, tool_response: { stdout: 'clean' } });
  const after = await post(relayPort, 'post-tool-use', { session_id: session, hook_event_name: 'PostToolUse', cwd: repo, tool_name: 'Bash', tool_input: { command: 'pytest -q' }, tool_use_id: id, tool_response: { stdout: '1 failed' } });
  // Two more shell calls: a PostToolUse that is only spooled (the part of every Read's cost that is not the file's).
  for (const k of [1, 2]) bashMs.push(await bash(`${id}-b${k}`));
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

/** A hook's round trip as the hook's client sees it, and the relay's own clock. */
type Timed = { ms: number; relayMs: number };
const times = { test: [] as Timed[], moduleWarm: [] as Timed[], others: [] as Timed[], moduleCold: [] as Timed[], all: [] as Timed[] };
const spool = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-bench-touch-spool-'));
for (let r = 0; r < rounds; r++) {
  const relay = await startRelay(path.join(spool, String(r)));
  try {
    await earlierSession(relay.port, r);
    // The session's prompt (its index read again when due) and the prewarm, while the model thinks.
    const s = `s${r}`;
    await post(relay.port, 'user-prompt-submit', { session_id: s, hook_event_name: 'UserPromptSubmit', cwd: sessionCwd, prompt: 'The cent rounding is off for 0.125' });
    await sleep(1500);
    const t1 = await readFile(relay.port, s, testFile, `${r}-t`);
    await sleep(thinkMs);
    const t2 = await readFile(relay.port, s, moduleFile, `${r}-m`);
    count(t2.pushed, await nextCall(relay.port, s, `${r}-n`));
    times.test.push(t1);
    times.moduleWarm.push(t2);
    times.all.push(t1, t2);
    for (const [i, f] of others.entries()) {
      const t = await readFile(relay.port, s, f, `${r}-o${i}`);
      times.others.push(t);
      times.all.push(t);
    }
  } finally {
    await relay.close();
  }
  // The module read first, changed since the prewarm read it (no parse of this version kept): its parse is not waited
  // for (more than MEMFLOW_FILE_PARSE_INLINE_BYTES); the push goes with the session's next hook.
  const cold = await startRelay(path.join(spool, `c${r}`));
  try {
    await earlierSession(cold.port, 1000 + r);
    await post(cold.port, 'user-prompt-submit', { session_id: `c${r}`, hook_event_name: 'UserPromptSubmit', cwd: sessionCwd, prompt: 'Look at the rounding module' });
    await sleep(1500);
    fs.writeFileSync(moduleFile, `${moduleText}# edited in round ${r}\n`);
    const t = await readFile(cold.port, `c${r}`, moduleFile, `${r}-c`);
    times.moduleCold.push(t);
    count(t.pushed, await nextCall(cold.port, `c${r}`, `${r}-cn`));
  } finally {
    await cold.close();
    fs.writeFileSync(moduleFile, moduleText);
  }
}
// The machine's own share: a bare Node server in a process of its own, hooks posted with the same pauses (the prompt's
// 1.5 s, the model's turn, then the other Reads back to back).
const bare: Timed[] = [];
{
  const server = await startRelay('bare');
  try {
    for (let r = 0; r < rounds; r++) {
      for (const pause of [1500, thinkMs, ...others.map(() => 0)]) {
        await sleep(pause);
        bare.push(await post(server.port, 'post-tool-use', touch(`b${r}`, testFile, `b${r}`)));
      }
    }
  } finally {
    await server.close();
  }
}
api.close();
agent.destroy();

const fmt = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${percentile(s, 50).toFixed(2)} / ${percentile(s, 95).toFixed(2)} / ${s.at(-1)!.toFixed(2)}`;
};
/** Round trip and the relay's own clock, each p50 / p95 / max. */
const both = (xs: Timed[]) => `${fmt(xs.map((x) => x.ms))} | ${fmt(xs.map((x) => x.relayMs))}`;
const ahead = opts.prewarm ? 'parsed ahead by the prewarm' : 'no prewarm: parsed at the Read';
printTable(
  `A Read at the relay (Claude Code's PostToolUse; the relay a process of its own), ms: round trip p50 / p95 / max | the relay's own clock p50 / p95 / max; ${rounds} rounds, ${moduleText.split('\n').length}-line module, ${ahead}; load ${loadAverage()}`,
  [
    [`the failing test (10 lines; ${opts.prewarm ? 'parsed ahead' : 'cold parse'})`, both(times.test)],
    [`the module (2,000 lines; ${opts.prewarm ? 'parsed ahead' : 'parsed behind the test'})`, both(times.moduleWarm)],
    [`40 other modules (30 name no identifier; 10 do: ${opts.prewarm ? 'parsed ahead' : 'parsed at the Read'})`, both(times.others)],
    ['every Read of a session (42 each)', both(times.all)],
    ['the module read first, changed since the prompt (its parse not waited for)', both(times.moduleCold)],
    ['tree-sitter parse of the module alone (warm grammar, this process)', fmt(parseMs)],
    ["for comparison: a shell call's PostToolUse (spooled, no file)", both(bashMs)],
    ['for comparison: a bare Node HTTP server, the same pauses (42 a round)', both(bare)],
  ],
);
console.log(`the module's push reached the agent: with its Read ${where.read}, with the session's next tool call ${where.next} (${thinkMs} ms later), not at all ${where.none} (of ${rounds * 2} module Reads)`);
process.exit(0);
