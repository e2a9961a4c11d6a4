/**
 * The push at the code, on the agent's machine (cli/relay/code-anchors.ts, file-answer.ts): the names a
 * file defines and imports, read with tree-sitter (common/code/code-names.ts) for Python, TypeScript,
 * TSX, JavaScript and Go; the files a shell command reads (cli/hosts/command-files.ts); and the real
 * relay asking the API about a touched file with the anchored identifiers it defines or imports
 * (`anchors`) and those the session named or imported before (`focus`) — or not asking at all when
 * neither its path nor its code is anchored. The API is a local server speaking GET /v1/context/files
 * and GET /v1/context as the API does (the real API's side is tested in tests/file-push.test.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { CodeReader } from '../../common/code/code-names.js';
import { CodeThread } from '../../common/code/code-thread.js';
import { languageOf } from '../../common/code/code-language.js';
import { anchorsOf, CodeIndex, localFilesOf, SessionFocus, walkedCodeFiles } from '../../cli/relay/code-anchors.js';
import { mentionsAny, mentionsAnyOrPhrase, phrasesAmong, phrasesOfName } from '../../common/code/code-words.js';
import { commandOperands, filesReadBy } from '../../cli/hosts/command-files.js';
import { startRelay } from '../../cli/relay/relay-server.js';
import { codex } from '../../cli/hosts/codex.js';
import { opencode } from '../../cli/hosts/opencode.js';
import { copilot } from '../../cli/hosts/copilot.js';

const reader = new CodeReader();
const sorted = (xs: string[]) => [...xs].sort();
/** Writes `files` (path relative to `root` → text) under `root`. */
function plant(root: string, files: Record<string, string>): void {
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), text);
  }
}

