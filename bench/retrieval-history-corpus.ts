/**
 * The corpus of `npm run bench:retrieval-history`, written once and committed before any tuning
 * (bench/data/retrieval-history.json): long multi-session histories of agent work made from real
 * repositories' git histories, and questions about them with their evidence turns written down.
 *
 * Why from git histories: a commit is a real piece of work with its own words (subject, body), its
 * files and its diff, in a project whose other commits talk about the same files and terms — the
 * distractors are real. Public conversational-memory benchmarks are held out and never used here.
 *
 * Each history (one repository, one memflow project) holds sessions in commit order, one or more
 * days apart (dated back from the replay's "now" with X-Memflow-Occurred-At):
 * - coding sessions: one to three turns, each one commit — the user's request (from the subject),
 *   the agent's Reads and Edits of the commit's files (the diff's own lines) and a test run, and the
 *   agent's answer (the commit body: the why);
 * - developer conversations (every fourth session): the user asks about a change's design and the
 *   agent explains it over two turns, prompts and answers only.
 * Questions (each with its evidence: session keys and turn indexes), in other words than the
 * stored text where the kind allows:
 * - paraphrase: the request reworded (synonyms, other order, words dropped) — evidence: its turn;
 * - reason: why a change was made, from a sentence of the body — evidence: the turn that answers it;
 * - file: what was done to a file for a purpose, named by its base name — evidence: its turn;
 * - temporal: what we changed N days ago / last week about a file — evidence: every turn of that
 *   day (or week) touching it;
 * - multi: every session that changed a file few sessions touched — evidence: all of them.
 * Questions are split dev/test by a hash of their id (tune only on dev).
 *
 *   npm run bench:retrieval-history -- --build   rewrites the JSON from the mirrors (never after tuning began)
 */
import { seeded } from './hook-traffic.js';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';

export interface ToolCall {
  tool: 'Read' | 'Edit' | 'Bash' | 'Grep';
  input: Record<string, unknown>;
  output: string;
}

export interface Turn {
  prompt: string;
  tools: ToolCall[];
  answer: string;
  /** The commit the turn made (coding) or discussed (conversation). */
  commit: string;
  files: string[];
}

export interface HistorySession {
  key: string;
  history: string;
  /** Days before the replay's now (fractional: the hour of the day). */
  daysAgo: number;
  kind: 'coding' | 'conversation';
  turns: Turn[];
}

/** conversational and rule: bench/retrieval-conversation-corpus.ts. */
export type QuestionKind = 'paraphrase' | 'reason' | 'file' | 'temporal' | 'multi' | 'conversational' | 'rule';

export interface HistoryQuestion {
  id: string;
  history: string;
  kind: QuestionKind;
  split: 'dev' | 'test';
  text: string;
  /** Evidence turns: session key and turn index. */
  evidence: { session: string; turn: number }[];
}

export interface HistoryCorpus {
  histories: { name: string; repo: string; rev: string; sessions: number }[];
  sessions: HistorySession[];
  questions: HistoryQuestion[];
}

export const HISTORY_SOURCES = [
  { name: 'click', repo: 'pallets/click', rev: '2c8cd3ac958a7eb316d67f2d316c27086c4c0369', lang: 'py' },
  { name: 'express', repo: 'expressjs/express', rev: 'a3714473feb3d2908add734d340e7755fd85e0a3', lang: 'js' },
  { name: 'requests', repo: 'psf/requests', rev: '1f6589ec3a1ee910f9a65cc3ceac60b26677bc0e', lang: 'py' },
  { name: 'commander', repo: 'tj/commander.js', rev: 'ba6d13ddb4243e5913367734f8c159089ffe7834', lang: 'js' },
] as const;

const SESSIONS_PER_HISTORY = 64;

export interface Commit {
  sha: string;
  subject: string;
  body: string;
  files: string[];
}

const git = (dir: string, args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });

