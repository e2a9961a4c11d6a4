/**
 * The redaction corpus: recall on the positive cases must be 100 % and false positives on
 * the negative cases (realistic coding output) at most 1 %. Both figures are printed; docs/redaction.md
 * quotes them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactText } from '../../common/rules/redact.js';
import { explainRedaction } from '../../common/rules/redact-explain.js';
import { runCli } from '../fixtures/cli-run.js';
import { NEGATIVES, POSITIVES } from '../fixtures/redaction-corpus.js';

test('redaction corpus: recall 100 % on positives, false positives <= 1 % on negatives', () => {
  const missed = POSITIVES.filter((p) => {
    const out = redactText(p.text).text;
    return p.secrets.some((s) => out.includes(s));
  });
  const flagged = NEGATIVES.filter((n) => redactText(n).text !== n);
  const recall = (POSITIVES.length - missed.length) / POSITIVES.length;
  const fpRate = flagged.length / NEGATIVES.length;
  console.log(
    `redaction corpus: recall ${(recall * 100).toFixed(1)} % (${POSITIVES.length - missed.length}/${POSITIVES.length} positives), ` +
      `false positives ${(fpRate * 100).toFixed(2)} % (${flagged.length}/${NEGATIVES.length} negatives)`,
  );
  // Name the cases (family and the redacted output only: the corpus secrets are fake, but the habit holds).
  for (const m of missed) console.log(`  missed [${m.family}]: ${redactText(m.text).text.slice(0, 160)}`);
  for (const f of flagged) console.log(`  flagged: ${redactText(f).text.slice(0, 160)}`);
  assert.ok(NEGATIVES.length >= 100, 'the negative corpus needs at least 100 cases for a 1 % bound to mean anything');
  assert.equal(missed.length, 0, `${missed.length} positive case(s) kept a secret`);
  assert.ok(fpRate <= 0.01, `false-positive rate ${(fpRate * 100).toFixed(2)} % is above 1 %`);
});

test('redaction corpus: every positive family produces a marker and keeps the words around it', () => {
  for (const p of POSITIVES) {
    const out = redactText(p.text);
    assert.ok(out.count >= 1, `[${p.family}] nothing redacted`);
    assert.match(out.text, /\[(?:redacted:[\w.-]+|private)\]/, `[${p.family}] no marker`);
  }
});

test('explainRedaction: every corpus secret lies inside a finding, and findings are ordered, disjoint spans of the input', () => {
  for (const p of POSITIVES) {
    const { text, findings } = explainRedaction(p.text);
    assert.equal(text, redactText(p.text).text);
    for (const s of p.secrets) {
      const at = p.text.indexOf(s);
      assert.ok(findings.some((f) => f.start <= at && at + s.length <= f.end), `[${p.family}] no finding covers a secret: ${JSON.stringify(findings)}`);
    }
    for (let i = 1; i < findings.length; i++) assert.ok(findings[i - 1]!.end <= findings[i]!.start);
  }
  for (const n of NEGATIVES.slice(0, 20)) assert.deepEqual(explainRedaction(n).findings, []);
});

test('memflow redact --check: rule, position and the value masked; the secret itself is never printed', async () => {
  const input = `${POSITIVES[1]!.text}\n${POSITIVES.find((p) => p.family === 'github')!.text}\n`;
  const secrets = [POSITIVES[1]!.secrets[0]!, POSITIVES.find((p) => p.family === 'github')!.secrets[0]!];
  const r = await runCli(['redact', '--check'], { input });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /secret-prose\s+1:/);
  assert.match(r.stdout, /github-token\s+2:/);
  assert.match(r.stdout, /2 redactions/);
  for (const s of secrets) assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), 'the secret was printed');
  const json = await runCli(['redact', '--check', '--json'], { input });
  const doc = JSON.parse(json.stdout) as { findings: { rule: string; start: number; end: number; length: number }[] };
  assert.deepEqual(doc.findings.map((f) => f.rule), ['secret-prose', 'github-token']);
  assert.equal(input.slice(doc.findings[0]!.start, doc.findings[0]!.end), secrets[0]);
  const clean = await runCli(['redact', '--check'], { input: NEGATIVES.join('\n') });
  assert.match(clean.stdout, /nothing would be redacted/);
  const none = await runCli(['redact'], { input: '' });
  assert.equal(none.code, 2);
});