describe('what a file defines and imports (tree-sitter)', () => {
  test('Python: top-level functions, classes, methods, constants; from-imports and module-qualified uses', async () => {
    const names = await reader.names(
      'python',
      [
        'from pay.rounding import round_half_even, Money as M',
        'from . import helpers',
        'import pay.retry',
        'import numpy as np',
        'MAX_ATTEMPTS = 7',
        'A, B = 1, 2',
        'def pluralize(word):',
        '    local_name = 3',
        '    return pay.retry.backoff(word) + np.zeros(3) + helpers.fmt(word)',
        '@decorator',
        'def wrapped(): pass',
        'class Ledger:',
        '    LIMIT = 3',
        '    failures: int',
        '    retries: int = 0',
        '    def post(self): pass',
        '    @property',
        '    def total(self): return 1',
        '',
      ].join('\n'),
    );
    assert.deepEqual(sorted(names.defines), ['a', 'b', 'ledger', 'limit', 'max_attempts', 'pluralize', 'post', 'retries', 'total', 'wrapped'], 'a field declared without a value (a dataclass field) is a record\'s data, not a definition');
    assert.ok(names.imports.includes('round_half_even') && names.imports.includes('money') && names.imports.includes('helpers'), names.imports.join(','));
    assert.ok(names.imports.includes('zeros'), 'np.zeros: a use of an imported module');
    assert.ok(!names.defines.includes('local_name'), 'a local variable is not a definition of the module');
    assert.deepEqual(sorted(names.modules), ['.', 'numpy', 'pay.retry', 'pay.rounding']);
  });

  test('TypeScript and TSX: exported and plain declarations, interfaces, types, enums, methods; import specifiers, namespace uses, require', async () => {
    const src = [
      "import { retry, MAX as Max } from './retry';",
      "import lodash from 'lodash';",
      "import * as path from 'node:path';",
      "const fs = require('fs');",
      'export const MAX_ATTEMPTS = 7;',
      "export function backoff() { return path.join('a'); }",
      'export default class Client { send() {} }',
      'interface Opts { a: number }',
      'export type Mode = string;',
      'enum Color { Red }',
      'let y = 3;',
      '',
    ].join('\n');
    for (const language of ['typescript', 'tsx'] as const) {
      const names = await reader.names(language, language === 'tsx' ? `${src}const el = <div />;\n` : src);
      assert.deepEqual(sorted(names.defines), sorted(['max_attempts', 'backoff', 'client', 'send', 'opts', 'mode', 'color', 'y', 'fs', ...(language === 'tsx' ? ['el'] : [])]), language);
      assert.deepEqual(sorted(names.imports), ['join', 'lodash', 'max', 'retry'], language);
      assert.deepEqual(sorted(names.modules), ['./retry', 'fs', 'lodash', 'node:path'], language);
    }
  });

  test('JavaScript: functions, classes, methods, variables; imports', async () => {
    const names = await reader.names('javascript', "import { chunk } from './iter.js';\nexport function pluralize(w) { return chunk(w); }\nclass Cart { total() {} }\nvar LIMIT = 3;\n");
    assert.deepEqual(sorted(names.defines), ['cart', 'limit', 'pluralize', 'total']);
    assert.deepEqual(names.imports, ['chunk']);
  });

  test('Go: funcs, methods, types, constants, variables; imports and package-qualified names', async () => {
    const names = await reader.names(
      'go',
      'package pay\nimport (\n  "fmt"\n  rt "example.com/pay/retry"\n)\nconst MaxAttempts = 7\nvar ErrBad = fmt.Errorf("x")\ntype Ledger struct{}\nfunc (l *Ledger) Post() {}\nfunc Round(x float64) float64 { return rt.Backoff(x) }\nvar _ rt.Policy\n',
    );
    assert.deepEqual(sorted(names.defines), ['_', 'errbad', 'ledger', 'maxattempts', 'post', 'round']);
    assert.deepEqual(sorted(names.imports), ['backoff', 'errorf', 'policy']);
    assert.deepEqual(sorted(names.modules), ['example.com/pay/retry', 'fmt']);
  });

  test('the keys its string literals spell: headers, environment variables, flags, config keys; not prose, paths or plain words', async () => {
    const py = await reader.names('python', 'import os\nSIGNATURE_HEADER = "X-Feedhop-Signature"\nTOKEN = os.environ.get("FEEDHOP_TOKEN")\nparser.add_argument("--dry-run")\nprint("a message with words")\nopen("data/x.csv")\nlevel = "debug"\n');
    assert.deepEqual(sorted(py.keys ?? []), ['--dry-run', 'feedhop_token', 'x-feedhop-signature']);
    const ts = await reader.names('typescript', "import { LRUCache } from 'lru-cache';\nexport const header = 'X-Stock-Batch';\nconst k = `max-in-flight`;\nconst url = './orders/export';\n");
    assert.deepEqual(sorted(ts.keys ?? []), ['lru-cache', 'max-in-flight', 'x-stock-batch'], 'an import source written as a key is one too; a path is not');
    const go = await reader.names('go', 'package x\n\nimport "net/http"\n\nconst Metric = "dropped_at_shutdown_total"\n\nfunc H(r *http.Request) string { return r.Header.Get("X-Logshed-Tenant") + "plain words" }\n');
    assert.deepEqual(sorted(go.keys ?? []), ['dropped_at_shutdown_total', 'x-logshed-tenant']);
    // The relay asks about a key the file spells as it does about a name it defines; the scan before the parse finds it.
    const ids = new Set(['x-feedhop-signature', 'pluralize']);
    assert.deepEqual(anchorsOf({ language: 'python', names: py }, ids), ['x-feedhop-signature']);
    assert.equal(mentionsAny('SIGNATURE_HEADER = "X-Feedhop-Signature"', ids), true);
    assert.equal(mentionsAnyOrPhrase('h = "X-Feedhop-Signature-V2"', ids, phrasesAmong(ids)), false, 'a longer key is another key');
    assert.equal(mentionsAny('p.add_argument("--dry-run")', new Set(['--dry-run'])), true);
  });

  test("a command line's flags of one word: as a literal, in an options spec, by Go's flag package; found by the scan", async () => {
    const py = await reader.names('python', 'p.add_argument("--region", default="eu")\np.add_argument("-v", "--verbose")\nprint("--")\nx = "--"\n');
    assert.deepEqual(sorted(py.keys ?? []), ['--region', '--verbose']);
    const ts = await reader.names('typescript', "program.option('-r, --region <name>', 'where').option('--dry-run').option('--out=<file>');\nconst s = '- a list item';\n");
    assert.deepEqual(sorted(ts.keys ?? []), ['--dry-run', '--out', '--region']);
    const go = await reader.names(
      'go',
      'package main\n\nimport "flag"\n\nvar region = flag.String("region", "us-east-1", "where to deploy")\n\nfunc main() {\n\tvar dry bool\n\tflag.BoolVar(&dry, "dry-run", false, "print only")\n\tfmt.Println("region")\n}\n',
    );
    assert.deepEqual(sorted(go.keys ?? []), ['--dry-run', '--region', 'dry-run', 'us-east-1'], "a flag's name is its key; its default, written as a key, is one too");
    const ids = new Set(['--region', 'pluralize']);
    assert.deepEqual(anchorsOf({ language: 'go', names: go }, ids), ['--region']);
    assert.equal(mentionsAny('var region = flag.String("region", "us-east-1", "")', ids), true, "the scan finds the flag's name alone");
    assert.equal(mentionsAny('var zone = flag.String("zone", "a", "")', ids), false);
    assert.equal(mentionsAnyOrPhrase('p.add_argument("--region")', ids, phrasesAmong(ids)), true);
  });

  test('the phrases its string literals spell, in Go, Python and TypeScript; found by the scan whatever the punctuation between the words', async () => {
    const go = await reader.names('go', 'package tests\n\nfunc T() []string {\n\treturn []string{"\\tat shop.Stock.take(Stock.java:41)", "Caused by: java.sql.SQLException: deadlock", "single"}\n}\n');
    assert.ok(go.texts?.includes('Caused by: java.sql.SQLException: deadlock'), String(go.texts));
    assert.ok(!go.texts?.includes('single'), 'one word is no text a phrase is read from');
    const py = await reader.names('python', 'def check(msg):\n    raise ValueError(f"label value exceeds limit: {msg}")\n');
    const ts = await reader.names('typescript', "export const PREFIX = 'x-owner';\nthrow new Error(`field ${name} not found`);\n");
    // The relay asks about a quoted phrase the file spells (any run of its words); the scan before the parse finds it across `:`, `-` and case.
    const ids = new Set(['caused.by', 'caused.by.java.sql', 'label.value.exceeds.limit', 'x.owner', 'pluralize']);
    assert.deepEqual(anchorsOf({ language: 'go', names: go }, ids), ['caused.by', 'caused.by.java.sql']);
    assert.deepEqual(anchorsOf({ language: 'python', names: py }, ids), ['label.value.exceeds.limit']);
    assert.deepEqual(anchorsOf({ language: 'typescript', names: ts }, ids), ['x.owner']);
    assert.deepEqual(anchorsOf({ language: 'go', names: go }, new Set(['caused', 'by'])), [], 'single words of a literal are no anchors');
    assert.equal(mentionsAnyOrPhrase('"Caused by: java.sql"', ids, phrasesAmong(ids)), true);
    assert.equal(mentionsAnyOrPhrase('"label value exceeds"', new Set(['label.value.exceeds.limit']), new Set()), false, 'the whole phrase, not a part');
    assert.equal(mentionsAnyOrPhrase('"CAUSED-BY"', ids, phrasesAmong(ids)), true);
    assert.equal(mentionsAnyOrPhrase('"because it was caused  by\tnobody"', ids, phrasesAmong(ids)), true, 'any non-word characters between the words');
    assert.equal(mentionsAnyOrPhrase('"uncaused by"', ids, phrasesAmong(ids)), false, 'whole words only');
    assert.equal(mentionsAnyOrPhrase('"caused" and "by"', new Set(['caused.by']), new Set()), false);
  });

  test('a file that does not parse cleanly still gives the names of what does', async () => {
    const names = await reader.names('python', 'def ok():\n    return 1\n\ndef broken(:\n    pass\n\nMAX_RETRIES = 3\n');
    assert.ok(names.defines.includes('ok') && names.defines.includes('max_retries'), names.defines.join(','));
  });

  test('which grammar reads a file', () => {
    assert.equal(languageOf('pay/rounding.py'), 'python');
    assert.equal(languageOf('src/a.d.ts'), 'typescript');
    assert.equal(languageOf('ui/App.tsx'), 'tsx');
    assert.equal(languageOf('x.mjs'), 'javascript');
    assert.equal(languageOf('cmd/main.go'), 'go');
    assert.equal(languageOf('Makefile'), undefined);
    assert.equal(languageOf('README.md'), undefined);
  });
});

