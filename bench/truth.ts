/**
 * bench:truth — is every line memflow hands over true and worth its tokens? The judged corpus
 * (bench/truth-corpus.ts: 72 sessions, 3 repositories, 3 agents, truth written down before any run)
 * goes through the handover path (bench/truth-pipeline.ts: the capture path's timeline, the
 * summarizer, the checks of the summarize activity, assembleContext) with two summarizers:
 * - offline: the summarizer every user without a model key gets;
 * - scripted Claude: the fake Messages API's scripted answer (tests/helpers/fake-anthropic.ts,
 *   defaultResponder) to the real batch and final prompts (summary-prompt.ts), as the real-stack
 *   tests use it.
 * Each repository's start context is taken after each agent's round of sessions (9 contexts per
 * summarizer) and every line is judged against the truth of the session it came from:
 * - untrue: an agent label other than the session's agent; a cited symbol the change did not touch;
 *   a [convention]/[decision] that no person stated (a request taken for a rule); turn 1's message
 *   told as the fix; an outcome that is not how the checks ended;
 * - noise: a line of a session with nothing to teach, a line that only looked (Read, git log, ls),
 *   an answer already said by a line above.
 *
 *   npm run bench:truth
 */
import { defaultResponder, type MessagesRequest } from '../tests/helpers/fake-anthropic.js';
import { evidenceIndex, batchPrompt, finalPrompt, summaryText, type FinalAnswer } from '../activities/summarize/summary-prompt.js';
import type { Candidate } from '../api/context/start-context.js';
import { agentLabel } from '../common/rules/agent-label.js';
import { countTokens } from '../common/rules/tokens.js';
import { TRUTH_CORPUS, truthDeliveries, type TruthSession } from './truth-corpus.js';
import { candidatesOf, contextOf, finalOf, timelineOf, type Timeline } from './truth-pipeline.js';

/** The scripted model's answer to a prompt (what the fake Messages API would send back). */
function ask(user: string, withLearnings: boolean): Record<string, unknown> {
  const req: MessagesRequest = {
    model: 'claude-sonnet-4-5',
    max_tokens: 4096,
    messages: [{ role: 'user', content: user }],
    tools: [{ name: 'record_summary', input_schema: { properties: withLearnings ? { learnings: {} } : {} } }],
  };
  return defaultResponder(req);
}

/** Scripted Claude over the real prompts: one batch, then the final summary with learnings. */
function scriptedClaude(project: string) {
  return (t: Timeline): FinalAnswer => {
    const label = agentLabel(t.agent);
    const batch = ask(batchPrompt(project, t.items, label), false) as unknown as FinalAnswer;
    const part = { fromSequence: 1, toSequence: t.items.length, text: summaryText(batch) };
    const final = ask(finalPrompt(project, [part], evidenceIndex(t.items, 4000), [], label), true) as unknown as FinalAnswer;
    return { ...final, learnings: final.learnings ?? [] };
  };
}

interface Figures {
  contexts: number;
  lines: number;
  tokens: number;
  untrue: string[];
  noiseTokens: number;
  noise: string[];
  cited: number;
  citedEqual: number;
  fileOnly: number;
  labelled: number;
  labelledRight: number;
  rulesStated: number;
  rulesKept: number;
  requestsAsRules: number;
}

const LABEL = /\b(Claude|Codex|Gemini CLI|OpenCode|Copilot CLI): /g;
const LOOKING = /^- \d{4}-\d\d-\d\d (Read|Grep|Glob|LS|Bash: (git (log|status|diff|show)|ls|cat|head))\b/;
const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9 ]+/g, ' ').replace(/\s+/g, ' ').trim();

