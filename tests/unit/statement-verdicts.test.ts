/**
 * The model's judgement of the person's statements deciding the rules (activities/summarize/statement-verdicts.ts),
 * against the offline detector's verdicts on the same prompts (activities/summarize/stated-learnings.ts, read here
 * as it is): a rule the model says is a request is not kept; a note the model says is a convention is kept as one; a
 * rule the detector missed is kept in the model's words when they are the prompt's, else in the prompt's; a prompt
 * the model did not judge keeps the detector's verdict; no verdicts: the detector's alone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statedLearnings, type TurnLine } from '../../activities/summarize/stated-learnings.js';
import { decidedStatements, verdictsByPrompt, withoutUnsettled } from '../../activities/summarize/statement-verdicts.js';

const REQUEST = 'Never let import_rows skip the header check again, fix it so it raises on a bad header.';
const MISSED = 'Use the cents helper in ledger.py for amounts, that is how we do it here.';
const UNJUDGED = 'The retry budget for fetch_rates is 3 attempts, that is final.';
const turns: TurnLine[] = [
  { sequence: 1, kind: 'prompt', text: REQUEST },
  { sequence: 2, kind: 'tool', text: 'ledger.py', title: 'Read: ledger.py', toolName: 'Read' },
  { sequence: 3, kind: 'prompt', text: MISSED },
  { sequence: 4, kind: 'prompt', text: UNJUDGED },
];

test("the model's verdicts overrule the detector's; an unjudged prompt keeps the detector's; none: the detector's alone", () => {
  const detected = statedLearnings(turns);
  assert.ok(detected.some((d) => d.sources[0] === 1 && d.kind !== 'note'), 'the detector takes the request for a rule');
  assert.ok(!detected.some((d) => d.sources[0] === 3), 'the detector misses the rule');
  const unjudged = detected.filter((d) => d.sources[0] === 4);
  const decided = decidedStatements(turns, detected, [
    { source: 1, says: 'request' },
    { source: 3, says: 'convention', words: 'Use the cents helper in ledger.py for amounts' },
    { source: 99, says: 'decision' }, // not a prompt of the session: ignored
  ]);
  assert.ok(!decided.some((d) => d.sources[0] === 1), 'the request is not kept');
  const rule = decided.find((d) => d.sources[0] === 3);
  assert.equal(rule?.kind, 'convention');
  assert.equal(rule?.body, '"Use the cents helper in ledger.py for amounts" — the user');
  assert.ok(rule?.scope.includes('ledger.py'), 'the file read around it is its scope');
  assert.deepEqual(decided.filter((d) => d.sources[0] === 4), unjudged, "the unjudged prompt keeps the detector's verdict");
  assert.deepEqual(decidedStatements(turns, detected, undefined), detected);
});

test("words the model did not copy from the prompt: the prompt's own words are kept", () => {
  const decided = decidedStatements(turns, [], [{ source: 3, says: 'decision', words: 'Always round with the cents helper.' }]);
  assert.equal(decided[0]?.kind, 'decision');
  assert.equal(decided[0]?.title, MISSED);
});

test("a model's own decision drawn only from a prompt it judged a request is dropped", () => {
  const verdicts = verdictsByPrompt(turns, [{ source: 1, says: 'request' }]);
  const kept = withoutUnsettled(
    [
      { kind: 'decision', sources: [1] },
      { kind: 'fix', sources: [1] },
      { kind: 'convention', sources: [3] },
    ],
    verdicts,
  );
  assert.deepEqual(kept.map((k) => k.kind), ['fix', 'convention']);
});