describe('anchors, focus and the words that decide whether to parse', () => {
  test('a file is parsed only when a word of it is an anchored identifier', () => {
    const ids = new Set(['round_half_even', 'max_attempts']);
    assert.equal(mentionsAny('x = round_half_even(3)', ids), true);
    assert.equal(mentionsAny('MAX_ATTEMPTS = 7', ids), true);
    assert.equal(mentionsAny('round_half_evenly = 1 # max_attempts_x', ids), false);
    assert.equal(mentionsAny('anything', new Set()), false);
  });

  test('code named in plain words: the two-word phrases of a name, and the scan that finds a name holding one', () => {
    assert.deepEqual(phrasesOfName('isBusinessDay'), ['business_day']);
    assert.deepEqual(phrasesOfName('addBusinessDays'), ['add_business', 'business_day']);
    assert.deepEqual(phrasesOfName('GIFT_CARD_VALIDITY_MONTHS'), ['gift_card', 'card_validity', 'validity_month']);
    assert.deepEqual(phrasesOfName('HostBucket'), ['host_bucket']);
    assert.deepEqual(phrasesOfName('fmt'), []);
    // Parts shorter than three letters join nothing (`is`, `of`, `to`).
    assert.deepEqual(phrasesOfName('toDo'), []);
    const ids = new Set(['business_day', 'gift_card', 'pluralize']);
    assert.deepEqual([...phrasesAmong(ids)].sort(), ['business_day', 'gift_card']);
    assert.equal(mentionsAnyOrPhrase('export function isBusinessDay(d: Date) {}', ids, phrasesAmong(ids)), true);
    assert.equal(mentionsAnyOrPhrase('class GiftCardError extends Error {}', ids, phrasesAmong(ids)), true);
    assert.equal(mentionsAnyOrPhrase('export function isWeekend(d: Date) {} // business day', ids, phrasesAmong(ids)), false);
    assert.equal(mentionsAnyOrPhrase('x = pluralize(n)', ids, new Set()), true);
  });

  test('anchors: a phrase of what the file defines meets the phrase a person said', () => {
    const code = { language: 'typescript' as const, names: { defines: ['isbusinessday', 'cutoff_hour'], imports: [], modules: [], phrases: ['business_day', 'cutoff_hour'] } };
    assert.deepEqual(anchorsOf(code, new Set(['business_day', 'time_zone'])), ['business_day']);
  });

  test('anchors: what the file defines first, then what it imports, among the identifiers only', () => {
    const code = { language: 'python' as const, names: { defines: ['fmt', 'max_attempts'], imports: ['round_half_even', 'os'], modules: [] } };
    assert.deepEqual(anchorsOf(code, new Set(['round_half_even', 'max_attempts', 'pluralize'])), ['max_attempts', 'round_half_even']);
    assert.deepEqual(anchorsOf(undefined, new Set(['x'])), []);
  });

  test("anchors: a library's call of two words or more the file makes, through a module outside the working tree", async () => {
    const names = await reader.names('go', 'package recv\n\nimport (\n\t"net/http"\n\tq "example.com/shop/queue"\n)\n\nfunc H(w http.ResponseWriter, r *http.Request) {\n\tr.Body = http.MaxBytesReader(w, r.Body, 5<<20)\n\thttp.Error(w, "x", 400)\n\tq.PushBatch(nil)\n}\n');
    assert.deepEqual(
      (names.usedFrom ?? []).map((u) => `${u.module} ${u.name}`).sort(),
      ['example.com/shop/queue pushbatch', 'net/http maxbytesreader', 'net/http responsewriter'],
      '`http.Error` and `http.Request` name no one call: one word each',
    );
    const code = { language: 'go' as const, names };
    const ids = new Set(['maxbytesreader', 'pushbatch', 'error']);
    // The project's own package (resolved in the working tree) is an import like any other: only in focus.
    const outside = (m: string) => m !== 'example.com/shop/queue';
    assert.deepEqual(anchorsOf(code, ids, () => false, outside), ['maxbytesreader']);
    assert.deepEqual(anchorsOf(code, ids, () => false), [], 'no module is outside unless the relay says so');
  });

  test("focus: the session's prompts' words and its touched files' imports", () => {
    const focus = new SessionFocus();
    focus.notePrompt('s1', 'timeutils.parse_timedelta should accept "ms"');
    focus.noteImports('s1', ['round_half_even']);
    assert.deepEqual(focus.focusOf('s1', ['parse_timedelta', 'round_half_even', 'pluralize']), ['parse_timedelta', 'round_half_even']);
    assert.deepEqual(focus.focusOf('s2', ['parse_timedelta']), [], 'another session named nothing');
  });

  test("an import's local files: Python modules and packages, relative JS/TS, Go packages of the module", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'code-push-'));
    plant(root, { 'pay/rounding.py': '', 'pay/__init__.py': '', 'web/retry.ts': '', 'web/app.ts': '', 'go.mod': 'module example.com/pay\n', 'retry/retry.go': '', 'retry/retry_test.go': '' });
    assert.deepEqual(localFilesOf('pay.rounding', 'python', path.join(root, 'tests/test_rounding.py'), root), [path.join(root, 'pay/rounding.py')]);
    assert.deepEqual(localFilesOf('.rounding', 'python', path.join(root, 'pay/other.py'), root), [path.join(root, 'pay/rounding.py')]);
    assert.deepEqual(localFilesOf('pay', 'python', path.join(root, 'x.py'), root), [path.join(root, 'pay/__init__.py')]);
    assert.deepEqual(localFilesOf('./retry.js', 'typescript', path.join(root, 'web/app.ts'), root), [path.join(root, 'web/retry.ts')]);
    assert.deepEqual(localFilesOf('lodash', 'typescript', path.join(root, 'web/app.ts'), root), []);
    assert.deepEqual(localFilesOf('example.com/pay/retry', 'go', path.join(root, 'main.go'), root), [path.join(root, 'retry/retry.go')]);
    assert.deepEqual(localFilesOf('fmt', 'go', path.join(root, 'main.go'), root), []);
  });

  test('prewarm of a tree that is no git repository: walked past dependency and hidden folders; a file that names no identifier is not read again until it changes', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'code-prewarm-'));
    const files = {
      'pay/rounding.py': 'MAX_ATTEMPTS = 7\n\ndef round_half_even(x):\n    return x\n',
      'pay/other.py': 'def unrelated():\n    return 1\n',
      'node_modules/dep/index.js': 'export function round_half_even() {}\n',
      '.venv/lib/mod.py': 'def round_half_even():\n    pass\n',
      'README.md': 'round_half_even',
    };
    plant(root, files);
    assert.deepEqual(sorted(await walkedCodeFiles(root)), sorted([path.join(root, 'pay/rounding.py'), path.join(root, 'pay/other.py')]));
    assert.deepEqual(await walkedCodeFiles(os.homedir()), [], 'never the home folder');
    assert.deepEqual(await walkedCodeFiles(path.dirname(os.homedir())), [], 'nor a folder above it');

    const index = new CodeIndex();
    // The prewarm's turns and the parser's thread do not keep a process alive (the relay's server does): this test's timer does.
    const alive = setInterval(() => undefined, 1000);
    try {
      const ids = new Set(['round_half_even', 'max_attempts']);
      await new Promise<void>((resolve) => index.prewarm(root, ids, resolve));
      assert.deepEqual({ parsed: index.parsed, skipped: index.skipped }, { parsed: 1, skipped: 1 }, 'the module is parsed, the other file read and ruled out');
      assert.equal(index.unparsedSize(path.join(root, 'pay/rounding.py')), 0, "the module's parse is kept: its touch parses nothing");
      // Read again (the next minute's prewarm, a touch): the unchanged file that names nothing is not read again.
      assert.equal(await index.read(path.join(root, 'pay/other.py'), ids), undefined);
      assert.equal(index.skipped, 1);
      // Changed to name an identifier: read and parsed.
      fs.writeFileSync(path.join(root, 'pay/other.py'), 'from pay.rounding import round_half_even\n\ndef unrelated():\n    return round_half_even(1)\n');
      assert.deepEqual((await index.read(path.join(root, 'pay/other.py'), ids))?.names.imports, ['round_half_even']);
      // Another index (a rule stored since): read again against it.
      fs.writeFileSync(path.join(root, 'pay/plain.py'), 'def plain():\n    return 2\n');
      assert.equal(await index.read(path.join(root, 'pay/plain.py'), ids), undefined);
      assert.equal(index.skipped, 2);
      assert.deepEqual((await index.read(path.join(root, 'pay/plain.py'), new Set(['plain'])))?.names.defines, ['plain']);
      // The read-ahead thread stops when idle (its memory given back), and starts again when asked.
      const thread = new CodeThread(50);
      try {
        assert.deepEqual((await thread.names('python', 'def f():\n    pass\n')).defines, ['f']);
        assert.equal(thread.alive, true);
        // Asked again the moment it stopped: the stopped worker's exit comes later and must not fail the next worker's ask.
        for (let i = 0; i < 500 && thread.alive; i++) await new Promise((r) => setTimeout(r, 5));
        assert.equal(thread.alive, false, 'stopped after 50 ms with nothing to do');
        assert.deepEqual((await thread.namesOfFile('python', path.join(root, 'pay/rounding.py'), ['max_attempts']))?.defines.sort(), ['max_attempts', 'round_half_even']);
        assert.equal(await thread.namesOfFile('python', path.join(root, 'pay/rounding.py'), ['nothing_here']), undefined, 'a file that names none of the identifiers: not parsed');
      } finally {
        await thread.close();
      }
    } finally {
      clearInterval(alive);
      await index.close();
    }
  });
});

