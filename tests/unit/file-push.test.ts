/**
 * The memory pushed when an agent first touches a file: the API's choice and rendering
 * (api/context/file-push.ts) and the relay's part (cli/relay/file-answer.ts: which calls name a
 * file, the path asked about, once per file and session). Pure parts, no servers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { anchoredNames, assembleFilePush, FILE_PUSH_TOKENS, normalizedPath, pathKeysOf } from '../../api/context/file-push.js';
import { askedPath, fileOfToolCall, FileNames, FileTouches } from '../../cli/relay/file-answer.js';
import { fileMayHaveMemory } from '../../common/rules/file-names.js';
import { countTokens } from '../../common/rules/tokens.js';
import { learning } from '../helpers/push-candidate.js';


describe('the keys a file is looked up by (path_keys)', () => {
  test('the file as written, as a suffix of longer paths, and each of its suffixes after a folder', () => {
    assert.deepEqual(pathKeysOf('src/payclient/retry.py'), ['=src/payclient/retry.py', '~src/payclient/retry.py', '=payclient/retry.py', '=retry.py']);
    assert.deepEqual(pathKeysOf('retry.py'), ['=retry.py', '~retry.py']);
    assert.deepEqual(pathKeysOf('/abs/x.ts'), ['=/abs/x.ts', '~/abs/x.ts', '=abs/x.ts', '=x.ts']);
  });
});

describe('the anchored names the relay is sent', () => {
  test('identifiers and words first and whole; two-word phrases only in the room left', () => {
    const id = (name: string) => ({ name, phrase: false });
    const phrase = (name: string) => ({ name, phrase: true });
    assert.deepEqual(anchoredNames([id('max_attempts'), phrase('business_day')], 3), { complete: true, identifiers: ['max_attempts', 'business_day'] });
    // Past the limit by a phrase: still complete, the phrase left out goes unasked.
    assert.deepEqual(anchoredNames([id('a1'), id('b2'), phrase('c_d'), phrase('e_f')], 3), { complete: true, identifiers: ['a1', 'b2', 'c_d'] });
    // Past the limit by an identifier: not complete (the relay then asks at every file).
    assert.deepEqual(anchoredNames([id('a1'), id('b2'), id('c3'), id('d4')], 3), { complete: false, identifiers: [] });
  });
});

describe('the push when a file is touched', () => {
  const decision = learning('decision', 'Retries are capped at 7 — never change MAX_ATTEMPTS', 'Stated by the user: "We decided retries are capped at 7 — never change MAX_ATTEMPTS in payclient/retry.py."');
  const fix = learning('fix', 'pytest tests/test_retry.py failed: backoff slept 0 s', 'Fixed by changing payclient/retry.py (backoff); pytest passed afterwards.', { origin: 'extracted', outcome: 'confirmed' });

  test('the learnings about the file, in the order read (rules first), under a header naming the file and within the budget', () => {
    const built = assembleFilePush('payclient', 'payclient/retry.py', [decision, fix]);
    assert.deepEqual(built.items, [decision.id, fix.id]);
    assert.match(built.context, /^# memflow: what payclient decided or learned about payclient\/retry\.py/);
    assert.match(built.context, /\n- \[decision, 2026-08-03, stated by a person\] .*capped at 7/);
    assert.match(built.context, /\n- \[fix, 2026-08-03, confirmed by a passing check\] /);
    assert.ok(built.tokens <= FILE_PUSH_TOKENS && built.tokens === countTokens(built.context));
    assert.deepEqual(
      built.served.map((s) => [s.id, s.included, s.type]),
      [
        [decision.id, true, 'learning'],
        [fix.id, true, 'learning'],
      ],
    );
    assert.match(built.served[0]!.reason, /decision about payclient\/retry\.py/);
  });

  test('nothing the session holds already, at most three items, and nothing at all when nothing is left', () => {
    const held = { ...decision, pushed_before: true };
    const many = [held, fix, ...[1, 2, 3].map((i) => learning('gotcha', `Gotcha ${i} of the retry loop`, `The retry loop's gotcha ${i} in payclient/retry.py.`, { origin: 'extracted' }))];
    const built = assembleFilePush('payclient', 'payclient/retry.py', many);
    assert.deepEqual(built.items, [fix.id, many[2]!.id, many[3]!.id]);
    assert.match(built.served.find((s) => s.id === decision.id)!.reason, /already pushed to this session/);
    assert.match(built.served.find((s) => s.id === many[4]!.id)!.reason, /3 items pushed already/);
    const none = assembleFilePush('payclient', 'payclient/retry.py', [held]);
    assert.equal(none.context, '');
    assert.equal(none.tokens, 0);
    assert.deepEqual(none.items, []);
  });

  test('a long learning is cut to fit the budget; one that cannot fit is left out, said why', () => {
    const long = learning('convention', 'Retry module conventions', `${'Every retry in payclient/retry.py logs its attempt number and the delay it sleeps. '.repeat(40)}`);
    const built = assembleFilePush('payclient', 'payclient/retry.py', [long], 60);
    assert.ok(built.tokens <= 60, `${built.tokens} tokens`);
    const tiny = assembleFilePush('payclient', 'payclient/retry.py', [long], 10);
    assert.equal(tiny.context, '');
    assert.match(tiny.served[0]!.reason, /10-token budget is spent/);
  });

  test('of two statements about the same code, the later that says it changes the earlier is pushed, the earlier left out, said why', () => {
    const was = learning('note', 'Cache entries expire after 10 minutes', 'Said by the user: "expire_entries drops a cached feed after 10 minutes; the TTL is CACHE_TTL."', { at: new Date('2026-06-01T10:00:00Z') });
    const now = learning('decision', 'Change the rule: cache entries expire after 30 minutes', 'Stated by the user: "Change the rule then: expire_entries drops a cached feed after 30 minutes now, CACHE_TTL stays the one knob."', { at: new Date('2026-09-01T10:00:00Z') });
    const other = learning('convention', 'Feeds are fetched with the shared client', 'Stated by the user: "fetch_feed always goes through the shared HTTP client."', { at: new Date('2026-05-01T10:00:00Z') });
    const built = assembleFilePush('feedhop', 'feedhop/cache.py', [was, now, other]);
    assert.deepEqual(built.items, [now.id, other.id]);
    assert.doesNotMatch(built.context, /10 minutes/);
    assert.match(built.served.find((s) => s.id === was.id)!.reason, /a later rule about the same code \(2026-09-01\) says it changes it/);
    // The newer wins whichever it is; a later one that replaced a rule when it was stated (its own old version) is not
    // taken for this one's.
    const newerNote = { ...was, at: new Date('2026-10-01T10:00:00Z') };
    assert.deepEqual(assembleFilePush('feedhop', 'feedhop/cache.py', [newerNote, now]).items, [newerNote.id]);
    assert.deepEqual(assembleFilePush('feedhop', 'feedhop/cache.py', [was, { ...now, replaced_at: new Date('2026-08-01T10:00:00Z') }]).items.length, 2);
  });

  test('paths are compared with forward slashes, without ./ or a trailing slash', () => {
    assert.equal(normalizedPath('./payclient/retry.py'), 'payclient/retry.py');
    assert.equal(normalizedPath('payclient\\retry.py'), 'payclient/retry.py');
    assert.equal(normalizedPath('docs/'), 'docs');
  });
});

describe("the relay's part", () => {
  test('only the file tools name a file: Read, Edit, Write, MultiEdit (file_path), NotebookEdit (notebook_path)', () => {
    for (const tool of ['Read', 'Edit', 'Write', 'MultiEdit']) assert.equal(fileOfToolCall({ tool_name: tool, tool_input: { file_path: '/r/a.py' } }), '/r/a.py', tool);
    assert.equal(fileOfToolCall({ tool_name: 'NotebookEdit', tool_input: { notebook_path: '/r/n.ipynb' } }), '/r/n.ipynb');
    assert.equal(fileOfToolCall({ tool_name: 'Bash', tool_input: { command: 'cat /r/a.py' } }), undefined);
    assert.equal(fileOfToolCall({ tool_name: 'Read', tool_input: {} }), undefined);
    assert.equal(fileOfToolCall({ tool_name: 'Read', tool_input: 'a.py' }), undefined);
    assert.equal(fileOfToolCall({ tool_name: 'Read', tool_input: { file_path: `/${'x'.repeat(2000)}` } }), undefined, 'not a path: too long');
  });

  test('the path asked about is relative to the working folder when the file is inside it', () => {
    assert.equal(askedPath('/home/a/repo/payclient/retry.py', '/home/a/repo'), 'payclient/retry.py');
    assert.equal(askedPath('/etc/hosts', '/home/a/repo'), '/etc/hosts');
    assert.equal(askedPath('payclient/retry.py', '/home/a/repo'), 'payclient/retry.py');
    assert.equal(askedPath('/home/a/repo/x.py', undefined), '/home/a/repo/x.py');
  });

  test('a file is asked about once per session; the oldest sessions are forgotten first', () => {
    const touches = new FileTouches(2, 2);
    assert.equal(touches.first('s1', 'a.py'), true);
    assert.equal(touches.first('s1', 'a.py'), false);
    assert.equal(touches.first('s2', 'a.py'), true, 'another session');
    assert.equal(touches.first('s3', 'a.py'), true);
    assert.equal(touches.first('s1', 'a.py'), true, 's1 was forgotten (two sessions kept)');
    assert.equal(touches.first('s1', 'b.py'), true);
    assert.equal(touches.first('s1', 'c.py'), true, 'past its files cap a session is asked again rather than never');
    assert.equal(touches.first('s1', 'c.py'), true);
  });

  test("a file is ruled out only when none of the project's names holds its name: unsure paths are asked about", () => {
    // What GET /v1/context/files answers for learnings citing payclient/retry.py, scoped to db/schema.sql,
    // and saying "never touch billing/rates.json by hand" (its words' tokens with a dot or a slash).
    const names = ['retry.py', 'schema.sql', 'billing/rates.json', 'rates.json;', 'x.sql'];
    for (const file of ['payclient/retry.py', './src/payclient/retry.py', 'RETRY.PY', 'db/schema.sql', 'billing/rates.json', 'src\\billing\\rates.json', 'rates.json'])
      assert.equal(fileMayHaveMemory(names, file), true, file);
    for (const file of ['payclient/currency.py', 'billing/rates.yaml', 'docs/readme.md', '/etc/hosts.allow']) assert.equal(fileMayHaveMemory(names, file), false, file);
    // A name with no extension and no folder, or a path with a space, may sit in words the list does not keep.
    for (const file of ['Makefile', 'Dockerfile', 'docs/my notes.md', '', 'src/İndex.py', 'docs/résumé.md']) assert.equal(fileMayHaveMemory(names, file), true, JSON.stringify(file));
    assert.equal(fileMayHaveMemory(names, 'scripts/deploy'), false, 'a folder path is compared by its last name');
    assert.equal(fileMayHaveMemory(['scripts/deploy'], 'scripts/deploy'), true);
    assert.equal(fileMayHaveMemory([], 'a.py'), false, 'a project with no memory about any file');
  });

  test("a project's names are used while fresh and complete, read once at a time, and read again when old", async () => {
    const names = new FileNames(1000);
    assert.equal(names.ruledOutFor('p', 'a.py', 0), false, 'nothing read yet: unsure');
    assert.equal(names.due('p', 0), true);
    let reads = 0;
    let release!: () => void;
    const read = () => {
      reads++;
      return new Promise<{ names: string[]; complete: boolean }>((r) => (release = () => r({ names: ['b.py'], complete: true })));
    };
    const first = names.refresh('p', read);
    assert.equal(names.due('p'), false, 'a read is under way');
    void names.refresh('p', read);
    assert.equal(reads, 1, 'one read at a time per project');
    release();
    await first;
    const now = Date.now();
    assert.equal(names.ruledOutFor('p', 'a.py', now), true);
    assert.equal(names.ruledOutFor('p', 'src/b.py', now), false);
    assert.equal(names.ruledOutFor('q', 'a.py', now), false, 'another project');
    assert.equal(names.ruledOutFor('p', 'a.py', now + 2000), false, 'older than its max age: unsure');
    assert.equal(names.due('p', now + 2000), true);
    assert.equal(names.ruledOut, 1);
    await names.refresh('p', async () => ({ names: [], complete: false }));
    assert.equal(names.ruledOutFor('p', 'a.py'), false, 'a list the API cut is never used to rule out');
    assert.equal(names.due('p'), false, 'nor read again at every touch: once per max age');
    assert.equal(names.due('p', Date.now() + 2000), true);
    await names.refresh('r', async () => undefined);
    assert.equal(names.ruledOutFor('r', 'a.py'), false, 'no answer (an API without the route): unsure');
    assert.equal(names.due('r'), false, 'and asked again only after the max age');
    await names.refresh('s', () => Promise.reject(new Error('boom')));
    assert.equal(names.ruledOutFor('s', 'a.py'), false);
    assert.equal(names.due('s'), false);
    assert.equal(names.due('s', Date.now() + 2000), true);
    // At most 20 projects are held: the oldest goes first.
    const many = new FileNames(60_000);
    for (let i = 0; i < 21; i++) await many.refresh(`p${i}`, async () => ({ names: [], complete: true }));
    assert.equal(many.due('p0'), true, 'the first of 21 projects was let go');
    assert.equal(many.ruledOutFor('p20', 'a.py'), true);
    assert.equal(many.ruledOutFor('p1', 'a.py'), true);
  });
});
