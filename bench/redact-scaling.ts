/**
 * `npm run bench:redact-scaling`: redaction stays linear on adversarial input. For each input that
 * could make a rule backtrack (runs of prefixes, unclosed quotes, openers without closers, ...), it
 * redacts 256 KiB and 1 MB and prints the CPU time of each and their ratio: linear reads about 4x,
 * a quadratic rule 16x. Moved here from the unit tier, where it was a timed assertion (about half
 * the tier's CPU, and a false failure whenever the machine was loaded); exits 1 when an input reads
 * 8x or more on every try, so CI can still run it on a quiet machine. Pure CPU, no stack.
 *
 *   npm run bench:redact-scaling
 */
import os from 'node:os';
import { redactText } from '../common/rules/redact.js';
import { printColumns } from './lib.js';

const MB = 1 << 20;
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const ANTHROPIC = 'sk-ant-api03-Xq9vR2mT8kLp4WzN7yB1cD5fG6hJ0aQsE3uI-_oPlKjHgFdSaZxCvBnM12345678abcdEFGH-AA';

// Whole units only, so that a short and a long input end (and begin) alike: a cut unit at the end
// decides whether the last value is redacted, and a redaction costs a second pass over its line
// (here the whole input), which would read as twice the work.
const fill =
  (unit: string, prefix = '') =>
  (bytes: number): string =>
    prefix + unit.repeat(Math.floor((bytes - prefix.length) / unit.length));
const ADVERSARIAL: Record<string, (bytes: number) => string> = {
  letters: fill('a'),
  words: fill('token password secret api_key '),
  'sk- runs': fill('sk-'),
  'sk-ant- runs': fill('sk-ant-'),
  'jwt-ish segments': fill('eyJaaaaaaaaaaaa.'),
  'url user:pass without @': fill('https://user:pass'),
  'scheme fragments': fill('a://b:'),
  'open assignments': fill('password='),
  'open yaml values': fill('password:\n'),
  'unclosed quoted values': fill('"password": "'),
  'unclosed single quotes': fill("password='"),
  'escaped quotes': fill('\\"password\\":\\"'),
  'private openers': fill('<private>'),
  'private closers': fill('</private>'),
  'private openers without >': fill('<private '),
  'PEM BEGIN without END': fill('-----BEGIN RSA PRIVATE KEY-----\n'),
  'PEM END fragments': fill('-----END RSA ', '-----BEGIN PRIVATE KEY-----'),
  'Bearer fragments': fill('Bearer a.'),
  'Basic fragments': fill('Basic '),
  'AKIA runs': fill('AKIA'),
  'long key run': fill('password_'),
  'flags without values': fill('--password '),
  'curl -u fragments': fill('-u a:'),
  backslashes: fill('\\'),
  'list prefixes': fill('- '),
  'mixed secrets': fill(`x=1 "a":"b" https://u:p@h Bearer abc123def456 ${JWT} ${ANTHROPIC}\n`),
};

/** The process's CPU time for one redaction (not the wall clock: a preempted run measures the machine). */
function cpuMs(text: string): number {
  const before = process.cpuUsage();
  redactText(text);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}
const best = (text: string) => Math.min(cpuMs(text), cpuMs(text), cpuMs(text));

const rows: [string, string[]][] = [];
const failed: string[] = [];
for (const [name, make] of Object.entries(ADVERSARIAL)) {
  // A rule that is not linear is so on every try; a try the machine disturbed throughout is not.
  let quarter = 0;
  let full = 0;
  let ratio = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3 && ratio >= 8; i++) {
    quarter = best(make(MB / 4));
    full = best(make(MB));
    ratio = full / Math.max(quarter, 20);
  }
  if (ratio >= 8 || full >= 10_000) failed.push(name);
  rows.push([name, [quarter.toFixed(0), full.toFixed(0), `${ratio.toFixed(1)}x`]]);
}
printColumns(`redaction on adversarial input, CPU ms (best of 3; load ${os.loadavg()[0]!.toFixed(2)})`, ['256 KiB', '1 MB', 'ratio'], rows);
if (failed.length > 0) {
  console.error(`\nnot linear (8x or more for 4x the input): ${failed.join(', ')}`);
  process.exit(1);
}