describe('the files a shell command reads', () => {
  test('reading programs, their options and scripts, pipes and `bash -lc`', () => {
    assert.deepEqual(commandOperands("sed -n '1,80p' pay/rounding.py"), ['pay/rounding.py']);
    assert.deepEqual(commandOperands('cat a.py b.py | head -n 20'), ['a.py', 'b.py']);
    assert.deepEqual(commandOperands('rg -n "round_half_even" pay tests/test_x.py'), ['pay', 'tests/test_x.py']);
    assert.deepEqual(commandOperands('grep -e foo -A 3 x.go'), ['x.go']);
    assert.deepEqual(commandOperands(['bash', '-lc', "nl -ba pay/x.py | sed -n '5,9p'"]), ['pay/x.py']);
    assert.deepEqual(commandOperands('FOO=1 tail -50 log.txt && python3 check.py'), ['log.txt']);
    assert.deepEqual(commandOperands('python3 -m pytest tests/test_x.py'), [], 'running a test is no read of it');
    assert.deepEqual(commandOperands("awk -F, '{print $1}' data.csv"), ['data.csv']);
  });

  test('only existing regular files under the working folder count, at most four', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmd-files-'));
    fs.mkdirSync(path.join(dir, 'pay'));
    fs.writeFileSync(path.join(dir, 'pay', 'rounding.py'), 'x = 1\n');
    assert.deepEqual(filesReadBy('rg -n round pay pay/rounding.py missing.py', dir), [path.join(dir, 'pay', 'rounding.py')]);
    assert.deepEqual(filesReadBy('cat $FILE *.py', dir), []);
  });
});

