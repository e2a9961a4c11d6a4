/**
 * `npm run bench:agent`: what memflow costs the agent, measured in the real Claude Code CLI (the
 * pinned npm version), headless, against a scripted local Messages API, with memflow set up by
 * `memflow install` (hooks through the local relay, the MCP server over HTTP) or not set up at all.
 *
 * Sessions alternate (A B B A ...) between a repository without memflow and one with it, each with
 * 0 and with 40 Bash tool calls (--calls; 12 before 2026-11-28: the difference of two medians of
 * sub-second sessions over 12 calls read 6.6 to 20.5 ms per call for the same code), so that:
 *   added per session (start + end) = median(memflow, 0 calls) - median(none, 0 calls)
 *   added per tool call             = (added at N calls - added at 0 calls) / N
 * under four conditions of the API: direct (local), behind a 50 ms round trip (a delaying proxy),
 * refusing connections, and hanging (accepts, never answers).
 *
 * CPU on the agent's machine of everything memflow starts there: the relay (from /proc, before and
 * after each session) and every hook process (`memflow-hook`, SessionStart's, timed by bash's `time`
 * through a wrapper on PATH; the wrapper's own bash is not counted), per event the relay took. SessionStart
 * is the wall time of its hook process (it answers with the context). MCP readiness comes from
 * Claude Code's own debug log ("Successfully connected ... in N ms") of extra sessions run with
 * --debug, in both repositories; from the same logs, where a session's time goes as Claude Code
 * saw it: its first model request after its first log line (with and without memflow), and how
 * long it waited on each of memflow's hooks.
 *
 *   npm run bench:agent -- --rounds 5 --conditions direct,rtt50,refused,hanging
 *   npm run bench:agent -- --rounds 5 --conditions direct --mcp-sessions 30   each hook's wait, p95 over 30 sessions
 *   npm run bench:agent -- --rounds 10 --conditions direct --tool read --no-mcp   the hooks alone: memflow without its MCP server (Claude Code defers MCP tools: docs/push.md)
 *
 * The client is the one a teammate installs (--client packed, the default: bench/packed-client.ts);
 * --client checkout runs this checkout's bin instead.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { freePort } from '../infra/ports.js';
import { relayHealth } from '../cli/relay/lifecycle.js';
import { AGENT_CLIS } from '../infra/agent-clis.js';
import { ClaudeHarness } from '../tests/helpers/claude-cli.js';
import { ScriptedClaude, type Step } from '../tests/helpers/scripted-claude.js';
import { cpuSecondsOf, loadAverage } from './proc-cpu.js';
import { ROLES, sampleRoleCpu, type Role } from './role-cpu.js';
import { benchTask, stateBenchRules } from './agent-rules.js';
import { percentile, printColumns, startBenchServices } from './lib.js';
import { memflowCommand, packedClient } from './packed-client.js';

type Condition = 'direct' | 'rtt50' | 'refused' | 'hanging';

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
const p95 = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 95);

/** Listens on a free loopback port; close() cuts every open connection, then stops listening. */
async function listening(server: net.Server, sockets: Set<net.Socket>): Promise<{ port: number; close(): Promise<void> }> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A TCP proxy that holds every chunk `oneWayMs` in each direction: a round trip of 2 x oneWayMs. */
async function delayingProxy(target: number, oneWayMs: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.once('close', () => sockets.delete(s));
    }
    const pipe = (from: net.Socket, to: net.Socket) => from.on('data', (d) => setTimeout(() => to.write(d), oneWayMs));
    pipe(client, upstream);
    pipe(upstream, client);
    client.once('close', () => setTimeout(() => upstream.destroy(), oneWayMs));
    upstream.once('close', () => setTimeout(() => client.destroy(), oneWayMs));
  });
  return listening(server, sockets);
}

/** Accepts connections and never answers. */
async function hangingServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => s.destroy());
  });
  return listening(server, sockets);
}

