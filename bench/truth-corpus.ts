/**
 * The judged corpus of bench:truth: 72 sessions over three repositories (a Python payment client,
 * a TypeScript slug library, a Go rate limiter) and three agents (Claude Code, Codex, Gemini CLI), in
 * eight kinds — a fix by an Edit, a whole-file rewrite (Write), a fix over two turns, a check still
 * failing at the end, a review with nothing found, rules stated in a prompt, a listing asked for, a
 * `git log` shown — with the truth of every line-kind written down here, before any run:
 * - `changed`: per file, the symbols whose lines the change touched (read off the code below by hand);
 * - `rules`: the rules the person stated (each must be kept); `requests`: prompts that are requests,
 *   never a rule;
 * - `fixAnswer` / `notTheFix`: the account of the turn that made the check pass, and turn 1's message,
 *   which is not the fix;
 * - `outcome`: how the session's checks ended; `trivial`: nothing to teach (no line of it earns a place).
 * The sessions are written the way the hosts report them (tests/fixtures/outcome-corpus.ts's steps);
 * Claude Code's Write of an existing file carries its structuredPatch, the other hosts' do not.
 */
import type { AgentName } from '../messages/hooks-v1.js';
import type { Delivery } from '../tests/fixtures/claude-sessions.js';
import { deliveriesOf, type CorpusSession, type Step } from '../tests/fixtures/outcome-corpus.js';

export interface TruthSession extends CorpusSession {
  agent: AgentName;
  repo: string;
  kind: 'edit-fix' | 'rewrite' | 'two-turn-fix' | 'still-failing' | 'review' | 'rules' | 'listing' | 'git-log';
  changed: Record<string, string[]>;
  rules: string[];
  requests: string[];
  fixAnswer?: string;
  notTheFix?: string;
  outcome: 'passing' | 'failing' | 'unverified';
  trivial: boolean;
}

interface Repo {
  name: string;
  test: string;
  testOut: { fail: string; pass: string };
  file: string;
  /** The file before, and a change inside one function (with that function's name). */
  before: string;
  change: { old: string; new: string; symbol: string; line: number };
  /** An Edit whose snippet starts at its function's definition line. */
  edit: { file: string; old: string; new: string; symbol: string; line: number };
  /** A second Edit that does not fix it (still failing). */
  badEdit: { file: string; old: string; new: string; symbol: string; line: number };
  failError: string;
  rules: [string, string];
  review: string;
  list: { cmd: string; out: string };
}

