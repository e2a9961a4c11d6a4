/**
 * The tokens of observations' renderings, remembered across summarizeBatch calls
 * (activities/summarize/rendered-tokens.ts): the same count as rendering and counting each time,
 * counted again when the observation changed (a tool call's result merged into it), and bounded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RenderedTokens } from '../../activities/summarize/rendered-tokens.js';
import { renderObservation, type PromptObservation } from '../../activities/summarize/summary-prompt.js';
import { countTokens } from '../../common/rules/tokens.js';

const tool = (sequence: number, text: string): PromptObservation => ({ sequence, kind: 'tool', toolName: 'Bash', title: 'Bash: npm test', text, tokenCount: 0 });
const counted = (o: PromptObservation) => countTokens(renderObservation(o));

test('an observation is counted as its rendering, and again once it changed', () => {
  const tokens = new RenderedTokens();
  const pre = tool(3, '{"command":"npm test"}');
  assert.equal(tokens.of('a', pre), counted(pre));
  assert.equal(tokens.of('a', { ...pre }), counted(pre), 'the same rendering: the same count');
  const post = tool(3, `{"command":"npm test"}\n---\n${'FAIL tests/login.test.ts expected 200 got 401\n'.repeat(40)}`);
  assert.equal(tokens.of('a', post), counted(post), 'the result merged into the call: counted again');
  assert.notEqual(counted(post), counted(pre));
  const moved = { ...post, sequence: 2 };
  assert.equal(tokens.of('a', moved), counted(moved), 'a new sequence is a new rendering');
});

test('it remembers a bounded number of observations, the least recently counted going first', () => {
  const tokens = new RenderedTokens(2);
  const a = tool(1, 'a');
  const b = tool(2, 'b b b');
  const c = tool(3, 'c c c c c');
  tokens.of('a', a);
  tokens.of('b', b);
  tokens.of('c', c); // 'a' goes
  const entries = (tokens as unknown as { entries: Map<string, unknown> }).entries;
  assert.deepEqual([...entries.keys()], ['b', 'c']);
  assert.equal(tokens.of('a', a), counted(a));
  assert.deepEqual([...entries.keys()], ['c', 'a']);
});