/** A `memflow-hook` on PATH that runs the real one under bash's `time` and logs `<event> real user sys`. */
function timingWrapper(dir: string, realPath: string, log: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const real = path.join(realPath.split(path.delimiter).find((d) => fs.existsSync(path.join(d, 'memflow-hook')))!, 'memflow-hook');
  fs.writeFileSync(
    path.join(dir, 'memflow-hook'),
    `#!/usr/bin/env bash\nTIMEFORMAT="$1 %R %U %S"\n{ time '${real}' "$@" 2>/dev/null; } 2>>'${log}'\n`,
    { mode: 0o755 },
  );
}

/** Hook events the harness's relay has taken since it started. */
async function relayReceived(h: ClaudeHarness): Promise<number> {
  const health = await relayHealth(Number(h.env.MEMFLOW_RELAY_PORT));
  return health && health !== 'foreign' ? Number(health.spool?.received ?? 0) : 0;
}

/** What a `claude --debug` log says about one session: times in ms. */
interface DebugTimes {
  firstRequestMs?: number;
  mcpMs?: number;
  /** Claude Code's wait per memflow hook event (SessionStart's command hook, the http hooks). */
  hooks: Record<string, number[]>;
}

const stamp = (line: string) => Date.parse(line.slice(0, 24));

function readDebugLog(text: string): DebugTimes {
  const lines = text.split('\n').filter((l) => /^\d{4}-\d\d-\d\dT/.test(l));
  const t0 = lines.length ? stamp(lines[0]!) : 0;
  const out: DebugTimes = { hooks: {} };
  const add = (event: string, ms: number) => (out.hooks[event] ??= []).push(ms);
  const first = lines.find((l) => l.includes('[API REQUEST] /v1/messages'));
  if (first) out.firstRequestMs = stamp(first) - t0;
  const mcp = lines.map((l) => /MCP server "memflow": Successfully connected \(transport: http\) in (\d+)ms/.exec(l)).find(Boolean);
  if (mcp) out.mcpMs = Number(mcp[1]);
  // Each http hook's POST and its answer (only memflow's http hooks run in these sessions).
  let pending: { event: string; at: number } | undefined;
  for (const l of lines) {
    const start = /Hooks: SessionStart:\w+ \[memflow-hook session-start\] finished with status \d+ \((\d+)ms\)/.exec(l);
    if (start) add('session-start', Number(start[1]));
    const post = /HTTP hook POST to \S+\/hook\/([a-z-]+)/.exec(l);
    if (post) pending = { event: post[1]!, at: stamp(l) };
    else if (pending && /HTTP hook response status/.test(l)) {
      add(pending.event, stamp(l) - pending.at);
      pending = undefined;
    }
  }
  return out;
}

interface Sample {
  variant: 'none' | 'memflow';
  calls: number;
  ms: number;
  events: number;
  cpuMs: number;
}

type Tool = 'bash' | 'read';

let readFiles = 0;
/**
 * A session's tool calls: Bash commands, or (--tool read) Reads of files written for it, new to every
 * session, so that every call is a first touch and memflow's PreToolUse hook asks the relay for the
 * file's push (the sessions without memflow read as many files).
 */
function steps(calls: number, answer: string, tool: Tool, repo: string): Step[] {
  const call = (i: number): Step => {
    if (tool === 'bash') return { tool: 'Bash', input: { command: `echo step-${i} && ls`, description: `step ${i}` } };
    const file = path.join(repo, 'src', `module_${++readFiles}.py`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `def f_${readFiles}():\n    return ${i}\n`);
    return { tool: 'Read', input: { file_path: file } };
  };
  return [...Array.from({ length: calls }, (_, i) => call(i)), { text: answer }];
}