const REPOS: Repo[] = [
  {
    name: 'payclient',
    test: 'pytest tests/test_retry.py',
    testOut: {
      fail: '=================================== FAILURES ===================================\n_____________________ test_retry_gives_up_on_value_error _____________________\nE   AssertionError: retry_call retried a ValueError 3 times\nFAILED tests/test_retry.py::test_retry_gives_up_on_value_error\n1 failed, 6 passed in 0.21s',
      pass: '7 passed in 0.19s',
    },
    file: 'payclient/retry.py',
    before: 'import time\n\n\nclass RetryError(Exception):\n    pass\n\n\ndef backoff(n):\n    return 2 ** n\n\n\ndef retry_call(fn, tries=3):\n    for i in range(tries):\n        try:\n            return fn()\n        except Exception:\n            time.sleep(backoff(i))\n    raise RetryError()\n',
    change: { old: '        except Exception:', new: '        except (IOError, TimeoutError):', symbol: 'retry_call', line: 16 },
    edit: { file: 'payclient/retry.py', old: 'def backoff(n):\n    return 2 ** n', new: 'def backoff(n):\n    return min(2 ** n, 30)', symbol: 'backoff', line: 8 },
    badEdit: { file: 'payclient/retry.py', old: 'def retry_call(fn, tries=3):', new: 'def retry_call(fn, tries=2):', symbol: 'retry_call', line: 12 },
    failError: 'AssertionError: retry_call retried a ValueError 3 times',
    rules: ['We always log retries at WARNING level, never at INFO.', 'The convention here is one test module per source module.'],
    review: 'Review payclient/client.py for typos please.',
    list: { cmd: 'ls tests', out: 'test_client.py\ntest_currency.py\ntest_retry.py' },
  },
  {
    name: 'slugger',
    test: 'npm test -- test/slugify.test.ts',
    testOut: {
      fail: ' FAIL  test/slugify.test.ts > slugify > keeps digits\nAssertionError: expected "a-b" to be "a-1-b"\n Test Files  1 failed (1)\n      Tests  1 failed | 11 passed (12)',
      pass: ' ✓ test/slugify.test.ts (12 tests) 31ms\n Test Files  1 passed (1)',
    },
    file: 'src/slugify.ts',
    before: "import { charmap } from './charmap.js';\n\nexport const DEFAULT_SEPARATOR = '-';\n\nexport function transliterate(text: string): string {\n  return [...text].map((c) => charmap[c] ?? c).join('');\n}\n\nexport function slugify(text: string, separator = DEFAULT_SEPARATOR): string {\n  return transliterate(text)\n    .toLowerCase()\n    .replace(/[^a-z]+/g, separator)\n    .replace(new RegExp(`^${separator}|${separator}$`, 'g'), '');\n}\n",
    change: { old: '    .replace(/[^a-z]+/g, separator)', new: '    .replace(/[^a-z0-9]+/g, separator)', symbol: 'slugify', line: 12 },
    edit: { file: 'src/slugify.ts', old: "export function transliterate(text: string): string {\n  return [...text].map((c) => charmap[c] ?? c).join('');", new: "export function transliterate(text: string): string {\n  return [...text.normalize('NFKD')].map((c) => charmap[c] ?? c).join('');", symbol: 'transliterate', line: 5 },
    badEdit: { file: 'src/slugify.ts', old: "export const DEFAULT_SEPARATOR = '-';", new: "export const DEFAULT_SEPARATOR = '_';", symbol: 'DEFAULT_SEPARATOR', line: 3 },
    failError: 'AssertionError: expected "a-b" to be "a-1-b"',
    rules: ['We never add runtime dependencies to this package.', 'Always export named functions, never default exports.'],
    review: 'Review src/charmap.ts for typos please.',
    list: { cmd: 'ls test', out: 'charmap.test.ts\nslugify.test.ts' },
  },
  {
    name: 'ratelimit',
    test: 'go test ./...',
    testOut: {
      fail: '--- FAIL: TestBucketRefill (0.00s)\n    bucket_test.go:31: got 4 tokens, want 5\nFAIL\nFAIL\tgithub.com/x/ratelimit\t0.01s',
      pass: 'ok  \tgithub.com/x/ratelimit\t0.01s',
    },
    file: 'bucket.go',
    before: 'package ratelimit\n\nimport "time"\n\ntype Bucket struct {\n\ttokens int\n\tlast   time.Time\n}\n\nfunc NewBucket(n int) *Bucket {\n\treturn &Bucket{tokens: n, last: time.Now()}\n}\n\nfunc (b *Bucket) refill(now time.Time) {\n\telapsed := now.Sub(b.last) - time.Millisecond\n\tb.tokens += int(elapsed / time.Second)\n\tb.last = now\n}\n\nfunc (b *Bucket) Take() bool {\n\tb.refill(time.Now())\n\tif b.tokens == 0 {\n\t\treturn false\n\t}\n\tb.tokens--\n\treturn true\n}\n',
    change: { old: '\telapsed := now.Sub(b.last) - time.Millisecond', new: '\telapsed := now.Sub(b.last)', symbol: 'refill', line: 15 },
    edit: { file: 'bucket.go', old: 'func NewBucket(n int) *Bucket {\n\treturn &Bucket{tokens: n, last: time.Now()}', new: 'func NewBucket(n int) *Bucket {\n\treturn &Bucket{tokens: n, last: time.Now().Truncate(time.Second)}', symbol: 'NewBucket', line: 10 },
    badEdit: { file: 'bucket.go', old: 'func (b *Bucket) Take() bool {\n\tb.refill(time.Now())', new: 'func (b *Bucket) Take() bool {\n\tb.refill(time.Now().Add(time.Millisecond))', symbol: 'Take', line: 20 },
    failError: 'bucket_test.go:31: got 4 tokens, want 5',
    rules: ['We never use time.Sleep in tests.', 'The convention here is table-driven tests for every exported function.'],
    review: 'Review README.md for typos please.',
    list: { cmd: 'ls *_test.go', out: 'bucket_test.go\nlimiter_test.go' },
  },
];

