/**
 * `npm run bench:staleness`: how true the injected context stays as code changes, with and without
 * the staleness check, and what the check costs the agent.
 *
 * The benchmark creates a real git repository (TypeScript-like files of small functions) and scripts
 * coding sessions on it: each session fixes one function (an Edit that replaces a line with a few new
 * ones, sometimes edited again in the same session), commits, and leaves a learning whose citations
 * are made by the summarizer's own code (activities/summarize/summary-citations.ts) from the Edit payloads, with
 * the session's branch and HEAD. Some sessions run on feature branches; half of those are merged.
 * Then later history happens to what the learnings cite, each learning's truth kept by the script:
 *   still true: code inserted above (lines move), re-indentation, one cited line tweaked, the file
 *     renamed (the code exists, under another path), nothing at all;
 *   no longer true: the fixed lines rewritten, the fix reverted, the file deleted, the branch never
 *     merged (checked out on main).
 * Contexts of 12 learnings are then checked on main exactly as the hook client does at SessionStart
 * (common/workspace/recall-staleness.ts checkContext: file reads, line hashing, at most one git process, what git told
 * kept per HEAD in a cache file as the hook client keeps it).
 * Reported: precision of the injected items (share still true) before and after the check, the share
 * of true items wrongly dropped, how many were marked "may be outdated", and the check's cost per
 * context (p50/p95), with the load average (the machine is shared). No stack needed.
 *
 *   npm run bench:staleness -- --sessions 240 --seed 7
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { citationsOfToolCall, mergeCitations, settleCitations } from '../activities/summarize/summary-citations.js';
import type { Citation } from '../common/rules/citations.js';
import { gitHead } from '../common/workspace/git-head.js';
import { checkContext, type CheckableItem } from '../common/workspace/recall-staleness.js';
import { seeded } from './hook-traffic.js';
import { percentile, printColumns, printTable } from './lib.js';

const opts = new Command('bench:staleness')
  .option('--sessions <n>', 'scripted coding sessions (one learning each)', '240')
  .option('--files <n>', 'source files in the repository', '40')
  .option('--context <n>', 'learnings per injected context', '12')
  .option('--rounds <n>', 'start contexts per learning (later rounds: stale ones superseded by then)', '5')
  .option('--seed <n>', 'random seed', '7')
  .parse(process.argv)
  .opts<{ sessions: string; files: string; context: string; rounds: string; seed: string }>();

// Seeded (bench/hook-traffic.ts), so a run can be repeated.
const rand = seeded(Number(opts.seed));
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-bench-staleness-'));
const cacheFile = path.join(`${repo}-cache`, 'staleness-git.json');
const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@e', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@e' } }).trim();
const filePath = (f: string) => path.join(repo, f);
const readLines = (f: string) => fs.readFileSync(filePath(f), 'utf8').split('\n');
const writeLines = (f: string, lines: string[]) => fs.writeFileSync(filePath(f), lines.join('\n'));

function fn(file: number, i: number): string[] {
  return [
    `export function f${file}_${i}(input: number, opts: Options${file}): number {`,
    `  const base${file}_${i} = input * ${(i % 7) + 2} + opts.offset${i % 5};`,
    `  const scale${file}_${i} = normalize${file}(base${file}_${i}, ${i + 11});`,
    `  if (scale${file}_${i} > LIMIT_${file}_${i % 9}) return scale${file}_${i} - ${i + 3};`,
    `  return scale${file}_${i};`,
    `}`,
    '',
  ];
}

interface Learning {
  id: string;
  file: string;
  fn: number;
  branch: string;
  commit: string;
  citations: Citation[];
  /** The fix's lines as committed (to rewrite or tweak them later). */
  added: string[];
  /** The line the fix replaced (restored by a revert). */
  replaced: string;
  truth: boolean;
  fate: string;
}

const FUNCS_PER_FILE = 24;
const nFiles = Number(opts.files);
const files = Array.from({ length: nFiles }, (_, i) => `src/mod${i}.ts`);
const freeFns = new Map(files.map((f) => [f, Array.from({ length: FUNCS_PER_FILE }, (_, i) => i)]));

function setup(): void {
  git('init', '-q', '-b', 'main');
  fs.mkdirSync(path.join(repo, 'src'));
  files.forEach((f, fi) => writeLines(f, [`import { normalize${fi}, type Options${fi} } from './lib${fi}.js';`, '', ...Array.from({ length: FUNCS_PER_FILE }, (_, i) => fn(fi, i)).flat()]));
  git('add', '.');
  git('commit', '-qm', 'init');
}