export const SKIP = /^(bump|build|deps|chore|release|merge|revert|version|update (dependencies|deps)|\d+\.\d+|ci[:(]|.*dependabot|.*pre-commit|prepare|v\d)/i;

function readCommits(dir: string, rev: string, want: number): Commit[] {
  const raw = git(dir, ['log', '--no-merges', '--format=%x1e%H%x1f%s%x1f%b%x1f', '--name-only', '-n', '1500', rev]);
  const out: Commit[] = [];
  for (const rec of raw.split('\x1e').slice(1)) {
    const [sha, subject, body, names] = rec.split('\x1f') as [string, string, string, string];
    const files = names.split('\n').map((s) => s.trim()).filter(Boolean);
    if (subject.length < 18 || SKIP.test(subject) || files.length === 0 || files.length > 8) continue;
    out.push({ sha, subject: subject.replace(/\s*\(#\d+\)\s*$/, '').trim(), body: body.replace(/\r/g, '').trim(), files });
    if (out.length >= want) break;
  }
  return out.reverse();
}

export interface FileDiff {
  removed: string[];
  added: string[];
  context: string[];
}

/** A diff's lines kept for a turn: what a Read shows and an Edit changes. */
export const clipDiff = (d: FileDiff): FileDiff => ({ removed: d.removed.slice(0, 14), added: d.added.slice(0, 18), context: d.context.slice(0, 12) });

/** The commit's diff of one file: removed and added lines of its first hunks. */
function diffOf(dir: string, sha: string, file: string): FileDiff {
  let text = '';
  try {
    text = git(dir, ['show', '--format=', '-U2', sha, '--', file]);
  } catch {
    return { removed: [], added: [], context: [] };
  }
  const removed: string[] = [];
  const added: string[] = [];
  const context: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('diff ') || line.startsWith('index ')) continue;
    if (line.startsWith('-')) removed.push(line.slice(1));
    else if (line.startsWith('+')) added.push(line.slice(1));
    else if (line.startsWith(' ')) context.push(line.slice(1));
  }
  return clipDiff({ removed, added, context });
}


const base = (f: string) => f.split('/').pop()!;
const lowerFirst = (s: string) => (s.length > 1 && /[A-Z][a-z]/.test(s.slice(0, 2)) ? s[0]!.toLowerCase() + s.slice(1) : s);

const REQUEST_FORMS = [(s: string) => `${s}.`, (s: string) => `Can you ${lowerFirst(s)}?`, (s: string) => `Please ${lowerFirst(s)} — the tests should still pass.`, (s: string) => `Next task: ${lowerFirst(s)}.`];

/** Word-level paraphrase: synonyms of the common verbs and nouns of commit subjects. */
const SYNONYMS: Record<string, string[]> = {
  add: ['introduce', 'support', 'bring in'],
  added: ['introduced'],
  fix: ['repair', 'correct', 'sort out'],
  fixed: ['repaired', 'corrected'],
  fixes: ['repairs'],
  remove: ['drop', 'get rid of', 'delete'],
  removed: ['dropped', 'deleted'],
  update: ['revise', 'refresh'],
  use: ['rely on', 'switch to'],
  improve: ['make better', 'enhance'],
  allow: ['permit', 'let'],
  support: ['handle', 'accept'],
  error: ['failure', 'exception'],
  errors: ['failures', 'exceptions'],
  docs: ['documentation'],
  doc: ['documentation'],
  documentation: ['docs'],
  test: ['check', 'spec'],
  tests: ['checks', 'specs'],
  deprecate: ['phase out'],
  deprecated: ['phased out'],
  refactor: ['restructure', 'rework'],
  handle: ['deal with', 'cope with'],
  handling: ['treatment'],
  option: ['flag', 'setting'],
  options: ['flags', 'settings'],
  typo: ['misspelling'],
  typos: ['misspellings'],
  warning: ['warn message'],
  default: ['fallback'],
  missing: ['absent'],
  invalid: ['bad', 'malformed'],
  change: ['alter', 'modify'],
  make: ['have'],
  "don't": ['do not'],
  when: ['whenever', 'if'],
  correctly: ['properly'],
  incorrect: ['wrong'],
  ensure: ['make sure'],
  show: ['display'],
  return: ['give back'],
  raise: ['throw'],
  check: ['verify'],
};

export function paraphrase(subject: string, rnd: () => number): string {
  const words = subject.replace(/[.]$/, '').split(/\s+/);
  const out: string[] = [];
  for (const w of words) {
    const key = w.toLowerCase().replace(/[^a-z']/g, '');
    const alts = SYNONYMS[key];
    if (alts && rnd() < 0.85) out.push(alts[Math.floor(rnd() * alts.length)]!);
    else if (/^(the|a|an|of|for|to|in|on)$/i.test(w) && rnd() < 0.4) continue;
    else out.push(w);
  }
  return lowerFirst(out.join(' '));
}

export const PARAPHRASE_FORMS = [
  (p: string) => `How did we ${p}?`,
  (p: string) => `Do you remember when we had to ${p}? What was done?`,
  (p: string) => `What was the work to ${p} about?`,
  (p: string) => `Where did we ${p}, and which files did it touch?`,
];

const REASON_FORMS = [(s: string) => `Why did we say "${s}"?`, (s: string) => `What was the reasoning behind: ${s}`, (s: string) => `Which change came with the explanation that ${lowerFirst(s)}`];

/** Sentences of a body worth asking about (not trailers, not links). */
function bodySentences(body: string): string[] {
  return body
    .split(/\n\s*\n|(?<=[.!?])\s+(?=[A-Z])/)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter((s) => s.length >= 40 && s.length <= 240 && !/^(closes|fixes|fix|see|refs?|co-authored-by|signed-off-by|ref|https?:)\b/i.test(s) && !/https?:\/\//.test(s));
}

/** Terms of a subject: words that are not stop words (for the file questions' purpose). */
const STOP = new Set('a an the of for to in on and or with by from at is are be as it its this that when not no into via use add fix remove update allow support'.split(' '));
const termsOf = (s: string) => s.toLowerCase().replace(/[`'"().,:]/g, ' ').split(/\s+/).filter((w) => w.length > 2 && !STOP.has(w));

export type Lang = 'py' | 'js' | 'rs';

export const TEST_COMMAND: Record<Lang, (f: string) => string> = {
  py: (f) => `pytest -q ${f.startsWith('tests/') ? f : 'tests'}`,
  js: (f) => `npm test -- ${f.startsWith('test/') || f.startsWith('tests/') ? f : 'test'}`,
  rs: (f) => `cargo test${/tests?\//.test(f) ? ` --test ${base(f).replace(/\.rs$/, '')}` : ''}`,
};

const TEST_OUTPUT: Record<Lang, (passed: number, rnd: () => number) => string> = {
  py: (passed, rnd) => `${passed} passed in ${(rnd() * 9 + 1).toFixed(2)}s`,
  js: (passed, rnd) => `  ${passed} passing (${Math.floor(rnd() * 3000)}ms)`,
  rs: (passed, rnd) => `test result: ok. ${passed} passed; 0 failed; 0 ignored; finished in ${(rnd() * 9 + 0.1).toFixed(2)}s`,
};

/** One coding turn that makes commit `c`; `diff` gives a file's diff in it. */
export function codingTurn(diff: (sha: string, file: string) => FileDiff, c: Commit, lang: Lang, rnd: () => number): Turn {
  const tools: ToolCall[] = [];
  const files = c.files.slice(0, 3);
  for (const f of files) {
    const d = diff(c.sha, f);
    tools.push({ tool: 'Read', input: { file_path: `/repo/${f}` }, output: [...d.context, ...d.removed].join('\n').slice(0, 1500) });
    if (d.removed.length + d.added.length > 0) tools.push({ tool: 'Edit', input: { file_path: `/repo/${f}`, old_string: d.removed.join('\n').slice(0, 800), new_string: d.added.join('\n').slice(0, 1000) }, output: 'The file has been updated.' });
  }
  const testFile = c.files.find((f) => /test/.test(f)) ?? c.files[0]!;
  const passed = 20 + Math.floor(rnd() * 400);
  tools.push({ tool: 'Bash', input: { command: TEST_COMMAND[lang](testFile) }, output: TEST_OUTPUT[lang](passed, rnd) });
  const form = REQUEST_FORMS[Math.floor(rnd() * REQUEST_FORMS.length)]!;
  const why = c.body ? ` ${c.body.replace(/\s+/g, ' ').slice(0, 700)}` : '';
  return { prompt: form(c.subject), tools, answer: `Done — ${lowerFirst(c.subject)}.${why} Changed ${files.join(', ')}; the tests pass.`, commit: c.sha, files: c.files };
}

export function conversationTurns(c: Commit): Turn[] {
  const sentences = bodySentences(c.body);
  const first = sentences[0] ?? c.subject;
  return [
    { prompt: `I'm looking at ${c.files.map(base).slice(0, 2).join(' and ')}. What's the story behind "${c.subject}"?`, tools: [], answer: `That change (${c.sha.slice(0, 7)}) is about ${lowerFirst(c.subject)}. ${first}`, commit: c.sha, files: c.files },
    {
      prompt: 'Are there any caveats we should keep in mind there?',
      tools: [],
      answer: sentences.length > 1 ? sentences.slice(1, 4).join(' ') : `Mostly that ${c.files.map(base).join(', ')} changed together; keep them in step.`,
      commit: c.sha,
      files: c.files,
    },
  ];
}

const hashUnit = (s: string) => crypto.createHash('sha256').update(s).digest().readUInt32BE(0) / 2 ** 32;

export function buildHistoryCorpus(mirror: (repo: string) => string): HistoryCorpus {
  const sessions: HistorySession[] = [];
  const questions: HistoryQuestion[] = [];
  const histories: HistoryCorpus['histories'] = [];
  for (const src of HISTORY_SOURCES) {
    const dir = mirror(src.repo);
    const rnd = seeded(hashUnit(src.name) * 2 ** 32);
    const commits = readCommits(dir, src.rev, SESSIONS_PER_HISTORY * 2 + 20);
    const own: HistorySession[] = [];
    let ci = 0;
    for (let s = 0; s < SESSIONS_PER_HISTORY && ci < commits.length; s++) {
      const daysAgo = (SESSIONS_PER_HISTORY - s) + 2 + Math.round(rnd() * 8) / 24;
      const key = `${src.name}-${String(s).padStart(3, '0')}`;
      if (s % 4 === 3 && commits[ci]!.body.length > 80) {
        own.push({ key, history: src.name, daysAgo, kind: 'conversation', turns: conversationTurns(commits[ci++]!) });
        continue;
      }
      const n = Math.min(commits.length - ci, 1 + Math.floor(rnd() * 3));
      const turns = commits.slice(ci, ci + n).map((c) => codingTurn((sha, f) => diffOf(dir, sha, f), c, src.lang, rnd));
      ci += n;
      own.push({ key, history: src.name, daysAgo, kind: 'coding', turns });
    }
    sessions.push(...own);
    histories.push({ name: src.name, repo: src.repo, rev: src.rev, sessions: own.length });

    const add = (kind: QuestionKind, text: string, evidence: HistoryQuestion['evidence']) => {
      const id = `${src.name}-${kind}-${questions.filter((q) => q.history === src.name && q.kind === kind).length}`;
      questions.push({ id, history: src.name, kind, split: hashUnit(`split:${id}`) < 0.5 ? 'dev' : 'test', text, evidence });
    };
    // Per turn: paraphrase, reason, file.
    for (const s of own) {
      s.turns.forEach((t, i) => {
        const subject = s.kind === 'conversation' ? /"(.*)"\?$/.exec(t.prompt)?.[1] : commits.find((c) => c.sha === t.commit)?.subject;
        if (i === 0 || s.kind === 'coding') {
          if (subject) add('paraphrase', PARAPHRASE_FORMS[Math.floor(rnd() * PARAPHRASE_FORMS.length)]!(paraphrase(subject, rnd)), [{ session: s.key, turn: i }]);
        }
        const sentence = bodySentences(commits.find((c) => c.sha === t.commit)?.body ?? '')[s.kind === 'conversation' ? i : 0];
        if (sentence && (s.kind === 'coding' || i === 0)) add('reason', REASON_FORMS[Math.floor(rnd() * REASON_FORMS.length)]!(paraphrase(sentence.replace(/[.]$/, ''), rnd)), [{ session: s.key, turn: i }]);
        if (s.kind === 'coding' && subject) {
          const file = t.files.find((f) => !/changes|history|readme|changelog/i.test(f));
          const terms = termsOf(subject).filter((w) => !file || !base(file).toLowerCase().includes(w)).slice(0, 3);
          if (file && terms.length > 0) add('file', `What did we do in ${base(file)} about ${terms.join(' ')}?`, [{ session: s.key, turn: i }]);
        }
      });
    }
    // Temporal: a file touched on one day (sessions of one history are on distinct days).
    for (const s of own) {
      if (s.kind !== 'coding') continue;
      const day = Math.floor(s.daysAgo);
      const t = s.turns[0]!;
      const file = t.files.find((f) => !/changes|history|readme|changelog/i.test(f));
      if (!file) continue;
      const when = day === 1 ? 'yesterday' : `${day} days ago`;
      const ev = own.filter((o) => Math.floor(o.daysAgo) === day).flatMap((o) => o.turns.map((tt, i) => ({ tt, i, o })).filter(({ tt }) => tt.files.includes(file)).map(({ i, o }) => ({ session: o.key, turn: i })));
      add('temporal', rnd() < 0.5 ? `What did we change in ${base(file)} ${when}?` : `${when[0]!.toUpperCase()}${when.slice(1)} we touched ${base(file)} — what was that for?`, ev);
    }
    // Multi-evidence: files two or three sessions changed.
    const byFile = new Map<string, Set<string>>();
    for (const s of own) for (const t of s.turns) for (const f of t.files) if (!/changes|history|readme|changelog|package\.json|pyproject|setup\./i.test(f)) byFile.set(f, (byFile.get(f) ?? new Set()).add(s.key));
    for (const [file, keys] of byFile) {
      if (keys.size < 2 || keys.size > 3) continue;
      const ev = own.filter((o) => keys.has(o.key)).flatMap((o) => o.turns.map((t, i) => ({ t, i, o })).filter(({ t }) => t.files.includes(file)).map(({ i, o }) => ({ session: o.key, turn: i })));
      add('multi', rnd() < 0.5 ? `List every change we made to ${file} across sessions.` : `Which sessions worked on ${base(file)}, and what did each do?`, ev);
    }
  }
  return { histories, sessions, questions };
}

/** The hook deliveries of one session, Claude Code's payloads. */
export function deliveries(s: HistorySession, agentSessionId: string): { event: string; body: Record<string, unknown> }[] {
  const common = { session_id: agentSessionId, transcript_path: `/home/dev/.claude/projects/${s.history}/${agentSessionId}.jsonl`, cwd: `/home/dev/src/${s.history}`, permission_mode: 'default' };
  const out: { event: string; body: Record<string, unknown> }[] = [{ event: 'session-start', body: { ...common, hook_event_name: 'SessionStart', source: 'startup', model: 'claude-sonnet-4-5' } }];
  let calls = 0;
  for (const t of s.turns) {
    out.push({ event: 'user-prompt-submit', body: { ...common, hook_event_name: 'UserPromptSubmit', prompt: t.prompt } });
    for (const c of t.tools) {
      const id = `toolu_${agentSessionId.slice(0, 8)}_${String(calls++).padStart(4, '0')}`;
      const filePath = String(c.input.file_path ?? '');
      const response =
        c.tool === 'Read'
          ? { type: 'text', file: { filePath, content: c.output, numLines: c.output.split('\n').length, startLine: 1, totalLines: 400 } }
          : c.tool === 'Edit'
            ? { filePath, oldString: c.input.old_string, newString: c.input.new_string, structuredPatch: [] }
            : { stdout: c.output, stderr: '', interrupted: false, isImage: false };
      out.push({ event: 'post-tool-use', body: { ...common, hook_event_name: 'PostToolUse', tool_name: c.tool, tool_input: c.input, tool_use_id: id, tool_response: response } });
    }
    out.push({ event: 'stop', body: { ...common, hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: t.answer } });
  }
  out.push({ event: 'session-end', body: { ...common, hook_event_name: 'SessionEnd', reason: 'prompt_input_exit' } });
  return out;
}