async function main(): Promise<void> {
  const program = new Command('bench:agent')
    .option('--rounds <n>', 'sessions of each kind per variant and condition', '5')
    .option('--calls <n>', 'tool calls in the long sessions', '40')
    .option('--conditions <list>', 'direct,rtt50,refused,hanging', 'direct,rtt50,refused,hanging')
    .option('--mcp-sessions <n>', "extra --debug sessions to read the MCP connection time and each hook's wait from (30 for a p95)", '3')
    .option('--tool <bash|read>', 'the tool calls: Bash commands, or Reads of new files (each a first touch: the file push is asked)', 'bash')
    .option('--no-mcp', "install memflow without its MCP server: what the hooks alone cost")
    .option('--rules <n>', 'rules stated in the project before the sessions, and prompts that meet them (0: none; the push then has nothing to score)', '0')
    .option('--client <kind>', "packed: the packed client installed with npm install -g (what a teammate runs); checkout: this checkout's bin", 'packed')
    .parse();
  const o = program.opts<{ rounds: string; calls: string; conditions: string; mcpSessions: string; tool: string; rules: string; mcp: boolean; client: string }>();
  if (o.client !== 'packed' && o.client !== 'checkout') throw new Error(`--client is packed or checkout, not ${o.client}`);
  const packed = o.client === 'packed' ? await packedClient() : undefined;
  const run = memflowCommand(Boolean(packed));
  const ruleCount = Number(o.rules);
  if (!Number.isInteger(ruleCount) || ruleCount < 0) throw new Error(`--rules is a whole number, not ${o.rules}`);
  /** A session's prompt: its label, and with --rules a task that meets one of the rules. */
  let tasks = 0;
  const promptOf = (label: string) => (ruleCount ? `${label}: ${benchTask(tasks++, ruleCount)}` : label);
  if (o.tool !== 'bash' && o.tool !== 'read') throw new Error(`--tool is bash or read, not ${o.tool}`);
  const tool = o.tool as Tool;
  const rounds = Number(o.rounds);
  const calls = Number(o.calls);
  const conditions = o.conditions.split(',') as Condition[];

  const { api, tenant, stop } = await startBenchServices('bench-agent');
  const model = new ScriptedClaude();
  await model.start();
  const table: [string, string[]][] = [];
  const debugRows: [string, string[]][] = [];
  const relayRows: [string, string[]][] = [];
  /** CPU ms per memflow event by role (bench/role-cpu.ts), per condition. */
  const roleRows: [string, string[]][] = [];
  /** What the API was asked, by route (its /metrics), per condition. */
  const requestNotes: string[] = [];
  const loads: string[] = [];
  /** With --rules: what the rules' setup said, per condition. */
  const pushNotes: string[] = [];
  try {
    for (const condition of conditions) {
      loads.push(`${condition}: load average ${loadAverage()} before`);
      const helper =
        condition === 'rtt50' ? await delayingProxy(Number(new URL(api.url).port), 25) : condition === 'hanging' ? await hangingServer() : undefined;
      const apiUrl = condition === 'direct' ? api.url : condition === 'refused' ? `http://127.0.0.1:${await freePort()}` : `http://127.0.0.1:${helper!.port}`;
      const none = await ClaudeHarness.create({ model, apiUrl, key: tenant.key, relayPort: await freePort(), repoName: `none-${condition}`, groundTruth: false });
      const mem = await ClaudeHarness.create({ model, apiUrl, key: tenant.key, relayPort: await freePort(), repoName: `memflow-${condition}`, groundTruth: false });
      if (packed) mem.env.PATH = `${packed.bin}${path.delimiter}${process.env.PATH ?? '/usr/bin:/bin'}`;
      /** `memflow <args>` in the memflow repository, with its settings: the packed client's, or this checkout's. */
      const memflow = (args: string[]) => run(args, { cwd: mem.repo, env: mem.env });
      const hookLog = path.join(mem.home, 'hook-times.log');
      timingWrapper(path.join(mem.home, 'bin'), mem.env.PATH!, hookLog);
      mem.env.PATH = `${path.join(mem.home, 'bin')}${path.delimiter}${mem.env.PATH}`;
      const inst = await memflow(['install', ...(o.mcp ? [] : ['--no-mcp']), ...(condition === 'direct' || condition === 'rtt50' ? [] : ['--offline'])]);
      if (inst.code !== 0) throw new Error(`memflow install failed: ${inst.stderr}`);
      const relayPid = (JSON.parse((await memflow(['relay', 'status', '--json'])).stdout) as { pid: number }).pid;
      if (ruleCount && (condition === 'direct' || condition === 'rtt50')) pushNotes.push(`${condition}: ${await stateBenchRules(ruleCount, memflow, { url: api.url, key: tenant.key })}`);

      const samples: Sample[] = [];
      const one = async (h: ClaudeHarness, variant: Sample['variant'], n: number) => {
        const prompt = promptOf(`bench ${condition} ${variant} ${n} ${samples.length}`);
        model.add({ prompt, steps: steps(n, `done ${samples.length}`, tool, h.repo) });
        const hooksBefore = fs.existsSync(hookLog) ? fs.readFileSync(hookLog, 'utf8').split('\n').filter(Boolean).length : 0;
        const relayBefore = cpuSecondsOf(relayPid) ?? 0;
        const receivedBefore = await relayReceived(mem);
        const run = await h.headless(prompt);
        if (run.code !== 0) throw new Error(`claude exited ${run.code}: ${run.stderr}`);
        let cpuMs = 0;
        let events = 0;
        if (variant === 'memflow') {
          // The relay's delivery behind the session counts too: wait until it is idle again.
          await new Promise((r) => setTimeout(r, condition === 'direct' || condition === 'rtt50' ? 1500 : 300));
          const lines = fs.readFileSync(hookLog, 'utf8').split('\n').filter(Boolean).slice(hooksBefore);
          // Every event the relay took (the http hooks' too, which start no process).
          events = (await relayReceived(mem)) - receivedBefore;
          cpuMs = ((cpuSecondsOf(relayPid) ?? relayBefore) - relayBefore) * 1000 + lines.reduce((s, l) => s + (Number(l.split(' ')[2]) + Number(l.split(' ')[3])) * 1000, 0);
        }
        samples.push({ variant, calls: n, ms: run.ms, events, cpuMs });
        // The CPU each role used from the last session's end to this one's (a memflow session's includes the wait above).
        const used = roleCpu.mark();
        const bucket = roleBuckets.get(`${variant}:${n}`) ?? { sessions: 0, cpu: Object.fromEntries(ROLES.map((r) => [r, 0])) as Record<Role, number> };
        bucket.sessions++;
        for (const r of ROLES) bucket.cpu[r] += used[r];
        roleBuckets.set(`${variant}:${n}`, bucket);
      };
      // The stack's CPU by role, per kind of session (bench/role-cpu.ts): sampled from here to the last measured session.
      const roleCpu = sampleRoleCpu();
      const roleBuckets = new Map<string, { sessions: number; cpu: Record<Role, number> }>();
      // Warm-up: one of each (first start of a HOME, the hook bundle, the relay's first delivery).
      await one(none, 'none', 0);
      await one(mem, 'memflow', 0);
      samples.length = 0;
      roleBuckets.clear();
      const requestsBefore = condition === 'direct' ? await apiRequestCounts(api.url) : undefined;
      for (let r = 0; r < rounds; r++) {
        const order: [ClaudeHarness, Sample['variant']][] = r % 2 === 0 ? [[none, 'none'], [mem, 'memflow']] : [[mem, 'memflow'], [none, 'none']];
        for (const n of [0, calls]) for (const [h, v] of order) await one(h, v, n);
      }
      roleCpu.stop();
      if (requestsBefore) {
        // What the API was asked over the measured sessions, per memflow session's tool call.
        const after = await apiRequestCounts(api.url);
        const memCalls = samples.filter((x) => x.variant === 'memflow').reduce((t, x) => t + x.calls, 0);
        const memSessions = samples.filter((x) => x.variant === 'memflow').length;
        requestNotes.push(`${condition}: API requests over ${memSessions} memflow sessions (${memCalls} tool calls): ${[...after].map(([k, n]) => [k, n - (requestsBefore.get(k) ?? 0)] as const).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')}`);
      }
      // Per role: a session's CPU (0 calls) and what each tool call adds (the long sessions' less the short ones', per call).
      const perSession = (key: string, r: Role) => {
        const b = roleBuckets.get(key);
        return b && b.sessions ? (b.cpu[r] * 1000) / b.sessions : NaN;
      };
      roleRows.push([
        condition,
        ROLES.map((r) => {
          const cell = (v: Sample['variant']) => `${perSession(`${v}:0`, r).toFixed(1)} / ${((perSession(`${v}:${calls}`, r) - perSession(`${v}:0`, r)) / calls).toFixed(2)}`;
          return `${cell('memflow')} | ${cell('none')}`;
        }),
      ]);
      // SessionStart hook wall times, and MCP readiness from --debug sessions.
      // The warm-up session's start (the first after install: nothing held yet) is shown apart, as
      // the warm-up is left out of every other figure.
      const [firstStart, ...starts] = fs
        .readFileSync(hookLog, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('session-start '))
        .map((l) => Number(l.split(' ')[1]) * 1000);
      const mcpMs: number[] = [];
      const firstRequest: Record<Sample['variant'], number[]> = { none: [], memflow: [] };
      const hookWaits: Record<string, number[]> = {};
      for (let i = 0; i < Number(o.mcpSessions); i++) {
        for (const [h, variant] of [[none, 'none'], [mem, 'memflow']] as const) {
          const prompt = promptOf(`bench debug ${condition} ${variant} ${i}`);
          model.add({ prompt, steps: steps(1, 'ok', tool, h.repo) });
          const debugDir = path.join(h.home, '.claude', 'debug');
          fs.rmSync(debugDir, { recursive: true, force: true });
          await h.headless(prompt, ['--debug']);
          for (const f of fs.existsSync(debugDir) ? fs.readdirSync(debugDir).filter((x) => x.endsWith('.txt')) : []) {
            const d = readDebugLog(fs.readFileSync(path.join(debugDir, f), 'utf8'));
            if (d.firstRequestMs !== undefined) firstRequest[variant].push(d.firstRequestMs);
            if (d.mcpMs !== undefined) mcpMs.push(d.mcpMs);
            for (const [event, ms] of Object.entries(d.hooks)) (hookWaits[event] ??= []).push(...ms);
          }
        }
      }
      debugRows.push([
        condition,
        [
          `${firstRequest.none.length ? median(firstRequest.none).toFixed(0) : 'n/a'} / ${firstRequest.memflow.length ? median(firstRequest.memflow).toFixed(0) : 'n/a'}`,
          ...HOOK_ROWS.map((e) => (hookWaits[e]?.length ? `${median(hookWaits[e]!).toFixed(0)} / ${p95(hookWaits[e]!).toFixed(0)} / ${Math.max(...hookWaits[e]!).toFixed(0)} (${hookWaits[e]!.length})` : 'n/a')),
        ],
      ]);
      const pick = (v: Sample['variant'], n: number) => samples.filter((s) => s.variant === v && s.calls === n);
      const addedSession = median(pick('memflow', 0).map((s) => s.ms)) - median(pick('none', 0).map((s) => s.ms));
      const addedLong = median(pick('memflow', calls).map((s) => s.ms)) - median(pick('none', calls).map((s) => s.ms));
      const mems = samples.filter((s) => s.variant === 'memflow');
      const cpuPerEvent = mems.reduce((s, x) => s + x.cpuMs, 0) / Math.max(1, mems.reduce((s, x) => s + x.events, 0));
      table.push([
        condition,
        [
          `${median(pick('none', 0).map((s) => s.ms)).toFixed(0)} / ${median(pick('memflow', 0).map((s) => s.ms)).toFixed(0)}`,
          `${median(pick('none', calls).map((s) => s.ms)).toFixed(0)} / ${median(pick('memflow', calls).map((s) => s.ms)).toFixed(0)}`,
          addedSession.toFixed(0),
          ((addedLong - addedSession) / calls).toFixed(1),
          cpuPerEvent.toFixed(1),
          `${median(starts).toFixed(0)} / ${p95(starts).toFixed(0)} (${starts.length})`,
          firstStart !== undefined ? firstStart.toFixed(0) : 'n/a',
          mcpMs.length ? `${median(mcpMs).toFixed(0)} (${mcpMs.length})` : 'n/a',
        ],
      ]);
      loads.push(`${condition}: load average ${loadAverage()} after`);
      // The relay's own clock over every session of the condition (cli/relay/answer-times.ts): its part of each hook's wait.
      const health = await relayHealth(Number(mem.env.MEMFLOW_RELAY_PORT));
      const answers = (health && health !== 'foreign' ? (health as { answers?: Record<string, { n: number; p50: number; p95: number; max: number }> }).answers : undefined) ?? {};
      relayRows.push([condition, RELAY_ROWS.map((k) => (answers[k] ? `${answers[k].p50.toFixed(2)} / ${answers[k].p95.toFixed(2)} / ${answers[k].max.toFixed(1)} (${answers[k].n})` : 'n/a'))]);
      await mem.stopRelay();
      await helper?.close();
    }
  } finally {
    await model.close();
    await stop();
  }
  const header = ['0 calls: none / memflow (ms)', `${calls} calls: none / memflow (ms)`, 'added per session (ms)', 'added per tool call (ms)', 'CPU per event (ms)', 'SessionStart hook p50 / p95 (ms, n)', 'first SessionStart after install (ms)', 'MCP connected in (ms, n)'];
  console.log(`\nbench:agent — Claude Code ${AGENT_CLIS.claude.version}, ${rounds} sessions of each kind per variant, ${calls} ${tool === "read" ? "Reads of new files" : "Bash calls"} in the long ones, medians; ${os.cpus().length} cores${ruleCount ? `; ${ruleCount} rules stated in the project, each prompt meets one` : ''}${o.mcp ? '' : '; memflow installed without its MCP server (--no-mcp)'}; client: ${packed ? `packed (${path.basename(packed.tarball)}, npm install -g)` : 'this checkout'}`);
  for (const l of pushNotes) console.log(`  ${l}`);
  for (const l of loads) console.log(`  ${l}`);
  for (const l of requestNotes) console.log(`  ${l}`);
  // One row per condition: print transposed (conditions as columns) for readability.
  printColumns(
    'what memflow adds to a headless Claude Code session',
    table.map(([c]) => c),
    header.map((h, i) => [h, table.map(([, v]) => v[i]!)] as [string, string[]]),
  );
  const debugHeader = ['first model request after start: none / memflow (ms)', ...HOOK_ROWS.map((e) => `Claude Code waited on ${e}: median / p95 / max (ms, n)`)];
  printColumns(
    `where the time goes, from Claude Code's --debug logs (${o.mcpSessions} sessions of each variant, 1 tool call)`,
    debugRows.map(([c]) => c),
    debugHeader.map((h, i) => [h, debugRows.map(([, v]) => v[i]!)] as [string, string[]]),
  );
  printColumns(
    "the relay's own clock: request read to answer written, every session of the condition (GET /health answers)",
    relayRows.map(([c]) => c),
    RELAY_ROWS.map((k, i) => [`${k}: p50 / p95 / max (ms, n)`, relayRows.map(([, v]) => v[i]!)] as [string, string[]]),
  );
  printColumns(
    "CPU by role, ms: a session of 0 calls / added per tool call, memflow | none (bench/role-cpu.ts, sampled between sessions: a memflow session's work behind it counts to it; `other`: the rest of the machine, Claude Code among it; the scripted model is the bench client)",
    roleRows.map(([c]) => c),
    ROLES.map((r, i) => [r, roleRows.map(([, v]) => v[i]!)] as [string, string[]]),
  );
}

/** Requests the API answered so far, by method, route and status class (its Prometheus histogram's counts). */
async function apiRequestCounts(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/^memflow_http_request_duration_seconds_count\{([^}]*)\} (\d+)/gm)) {
    const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(m[1]!)?.[1] ?? '?';
    counts.set(`${label('method')} ${label('route')} ${label('status_class')}`, Number(m[2]));
  }
  return counts;
}

/** The relay's answer kinds shown (a file tool's hook is its own kind). */
const RELAY_ROWS = ['session-start', 'user-prompt-submit', 'pre-tool-use:Read', 'post-tool-use:Read', 'post-tool-use', 'stop'];

const HOOK_ROWS = ['session-start', 'user-prompt-submit', 'pre-tool-use', 'post-tool-use', 'stop', 'session-end'];

main().catch((err: Error) => {
  console.error(`bench:agent: ${err.message}`);
  process.exit(1);
});