/** The captured Edit payload of replacing line `at` (0-based) of `file` with `next`, as Claude Code sends it. */
function editPayload(file: string, before: string[], at: number, next: string[]) {
  const ctxFrom = Math.max(0, at - 2);
  const ctxTo = Math.min(before.length, at + 3);
  const lines = [...before.slice(ctxFrom, at).map((l) => ` ${l}`), `-${before[at]}`, ...next.map((l) => `+${l}`), ...before.slice(at + 1, ctxTo).map((l) => ` ${l}`)];
  return {
    tool_input: { file_path: filePath(file), old_string: before[at], new_string: next.join('\n') },
    tool_response: { filePath: filePath(file), structuredPatch: [{ oldStart: ctxFrom + 1, oldLines: ctxTo - ctxFrom, newStart: ctxFrom + 1, newLines: ctxTo - ctxFrom - 1 + next.length, lines }] },
  };
}

const lineIndexOf = (lines: string[], needle: string) => lines.findIndex((l) => l.trim() === needle.trim());

/** One scripted session: fixes one function (sometimes editing its own fix again), commits. */
function session(n: number, branch: string): Learning | undefined {
  const candidates = files.filter((f) => (freeFns.get(f) ?? []).length > 0);
  if (candidates.length === 0) return undefined;
  const file = pick(candidates);
  const free = freeFns.get(file)!;
  const fnIdx = free.splice(Math.floor(rand() * free.length), 1)[0]!;
  const fi = files.indexOf(file);
  let lines = readLines(file);
  const at = lineIndexOf(lines, `const scale${fi}_${fnIdx} = normalize${fi}(base${fi}_${fnIdx}, ${fnIdx + 11});`);
  const replaced = lines[at]!;
  let added = [
    `  const clamped${fi}_${fnIdx} = Math.min(base${fi}_${fnIdx}, CAP_${n});`,
    `  const scale${fi}_${fnIdx} = normalize${fi}(clamped${fi}_${fnIdx}, ${fnIdx + 11}, { strict: true });`,
    ...(rand() < 0.5 ? [`  log.debug("s${n}: clamped ${fi}/${fnIdx}", clamped${fi}_${fnIdx});`] : []),
  ];
  const edits: { sequence: number; citations: Citation[] }[] = [];
  const p1 = editPayload(file, lines, at, added);
  edits.push({ sequence: 1, citations: citationsOfToolCall('Edit', p1, repo) });
  lines = [...lines.slice(0, at), ...added, ...lines.slice(at + 1)];
  if (rand() < 0.2) {
    // The session revises its own fix: the first version's line is gone by the end of the session.
    const second = `  const clamped${fi}_${fnIdx} = Math.min(Math.max(0, base${fi}_${fnIdx}), CAP_${n});`;
    const p2 = editPayload(file, lines, at, [second]);
    edits.push({ sequence: 2, citations: citationsOfToolCall('Edit', p2, repo) });
    lines = [...lines.slice(0, at), second, ...lines.slice(at + 1)];
    added = [second, ...added.slice(1)];
  }
  writeLines(file, lines);
  git('commit', '-qam', `session ${n}: fix f${fi}_${fnIdx}`);
  const settled = settleCitations(edits);
  const citations = mergeCitations([...settled.values()].flat());
  return { id: `L${n}`, file, fn: fnIdx, branch, commit: git('rev-parse', 'HEAD'), citations, added, replaced, truth: true, fate: 'untouched' };
}

