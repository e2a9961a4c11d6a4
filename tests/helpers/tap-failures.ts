/**
 * The failed tests of a `node --test` TAP report, for the last lines of a run's output: CI keeps
 * only the tail of a long log, and a count of failures without their names sends the reader to a
 * log they may not have.
 */

export interface TapFailure {
  /** The test's name, after the names of the suites it is in ("suite › test"). */
  name: string;
  /** Where the test is (file:line:column), when the report says. */
  location?: string;
  /** The first line of its error, when the report says. */
  error?: string;
}

const TEST_LINE = /^(\s*)(ok|not ok) \d+ - (.*)$/;
const SUBTEST_LINE = /^(\s*)# Subtest: (.*)$/;

/** The report's first line for `key` in a test's YAML block (a block scalar's first line when the value is `|-`). */
function field(block: string[], key: string): string | undefined {
  const at = block.findIndex((l) => l.trimStart().startsWith(`${key}:`));
  if (at < 0) return undefined;
  const value = block[at]!.trimStart().slice(key.length + 1).trim();
  const scalar = value === '|-' || value === '|' || value === '>-' || value === '>' ? block[at + 1]?.trim() : value;
  return scalar?.replace(/^'(.*)'$/, '$1').replace(/''/g, "'");
}

/**
 * Every test that failed, leaves only: a suite that failed because its tests did
 * (`failureType: 'subtestsFailed'`) is named in its tests' names rather than listed itself.
 */
export function tapFailures(tap: string): TapFailure[] {
  const lines = tap.split('\n');
  const failures: TapFailure[] = [];
  /** The names of the subtests open at each depth of indentation. */
  const open: { indent: number; name: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const subtest = SUBTEST_LINE.exec(line);
    if (subtest) {
      const indent = subtest[1]!.length;
      while (open.length > 0 && open[open.length - 1]!.indent >= indent) open.pop();
      open.push({ indent, name: subtest[2]! });
      continue;
    }
    const test = TEST_LINE.exec(line);
    if (!test) continue;
    const indent = test[1]!.length;
    while (open.length > 0 && open[open.length - 1]!.indent > indent) open.pop();
    const own = open.length > 0 && open[open.length - 1]!.indent === indent ? open.pop()! : undefined;
    if (test[2] !== 'not ok') continue;
    // Its YAML block: from "---" to "...", indented two more than the test line.
    const block: string[] = [];
    if (lines[i + 1]?.trim() === '---') {
      for (let j = i + 2; j < lines.length && lines[j]!.trim() !== '...'; j++) block.push(lines[j]!);
    }
    if (field(block, 'failureType') === 'subtestsFailed') continue;
    const name = [...open.map((o) => o.name), own?.name ?? test[3]!].join(' › ');
    failures.push({ name, location: field(block, 'location'), error: field(block, 'error') });
  }
  return failures;
}

/** The failures as lines for a run's last output, at most `max` of them. */
export function failureLines(failures: TapFailure[], max = 20): string[] {
  const shown = failures.slice(0, max).map((f) => {
    const where = f.location ? ` (${f.location.replace(/^.*?\/tests\//, 'tests/')})` : '';
    const why = f.error ? `\n    ${f.error.length > 300 ? `${f.error.slice(0, 300)}…` : f.error}` : '';
    return `  ✖ ${f.name}${where}${why}`;
  });
  if (failures.length > max) shown.push(`  … and ${failures.length - max} more`);
  return shown;
}