const AGENTS: AgentName[] = ['claude-code', 'codex', 'gemini'];

/** The structuredPatch Claude Code returns for a Write that updated a file (one hunk around the change). */
function writePatch(before: string, change: Repo['change']) {
  const lines = before.split('\n');
  const at = lines.findIndex((l) => l === change.old);
  return [{ oldStart: at + 1, oldLines: 1, newStart: at + 1, newLines: 1, lines: [`-${change.old}`, `+${change.new}`] }];
}

function sessionsOf(repo: Repo, agent: AgentName, n: number): TruthSession[] {
  const cwd = `/home/dev/${repo.name}`;
  const id = (k: string) => `${repo.name}-${agent}-${k}`;
  const base = { source: `hand-written (${repo.name})`, cwd, agent, repo: repo.name, rules: [] as string[], requests: [] as string[], changed: {} as Record<string, string[]> };
  const truthOf = (outcome: TruthSession['outcome']) => ({ outcome, conventions: 0, opposite: [] as ('fix' | 'dead_end')[] });
  const fail: Step = { bash: repo.test, exit: 1, out: repo.testOut.fail };
  const pass: Step = { bash: repo.test, out: repo.testOut.pass };
  const after = repo.before.replace(repo.change.old, repo.change.new);
  const s: TruthSession[] = [];
  // 1. A fix by an Edit whose snippet starts at its definition.
  const fixed = `Fixed it in ${repo.edit.symbol} (${n}); the tests pass.`;
  s.push({ ...base, id: id('edit-fix'), kind: 'edit-fix', scenario: 'edit-fix', changed: { [repo.edit.file]: [repo.edit.symbol] }, outcome: 'passing', trivial: false, fixAnswer: fixed,
    steps: [{ prompt: `The retry tests fail after the last merge (${n}), fix them.` }, fail, { edit: repo.edit.file, old: repo.edit.old, new: repo.edit.new, line: repo.edit.line }, pass, { stop: fixed }],
    truth: truthOf('passing') });
  // 2. A whole-file rewrite that changed one line of one function.
  const rewrote = `Rewrote ${repo.file}; only ${repo.change.symbol} changed (${n}).`;
  s.push({ ...base, id: id('rewrite'), kind: 'rewrite', scenario: 'rewrite', changed: { [repo.file]: [repo.change.symbol] }, outcome: 'passing', trivial: false, fixAnswer: rewrote,
    steps: [
      { prompt: `Make ${repo.change.symbol} handle the failing case (${n}).` },
      fail,
      { read: repo.file, content: repo.before },
      agent === 'claude-code'
        ? ({ writeUpdate: repo.file, content: after, patch: writePatch(repo.before, repo.change) } as unknown as Step)
        : { write: repo.file, content: after },
      pass,
      { stop: rewrote },
    ],
    truth: truthOf('passing') });
  // 3. A fix over two turns: turn 1 explains the failure, turn 2 fixes it.
  const turn1 = `The test fails because ${repo.change.symbol} mishandles the case (${n}).`;
  const turn2 = `Changed ${repo.change.symbol}; the test passes now (${n}).`;
  s.push({ ...base, id: id('two-turn'), kind: 'two-turn-fix', scenario: 'two-turn-fix', changed: { [repo.file]: [repo.change.symbol] }, outcome: 'passing', trivial: false, fixAnswer: turn2, notTheFix: turn1,
    steps: [
      { prompt: `Why does ${repo.test} fail? (${n})` },
      fail,
      { stop: turn1 },
      { prompt: 'ok, fix it' },
      { edit: repo.file, old: repo.change.old, new: repo.change.new, line: repo.change.line },
      pass,
      { stop: turn2 },
    ],
    truth: truthOf('passing') });
  // 4. Still failing at the end.
  s.push({ ...base, id: id('still-failing'), kind: 'still-failing', scenario: 'still-failing', changed: { [repo.badEdit.file]: [repo.badEdit.symbol] }, outcome: 'failing', trivial: false,
    steps: [{ prompt: `Try to fix ${repo.test} (${n}).` }, fail, { edit: repo.badEdit.file, old: repo.badEdit.old, new: repo.badEdit.new, line: repo.badEdit.line }, fail, { stop: `I could not fix it yet (${n}); ${repo.badEdit.symbol} was not the cause.` }],
    truth: truthOf('failing') });
  // 5. A review that finds nothing.
  s.push({ ...base, id: id('review'), kind: 'review', scenario: 'review', requests: [repo.review], outcome: 'unverified', trivial: true,
    steps: [{ prompt: repo.review }, { read: repo.file, content: repo.before }, { stop: 'No typos found.' }],
    truth: truthOf('unverified') });
  // 6. Rules stated with a small change.
  s.push({ ...base, id: id('rules'), kind: 'rules', scenario: 'rules', rules: [...repo.rules], changed: { [repo.edit.file]: [repo.edit.symbol] }, outcome: 'unverified', trivial: false,
    steps: [{ prompt: `Tidy ${repo.edit.symbol}. ${repo.rules[0]} ${repo.rules[1]}` }, { edit: repo.edit.file, old: repo.edit.old, new: repo.edit.new, line: repo.edit.line }, { stop: `Tidied ${repo.edit.symbol} (${n}).` }],
    truth: { outcome: 'unverified', conventions: 2, opposite: [] } });
  // 7. A listing asked for.
  s.push({ ...base, id: id('listing'), kind: 'listing', scenario: 'listing', requests: ['List the test modules in this repo.'], outcome: 'unverified', trivial: true,
    steps: [{ prompt: 'List the test modules in this repo.' }, { bash: repo.list.cmd, out: repo.list.out }, { stop: repo.list.out.split('\n').join(', ') }],
    truth: truthOf('unverified') });
  // 8. The git log shown.
  s.push({ ...base, id: id('git-log'), kind: 'git-log', scenario: 'git-log', requests: ['Show the git log, last five commits.'], outcome: 'unverified', trivial: true,
    steps: [{ prompt: 'Show the git log, last five commits.' }, { bash: 'git log --oneline | head -5', out: 'a1b2c3d fix retry\nb2c3d4e add tests\nc3d4e5f init' }, { stop: 'Shown above.' }],
    truth: truthOf('unverified') });
  return s;
}

