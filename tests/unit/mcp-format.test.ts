/**
 * The MCP answers' compact forms, as pure functions: index days, query-focused excerpts of long
 * records in `get`, and the record blocks that use them.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { countTokens } from '../../common/rules/tokens.js';
import { EXCERPT_TOKENS, excerpt, day, recordBlock, searchHead, searchLine, snippetBeyond } from '../../mcp/tools/tool-kit.js';
import type { LearningRecord, ObservationRecord } from '../../messages/api-v1.js';

const testRun = (() => {
  const lines = ['{\n "command": "npx vitest run",\n "description": "Run the unit tests"\n}', '---', '> storefront@2.3.0 test', '> vitest run', ''];
  for (let i = 0; i < 60; i++) lines.push(` ✓ src/orders/loadOrder${i}.test.ts (${i % 9} tests) ${i * 7}ms`);
  lines.splice(35, 0, ' ✗ src/checkout/pay.test.ts > pays with card', '   TimeoutError: locator.click: Timeout 5000ms exceeded waiting for iframe[name="card-frame"]');
  lines.push(' Test Files  1 failed | 60 passed (61)');
  return lines.join('\n');
})();

test('day: month and day this year, the year added for older memories, "-" for none', () => {
  const now = new Date('2026-11-23T10:00:00Z');
  assert.equal(day('2026-11-03T23:59:00Z', now), 'Nov 3');
  assert.equal(day('2025-02-14T00:00:00Z', now), 'Feb 14 2025');
  assert.equal(day(null, now), '-');
  assert.equal(day('not a date', now), '-');
  assert.ok(countTokens(` ${day('2026-11-03T00:00:00Z', now)}`) < countTokens(' 2026-11-03'));
});

test('the index head does not repeat the query, and says degraded', () => {
  const head = searchHead({ results: [{ id: 'a', type: 'learning', title: 't', snippet: 's', score: 1, sessionId: null, createdAt: '2026-11-01T00:00:00Z' }], tookMs: 3, mode: 'hybrid', degraded: true } as never, 'why did the checkout test fail on CI', 'storefront');
  assert.doesNotMatch(head, /checkout test/);
  assert.match(head, /1 hits in storefront \(degraded/);
});

test('index lines: the snippet says only what the title does not', () => {
  const title = 'Investigating: the image build takes 12 minutes';
  const snippet = 'The user asked to look into: the image build takes 12 minutes. Ran docker buildx build . and saw getaddrinfo ENOTFOUND postgres…';
  assert.equal(snippetBeyond(title, snippet), 'Ran docker buildx build . and saw getaddrinfo ENOTFOUND postgres…');
  const line = searchLine({ id: '611e4b0e-0000-4000-8000-000000000000', type: 'summary', title, snippet, score: 1, sessionId: null, createdAt: '2026-07-30T00:00:00Z' } as never);
  assert.match(line, /^611e4b0e summary Jul 30( \d{4})? Investigating: the image build takes 12 minutes — Ran docker buildx build/);
  assert.doesNotMatch(line, /asked to look into/);
  // A snippet that only restates the title is left out.
  assert.equal(searchLine({ id: '611e4b0e-0000-4000-8000-000000000000', type: 'learning', title: 'Use a 15s timeout for the payment iframe', snippet: 'Use a 15s timeout for the payment iframe.', score: 1, sessionId: null, createdAt: '2026-07-30T00:00:00Z' } as never).includes('—'), false);
});

test('excerpt: a long tool output is cut to its first line, the failure and the lines about the query, within the budget', () => {
  assert.ok(countTokens(testRun) > 5 * EXCERPT_TOKENS, 'the fixture is long');
  const e = excerpt(testRun, 'card payment frame timeout in the checkout test');
  assert.ok(countTokens(e.text) <= EXCERPT_TOKENS + 40, `excerpt of ${countTokens(e.text)} tokens`);
  assert.ok(e.text.startsWith('{'), 'the call itself (first line) is kept');
  assert.match(e.text, /TimeoutError: locator\.click/);
  assert.match(e.text, /pays with card/);
  assert.match(e.text, /… \(\d+ lines\)/, 'gaps are marked with their size');
  assert.ok(e.omitted > 40);
  // Order is kept: the failure comes after the command.
  assert.ok(e.text.indexOf('vitest') < e.text.indexOf('TimeoutError'));
});

test('excerpt: a short text comes back whole, whatever the query', () => {
  const text = 'Checkout e2e test needs a 15s timeout for the payment iframe.';
  assert.deepEqual(excerpt(text, 'unrelated words entirely'), { text, omitted: 0 });
});

test('excerpt: a single very long line (minified JSON) is cut into pieces, not returned whole', () => {
  const blob = JSON.stringify({ rows: Array.from({ length: 400 }, (_, i) => ({ id: i, name: `row ${i}` })), error: 'duplicate key value violates unique constraint "orders_pkey"' });
  const e = excerpt(blob, 'duplicate key on orders');
  assert.ok(countTokens(e.text) <= EXCERPT_TOKENS + 40);
  assert.match(e.text, /duplicate key value/);
});

test('recordBlock: with a query a long observation is an excerpt that says how to get it whole; without one, whole', () => {
  const r: ObservationRecord = {
    ...{ id: '9f3a1c2e-0000-4000-8000-000000000000', type: 'observation', title: 'Bash: npx vitest run', text: testRun, createdAt: '2026-11-20T10:00:00Z', sessionId: 's1', project: 'storefront' },
    ...{ kind: 'tool', tokenCount: countTokens(testRun), sequence: 7, toolName: 'Bash', toolUseId: 't7' },
  };
  const focused = recordBlock(r, 'card frame timeout');
  assert.match(focused, /excerpt for your query: \d+ lines left out; get with full: true for all/);
  assert.match(focused, /TimeoutError/);
  assert.ok(countTokens(focused) < countTokens(recordBlock(r)) / 3);
  assert.ok(recordBlock(r).includes(testRun));
  // A learning's short body is whole either way.
  const at = '2026-11-20T10:00:00Z';
  const l: LearningRecord = {
    ...{ id: '1b2c3d4e-0000-4000-8000-000000000000', type: 'learning', title: 'Use a 15s timeout', body: 'The payment iframe loads slowly on CI.', createdAt: at, kind: 'fix', status: 'active' },
    ...{ project: 'storefront', origin: 'extracted', tags: [], confidence: 0.6, strength: 1, lastStatedAt: at, validFrom: at, validTo: null, supersededBy: null, tokenCount: 9, updatedAt: at },
    ...{ trust: 'extracted', outcome: 'unverified', flags: [], staleCount: 0, checkedAt: null, gitBranch: null, gitCommit: null, onDefaultBranch: null, citations: [], sources: [], history: [] },
  };
  assert.match(recordBlock(l, 'anything'), /The payment iframe loads slowly on CI\./);
  assert.doesNotMatch(recordBlock(l, 'anything'), /excerpt/);
});
