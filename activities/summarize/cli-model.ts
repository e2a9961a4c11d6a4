/**
 * The summarizer's model as the user's own agent CLI (Claude Code, Codex, Gemini CLI), under the same
 * contract as the API path (./summary-call.ts): the same system prompt and user message, the answer
 * validated against the same zod schema and redacted, a bounded repair when it does not validate,
 * usage (and the CLI's own cost, when it reports one) handed back to be recorded.
 *
 * Each call is one headless run in a fresh empty temporary folder (removed after), with no tools, no
 * MCP servers and no hooks (./cli-vendors.ts), and MEMFLOW_SUMMARIZER=1 in its environment, which
 * memflow's own hook clients answer with `{}` without capturing anything: the summarizer's session is
 * never memflow's. A run that cannot start, is refused (signed out, out of quota), or takes longer
 * than MEMFLOW_CLI_TIMEOUT_MS is killed with its process group and fails with LlmPathUnavailable: the
 * workflow then writes that summary offline (never lost). An answer that stays malformed after the
 * repairs fails with LlmMalformedOutput, as on the API path.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { Failure } from '../../messages/errors-v1.js';
import { redactValue } from '../../common/rules/redact.js';
import type { CliPathName } from '../../common/server/model-choice.js';
import { CLI_VENDORS, CliRefused, type CliAnswer } from './cli-vendors.js';
import { addUsage, NO_USAGE, type ModelClient, type StructuredCall, type StructuredResult, type Usage } from './summary-call.js';

/** The variable memflow's hook clients read to stay out of the summarizer's own session. */
export const SUMMARIZER_ENV = 'MEMFLOW_SUMMARIZER';

export interface CliModelOptions {
  cli: CliPathName;
  executable: string;
  /** The model asked of the CLI (its own default when undefined: the vendor's smallest). */
  model?: string | undefined;
  timeoutMs: number;
  /** More environment for the CLI (tests point it at a scripted model server; a HOME of its own). */
  env?: Record<string, string> | undefined;
}

/** What one run cost on this machine, besides tokens: wall time and the CPU of the CLI's process tree. */
export interface CliRunCost {
  wallMs: number;
  cpuMs: number;
}

/** Runs observed in this process (the per-session cost the docs state is measured from these). */
export const cliRunLog: CliRunCost[] = [];

export function cliModelClient(opts: CliModelOptions): ModelClient {
  const vendor = CLI_VENDORS[opts.cli];
  const model = opts.model ?? vendor.defaultModel;
  return {
    path: opts.cli,
    model: () => `${opts.cli}:${model}`,
    oneCallPerSession: true,
    call: <T>(call: StructuredCall<T>) => callCli(opts, model, call),
  };
}

/** The instruction that replaces "call the tool": the same answer, as one JSON object. */
export function jsonAnswerInstruction(toolName: string, toolDescription: string, schema: z.ZodType): string {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema) as Record<string, unknown>;
  return [
    `There are no tools here. Wherever these instructions say to call the ${toolName} tool, answer instead with exactly one JSON object: the input that tool would take (${toolDescription}).`,
    'Answer with the JSON object alone: no prose before or after it, no code fence. Its JSON Schema:',
    JSON.stringify(json),
  ].join('\n');
}

/** The JSON object in a text answer: the whole text, else the span from its first `{` to its last `}` (a fence or a sentence around it). */
export function jsonInText(text: string): unknown {
  const t = text.trim();
  try {
    return JSON.parse(t);
  } catch {
    const a = t.indexOf('{');
    const b = t.lastIndexOf('}');
    if (a < 0 || b <= a) throw new Error('the answer holds no JSON object');
    try {
      return JSON.parse(t.slice(a, b + 1));
    } catch (err) {
      throw new Error(`the answer's JSON does not parse (${(err as Error).message})`);
    }
  }
}

async function callCli<T>(opts: CliModelOptions, model: string, call: StructuredCall<T>): Promise<StructuredResult<T>> {
  const maxRepairs = call.maxRepairs ?? 2;
  const system = `${call.system}\n\n${jsonAnswerInstruction(call.toolName, call.toolDescription, call.shownSchema ?? call.schema)}`;
  let usage: Usage = NO_USAGE;
  let costUsd: number | undefined;
  let problem = '';
  let user = call.user;
  let answeredBy: string | undefined;
  for (let attempt = 0; attempt <= maxRepairs; attempt++) {
    const answer = await runOnce(opts, model, system, user);
    usage = addUsage(usage, answer.usage);
    if (answer.costUsd !== undefined) costUsd = (costUsd ?? 0) + answer.costUsd;
    answeredBy = answer.model ?? answeredBy;
    let value: unknown;
    try {
      value = jsonInText(answer.text);
    } catch (err) {
      problem = (err as Error).message;
    }
    if (value !== undefined) {
      const parsed = call.schema.safeParse(value);
      // What the model writes passes the same filter as what it read (docs/redaction.md).
      if (parsed.success) return { answer: redactValue(parsed.data).value, usage, requests: attempt + 1, ...(costUsd !== undefined ? { costUsd } : {}), model: `${opts.cli}:${answeredBy ?? model}` };
      problem = parsed.error.issues.slice(0, 8).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    }
    user = `${call.user}\n\n# Your previous answer did not validate\n${problem}.\nAnswer again with one corrected, complete JSON object and nothing else.`;
  }
  throw ApplicationFailure.create({
    message: `${opts.cli} answer still invalid after ${maxRepairs} repair request(s): ${problem}`,
    type: Failure.LlmMalformedOutput,
    nonRetryable: true,
    details: [{ usage }],
  });
}