/** Later history on main: what happens to the code a learning cites, and whether it stays true. */
function later(l: Learning, all: Learning[]): void {
  const r = rand();
  if (!fs.existsSync(filePath(l.file))) return;
  let lines = readLines(l.file);
  const at = lineIndexOf(lines, l.added[0]!);
  if (at < 0) return;
  if (r < 0.22) {
    const fi = files.indexOf(l.file);
    const extra = Array.from({ length: int(4, 25) }, (_, k) => `export const moved${fi}_${l.fn}_${k} = ${k * 17};`);
    lines = [lines[0]!, ...extra, ...lines.slice(1)];
    l.fate = 'moved (lines inserted above)';
  } else if (r < 0.32) {
    lines = lines.map((x, i) => (i >= at && i < at + l.added.length ? `  ${x}` : x));
    l.fate = 're-indented';
  } else if (r < 0.42 && l.added.length >= 3) {
    lines[at + l.added.length - 1] = lines[at + l.added.length - 1]!.replace('clamped', 'capped');
    l.fate = 'one cited line tweaked';
  } else if (r < 0.54) {
    lines.splice(at, l.added.length, `  const scale${files.indexOf(l.file)}_${l.fn} = rescale(input, opts);`);
    l.fate = 'rewritten';
    l.truth = false;
  } else if (r < 0.64) {
    lines.splice(at, l.added.length, l.replaced);
    l.fate = 'reverted';
    l.truth = false;
  } else if (r < 0.655) {
    git('rm', '-q', l.file);
    for (const o of all) if (o.file === l.file && o.truth) {
      o.truth = false;
      o.fate = 'file deleted';
    }
    return void git('commit', '-qm', `delete ${l.file}`);
  } else if (r < 0.67) {
    const to = l.file.replace('.ts', '_renamed.ts');
    git('mv', l.file, to);
    for (const o of all) if (o.file === l.file && o.truth) o.fate = 'file renamed (still true)';
    files[files.indexOf(l.file)] = to;
    return void git('commit', '-qm', `rename ${l.file}`);
  } else {
    return;
  }
  writeLines(l.file, lines);
  git('commit', '-qam', `later: ${l.fate} ${l.id}`);
}

/**
 * The check as the hook client pays it: once, in a fresh Node process (cold code, cold caches of
 * the module), timed inside that process around checkContext alone.
 */
function coldChecks(chunk: Learning[], head: ReturnType<typeof gitHead>, runs: number): number[] {
  const items: CheckableItem[] = chunk.map((l) => ({ id: l.id, type: 'learning', line: `- [fix] ${l.id}`, citations: l.citations, gitBranch: l.branch, gitCommit: l.commit, onDefaultBranch: null }));
  const input = path.join(repo, '.bench-items.json');
  fs.writeFileSync(input, JSON.stringify({ items, head, context: ['# memflow', ...items.map((i) => i.line)].join('\n') }));
  const script = [
    `import fs from 'node:fs';`,
    `import { checkContext } from ${JSON.stringify(path.resolve('common/workspace/recall-staleness.ts'))};`,
    `const { items, head, context } = JSON.parse(fs.readFileSync(${JSON.stringify(input)}, 'utf8'));`,
    `const r = checkContext(context, items, head.root, head);`,
    `process.stdout.write(String(r.ms));`,
  ].join('\n');
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const ms = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: path.resolve('.') });
    out.push(Number(ms));
  }
  fs.rmSync(input);
  return out.sort((a, b) => a - b);
}

