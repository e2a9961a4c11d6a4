/**
 * `npm run bench:hosts`: what memflow costs each of the other coding agents — Codex, Gemini CLI,
 * OpenCode, Copilot CLI — measured the way bench:agent measures Claude Code: the real CLI (pinned
 * npm version), headless, against its local scripted model stand-in, in a repository without
 * memflow and in one where `memflow install --host <host>` set it up, sessions alternating (A B B A
 * ...) with 0 and with 12 shell tool calls:
 *   added per session (start + end) = median(memflow, 0 calls) - median(none, 0 calls)
 *   added per tool call             = (added at 12 calls - added at 0 calls) / 12
 * and per tool call inside the sessions, which a session's start-up and exit do not blur (OpenCode's
 * vary by hundreds of milliseconds from one session to the next): the time from a 12-call session's
 * first model request to its last, as the local model stand-in received them, over 12 — each of those
 * gaps is one tool call with its hooks and the agent's own turn — median with memflow minus median
 * without.
 * Each variant keeps one repository for all its sessions, as a user does (OpenCode installs its
 * plugin's dependencies into the repository's .opencode/ on the first session there, seconds that
 * every later session is spared; the warm-up session takes them). The API, worker, Temporal and
 * Weaviate run on the same machine (as on a laptop). "Nothing lost at exit": after the run, the
 * memflow repository's stored tool calls and final answers are counted in PostgreSQL against what
 * the script made the agent do.
 *
 * The client is the one a teammate installs (--client packed, the default): `npm run pack:client`'s
 * tarball, `npm install -g` into a prefix of its own, whose bin folder alone gives `memflow` and
 * `memflow-hook` on the agents' PATH — its bundles, its relay, its parser. --client checkout runs this
 * checkout's bin instead (cli/memflow.js and its own cached bundles), as the tests do.
 *
 *   npm run bench:hosts -- --rounds 5 --hosts codex,gemini,opencode,copilot
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { freePort } from '../infra/ports.js';
import { waitUntil } from '../infra/wait-until.js';
import { AGENT_CLIS } from '../infra/agent-clis.js';
import { memflowOnPath, runCli, tempDir } from '../tests/fixtures/cli-run.js';
import { HOSTS, startHost, type HostDriver, type HostName } from '../tests/helpers/agent-hosts.js';
import { offersTools, pick, scriptOf, type Turn } from '../tests/helpers/scripted-turns.js';
import { loadAverage } from './proc-cpu.js';
import { benchSourceFile, benchTask, stateBenchRules, stateRulesInPrompts } from './agent-rules.js';
import { percentile, printColumns, startBenchServices } from './lib.js';
import { memflowCommand, packedClient } from './packed-client.js';

const signed = (ms: number) => `${ms >= 0 ? '+' : '−'}${Math.abs(ms).toFixed(0)}`;
const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);

/**
 * `calls` shell commands in the host's own shell tool, then a final answer. With `reads`, call i reads
 * the repository's source file of rule i (benchSourceFile): a file touch on PreToolUse.
 */
function shellSession(calls: number, answer: string, reads = 0) {
  const shell = (i: number) => (tools: string[]): Turn => {
    const name = pick(tools, 'exec_command', 'run_shell_command', 'bash', 'shell');
    const command = reads ? `cat ${benchSourceFile(i % reads).path} && ls` : `echo step-${i} && ls`;
    return name === 'exec_command' ? { tool: name, args: { cmd: command } } : { tool: name, args: { command, description: `step ${i}` } };
  };
  return scriptOf(Array.from({ length: calls }, (_, i) => shell(i)), answer);
}

interface Sample {
  variant: 'none' | 'memflow';
  calls: number;
  ms: number;
  /** From the first model request of the conversation to the last, over `calls` (sessions with calls). */
  perCallMs?: number;
  /** Where a session's own time goes: process start to its first model request, its last to its exit. */
  startMs?: number;
  exitMs?: number;
}

/** When the stand-in received the session's conversation requests (those offering tools), from request `from` on. */
function conversationTimes(fake: HostDriver['fake'], from: number): number[] {
  const model = new Set(fake.modelRequests);
  return fake.requests.slice(from).filter((r) => model.has(r) && offersTools(r.body)).map((r) => r.at);
}