const unavailable = (cli: string, why: string) => ApplicationFailure.create({ message: `${cli}: ${why}`, type: Failure.LlmPathUnavailable, nonRetryable: true });

/**
 * The worker's environment as an agent CLI is given it: everything the user's CLI may read (its
 * keys, base URLs, config folders, whatever variable a provider config names), without the worker's
 * own secrets (DATABASE_URL, PG*, WEAVIATE_*, TEMPORAL_*, MEMFLOW_*, VOYAGE_API_KEY).
 */
export function cliEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const worker = /^(DATABASE_URL|PG[A-Z]+|WEAVIATE_[A-Z_]+|TEMPORAL_[A-Z_]+|MEMFLOW_[A-Z_]+|VOYAGE_API_KEY)$/;
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string' && !worker.test(e[0])));
}

/** One headless run in an empty temporary folder; its answer, or LlmPathUnavailable. */
async function runOnce(opts: CliModelOptions, model: string, system: string, user: string): Promise<CliAnswer> {
  const vendor = CLI_VENDORS[opts.cli];
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'memflow-summarizer-'));
  const conf = path.join(os.homedir(), '.memflow', 'summarizer');
  const id = crypto.randomBytes(6).toString('hex');
  const inv = vendor.invocation({ model, system, user, dir, conf, id });
  const files = Object.keys(inv.files).map((name) => path.join(conf, name));
  try {
    if (files.length > 0) await fs.mkdir(conf, { recursive: true, mode: 0o700 });
    for (const [name, content] of Object.entries(inv.files)) await fs.writeFile(path.join(conf, name), content, { mode: 0o600 });
    const isScript = opts.executable.endsWith('.js') || opts.executable.endsWith('.mjs');
    const [cmd, args] = isScript ? [process.execPath, [opts.executable, ...inv.argv]] : [opts.executable, inv.argv];
    const run = await spawnWithLimit(cmd, args, { cwd: dir, env: { ...cliEnvironment({ ...process.env, ...opts.env }), ...inv.env, [SUMMARIZER_ENV]: '1' }, stdin: inv.stdin, timeoutMs: opts.timeoutMs });
    cliRunLog.push({ wallMs: run.wallMs, cpuMs: run.cpuMs });
    if (run.error) throw unavailable(opts.cli, run.error);
    try {
      return vendor.parse(run.stdout, run.code);
    } catch (err) {
      if (err instanceof CliRefused) throw unavailable(opts.cli, `${err.message}${run.stderr.trim() ? ` | ${run.stderr.trim().split('\n').slice(-2).join(' ').slice(0, 300)}` : ''}`);
      throw err;
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    for (const f of files) await fs.rm(f, { force: true }).catch(() => undefined);
  }
}

/**
 * CPU time of this process's reaped children (cutime + cstime of /proc/self/stat, in clock ticks of
 * 10 ms): a run's CPU is the difference around it, its whole process tree included. 0 off Linux.
 * Runs that overlap in one worker count each other's children.
 */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return 0;
  }
}

interface SpawnResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why the run gave no answer: it could not start, or it was killed at the time limit. */
  error?: string;
  wallMs: number;
  cpuMs: number;
}

/** Runs to exit with stdin written and closed; at the limit its whole process group is killed. */
function spawnWithLimit(cmd: string, args: string[], o: { cwd: string; env: NodeJS.ProcessEnv; stdin: string; timeoutMs: number }): Promise<SpawnResult> {
  const started = Date.now();
  const cpu0 = childrenCpuMs();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let error: string | undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-20_000)));
    child.stdin.on('error', () => undefined); // a CLI that exits before reading all of it
    child.stdin.end(o.stdin);
    const timer = setTimeout(() => {
      error = `no answer within ${o.timeoutMs} ms (MEMFLOW_CLI_TIMEOUT_MS); killed`;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, o.timeoutMs);
    const finish = (code: number | null) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ...(error ? { error } : {}), wallMs: Date.now() - started, cpuMs: childrenCpuMs() - cpu0 });
    };
    child.on('error', (err) => {
      error = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${cmd} is not installed (not found)` : `could not start ${cmd}: ${err.message}`;
      finish(null);
    });
    child.on('close', (code) => finish(code));
  });
}
