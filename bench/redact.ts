/**
 * `npm run bench:redact`: what redaction costs on the hook path, per KiB of payload.
 *
 * The API redacts every hook body with redactValue before anything is stored (api/capture/hook-routes.ts);
 * this measures that call on realistic Claude Code payloads built from the redaction corpus
 * (tests/fixtures/redaction-corpus.ts): a prompt, a Bash tool result full of coding output (git log,
 * lockfiles, logs, hashes) with a few secrets in it, a Read of a source file, and a large tool output.
 * Pure CPU, no stack. Target: < 0.1 ms/KiB. Prints the load average, since the machine is shared.
 *
 *   npm run bench:redact -- --seconds 1
 */
import os from 'node:os';
import { Command } from 'commander';
import { redactValue } from '../common/rules/redact.js';
import { NEGATIVES, POSITIVES } from '../tests/fixtures/redaction-corpus.js';

const opts = new Command('bench:redact')
  .option('--seconds <n>', 'measuring time per payload', '1')
  .parse(process.argv)
  .opts<{ seconds: string }>();

/** Coding output with one secret every `every` items, cut to about `kib` KiB. */
function output(kib: number, every: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < kib * 1024; i++) {
    const s = i % every === every - 1 ? POSITIVES[i % POSITIVES.length]!.text : NEGATIVES[i % NEGATIVES.length]!;
    parts.push(s);
    size += s.length + 1;
  }
  return parts.join('\n').slice(0, kib * 1024);
}

const base = { session_id: '0b7c6f7e-3a1d-4d59-9b1e-1f2f3a4b5c6d', transcript_path: '/home/dev/.claude/projects/x/t.jsonl', cwd: '/home/dev/shop' };
const PAYLOADS: [string, unknown][] = [
  ['prompt (prose, 1 secret)', { ...base, hook_event_name: 'UserPromptSubmit', prompt: `${POSITIVES[0]!.text}. ${output(1, 1000)}` }],
  ['Bash result 4 KiB', { ...base, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command: 'git log -n 20 && cat package-lock.json' }, tool_response: { stdout: output(4, 12), stderr: '', interrupted: false } }],
  ['Read result 32 KiB', { ...base, hook_event_name: 'PostToolUse', tool_name: 'Read', tool_input: { file_path: '/home/dev/shop/src/auth.ts' }, tool_response: { file: { content: output(32, 25) } } }],
  ['Bash result 256 KiB', { ...base, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command: 'npm ci --verbose' }, tool_response: { stdout: output(256, 40), stderr: '' } }],
];

function measure(payload: unknown, seconds: number): { perOpMs: number; ops: number } {
  for (let i = 0; i < 20; i++) redactValue(payload); // warm-up (JIT, key-name cache)
  const until = performance.now() + seconds * 1000;
  let ops = 0;
  const t0 = performance.now();
  while (performance.now() < until) {
    redactValue(payload);
    ops++;
  }
  return { perOpMs: (performance.now() - t0) / ops, ops };
}

const seconds = Number(opts.seconds);
const rows = PAYLOADS.map(([name, payload]) => {
  const kib = Buffer.byteLength(JSON.stringify(payload)) / 1024;
  const { perOpMs, ops } = measure(payload, seconds);
  return { payload: name, KiB: kib.toFixed(1), ops, 'ms/op': perOpMs.toFixed(3), 'ms/KiB': (perOpMs / kib).toFixed(4), target: perOpMs / kib < 0.1 ? 'ok (< 0.1)' : 'OVER 0.1' };
});
console.table(rows);
const [l1, l5, l15] = os.loadavg();
console.log(`load average ${l1!.toFixed(2)} ${l5!.toFixed(2)} ${l15!.toFixed(2)} on ${os.cpus().length} cores; node ${process.version}`);
if (rows.some((r) => r.target !== 'ok (< 0.1)')) process.exitCode = 1;
