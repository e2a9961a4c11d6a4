/**
 * The pure parts of re-derivation (docs/rederivation.md): the one-call prompt keeps a long
 * timeline's start and end within its budget, the expected answer length, how revisions name a
 * derivation, and the CLI's progress line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectedAnswerTokens, prefixTokens, sessionCall } from '../../activities/rederive/rederive-summarizer.js';
import { derivationLabel } from '../../activities/rederive/rederive-swap.js';
import { rederivePrompt } from '../../activities/summarize/summary-prompt.js';
import { countTokens } from '../../common/rules/tokens.js';
import { progressLine } from '../../cli/rederive-cmd.js';
import type { DerivationView } from '../../messages/rederive-api-v1.js';

const line = (sequence: number, title: string, text = '') => ({ sequence, kind: 'tool', toolName: 'Bash', title, text, tokenCount: countTokens(text) });

test('the prompt of a long session keeps its start and end within the budget', () => {
  const observations = [
    { sequence: 1, kind: 'prompt', toolName: null, title: 'Fix the refund rounding', text: 'Fix the refund rounding', tokenCount: 5 },
    ...Array.from({ length: 400 }, (_, i) => line(i + 2, `Bash: npm test -- test/part${i}.test.ts`, `{"command":"npm test"}\n---\n${'ok '.repeat(40)}`)),
    line(402, 'Bash: npm test', '{"command":"npm test"}\n---\nTests: 12 passed'),
  ];
  const prompt = rederivePrompt('shop', observations, 2000);
  assert.ok(countTokens(prompt) <= 2000 + 100, `within the budget: ${countTokens(prompt)}`);
  assert.match(prompt, /^Project: shop\n/);
  assert.match(prompt, /#1 prompt: Fix the refund rounding/, 'the start is kept');
  assert.match(prompt, /#402 tool: Bash: npm test\n/, 'the end is kept');
  assert.doesNotMatch(prompt, /#200 tool:/, 'the middle went first');
  const short = rederivePrompt('shop', observations.slice(0, 3), 2000);
  assert.match(short, /#3 tool: Bash: npm test -- test\/part1\.test\.ts/, 'a short session is whole');
  // What the estimate counts for the message is what is sent, plus the API's 4 tokens of envelope.
  const call = sessionCall('shop', observations.slice(0, 3));
  assert.equal(call.tokens, countTokens(call.user) + 4);
  assert.ok(prefixTokens() > countTokens('record_summary'), 'the cached prefix holds the tool schema and the system prompt');
});

test('the expected answer: the current summary plus the envelope, never above the output cap', () => {
  assert.equal(expectedAnswerTokens(300, 4096), 340);
  assert.equal(expectedAnswerTokens(null, 4096), 240, 'a session without a summary: a typical one');
  assert.equal(expectedAnswerTokens(5000, 1024), 1024);
});

test('revisions name a derivation by summarizer, model and prompt version', () => {
  assert.equal(derivationLabel({ summarizer: 'claude', model: 'claude-sonnet-4-6', promptVersion: '2026-11-26' }), 'claude claude-sonnet-4-6 (prompt 2026-11-26)');
  assert.equal(derivationLabel({ summarizer: 'offline', model: null, promptVersion: '2026-11-26' }), 'offline (prompt 2026-11-26)');
  assert.equal(derivationLabel(null), 'the live summarizer');
});

test('the CLI progress line: sessions, share, tokens against the estimate, a pause said with its time', () => {
  const d = {
    status: 'paused',
    sessionsDone: 610,
    sessionsTotal: 1000,
    measured: { tokens: 1336650 },
    estimate: { tokens: 2203000 },
    pausedUntil: '2026-11-27T00:00:00.000Z',
  } as unknown as DerivationView;
  assert.equal(progressLine(d), 'paused: 610/1,000 sessions (61 %), 1,336,650 tokens of 2,203,000 estimated, paused by the daily budget until 2026-11-27T00:00:00.000Z');
  assert.equal(progressLine({ ...d, status: 'estimated', sessionsDone: 0, sessionsTotal: 0, measured: { tokens: 0 } } as unknown as DerivationView), 'estimated: 0/0 sessions, 0 tokens of 2,203,000 estimated');
});