function judgeLine(line: string, s: TruthSession, earlier: string[], f: Figures) {
  const why: string[] = [];
  for (const m of line.matchAll(LABEL)) {
    f.labelled++;
    if (m[1] === agentLabel(s.agent)) f.labelledRight++;
    else why.push(`labelled ${m[1]}, agent ${agentLabel(s.agent)}`);
  }
  for (const [file, truth] of Object.entries(s.changed)) {
    for (const m of line.matchAll(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?: \\(([^)]*)\\))?`, 'g'))) {
      if (!/(Changed|changing|fixed in|Fixed by)/i.test(line)) continue;
      if (m[1] === undefined) {
        f.fileOnly++;
        continue;
      }
      const cited = m[1].split(', ').map((x) => x.trim());
      f.cited++;
      const extra = cited.filter((c) => !truth.includes(c));
      if (extra.length > 0) why.push(`cites ${extra.join(', ')} in ${file}; changed: ${truth.join(', ')}`);
      else if (cited.length === truth.length) f.citedEqual++;
    }
  }
  const rule = line.match(/^- \[(convention|decision)\] (.*)$/);
  if (rule && !s.rules.some((r) => norm(rule[2]!).includes(norm(r).slice(0, 40)))) why.push(`a rule nobody stated: ${rule[2]!.slice(0, 80)}`);
  if (s.notTheFix && line.includes(s.notTheFix.slice(0, 40))) why.push("turn 1's message told as the fix");
  if (s.outcome === 'passing' && /Still failing|Outcome: failing|still failing at its last run/.test(line)) why.push('says failing; the checks passed');
  if (s.outcome === 'failing' && /Outcome: passing|passed on a later run/.test(line)) why.push('says passing; the check still failed');
  if (why.length > 0) f.untrue.push(`${s.id}: ${why.join('; ')} :: ${line.slice(0, 160)}`);
  const tokens = countTokens(line);
  const answer = [...line.matchAll(LABEL)].map((m) => line.slice(m.index! + m[0].length, m.index! + m[0].length + 120).replace(/ Outcome: .*$/, '')).find((a) => a.length >= 12);
  const twin = answer ? earlier.find((l) => l.includes(answer)) : undefined;
  const noise = s.trivial ? 'nothing to teach' : LOOKING.test(line) ? 'only looked' : twin ? `said twice (first: ${twin.slice(0, 80)})` : '';
  if (noise) {
    f.noiseTokens += tokens;
    f.noise.push(`${s.id}: ${noise} :: ${line.slice(0, 120)}`);
  }
  f.tokens += tokens;
  f.lines++;
}

function run(summarizer: 'offline' | 'scripted Claude'): Figures {
  const f: Figures = { contexts: 0, lines: 0, tokens: 0, untrue: [], noiseTokens: 0, noise: [], cited: 0, citedEqual: 0, fileOnly: 0, labelled: 0, labelledRight: 0, rulesStated: 0, rulesKept: 0, requestsAsRules: 0 };
  const byId = new Map(TRUTH_CORPUS.map((s) => [s.id, s]));
  for (const repo of [...new Set(TRUTH_CORPUS.map((s) => s.repo))]) {
    const candidates: Candidate[] = [];
    let at = Date.parse('2026-11-20T08:00:00Z');
    for (const agent of [...new Set(TRUTH_CORPUS.map((s) => s.agent))]) {
      for (const s of TRUTH_CORPUS.filter((x) => x.repo === repo && x.agent === agent)) {
        const t = timelineOf(truthDeliveries(s));
        const final = finalOf(t, summarizer === 'offline' ? undefined : scriptedClaude(repo));
        const stated = final.learnings.filter((l) => l.kind === 'convention' || l.kind === 'decision');
        f.rulesStated += s.rules.length;
        f.rulesKept += s.rules.filter((r) => stated.some((l) => norm(l.title).includes(norm(r).slice(0, 40)))).length;
        f.requestsAsRules += stated.filter((l) => s.requests.some((q) => norm(l.title).includes(norm(q).slice(0, 30)))).length;
        candidates.push(...candidatesOf(s.id, t, final, new Date((at += 20 * 60_000)), repo));
      }
      const built = contextOf(repo, candidates, 1500, at + 60_000);
      f.contexts++;
      const lines = built.context.split('\n').filter((l) => l.startsWith('- '));
      const ids = built.served?.filter((x) => x.included).map((x) => x.id) ?? [];
      lines.forEach((line, i) => judgeLine(line, byId.get((ids[i] ?? '').split(':')[0]!)!, lines.slice(0, i), f));
    }
  }
  return f;
}

/** A markdown table with one column per summarizer. */
function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log([line(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n'));
}

const pct = (n: number, d: number) => `${n}/${d} (${((n / Math.max(1, d)) * 100).toFixed(1)} %)`;

function main() {
  const verbose = process.argv.includes('--verbose');
  const kinds = new Map<string, number>();
  for (const s of TRUTH_CORPUS) kinds.set(s.kind, (kinds.get(s.kind) ?? 0) + 1);
  console.log(`corpus: ${TRUTH_CORPUS.length} sessions, ${new Set(TRUTH_CORPUS.map((s) => s.repo)).size} repositories, ${new Set(TRUTH_CORPUS.map((s) => s.agent)).size} agents (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')})`);
  const results = (['offline', 'scripted Claude'] as const).map((name) => [name, run(name)] as const);
  const rows: string[][] = [
    ['start contexts judged', ...results.map(([, f]) => String(f.contexts))],
    ['lines / tokens', ...results.map(([, f]) => `${f.lines} / ${f.tokens}`)],
    ['untrue lines (goal 0)', ...results.map(([, f]) => String(f.untrue.length))],
    ['tokens on noise lines (goal ≤ 10 %)', ...results.map(([, f]) => pct(f.noiseTokens, f.tokens))],
    ['changes cited with symbols: = changed symbols', ...results.map(([, f]) => pct(f.citedEqual, f.cited))],
    ['changes cited by file only', ...results.map(([, f]) => String(f.fileOnly))],
    ['agent labels right', ...results.map(([, f]) => pct(f.labelledRight, f.labelled))],
    ['stated rules kept', ...results.map(([, f]) => pct(f.rulesKept, f.rulesStated))],
    ['requests stored as rules', ...results.map(([, f]) => String(f.requestsAsRules))],
  ];
  printTable(['', ...results.map(([n]) => n)], rows);
  for (const [name, f] of results) {
    for (const u of f.untrue) console.log(`untrue (${name}): ${u}`);
    if (verbose) for (const n of f.noise) console.log(`noise (${name}): ${n}`);
  }
}

main();