function main(): void {
  const t0 = Date.now();
  setup();
  const learnings: Learning[] = [];
  const sessions = Number(opts.sessions);
  for (let n = 1; n <= sessions; n++) {
    const onBranch = rand() < 0.15;
    if (onBranch) git('checkout', '-qb', `feature-${n}`);
    const l = session(n, onBranch ? `feature-${n}` : 'main');
    if (onBranch) {
      git('checkout', '-q', 'main');
      if (l && rand() < 0.5) {
        git('merge', '-q', '--no-ff', '-m', `merge feature-${n}`, `feature-${n}`);
        l.fate = 'branch merged';
      } else if (l) {
        l.truth = false;
        l.fate = 'branch never merged';
      }
    }
    if (l) learnings.push(l);
  }
  for (const l of [...learnings].sort(() => rand() - 0.5)) if (l.branch === 'main' || l.fate === 'branch merged') later(l, learnings);
  const setupMs = Date.now() - t0;

  const head = gitHead(repo)!;
  const size = Number(opts.context);
  const rounds = Number(opts.rounds);
  const verdicts = new Map<string, string>();
  const times: number[] = [];
  const promoted = new Set<string>();
  const staleReports = new Map<string, number>();
  const gitTimes: number[] = [];
  const fileTimes: number[] = [];
  const cpuTimes: number[] = [];
  const byFate = new Map<string, { n: number; kept: number; dropped: number; marked: number; truth: boolean }>();
  for (let round = 0; round < rounds; round++) {
    // What the server does with the reports: a learning reported stale 3 times is superseded and
    // is not injected again (round 0 sees every learning: the precision figures come from it).
    const order = [...learnings].filter((l) => (staleReports.get(l.id) ?? 0) < 3).sort(() => rand() - 0.5);
    for (let i = 0; i < order.length; i += size) {
      const chunk = order.slice(i, i + size);
      const items: CheckableItem[] = chunk.map((l) => ({
        id: l.id,
        type: 'learning',
        line: `- [fix] ${l.id} in ${l.file}`,
        citations: l.citations,
        gitBranch: l.branch,
        gitCommit: l.commit,
        onDefaultBranch: promoted.has(l.id) ? true : null,
      }));
      const context = ['# memflow', '## Learnings', ...items.map((x) => x.line)].join('\n');
      // As the hook client does: what git told (renames per HEAD, merged commits) is kept across starts.
      const cpu0 = process.cpuUsage();
      const checked = checkContext(context, items, repo, head, { cacheFile });
      const cpu = process.cpuUsage(cpu0);
      times.push(checked.ms);
      // This process's own CPU time (not a git child's): the work itself, whatever the machine's load adds as waiting.
      if (checked.gitMs === 0) cpuTimes.push((cpu.user + cpu.system) / 1000);
      if (checked.gitMs > 0) gitTimes.push(checked.gitMs);
      else fileTimes.push(checked.ms);
      if (round === 0) for (const v of checked.verdicts) verdicts.set(v.id, v.verdict);
      // What the server does with the report: a merged learning is promoted and not looked up again.
      for (const v of checked.verdicts) if (v.merged) promoted.add(v.id);
      for (const v of checked.verdicts) {
        const l = v.renamed ? learnings.find((x) => x.id === v.id) : undefined;
        if (l && v.renamed) l.citations = l.citations.map((c) => ({ ...c, path: v.renamed![c.path] ?? c.path }));
      }
      for (const v of checked.verdicts) if (v.verdict === 'stale') staleReports.set(v.id, (staleReports.get(v.id) ?? 0) + 1);
    }
  }
  const cold = coldChecks(learnings.slice(0, size), head, Number(opts.rounds) * 2);
  let trueN = 0;
  let keptTrue = 0;
  let kept = 0;
  let droppedTrue = 0;
  let marked = 0;
  for (const l of learnings) {
    const v = verdicts.get(l.id) ?? 'fresh';
    const f = byFate.get(l.fate) ?? { n: 0, kept: 0, dropped: 0, marked: 0, truth: l.truth };
    f.n++;
    if (v === 'stale') f.dropped++;
    else f.kept++;
    if (v === 'doubtful') f.marked++;
    byFate.set(l.fate, f);
    if (l.truth) trueN++;
    if (v !== 'stale') {
      kept++;
      if (l.truth) keptTrue++;
    } else if (l.truth) droppedTrue++;
    if (v === 'doubtful') marked++;
  }
  times.sort((a, b) => a - b);
  gitTimes.sort((a, b) => a - b);
  fileTimes.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const p = (xs: number[]) => (xs.length ? `${percentile(xs, 50).toFixed(2)} / ${percentile(xs, 95).toFixed(2)} ms (${xs.length})` : 'none');
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  printColumns(
    `What happened to the cited code (${learnings.length} learnings)`,
    ['learnings', 'still true', 'kept', 'dropped', 'marked'],
    [...byFate.entries()].sort().map(([fate, f]) => [fate, [String(f.n), f.truth ? 'yes' : 'no', String(f.kept), String(f.dropped), String(f.marked)]]),
  );
  printTable('Staleness check at recall', [
    ['learnings (sessions)', `${learnings.length} (${sessions})`],
    ['precision before the check', `${pct(trueN / learnings.length)} (${trueN}/${learnings.length} true)`],
    ['precision after the check', `${pct(keptTrue / Math.max(1, kept))} (${keptTrue}/${kept} injected items true; ${marked} marked "may be outdated")`],
    ['true items wrongly dropped', `${pct(droppedTrue / Math.max(1, trueN))} (${droppedTrue}/${trueN})`],
    [`check cost per context of ${size} (p50 / p95 / max)`, `${percentile(times, 50).toFixed(2)} / ${percentile(times, 95).toFixed(2)} / ${times.at(-1)!.toFixed(2)} ms over ${times.length} contexts`],
    ['  contexts with no git process (p50 / p95)', p(fileTimes)],
    ['  their CPU time in this process (p50 / p95)', p(cpuTimes)],
    ['  in a fresh process, as the hook runs it (p50 / p95)', p(cold)],
    ['  git processes alone, when needed (p50 / p95)', p(gitTimes)],
    ['repository built in', `${(setupMs / 1000).toFixed(1)} s (${git('rev-list', '--count', 'HEAD')} commits on main)`],
    ['load average (1/5/15 min)', load],
  ]);
  fs.rmSync(repo, { recursive: true, force: true });
  fs.rmSync(path.dirname(cacheFile), { recursive: true, force: true });
}

try {
  main();
} catch (err) {
  fs.rmSync(repo, { recursive: true, force: true });
  console.error(err);
  process.exit(1);
}