export const TRUTH_CORPUS: TruthSession[] = REPOS.flatMap((repo) => AGENTS.flatMap((agent, i) => sessionsOf(repo, agent, i + 1)));

/** The session as its host's hook deliveries; a Write that updated a file carries Claude Code's patch. */
export function truthDeliveries(s: TruthSession, sessionId = s.id): Delivery[] {
  const steps = s.steps.map((st) => ('writeUpdate' in st ? ({ write: (st as { writeUpdate: string }).writeUpdate, content: (st as { content: string }).content } as Step) : st));
  const out = deliveriesOf({ ...s, steps }, sessionId);
  // Claude Code's Write of an existing file: {type: "update", structuredPatch: [...]}.
  const updates = s.steps.filter((st) => 'writeUpdate' in st) as unknown as { writeUpdate: string; patch: unknown }[];
  for (const u of updates) {
    const post = out.find((d) => d.event === 'post-tool-use' && d.body.tool_name === 'Write' && String((d.body.tool_input as { file_path: string }).file_path).endsWith(u.writeUpdate));
    if (post) post.body = { ...post.body, tool_response: { ...(post.body.tool_response as object), type: 'update', structuredPatch: u.patch } };
  }
  if (s.agent === 'claude-code') return out;
  // Other hosts report a write without Claude Code's type and patch.
  for (const d of out) if (d.event === 'post-tool-use' && d.body.tool_name === 'Write') d.body = { ...d.body, tool_response: { filePath: (d.body.tool_input as { file_path: string }).file_path } };
  return out.map((d) => ({ ...d, body: { ...d.body, memflowAgent: { host: s.agent, version: '1.0.0' } } }));
}