describe("each host's file touch", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'host-touch-'));
  fs.mkdirSync(path.join(dir, 'pay'));
  fs.writeFileSync(path.join(dir, 'pay', 'retry.py'), 'MAX_ATTEMPTS = 7\n');
  const answer = JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', additionalContext: 'the rule' } });

  test('Codex: PreToolUse of a shell command that reads files, and of apply_patch; answered under PreToolUse', () => {
    const read = codex.toHookEvent('PreToolUse', { session_id: 's', cwd: dir, tool_name: 'Bash', tool_input: { command: "sed -n '1,40p' pay/retry.py" }, tool_use_id: 'c1' })!;
    assert.equal(read.event, 'pre-tool-use');
    assert.deepEqual(read.body.tool_input, { file_path: path.join(dir, 'pay', 'retry.py') });
    assert.equal(codex.toHookEvent('PreToolUse', { session_id: 's', cwd: dir, tool_name: 'Bash', tool_input: { command: 'python3 -m pytest' } }), undefined, 'no file read: nothing to answer');
    const patch = codex.toHookEvent('PreToolUse', { session_id: 's', cwd: dir, tool_name: 'apply_patch', tool_input: { command: '*** Begin Patch\n*** Update File: pay/retry.py\n@@\n-7\n+8\n*** End Patch' } })!;
    assert.deepEqual(patch.body.tool_input, { file_path: 'pay/retry.py' });
    assert.deepEqual(JSON.parse(codex.hostAnswer('pre-tool-use', answer)), { hookSpecificOutput: { hookEventName: 'PreToolUse', additionalContext: 'the rule' } });
    assert.equal(codex.hostAnswer('pre-tool-use', '{}'), '{}');
  });

  test("Codex: a shell call's result carries the touch of the files it read (one hook per call), answered under PostToolUse", () => {
    const kept = codex.toHookEvent('PostToolUse', { session_id: 's', cwd: dir, tool_name: 'Bash', tool_input: { command: "sed -n '1,40p' pay/retry.py" }, tool_response: 'MAX_ATTEMPTS = 7', tool_use_id: 'c2' })!;
    assert.equal(kept.event, 'post-tool-use');
    const touch = codex.resultTouch!(kept.body)!;
    assert.equal(touch.session_id, 's');
    assert.equal(touch.tool_name, 'Read');
    assert.deepEqual(touch.tool_input, { file_path: path.join(dir, 'pay', 'retry.py') });
    assert.equal(touch.tool_use_id, 'c2');
    const tests = codex.toHookEvent('PostToolUse', { session_id: 's', cwd: dir, tool_name: 'Bash', tool_input: { command: 'python3 -m pytest' }, tool_response: '1 passed' })!;
    assert.equal(codex.resultTouch!(tests.body), undefined, 'no file read: nothing to ask');
    const patched = codex.toHookEvent('PostToolUse', { session_id: 's', cwd: dir, tool_name: 'apply_patch', tool_input: { command: '*** Begin Patch\n*** Update File: pay/retry.py\n@@\n-7\n+8\n*** End Patch' }, tool_response: 'Done' })!;
    assert.deepEqual(codex.resultTouch!(patched.body)?.tool_input, { file_path: 'pay/retry.py' });
    const result = JSON.stringify({ hookSpecificOutput: { hookEventName: 'PostToolUse', additionalContext: 'the rule' } });
    assert.deepEqual(JSON.parse(codex.hostAnswer('post-tool-use', result)), { hookSpecificOutput: { hookEventName: 'PostToolUse', additionalContext: 'the rule' } });
    assert.equal(codex.hostAnswer('post-tool-use', '{}'), '{}');
  });

  test('Copilot CLI: preToolUse of view, edit, create and of a shell command that reads files; answered with a top-level additionalContext', () => {
    const view = copilot.toHookEvent('preToolUse', { sessionId: 's', cwd: dir, toolName: 'view', toolArgs: { path: path.join(dir, 'pay', 'retry.py') } })!;
    assert.equal(view.event, 'pre-tool-use');
    assert.deepEqual(view.body.tool_input, { file_path: path.join(dir, 'pay', 'retry.py') });
    const shell = copilot.toHookEvent('preToolUse', { sessionId: 's', cwd: dir, toolName: 'bash', toolArgs: JSON.stringify({ command: 'cat pay/retry.py' }) })!;
    assert.deepEqual(shell.body.tool_input, { file_path: path.join(dir, 'pay', 'retry.py') });
    assert.equal(copilot.toHookEvent('preToolUse', { sessionId: 's', cwd: dir, toolName: 'glob', toolArgs: { pattern: '*.py' } }), undefined);
    assert.deepEqual(JSON.parse(copilot.hostAnswer('pre-tool-use', answer)), { additionalContext: 'the rule' });
    assert.equal(copilot.hostAnswer('session-start', answer), '{}', 'its other hooks still answer nothing');
  });

  test("OpenCode: tool.execute.before of a file tool; answered with the push's plain text", () => {
    const read = opencode.toHookEvent('tool.execute.before', { sessionID: 's', directory: dir, tool: 'read', callID: 'c1', args: { filePath: path.join(dir, 'pay', 'retry.py') } })!;
    assert.equal(read.event, 'pre-tool-use');
    assert.deepEqual(read.body.tool_input, { file_path: path.join(dir, 'pay', 'retry.py') });
    assert.equal(opencode.toHookEvent('tool.execute.before', { sessionID: 's', directory: dir, tool: 'bash', callID: 'c2', args: { command: 'ls' } }), undefined);
    assert.equal(opencode.hostAnswer('pre-tool-use', answer), 'the rule');
  });
});