/** The session's start (process start → first conversation request) and exit (last request → exit). */
function ends(at: number[], startedAt: number, endedAt: number): { startMs?: number; exitMs?: number } {
  return at.length === 0 ? {} : { startMs: at[0]! - startedAt, exitMs: endedAt - at[at.length - 1]! };
}

/** The session's time per tool call between its first and last model request, as the stand-in saw them. */
function perCall(at: number[], calls: number): number | undefined {
  return calls > 0 && at.length >= calls + 1 ? (at[at.length - 1]! - at[0]!) / calls : undefined;
}

/** A git repository with a README and, with `reads`, the source files the shell calls read. */
async function repository(name: string, reads = 0): Promise<string> {
  const repo = path.join(await tempDir('bench-host-repo'), name);
  await fs.mkdir(path.join(repo, 'src'), { recursive: true });
  execFileSync('git', ['init', '-q', repo]);
  await fs.writeFile(path.join(repo, 'README.md'), '# bench\n');
  for (let i = 0; i < reads; i++) {
    const f = benchSourceFile(i);
    await fs.writeFile(path.join(repo, f.path), f.text);
  }
  return repo;
}

async function main(): Promise<void> {
  const program = new Command('bench:hosts')
    .option('--rounds <n>', 'sessions of each kind per variant and host', '5')
    .option('--calls <n>', 'tool calls in the long sessions', '12')
    .option('--hosts <list>', HOSTS.join(','), HOSTS.join(','))
    .option('--no-mcp', "install without the host's MCP entry (what the MCP server's connection at start costs)")
    .option('--client <kind>', "packed: the packed client installed with npm install -g (what a teammate runs); checkout: this checkout's bin", 'packed')
    .option('--reads <n>', 'each shell call reads one of n source files of the repository (cat src/<topic>.py, defining the identifiers of --rules): the push at the code on PreToolUse; 0: calls read nothing', '0')
    .option('--stated', 'state the --rules in prompts through the installed hook (rules anchored to the code they name: the push at the code asks the API at a first touch of their files) instead of with memflow remember')
    .option('--rules <n>', "rules stated in each memflow repository's project first, and prompts that meet them, so the prompt's push has work to do (bench/agent-rules.ts; 0: none)", '0')
    .parse();
  const o = program.opts<{ rounds: string; calls: string; hosts: string; mcp: boolean; rules: string; client: string; reads: string; stated?: boolean }>();
  const reads = Number(o.reads);
  if (!Number.isInteger(reads) || reads < 0) throw new Error(`--reads is a whole number, not ${o.reads}`);
  if (o.client !== 'packed' && o.client !== 'checkout') throw new Error(`--client is packed or checkout, not ${o.client}`);
  const packed = o.client === 'packed' ? await packedClient() : undefined;
  const memflow = memflowCommand(Boolean(packed));
  const clientPath = packed ? `${packed.bin}${path.delimiter}${process.env.PATH ?? '/usr/bin:/bin'}` : await memflowOnPath();
  const ruleCount = Number(o.rules);
  if (!Number.isInteger(ruleCount) || ruleCount < 0) throw new Error(`--rules is a whole number, not ${o.rules}`);
  const rounds = Number(o.rounds);
  const calls = Number(o.calls);
  const hosts = o.hosts.split(',').map((h) => h.trim()) as HostName[];
  for (const h of hosts) if (!HOSTS.includes(h)) throw new Error(`unknown host '${h}' (one of ${HOSTS.join(', ')})`);

  const { api, prisma, tenant, stop } = await startBenchServices('bench-hosts');
  const table: [string, string[]][] = [];
  const loads: string[] = [];
  try {
    for (const host of hosts) {
      loads.push(`${host}: load average ${loadAverage()} before`);
      const noneHome = await tempDir(`bench-${host}-none`);
      const memHome = await tempDir(`bench-${host}-memflow`);
      const memEnv = {
        PATH: clientPath,
        HOME: memHome,
        MEMFLOW_API_KEY: tenant.key,
        MEMFLOW_SPOOL_DIR: path.join(memHome, 'spool'),
        MEMFLOW_CACHE_DIR: path.join(memHome, 'cache'),
        MEMFLOW_RELAY_PORT: String(await freePort()),
        MEMFLOW_RELAY_IDLE_MS: '600000',
      };
      const agents: Record<Sample['variant'], HostDriver> = {
        none: await startHost(host, noneHome, shellSession(0, 'ok', reads)),
        memflow: await startHost(host, memHome, shellSession(0, 'ok', reads)),
      };
      const repos: Record<Sample['variant'], string> = { none: await repository(`none-${host}`, reads), memflow: await repository(`memflow-${host}`, reads) };
      const inst = await memflow(['install', '--host', host, '--url', api.url, ...(o.mcp ? [] : ['--no-mcp'])], { cwd: repos.memflow, env: memEnv });
      if (inst.code !== 0) throw new Error(`memflow install --host ${host}: ${inst.stderr}`);
      if (ruleCount && o.stated) {
        // Claude-shaped bodies through the installed hook as Codex's (the same fields): each rule in a session of its own.
        const hook = async (event: string, body: Record<string, unknown>) => {
          const r = await runCli([], { cwd: repos.memflow, env: { ...memEnv, MEMFLOW_URL: api.url }, input: JSON.stringify(body), shell: `exec memflow-hook ${event} --host codex` });
          if (r.code !== 0) throw new Error(`memflow-hook ${event}: ${r.stderr}`);
        };
        loads.push(`${host}: ${await stateRulesInPrompts(ruleCount, hook, { cwd: repos.memflow, project: path.basename(repos.memflow), url: api.url, key: tenant.key })}`);
      } else if (ruleCount) loads.push(`${host}: ${await stateBenchRules(ruleCount, (args) => memflow(args, { cwd: repos.memflow, env: { ...memEnv, MEMFLOW_URL: api.url } }), { url: api.url, key: tenant.key })}`);
      const samples: Sample[] = [];
      let n = 0;
      /** Tool calls and final answers the memflow sessions made, warm-up included. */
      const made = { tools: 0, stops: 0 };
      const one = async (variant: Sample['variant'], k: number) => {
        const answer = `done ${host} ${variant} ${n++}`;
        agents[variant].fake.script = shellSession(k, answer, reads);
        const from = agents[variant].fake.requests.length;
        const task = ruleCount ? ` (${benchTask(n, ruleCount)})` : '';
        const run = await agents[variant].run(`${answer}: run the steps${task}`, repos[variant], variant === 'memflow' ? memEnv : {});
        const endedAt = Date.now();
        if (run.code !== 0) throw new Error(`${host} exited ${run.code}: ${run.stderr.slice(-800)}`);
        const at = conversationTimes(agents[variant].fake, from);
        samples.push({ variant, calls: k, ms: run.ms, perCallMs: perCall(at, k), ...ends(at, endedAt - run.ms, endedAt) });
        if (variant === 'memflow') {
          made.tools += k;
          made.stops++;
        }
      };
      try {
        // Warm-up: one of each (first start of a HOME, the hook bundle, the relay).
        await one('none', 0);
        await one('memflow', 0);
        samples.length = 0;
        for (let r = 0; r < rounds; r++) {
          const order: Sample['variant'][] = r % 2 === 0 ? ['none', 'memflow'] : ['memflow', 'none'];
          for (const k of [0, calls]) for (const v of order) await one(v, k);
        }
      } finally {
        await agents.none.stop();
        await agents.memflow.stop();
      }
      // Nothing lost: every tool call and final answer of the memflow sessions, stored.
      const stored = { tools: 0, stops: 0 };
      await waitUntil(
        async () => {
          const rows = await prisma.observation.groupBy({ by: ['kind'], where: { tenantId: tenant.tenantId, project: { name: path.basename(repos.memflow) } }, _count: true });
          stored.tools = rows.find((r) => r.kind === 'tool')?._count ?? 0;
          stored.stops = rows.find((r) => r.kind === 'stop')?._count ?? 0;
          return stored.tools >= made.tools && stored.stops >= made.stops;
        },
        { what: `${host}: every tool call and final answer stored`, timeoutMs: 120_000, intervalMs: 1000 },
      ).catch(() => undefined);
      // How many SessionStarts the relay answered from the context it held ready (the rest asked the API).
      const health = await fetch(`http://127.0.0.1:${memEnv.MEMFLOW_RELAY_PORT}/health`)
        .then(async (r) => (await r.json()) as { startContexts?: { served: number; fetched: number }; answers?: Record<string, { n: number; p50: number; p95: number }> })
        .catch(() => undefined);
      const relayHealth = health?.startContexts;
      // The relay's own clock per kind of hook (its answer, apart from the hook process and the host around it).
      const answers = Object.entries(health?.answers ?? {})
        .filter(([kind]) => kind.startsWith(`${host}/`))
        .map(([kind, a]) => `${kind.slice(host.length + 1)} ${a.p50.toFixed(1)} / ${a.p95.toFixed(1)} (n ${a.n})`)
        .join(', ');
      await memflow(['relay', 'stop'], { env: memEnv });
      const pickMs = (v: Sample['variant'], k: number) => samples.filter((s) => s.variant === v && s.calls === k).map((s) => s.ms);
      const inside = (v: Sample['variant']) => samples.filter((s) => s.variant === v && s.perCallMs !== undefined).map((s) => s.perCallMs!);
      const addedSession = median(pickMs('memflow', 0)) - median(pickMs('none', 0));
      const part = (v: Sample['variant'], key: 'startMs' | 'exitMs', k: number) => median(samples.filter((s) => s.variant === v && s.calls === k && s[key] !== undefined).map((s) => s[key]!));
      const split = (key: 'startMs' | 'exitMs', k = 0) => `${part('none', key, k).toFixed(0)} / ${part('memflow', key, k).toFixed(0)} (${signed(part('memflow', key, k) - part('none', key, k))})`;
      const addedLong = median(pickMs('memflow', calls)) - median(pickMs('none', calls));
      table.push([
        `${host} ${AGENT_CLIS[host].version}`,
        [
          `${median(pickMs('none', 0)).toFixed(0)} / ${median(pickMs('memflow', 0)).toFixed(0)}`,
          `${median(pickMs('none', calls)).toFixed(0)} / ${median(pickMs('memflow', calls)).toFixed(0)}`,
          addedSession.toFixed(0),
          ((addedLong - addedSession) / calls).toFixed(1),
          `${median(inside('none')).toFixed(1)} / ${median(inside('memflow')).toFixed(1)} (n ${inside('none').length} / ${inside('memflow').length})`,
          (median(inside('memflow')) - median(inside('none'))).toFixed(1),
          `${stored.tools} / ${made.tools}, ${stored.stops} / ${made.stops}`,
          split('startMs'),
          split('exitMs'),
          split('startMs', calls),
          split('exitMs', calls),
          relayHealth ? `${relayHealth.served} / ${made.stops}, ${relayHealth.fetched} fetched` : 'unknown',
          answers || 'unknown',
        ],
      ]);
      loads.push(`${host}: load average ${loadAverage()} after`);
      // Each host's row as soon as it is measured: a long run cut short still says what it found.
      console.log(`bench:hosts ${table[table.length - 1]![0]}: ${table[table.length - 1]![1].join(' | ')} (${loads.slice(-2).join(', ')})`);
    }
  } finally {
    await stop();
  }
  console.log(`\nbench:hosts — ${rounds} sessions of each kind per variant and host, medians; ${os.cpus().length} cores; client: ${packed ? `packed (${path.basename(packed.tarball)}, npm install -g)` : 'this checkout'}; rules ${ruleCount}${o.stated ? ' (stated in prompts, anchored)' : ''}; shell calls ${reads ? `read one of ${reads} source files` : 'read no file'}`);
  for (const l of loads) console.log(`  ${l}`);
  const header = ['0 calls: none / memflow (ms)', `${calls} calls: none / memflow (ms)`, 'added per session (ms)', 'added per tool call (ms)', `a tool call inside ${calls}-call sessions: none / memflow (ms)`, 'added per tool call, inside sessions (ms)', 'stored / made: tool calls, final answers', '0 calls: start to first model request, none / memflow (ms)', '0 calls: last model request to exit, none / memflow (ms)', `${calls} calls: start to first model request, none / memflow (ms)`, `${calls} calls: last model request to exit, none / memflow (ms)`, "memflow's SessionStarts answered from the relay's held context / sessions", "the relay's answer by hook, p50 / p95 (ms)"];
  printColumns(
    'what memflow adds to a headless session of each agent',
    table.map(([c]) => c),
    header.map((h, i) => [h, table.map(([, v]) => v[i]!)] as [string, string[]]),
  );
}

main().catch((err: Error) => {
  console.error(`bench:hosts: ${err.message}`);
  process.exit(1);
});
