/**
 * "Applies when": the symptoms and tasks a model writes for a learning at extraction, in a bug report's
 * words (activities/summarize/summary-prompt.ts, stored by learning-merge.ts). The prompt's push
 * (api/context/prompt-push.ts) scores them with the learning's own words, so a prompt that describes
 * the symptom finds the fix although it shares no word with the fix itself; without them (the offline
 * summarizer's learnings) the same prompt finds nothing. The phrases here are what a scripted model
 * answered in tests/summarize-cli.test.ts: no claim about what a real model writes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assemblePush } from '../../api/context/prompt-push.js';
import { tokenize, stem } from '../../common/server/embeddings/local.js';
import { learningCandidateSchema } from '../../activities/summarize/summary-prompt.js';
import { learning } from '../helpers/push-candidate.js';

const TITLE = 'Overlapping outage intervals are merged before downtime is summed';
const BODY = 'Outage intervals that overlap were added twice; merging them first (merge_overlapping) made the total right.';
const APPLIES_WHEN = ['SLA report shows less uptime than ops measured', 'availability figure lower than the monitoring dashboard'];
const PROMPT = 'Customers say the SLA report shows less uptime than ops measured in October. Why?';

const others = [
  learning('convention', 'Prices are stored in integer cents — never floats', 'Stated by the user: "Prices are stored in integer cents (BIGINT) — never use floats for money."'),
  learning('decision', 'Webhook retries are capped at 7', 'Stated by the user: "We decided webhook retries are capped at 7."'),
  learning('fix', 'pytest tests/test_refund.py failed: refund of 10.005 rounded to 10.00', 'Fixed by rounding half-even in payclient/refund.py (round_refund).', { origin: 'extracted', outcome: 'confirmed' }),
  ...Array.from({ length: 20 }, (_, i) => learning('convention', `Filler rule ${i} about ${['docs', 'branches', 'reviews', 'changelogs'][i % 4]}`, `Stated by the user: "rule ${i} on process"`)),
];

const words = (s: string) => new Set(tokenize(s).flatMap((w) => [w, stem(w)]));

test('the push finds a fix by a symptom that shares no word with the fix, through its "applies when"', () => {
  const own = words(`${TITLE}\n${BODY}`);
  const shared = [...words(PROMPT)].filter((w) => own.has(w));
  assert.deepEqual(shared, [], 'the prompt shares no word with the learning itself');

  const fix = learning('fix', TITLE, BODY, { origin: 'extracted', outcome: 'confirmed', applies_when: APPLIES_WHEN });
  const built = assemblePush('uptimer', PROMPT, [...others, fix]);
  assert.match(built.context, /Overlapping outage intervals are merged/);
  assert.equal(built.served.find((s) => s.included)?.id, fix.id);

  // The control: the same learning without its "applies when" (as the offline summarizer stores it) is not found.
  const bare = learning('fix', TITLE, BODY, { origin: 'extracted', outcome: 'confirmed' });
  const without = assemblePush('uptimer', PROMPT, [...others, bare]);
  assert.doesNotMatch(without.context, /Overlapping outage intervals/);
});

test('the answer schema takes "applies when" as up to six short phrases and refuses other shapes', () => {
  const base = { kind: 'fix', title: TITLE, body: BODY, confidence: 0.9, sources: [2] };
  assert.deepEqual(learningCandidateSchema.parse({ ...base, appliesWhen: APPLIES_WHEN }).appliesWhen, APPLIES_WHEN);
  assert.equal(learningCandidateSchema.parse(base).appliesWhen, undefined);
  assert.equal(learningCandidateSchema.safeParse({ ...base, appliesWhen: 'SLA report is off' }).success, false);
  assert.equal(learningCandidateSchema.safeParse({ ...base, appliesWhen: Array(7).fill('SLA report is off') }).success, false);
});
