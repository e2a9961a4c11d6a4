/**
 * What the next session reads, without a stack: timeline titles as the context shows them (paths
 * relative to the session's directory, searches by their pattern, no redaction markers) and repeated
 * activity collapsed into one line with its count.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assembleContext, type Candidate } from '../../api/context/start-context.js';
import { renderEvent } from '../../common/rules/observation.js';

const tool = (tool_name: string, tool_input: Record<string, unknown>, cwd = '/home/dev/wt-feature/shop') =>
  renderEvent('post-tool-use', { cwd, tool_name, tool_input, tool_response: { stdout: 'ok' }, tool_use_id: 'toolu_1' });

test('tool titles name paths relative to the session directory, and searches by their pattern', () => {
  assert.equal(tool('Read', { file_path: '/home/dev/wt-feature/shop/src/cart/total.ts' })?.title, 'Read: src/cart/total.ts');
  assert.equal(tool('Grep', { pattern: 'priceCents', path: '/home/dev/wt-feature/shop/src' })?.title, 'Grep: priceCents in src');
  assert.equal(tool('Glob', { pattern: '**/*.test.ts' })?.title, 'Glob: **/*.test.ts');
  // Outside the session's directory a path stays absolute; the raw input stays in the text.
  const outside = tool('Read', { file_path: '/etc/hosts' });
  assert.equal(outside?.title, 'Read: /etc/hosts');
  assert.match(tool('Read', { file_path: '/home/dev/wt-feature/shop/a.ts' })!.text, /\/home\/dev\/wt-feature\/shop\/a\.ts/);
});

test('titles carry no redaction markers; the text keeps them', () => {
  const prompt = renderEvent('user-prompt-submit', { prompt: '[private] Always run the migrations before the tests' });
  assert.equal(prompt?.title, 'Always run the migrations before the tests');
  assert.equal(prompt?.text, '[private] Always run the migrations before the tests');
  assert.equal(renderEvent('user-prompt-submit', { prompt: '[private]' })?.title, 'Prompt');
  const bash = tool('Bash', { command: 'curl -H "Authorization: Bearer [redacted:bearer-token]" localhost' });
  assert.equal(bash?.title, 'Bash: curl -H "Authorization: Bearer …" localhost');
  const stop = renderEvent('stop', { last_assistant_message: '[private] Fixed the total: prices are cents now.' });
  assert.equal(stop?.title, 'Agent stopped: Fixed the total: prices are cents now.');
});

const candidate = (over: Partial<Candidate> & Pick<Candidate, 'id' | 'title'>): Candidate => ({
  type: 'observation',
  kind: 'tool',
  text: '',
  tool_name: 'Read',
  confidence: null,
  strength: null,
  at: new Date('2026-11-20T10:00:00Z'),
  relevance: 0,
  project_name: 'shop',
  ...over,
});

test('repeated activity is one line with its count, leaving room for the rest; a line that only looked earns none', () => {
  const now = Date.parse('2026-11-21T10:00:00Z');
  const reads = Array.from({ length: 24 }, (_, n) =>
    candidate({ id: `r${n}`, title: 'Bash: npm run lint', tool_name: 'Bash', at: new Date(Date.parse('2026-11-20T10:00:00Z') + n * 1000) }),
  );
  const looked = [
    candidate({ id: 'x1', title: 'Read: src/cart/total.ts', tool_name: 'Read' }),
    candidate({ id: 'x2', title: 'Bash: git log --oneline | head -5', tool_name: 'Bash' }),
  ];
  const others = [
    candidate({ id: 'b1', title: 'FAILED Bash: npm test', tool_name: 'Bash' }),
    candidate({ id: 'e1', title: 'Edit: src/cart/total.ts', tool_name: 'Edit' }),
    candidate({ id: 'p1', kind: 'prompt', title: 'fix the total', text: 'fix the total', tool_name: null }),
    candidate({ id: 'p2', kind: 'prompt', title: 'Fix the  total', text: 'Fix the  total', tool_name: null }),
  ];
  const built = assembleContext('shop', [...reads, ...looked, ...others], 1500, { now });
  const lines = built.context.split('\n').filter((l) => l.startsWith('- '));
  assert.equal(lines.filter((l) => l.includes('Bash: npm run lint')).length, 1, built.context);
  assert.ok(lines.some((l) => l.endsWith('Bash: npm run lint (×24)')), built.context);
  assert.ok(!built.context.includes('Read: src/cart') && !built.context.includes('git log'), built.context);
  assert.ok(built.items.includes('r23'), 'the latest of the repeats stands for them');
  assert.equal(lines.filter((l) => /asked: fix the total/i.test(l)).length, 1, 'the same prompt twice is one line');
  assert.ok(lines.some((l) => l.includes('FAILED Bash: npm test')) && lines.some((l) => l.includes('Edit: src/cart/total.ts')));
  assert.equal(lines.length, 4);
});

test('the failure and what fixed it are told in their own section, not again under activity', () => {
  const now = Date.parse('2026-11-21T10:00:00Z');
  const built = assembleContext(
    'shop',
    [
      candidate({
        id: 'f1',
        kind: 'failure',
        tool_name: 'Bash',
        title: 'FAILED Bash: npm test',
        text: 'failed: Command exited with non-zero status code 1 → passed on a later run → Claude: The total read line.price; it is line.product.price now.',
      }),
      candidate({ id: 'e1', title: 'Edit: src/total.ts', tool_name: 'Edit' }),
    ],
    1500,
    { now },
  );
  assert.match(
    built.context,
    /## What failed, and what fixed it\n- 2026-11-20 FAILED Bash: npm test: failed: Command exited with non-zero status code 1 → passed on a later run → Claude: The total read line\.price; it is line\.product\.price now\.\n## Recent activity\n- 2026-11-20 Edit: src\/total\.ts$/,
  );
  assert.deepEqual(built.items, ['f1', 'e1']);
});

test('paths under the directories the sessions ran in read relative to the project', () => {
  const roots = ['/home/dev/wt-feature/shop', '/home/dev/shop', '/home/dev/shop/packages/api'];
  const now = Date.parse('2026-11-21T10:00:00Z');
  const built = assembleContext(
    'shop',
    [
      candidate({ id: 'r1', title: 'Edit: /home/dev/wt-feature/shop/src/cart/total.ts', tool_name: 'Edit', roots }),
      candidate({ id: 's1', type: 'summary', kind: 'final', title: 'Fixed the total', text: 'Changed /home/dev/shop/packages/api/src/price.ts; ran tests in /home/dev/shop', roots }),
    ],
    1500,
    { now },
  );
  assert.ok(!built.context.includes('/home/dev'), built.context);
  assert.match(built.context, /Edit: src\/cart\/total\.ts/);
  assert.match(built.context, /Changed packages\/api\/src\/price\.ts; ran tests in \./);
});

test('no redaction markers in any title; a prompt its session summary already names is not repeated', () => {
  const now = Date.parse('2026-11-21T10:00:00Z');
  const built = assembleContext(
    'shop',
    [
      candidate({ id: 'l1', type: 'learning', kind: 'convention', title: '[private] Always run the migrations first', text: 'before npm test', confidence: 0.9, strength: 2 }),
      candidate({ id: 's1', type: 'summary', kind: 'final', title: '[offline] The cart total test fails, please fix it', text: 'learned: prices are cents' }),
      candidate({ id: 'p1', kind: 'prompt', title: 'The cart total test fails, please fix it', text: 'The cart total test fails, please fix it', tool_name: null }),
      candidate({ id: 'p2', kind: 'prompt', title: 'now add a discount line', text: 'now add a discount line', tool_name: null }),
    ],
    1500,
    { now },
  );
  assert.ok(!built.context.includes('[private]'), built.context);
  assert.match(built.context, /- \[convention\] Always run the migrations first/);
  assert.ok(!built.items.includes('p1'), built.context);
  assert.match(built.context, /asked: now add a discount line/);
});

test('each line says its item once: an agent note without its text again, an offline summary without its prompt again, identical sessions one line', () => {
  const now = Date.parse('2026-11-25T10:00:00Z');
  const built = assembleContext(
    'shop',
    [
      candidate({ id: 'n1', type: 'learning', kind: 'fact', title: 'Prices are stored in cents', text: 'Prices are stored in cents', origin: 'agent', outcome: 'unverified', confidence: 0.6, strength: 1 }),
      candidate({ id: 's1', type: 'summary', kind: 'final', title: '[offline] OUTAGE: run the tests', text: '[offline] OUTAGE: run the tests\nRequest: OUTAGE: run the tests\nCompleted: Changed db.ts.' }),
      candidate({ id: 's2', type: 'summary', kind: 'final', title: '[offline] OUTAGE: run the tests', text: '[offline] OUTAGE: run the tests\nRequest: OUTAGE: run the tests\nCompleted: Changed db.ts.', at: new Date('2026-11-20T11:00:00Z') }),
    ],
    1500,
    { now },
  );
  const lines = built.context.split('\n').filter((l) => l.startsWith('- '));
  const note = lines.find((l) => l.includes('Prices are stored in cents'));
  assert.equal(note, '- [fact] Prices are stored in cents (agent note, unverified)', built.context);
  const outage = lines.filter((l) => l.includes('OUTAGE'));
  assert.equal(outage.length, 1, built.context);
  assert.equal(outage[0]!.split('run the tests').length - 1, 1, `the prompt is said once: ${outage[0]}`);
});

test("a rule a later one says it changes is left out of the start context, said why; a later one that says no change hides nothing", () => {
  const now = Date.parse('2026-11-25T10:00:00Z');
  const rule = (id: string, text: string, at: string) => candidate({ id, type: 'learning', kind: 'decision', title: text, text: `"${text}" — the user`, origin: 'user', outcome: 'unverified', confidence: 0.9, strength: 1, at: new Date(at), tool_name: null });
  const was = rule('old', 'Webhook deliveries are retried at most 7 times (MAX_ATTEMPTS), backoff doubling from 30 seconds.', '2026-08-01T10:00:00Z');
  const now9 = rule('new', 'Change the rule: webhook deliveries are retried at most 9 times now (MAX_ATTEMPTS), backoff still doubling from 30 seconds.', '2026-10-01T10:00:00Z');
  const other = rule('cents', 'Prices are stored in integer cents, never floats.', '2026-07-01T10:00:00Z');
  const built = assembleContext('ledgerly', [was, now9, other], 1500, { now });
  assert.ok(built.items.includes('new') && built.items.includes('cents'), built.context);
  assert.ok(!built.items.includes('old'), built.context);
  assert.match(built.served!.find((s) => s.id === 'old')!.reason, /a later rule on its topic \(2026-10-01\) says it changes it/);
  // Restated later without a word of change, the same topic leaves both (these rows cannot tell an old version apart).
  const restated = rule('again', 'Webhook deliveries are retried at most 7 times (MAX_ATTEMPTS), backoff doubling from 30 seconds, as before.', '2026-10-01T10:00:00Z');
  assert.ok(assembleContext('ledgerly', [was, restated, other], 1500, { now }).items.includes('old'));
  // A later rule that replaced a rule when it was stated replaced its own old version: it hides no other rule.
  const ownOld = { ...now9, replaced_at: new Date('2026-10-01T10:00:00Z') };
  assert.ok(assembleContext('ledgerly', [was, ownOld, other], 1500, { now }).items.includes('old'));
});
