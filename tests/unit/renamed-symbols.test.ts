/** A rename read from a session's edits (common/rules/renamed-symbols.ts): only an edit that renames a definition and nothing else. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renameOfEdit, renamesOf } from '../../common/rules/renamed-symbols.js';

test('an edit that renames a definition, with its uses in the same edit, is a rename; one that also changes anything else is not', () => {
  assert.deepEqual(renameOfEdit('def parse_retry_after(value):\n    return int(value)', 'def parse_retry_header(value):\n    return int(value)'), ['parse_retry_after', 'parse_retry_header']);
  assert.deepEqual(renameOfEdit('export function nextDelay(n: number) {\n  return base * 2 ** n;\n}\nconst d = nextDelay(3);', 'export function backoffDelay(n: number) {\n  return base * 2 ** n;\n}\nconst d = backoffDelay(3);'), ['nextDelay', 'backoffDelay']);
  assert.deepEqual(renameOfEdit('MAX_ATTEMPTS = 7', 'MAX_RETRIES = 7'), ['MAX_ATTEMPTS', 'MAX_RETRIES']);
  assert.deepEqual(renameOfEdit('func (b *HostBucket) Wait() {', 'func (b *HostBucket) Take() {'), ['Wait', 'Take']);
  // A body changed beside the name, a value changed, a definition replaced by another, a use renamed without its definition.
  assert.equal(renameOfEdit('def parse_retry_after(value):\n    return int(value)', 'def parse_retry_header(value):\n    return float(value)'), undefined);
  assert.equal(renameOfEdit('MAX_ATTEMPTS = 7', 'MAX_ATTEMPTS = 5'), undefined);
  assert.equal(renameOfEdit('def a_b(x):\n    pass', 'def c_d(x):\n    pass\n\ndef e_f():\n    pass'), undefined);
  assert.equal(renameOfEdit('    total = nextDelay(3)', '    total = backoffDelay(3)'), undefined);
  // Names too short to be anyone's rule.
  assert.equal(renameOfEdit('def f(x):', 'def g(x):'), undefined);
});

test("a session's renames come from its Edit and MultiEdit payloads, each once, in order", () => {
  const edit = (old_string: string, new_string: string) => ({ toolName: 'Edit', payload: { tool_name: 'Edit', tool_input: { file_path: '/r/a.py', old_string, new_string } } });
  const multi = { toolName: 'MultiEdit', payload: { tool_input: { file_path: '/r/b.py', edits: [{ old_string: 'class RetryPolicy:', new_string: 'class BackoffPolicy:' }, { old_string: 'x = 1', new_string: 'x = 2' }] } } };
  const write = { toolName: 'Write', payload: { tool_input: { file_path: '/r/c.py', content: 'def other():\n    pass\n' } } };
  assert.deepEqual(renamesOf([edit('def old_name():', 'def new_name():'), multi, write, edit('def old_name():', 'def new_name():'), { toolName: 'Edit', payload: null }]), [
    ['old_name', 'new_name'],
    ['RetryPolicy', 'BackoffPolicy'],
  ]);
});