/** A local API speaking GET /v1/context/files (with or without identifiers) and GET /v1/context; every request recorded. */
async function localApi(files: { names: string[]; complete: boolean; identifiers?: string[] }, context: (q: URLSearchParams) => string, contextDelayMs: () => number = () => 0, eventsDelayMs = 0) {
  const seen: URL[] = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://api');
    seen.push(url);
    const delay = url.pathname === '/v1/context' ? contextDelayMs() : 0;
    if (delay) await new Promise((r) => setTimeout(r, delay));
    // The events the relay delivers: held in flight a while when asked (the spool keeps them till then), then not taken.
    if (eventsDelayMs && req.method === 'POST' && !url.pathname.startsWith('/v1/context')) await new Promise((r) => setTimeout(r, eventsDelayMs));
    // A push offers its receipt (asked with X-Memflow-Receipt: on-delivery), confirmed by POST …/receipts/{id}/delivered.
    const delivered = req.method === 'POST' && /^\/v1\/context\/receipts\/[^/]+\/delivered$/.test(url.pathname);
    const body = url.pathname === '/v1/context/files' ? files : url.pathname === '/v1/context' ? { context: context(url.searchParams), tokens: 10, items: [], receipt: `r${seen.length}` } : delivered ? {} : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? { error: { code: 'not_found', message: 'no' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function hook(relay: string, api: string, event: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await fetch(`${relay}/hook/${event}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer mf_test_code_push', 'x-memflow-url': api, 'x-memflow-project': 'pay' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, unknown>;
}

const waitFor = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(cond(), what);
};

describe('the relay at a file touch', () => {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'code-push-repo-'));
  const write = (f: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(repo, f)), { recursive: true });
    fs.writeFileSync(path.join(repo, f), text);
    return path.join(repo, f);
  };
  // A module of about 2,000 lines whose one function the rule is about, its failing test, and a file no rule touches.
  const filler = Array.from({ length: 330 }, (_, i) => `def helper_${i}(x):\n    """Formats {x}."""\n    y = x * ${i}\n    return y + 1\n\n`).join('');
  const moduleFile = write('pay/rounding.py', `import decimal\n\n${filler}def round_half_even(amount):\n    return decimal.Decimal(amount).quantize(decimal.Decimal("0.01"), rounding=decimal.ROUND_HALF_EVEN)\n`);
  const testFile = write('tests/test_rounding.py', 'from pay.rounding import round_half_even\n\ndef test_cent():\n    assert round_half_even("0.125") == 0.12\n');
  const other = write('pay/currency.py', 'CURRENCIES = ("EUR", "USD")\n');
  const touch = (session: string, file: string, id: string) => ({ session_id: session, hook_event_name: 'PreToolUse', cwd: repo, tool_name: 'Read', tool_input: { file_path: file }, tool_use_id: id });

  test('with anchored identifiers: the module that defines one is asked about with it, the test that imports it once the session met it (the focus); an unanchored file is not asked about', async () => {
    assert.ok(moduleFile && filler.split('\n').length > 1600);
    const api = await localApi({ names: ['retry.py'], complete: true, identifiers: ['round_half_even', 'max_attempts'] }, (q) => (q.get('anchors') ? `# memflow: rule about ${q.get('anchors')}` : ''));
    const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'code-push-spool-'));
    // Every file parsed while the touch waits (the next test: a parse the touch does not wait for goes to PostToolUse).
    const relay = await startRelay({ port: 0, spoolDir, defaultUrl: api.url, startBudgetMs: 200, promptBudgetMs: 2000, parseInlineBytes: 10_000_000 });
    try {
      // The first touch reads the project's index behind its answer (path only: no index yet).
      await hook(relay.url, api.url, 'pre-tool-use', touch('s0', other, 't0'));
      await waitFor(() => api.seen.some((u) => u.pathname === '/v1/context/files'), 'the index read');
      const asked = () => api.seen.filter((u) => u.pathname === '/v1/context');
      const before = asked().length;
      // A file whose path no memory names and that defines or imports no anchored identifier: no round trip.
      assert.deepEqual(await hook(relay.url, api.url, 'pre-tool-use', touch('s1', other, 't1')), {});
      assert.equal(asked().length, before, 'currency.py answered without asking');

      // The test only imports the function under test, which nothing in this session named before: no round trip
      // (a name a file imports is not enough — every caller of a function would get its rules); it is the focus now.
      assert.deepEqual(await hook(relay.url, api.url, 'pre-tool-use', touch('s1', testFile, 't2')), {});
      assert.equal(asked().length, before, 'the test answered without asking');

      const mod = await hook(relay.url, api.url, 'pre-tool-use', touch('s1', moduleFile, 't3'));
      const q2 = asked().at(-1)!.searchParams;
      assert.equal(q2.get('anchors'), 'round_half_even', 'the module defines it');
      assert.equal(q2.get('focus'), 'round_half_even', 'the test touched before imports it');
      assert.match(JSON.stringify(mod), /rule about round_half_even/);
      assert.deepEqual(await hook(relay.url, api.url, 'pre-tool-use', touch('s1', moduleFile, 't4')), {}, 'once per file and session');

      // A prompt that names the identifier: the test that imports it is asked about with it, as the focus.
      await hook(relay.url, api.url, 'user-prompt-submit', { session_id: 's2', hook_event_name: 'UserPromptSubmit', cwd: repo, prompt: 'round_half_even rounds 0.125 up' });
      const test = await hook(relay.url, api.url, 'pre-tool-use', touch('s2', testFile, 't5'));
      const q1 = asked().at(-1)!.searchParams;
      assert.equal(q1.get('anchors'), 'round_half_even', 'the test imports what the prompt named');
      assert.equal(q1.get('focus'), 'round_half_even');
      assert.equal(q1.get('path'), 'tests/test_rounding.py');
      assert.match(JSON.stringify(test), /rule about round_half_even/);
      await hook(relay.url, api.url, 'pre-tool-use', touch('s2', moduleFile, 't6'));
      assert.equal(asked().at(-1)!.searchParams.get('focus'), 'round_half_even');
      const health = (await (await fetch(`${relay.url}/health`)).json()) as { fileTouches: { parsed: number; ruledOut: number } };
      assert.ok(health.fileTouches.parsed >= 2 && health.fileTouches.ruledOut >= 1, JSON.stringify(health.fileTouches));
    } finally {
      await relay.close();
      await api.close();
    }
  });

  test("Claude Code: a Read's push goes with its PostToolUse; a large file not parsed yet is answered at once and its push handed with the session's next hook once ready (its receipt only then)", async () => {
    const api = await localApi({ names: ['retry.py'], complete: true, identifiers: ['round_half_even'] }, (q) => (q.get('anchors') ? `# memflow: rule about ${q.get('anchors')}` : ''));
    const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'code-push-spool-'));
    const relay = await startRelay({ port: 0, spoolDir, defaultUrl: api.url, startBudgetMs: 200, promptBudgetMs: 10_000, parseInlineBytes: 8192 });
    const result = (session: string, file: string, id: string, tool = 'Read') => hook(relay.url, api.url, 'post-tool-use', { session_id: session, hook_event_name: 'PostToolUse', cwd: repo, tool_name: tool, tool_input: tool === 'Read' ? { file_path: file } : { command: 'pytest -q' }, tool_use_id: id, tool_response: { type: 'text' } });
    const delivered = () => api.seen.filter((u) => u.pathname.endsWith('/delivered')).length;
    const health = async () => ((await (await fetch(`${relay.url}/health`)).json()) as { fileTouches: { parsed: number; handedLater: number; droppedLater: number } }).fileTouches;
    try {
      await hook(relay.url, api.url, 'pre-tool-use', touch('s0', other, 'v0'));
      await waitFor(() => api.seen.some((u) => u.pathname === '/v1/context/files'), 'the index read');
      const pushFor = (n: number) => ({ hookSpecificOutput: { hookEventName: 'PostToolUse', additionalContext: Array(n).fill('# memflow: rule about round_half_even').join('\n\n') } });

      // A Read of the 2,000-line module nothing parsed: its PostToolUse does not wait for the parse.
      assert.deepEqual(await result('s1', moduleFile, 'v1'), {});
      assert.equal(delivered(), 0, 'no receipt for a push not handed');
      for (let i = 0; i < 400 && (await health()).parsed < 1; i++) await new Promise((r) => setTimeout(r, 25));
      await waitFor(() => api.seen.some((u) => u.searchParams.get('anchors') === 'round_half_even'), 'asked behind the answer');
      await new Promise((r) => setTimeout(r, 50));
      // The session's next hook (the agent runs the tests) hands it, once.
      assert.deepEqual(await result('s1', '', 'v2', 'Bash'), pushFor(1));
      await waitFor(() => delivered() === 1, 'the receipt confirmed once handed');
      assert.deepEqual(await result('s1', '', 'v3', 'Bash'), {}, 'handed once');
      assert.deepEqual(await result('s1', moduleFile, 'v4'), {}, 'once per file and session');
      assert.equal((await health()).handedLater, 1);
      // The relay's own clock, per kind of answer (a file tool's hook is its own kind).
      const answers = ((await (await fetch(`${relay.url}/health`)).json()) as { answers: Record<string, { n: number; p50: number; p95: number }> }).answers;
      assert.ok(answers['post-tool-use:Read']!.n >= 2 && answers['post-tool-use']!.n >= 2 && answers['post-tool-use:Read']!.p95 >= answers['post-tool-use:Read']!.p50, JSON.stringify(answers));

      // The module's parse is kept now: another session's Read gets the push with its own PostToolUse.
      assert.deepEqual(await result('s2', moduleFile, 'w1'), pushFor(1));
      // An older install's PreToolUse on Read: answered at once; its push handed with the same call's PostToolUse once ready.
      fs.appendFileSync(moduleFile, '\n# changed\n');
      assert.deepEqual(await hook(relay.url, api.url, 'pre-tool-use', touch('s3', moduleFile, 'x1')), {});
      for (let i = 0; i < 400 && (await health()).parsed < 2; i++) await new Promise((r) => setTimeout(r, 25));
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(await result('s3', moduleFile, 'x1'), pushFor(1), 'the held push, and nothing twice for the file');

      // A host without later hooks reaching the model (Codex): its touch waits for the parse, as before.
      fs.appendFileSync(moduleFile, '\n# changed again\n');
      const codexTouch = await fetch(`${relay.url}/hook/codex/PreToolUse`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer mf_test_code_push', 'x-memflow-url': api.url, 'x-memflow-project': 'pay' }, body: JSON.stringify({ session_id: 's4', hook_event_name: 'PreToolUse', cwd: repo, model: 'm', transcript_path: null, tool_name: 'Bash', tool_input: { command: `cat ${moduleFile}` }, tool_use_id: 'y1' }) });
      assert.match(await codexTouch.text(), /rule about round_half_even/);
      // Codex's shell call with its result (PostToolUse, kept and spooled): the push for the files it read goes with the
      // answer, under PostToolUse; once per file and session.
      const codexResult = (session: string, id: string) =>
        fetch(`${relay.url}/hook/codex/PostToolUse`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer mf_test_code_push', 'x-memflow-url': api.url, 'x-memflow-project': 'pay' }, body: JSON.stringify({ session_id: session, hook_event_name: 'PostToolUse', cwd: repo, model: 'm', transcript_path: null, tool_name: 'Bash', tool_input: { command: `cat ${moduleFile}` }, tool_response: 'def f(): ...', tool_use_id: id }) }).then((r) => r.json());
      const withResult = (await codexResult('s5', 'y2')) as { hookSpecificOutput?: { hookEventName: string; additionalContext: string } };
      assert.equal(withResult.hookSpecificOutput?.hookEventName, 'PostToolUse', JSON.stringify(withResult));
      assert.match(withResult.hookSpecificOutput!.additionalContext, /rule about round_half_even/);
      assert.deepEqual(await codexResult('s5', 'y3'), {}, 'once per file and session');
    } finally {
      await relay.close();
      await api.close();
    }
  });

  test("Claude Code: a push the API gives past the relay's budget is not lost: the Read is answered in time without it, the session's next hook hands it", async () => {
    let slowMs = 0;
    const api = await localApi({ names: ['retry.py'], complete: true, identifiers: ['round_half_even'] }, (q) => (q.get('anchors') ? `# memflow: rule about ${q.get('anchors')}` : ''), () => slowMs);
    const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'code-push-spool-'));
    const relay = await startRelay({ port: 0, spoolDir, defaultUrl: api.url, startBudgetMs: 200, promptBudgetMs: 200, parseInlineBytes: 10_000_000 });
    const result = (session: string, file: string, id: string, tool = 'Read') => hook(relay.url, api.url, 'post-tool-use', { session_id: session, hook_event_name: 'PostToolUse', cwd: repo, tool_name: tool, tool_input: tool === 'Read' ? { file_path: file } : { command: 'pytest -q' }, tool_use_id: id, tool_response: { type: 'text' } });
    const delivered = () => api.seen.filter((u) => u.pathname.endsWith('/delivered')).length;
    try {
      await hook(relay.url, api.url, 'pre-tool-use', touch('s0', other, 'z0'));
      await waitFor(() => api.seen.some((u) => u.pathname === '/v1/context/files'), 'the index read');
      await result('s0', moduleFile, 'z1'); // the module parsed and kept
      slowMs = 700;
      const t0 = Date.now();
      assert.deepEqual(await result('s1', moduleFile, 'z2'), {}, 'answered within the budget, without the push');
      assert.ok(Date.now() - t0 < 650, `the Read did not wait for the API (${Date.now() - t0} ms)`);
      slowMs = 0;
      assert.deepEqual(await result('s1', '', 'z3', 'Bash'), {}, 'not ready yet: nothing, and the push stays held');
      await waitFor(() => api.seen.filter((u) => u.searchParams.get('session') === 's1').length === 1, 'asked once');
      await new Promise((r) => setTimeout(r, 900));
      const receipted = delivered();
      assert.deepEqual(await result('s1', '', 'z4', 'Bash'), { hookSpecificOutput: { hookEventName: 'PostToolUse', additionalContext: '# memflow: rule about round_half_even' } }, "handed with the session's next hook");
      await waitFor(() => delivered() === receipted + 1, 'its receipt confirmed once handed (not before)');
      assert.deepEqual(await result('s1', moduleFile, 'z5'), {}, 'once per file and session');

      // A host that waits for its push (Codex) meets the slow API: its read goes unanswered within the budget and the relay
      // answers the next hooks at once for a while (quiet). A Read then is answered without asking, and not lost: the file's
      // next touch, once the quiet is over, asks.
      slowMs = 700;
      const codex = await fetch(`${relay.url}/hook/codex/PreToolUse`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer mf_test_code_push', 'x-memflow-url': api.url, 'x-memflow-project': 'pay' }, body: JSON.stringify({ session_id: 's4', hook_event_name: 'PreToolUse', cwd: repo, model: 'm', transcript_path: null, tool_name: 'Bash', tool_input: { command: `cat ${moduleFile}` }, tool_use_id: 'y0' }) });
      assert.doesNotMatch(await codex.text(), /rule about/, 'past the budget');
      slowMs = 0;
      const asked = () => api.seen.filter((u) => u.pathname === '/v1/context').length;
      const before = asked();
      assert.deepEqual(await result('s3', moduleFile, 'y1'), {}, 'quiet: answered at once');
      assert.equal(asked(), before, 'not asked while quiet');
      await new Promise((r) => setTimeout(r, 5_100));
      assert.deepEqual(await result('s3', moduleFile, 'y2'), { hookSpecificOutput: { hookEventName: 'PostToolUse', additionalContext: '# memflow: rule about round_half_even' } }, 'asked at its next touch');
    } finally {
      await relay.close();
      await api.close();
    }
  });

  test("Claude Code: a Read whose PostToolUse the spool cannot take still gets its push (its receipt already says it was handed)", async () => {
    const api = await localApi({ names: ['retry.py'], complete: true, identifiers: ['round_half_even'] }, (q) => (q.get('anchors') ? `# memflow: rule about ${q.get('anchors')}` : ''), () => 0, 3000);
    const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'code-push-spool-'));
    const relay = await startRelay({ port: 0, spoolDir, defaultUrl: api.url, startBudgetMs: 200, promptBudgetMs: 5000, parseInlineBytes: 10_000_000, maxEntries: 1 });
    const result = (session: string, file: string, id: string, tool = 'Read') => hook(relay.url, api.url, 'post-tool-use', { session_id: session, hook_event_name: 'PostToolUse', cwd: repo, tool_name: tool, tool_input: tool === 'Read' ? { file_path: file } : { command: 'pytest -q' }, tool_use_id: id, tool_response: { type: 'text' } });
    try {
      await hook(relay.url, api.url, 'pre-tool-use', touch('s0', other, 'q0'));
      await waitFor(() => api.seen.some((u) => u.pathname === '/v1/context/files'), 'the index read');
      await result('s1', '', 'q1', 'Bash'); // the one entry the spool holds (the API takes no events)
      const spool = async () => ((await (await fetch(`${relay.url}/health`)).json()) as { spool: { waiting: number; received: number } }).spool;
      assert.deepEqual(await result('s1', moduleFile, 'q2'), { hookSpecificOutput: { hookEventName: 'PostToolUse', additionalContext: '# memflow: rule about round_half_even' } });
      const s = await spool();
      assert.deepEqual([s.received, s.waiting], [2, 1], "the Read's event was not spooled (the spool was full)");
    } finally {
      await relay.close();
      await api.close();
    }
  });

  test('an API that sends no identifiers: asked by the path, as before', async () => {
    const api = await localApi({ names: ['rounding.py'], complete: true }, () => '');
    const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'code-push-spool-'));
    const relay = await startRelay({ port: 0, spoolDir, defaultUrl: api.url, startBudgetMs: 200, promptBudgetMs: 2000 });
    try {
      await hook(relay.url, api.url, 'pre-tool-use', touch('s1', moduleFile, 'u1'));
      await waitFor(() => api.seen.some((u) => u.pathname === '/v1/context/files'), 'the index read');
      const n = api.seen.filter((u) => u.pathname === '/v1/context').length;
      await hook(relay.url, api.url, 'pre-tool-use', touch('s1', testFile, 'u2'));
      assert.equal(api.seen.filter((u) => u.pathname === '/v1/context').length, n, 'test_rounding.py: its path ruled out, and no identifiers to match');
      await hook(relay.url, api.url, 'pre-tool-use', touch('s2', moduleFile, 'u3'));
      const q = api.seen.filter((u) => u.pathname === '/v1/context').at(-1)!.searchParams;
      assert.equal(q.get('path'), 'pay/rounding.py');
      assert.equal(q.get('anchors'), null);
    } finally {
      await relay.close();
      await api.close();
    }
  });
});
