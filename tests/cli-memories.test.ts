/**
 * The CLI covers what the API offers people — `memflow remember`, `correct`, `forget`, `memories`
 * (list, show) — with one default scope for every command run in a repository (its project; the
 * same for search, learnings, memories and sessions; `--all-projects` lifts it), sessions listed
 * by title and found by words, ranks instead of scores, and a failed run's error line in view in
 * `memflow timeline`. Against the real API and worker; the repositories are real git checkouts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTemporalClient } from '../common/server/temporal-connection.js';
import { sessionResult } from './helpers/sessions.js';
import { runCli } from './fixtures/cli-run.js';
import { startTestApi, startTestWorker, stopTestApp, type TestApi, type TestWorker } from './helpers/app.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueName('cli-memories') });
const prisma = testPrisma();
const temporal = createTemporalClient(config);
let api: TestApi;
let worker: TestWorker;
let tenant: Awaited<ReturnType<typeof newTenant>>;
const here = uniqueName('payments');
const other = uniqueName('ledger');
let repo: string;
let otherRepo: string;
const sid = crypto.randomUUID();
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** A real git checkout named `name` (its project, as the hooks name it). */
function gitRepo(name: string): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-cli-')), name);
  fs.mkdirSync(dir);
  execFileSync('git', ['init', '-q', dir]);
  return dir;
}

async function post(event: string, body: Record<string, unknown>) {
  const res = await fetch(`${api.url}/v1/hooks/${event}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.key}` },
    body: JSON.stringify({ session_id: sid, cwd: repo, ...body }),
  });
  assert.equal(res.status, 200, await res.text());
}

const FAILING_OUTPUT = [
  '> refunds@1.0.0 test',
  '> node --test test/refunds.test.ts',
  '',
  '▶ refunds',
  '  ✖ rounds a partial refund to the cent (3.1ms)',
  '    AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:',
  '    12.35 !== 12.34',
  '        at TestContext.<anonymous> (test/refunds.test.ts:14:12)',
  '        at Test.runInAsyncScope (node:async_hooks:214:14)',
  'ℹ tests 4',
  'ℹ pass 3',
  'ℹ fail 1',
].join('\n');

before(async () => {
  tenant = await newTenant(prisma);
  repo = gitRepo(here);
  otherRepo = gitRepo(other);
  api = await startTestApi(config, prisma, { tuning: { flushDelayMs: 50, idleTimeoutMs: 120_000 } });
  worker = await startTestWorker(config, prisma);
  await post('session-start', { hook_event_name: 'SessionStart', source: 'startup' });
  await post('user-prompt-submit', { hook_event_name: 'UserPromptSubmit', prompt: 'fix the flaky refund rounding test' });
  const input = { command: 'npm test -- test/refunds.test.ts' };
  await post('pre-tool-use', { hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_use_id: 'toolu_r1', tool_input: input });
  await post('post-tool-use-failure', { hook_event_name: 'PostToolUseFailure', tool_name: 'Bash', tool_use_id: 'toolu_r1', tool_input: input, error: `Exit code 1\n${FAILING_OUTPUT}` });
  await post('stop', { hook_event_name: 'Stop' });
  await post('session-end', { hook_event_name: 'SessionEnd', reason: 'exit' });
  await sessionResult(temporal.client, prisma, tenant.tenantId, sid);
});

after(async () => {
  await stopTestApp({ api, worker }, temporal, prisma);
  for (const d of [repo, otherRepo]) if (d) fs.rmSync(path.dirname(d), { recursive: true, force: true });
});

const cli = (args: string[], cwd = repo, env: Record<string, string | undefined> = {}) => runCli(args, { cwd, env: { MEMFLOW_URL: api.url, MEMFLOW_API_KEY: tenant.key, ...env } });

describe('remember, memories, correct, forget', () => {
  let remembered = '';
  test('remember in a repository keeps the memory in its project, as the user\'s', async () => {
    const r = await cli(['remember', 'Refund amounts are rounded half-even to the cent', '--kind', 'convention', '--tags', 'refunds,money']);
    assert.equal(r.code, 0, r.stderr);
    const m = new RegExp(`^remembered: (${UUID}) in project '${here}'`).exec(r.stdout);
    assert.ok(m, r.stdout);
    remembered = m[1]!;
    const row = await prisma.learning.findUniqueOrThrow({ where: { id: remembered }, include: { project: true } });
    assert.equal(row.project.name, here);
    assert.equal(row.origin, 'user');
    assert.equal(row.kind, 'convention');

    const again = await cli(['remember', 'Refund amounts are rounded half-even to the cent', '--kind', 'convention']);
    assert.match(again.stdout, /^already remembered \(restated\): /);
    const empty = await cli(['remember', '  ']);
    assert.equal(empty.code, 1);
    assert.equal(empty.stderr, 'memflow: remember needs the text to keep\n');
    const badKind = await cli(['remember', 'x', '--kind', 'rumour']);
    assert.equal(badKind.code, 1);
    assert.match(badKind.stderr, /^memflow: the API answered 400 \(invalid_body: kind: must be one of fact, decision, convention/);
  });

  test('memories lists this repository\'s project by default; another repository sees its own; --all-projects sees both', async () => {
    const mine = await cli(['memories', '--json']);
    assert.equal(mine.code, 0, mine.stderr);
    const page = JSON.parse(mine.stdout) as { items: { id: string; project: string }[] };
    assert.ok(page.items.some((l) => l.id === remembered));
    assert.ok(page.items.every((l) => l.project === here), 'only this repository\'s project');

    const elsewhere = await cli(['memories'], otherRepo);
    assert.equal(elsewhere.code, 0, elsewhere.stderr);
    assert.match(elsewhere.stdout, new RegExp(`^no learnings in project '${other}' \\(this repository; --all-projects for every project\\) yet\\n`));

    const all = await cli(['memories', 'list', '--all-projects', '--json'], otherRepo);
    assert.ok((JSON.parse(all.stdout) as { items: { id: string }[] }).items.some((l) => l.id === remembered));
    const named = await cli(['learnings', '--project', here, '--json'], otherRepo);
    assert.ok((JSON.parse(named.stdout) as { items: { id: string }[] }).items.some((l) => l.id === remembered), '--project names another project');
    const both = await cli(['memories', '--project', here, '--all-projects']);
    assert.equal(both.code, 1);
    assert.equal(both.stderr, 'memflow: --project and --all-projects do not go together: pick one\n');

    const shown = await cli(['memories', 'show', remembered.slice(0, 8)]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`^learning ${remembered}\\nproject  ${here}\\n`));
  });

  test('search defaults to the repository\'s project and prints ranks, never a score', async () => {
    const r = await cli(['search', 'refund', 'rounded', 'half-even']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^#1 {4}learning {5}${remembered}  `));
    assert.doesNotMatch(r.stdout, /(^|\s)-?\d+\.\d{3,}/, 'no score printed');
    assert.match(r.stderr, new RegExp(`^\\(searched in project '${here}' \\(this repository; --all-projects for every project\\)\\)\\n$`));
    const elsewhere = await cli(['search', 'refund', 'rounded', 'half-even', '--mode', 'keyword'], otherRepo);
    assert.match(elsewhere.stdout, /^no results in /);
    const all = await cli(['search', 'refund', 'rounded', 'half-even', '--all-projects', '--mode', 'keyword'], otherRepo);
    assert.match(all.stdout, new RegExp(`^#1 {4}learning {5}${remembered}`));
  });

  test('correct supersedes a learning with the reason; forget retracts one; both kept in the history', async () => {
    const c = await cli(['correct', remembered, 'Refund amounts are rounded half-up to the cent', '--reason', 'finance uses half-up']);
    assert.equal(c.code, 0, c.stderr);
    const m = new RegExp(`^corrected: ${remembered} is superseded by (${UUID}) \\(project '${here}'\\)`).exec(c.stdout);
    assert.ok(m, c.stdout);
    const old = await prisma.learning.findUniqueOrThrow({ where: { id: remembered } });
    assert.equal(old.status, 'superseded');

    const f = await cli(['forget', m[1]!, '--reason', 'the refund module was removed']);
    assert.equal(f.code, 0, f.stderr);
    assert.match(f.stdout, new RegExp(`^forgotten: ${m[1]} is retracted \\(superseded\\)`));
    const active = await cli(['memories', '--json']);
    assert.ok(!(JSON.parse(active.stdout) as { items: { id: string }[] }).items.some((l) => l.id === m[1] || l.id === remembered), 'neither is active');
    const history = await cli(['memories', '--status', 'all', '--json']);
    assert.ok((JSON.parse(history.stdout) as { items: { id: string }[] }).items.some((l) => l.id === remembered), 'the superseded one is kept');
    const noReason = await cli(['forget', remembered]);
    assert.equal(noReason.code, 1);
    assert.match(noReason.stderr, /required option '--reason <text>' not specified/);
  });
});

describe('sessions by what they were about', () => {
  test('sessions lists titles in the repository\'s project, --find finds by the first prompt\'s words', async () => {
    const r = await cli(['sessions']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${sid}\\s+fix the flaky refund rounding test\\s+${here}\\s+claude-code\\s+completed`));
    const found = await cli(['sessions', '--find', 'REFUND flaky', '--all-projects', '--json'], otherRepo);
    assert.deepEqual((JSON.parse(found.stdout) as { items: { id: string; title: string }[] }).items.map((s) => [s.id, s.title]), [[sid, 'fix the flaky refund rounding test']]);
    const none = await cli(['sessions', '--find', 'zeppelin'], otherRepo);
    assert.match(none.stdout, new RegExp(`^no sessions in project '${other}' .* about 'zeppelin' yet\\n$`));
  });

  test('timeline shows a failed run\'s decisive error line, not only "(N more lines)"', async () => {
    const r = await cli(['timeline', sid]);
    assert.equal(r.code, 0, r.stderr);
    const tool = r.stdout.slice(r.stdout.indexOf('tool    Bash'));
    assert.match(tool, /^tool {4}Bash  FAILED /);
    assert.match(tool, /\n {30}! AssertionError \[ERR_ASSERTION\]: Expected values to be strictly equal:\n/);
    assert.match(tool, /\n {30}… \(\d+ more lines; --json for all\)\n/);
  });
});
