/**
 * Project identity from a hook's cwd, against real git layouts built with the git CLI in a
 * temporary folder (main checkout, linked worktrees, a submodule, a bare repository).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import {
  clearProjectCache,
  FALLBACK_PROJECT,
  InvalidProjectName,
  normalizeProjectName,
  pathBasename,
  PROJECT_CACHE_SIZE,
  projectCacheSize,
  resolveProject,
} from '../../common/workspace/project-naming.js';

const fresh = { cache: false } as const;

function git(cwd: string, ...args: string[]): void {
  execFileSync(
    'git',
    ['-c', 'user.email=test@memflow.invalid', '-c', 'user.name=memflow test', '-c', 'init.defaultBranch=main', '-c', 'protocol.file.allow=always', ...args],
    { cwd, stdio: 'pipe', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: os.devNull } },
  );
}

describe('resolveProject on real git layouts', () => {
  let root: string;
  let main: string;

  before(() => {
    // realpath: on macOS the temp dir is behind a symlink; the folder names are what matter anyway.
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-project-')));
    main = path.join(root, 'acme-app');
    fs.mkdirSync(path.join(main, 'src', 'deep', 'er'), { recursive: true });
    fs.writeFileSync(path.join(main, 'src', 'index.ts'), 'export {};\n');
    git(root, 'init', '-q', 'acme-app');
    git(main, 'add', '.');
    git(main, 'commit', '-q', '-m', 'init');
    // A sibling worktree with a different folder name, and one nested inside the main checkout
    // the way Claude Code places its agent worktrees.
    git(main, 'worktree', 'add', '-q', path.join(root, 'acme-app-feature-x'), '-b', 'feature-x');
    git(main, 'worktree', 'add', '-q', path.join(main, '.claude', 'worktrees', 'agent-1'), '-b', 'agent-1');

    // A library repository added to the main one as a submodule.
    const lib = path.join(root, 'libsrc');
    git(root, 'init', '-q', 'libsrc');
    fs.writeFileSync(path.join(lib, 'README.md'), 'lib\n');
    git(lib, 'add', '.');
    git(lib, 'commit', '-q', '-m', 'lib');
    git(main, 'submodule', 'add', '-q', lib, 'vendor/widgets');

    // A bare repository and a worktree of it.
    git(root, 'init', '-q', '--bare', 'central.git');
    git(root, 'clone', '-q', path.join(root, 'central.git'), 'central-clone');
    git(path.join(root, 'central-clone'), 'commit', '-q', '--allow-empty', '-m', 'c');
    git(path.join(root, 'central-clone'), 'push', '-q', 'origin', 'HEAD:main');
    git(path.join(root, 'central.git'), 'worktree', 'add', '-q', path.join(root, 'central-wt'), 'main');

    fs.mkdirSync(path.join(root, 'not-a-repo', 'inner'), { recursive: true });
    clearProjectCache();
  });

  after(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('the main checkout is named after its folder', () => {
    assert.equal(resolveProject(main, fresh), 'acme-app');
  });

  test('subfolders resolve to the repository name', () => {
    assert.equal(resolveProject(path.join(main, 'src'), fresh), 'acme-app');
    assert.equal(resolveProject(path.join(main, 'src', 'deep', 'er'), fresh), 'acme-app');
    assert.equal(resolveProject(path.join(main, 'src', 'index.ts'), fresh), 'acme-app', 'a file path uses its folder');
  });

  test('a trailing slash does not change the answer', () => {
    assert.equal(resolveProject(`${main}/`, fresh), 'acme-app');
    assert.equal(resolveProject(`${main}/src/`, fresh), 'acme-app');
  });

  test('a linked worktree resolves to the same project as the main checkout', () => {
    const wt = path.join(root, 'acme-app-feature-x');
    assert.ok(fs.statSync(path.join(wt, '.git')).isFile(), 'linked worktree has a .git file');
    assert.equal(resolveProject(wt, fresh), resolveProject(main, fresh));
    assert.equal(resolveProject(path.join(wt, 'src'), fresh), 'acme-app');
  });

  test('a worktree nested inside the main checkout resolves to the main project', () => {
    const wt = path.join(main, '.claude', 'worktrees', 'agent-1');
    assert.equal(resolveProject(wt, fresh), 'acme-app');
    assert.equal(resolveProject(path.join(wt, 'src'), fresh), 'acme-app');
  });

  test('a cwd inside the .git folder belongs to the repository', () => {
    assert.equal(resolveProject(path.join(main, '.git'), fresh), 'acme-app');
    assert.equal(resolveProject(path.join(main, '.git', 'refs', 'heads'), fresh), 'acme-app');
    assert.equal(resolveProject(path.join(main, '.git', 'worktrees', 'agent-1'), fresh), 'acme-app');
  });

  test('a submodule is its own project, named by its folder', () => {
    const sub = path.join(main, 'vendor', 'widgets');
    assert.ok(fs.statSync(path.join(sub, '.git')).isFile(), 'submodule has a .git file');
    assert.equal(resolveProject(sub, fresh), 'widgets');
    assert.equal(resolveProject(`${sub}/`, fresh), 'widgets');
    // Its parent folder is still the superproject.
    assert.equal(resolveProject(path.join(main, 'vendor'), fresh), 'acme-app');
  });

  test('a bare repository and its worktrees are named without the .git suffix', () => {
    assert.equal(resolveProject(path.join(root, 'central.git'), fresh), 'central');
    assert.equal(resolveProject(path.join(root, 'central.git', 'refs'), fresh), 'central');
    assert.equal(resolveProject(path.join(root, 'central-wt'), fresh), 'central');
  });

  test('a worktree whose admin folder is gone is named from the gitdir layout', () => {
    const moved = path.join(root, 'moved-wt');
    fs.mkdirSync(path.join(moved, 'pkg'), { recursive: true });
    fs.writeFileSync(path.join(moved, '.git'), 'gitdir: /nowhere/original-repo/.git/worktrees/moved-wt\n');
    assert.equal(resolveProject(path.join(moved, 'pkg'), fresh), 'original-repo');
  });

  test('a .git file that points at something else names the checkout folder', () => {
    const sep = path.join(root, 'separate-checkout');
    fs.mkdirSync(sep);
    fs.writeFileSync(path.join(sep, '.git'), 'gitdir: /nowhere/store/separate.git\n');
    assert.equal(resolveProject(sep, fresh), 'separate-checkout');
    const garbage = path.join(root, 'garbage-gitfile');
    fs.mkdirSync(garbage);
    fs.writeFileSync(path.join(garbage, '.git'), 'not a gitdir line\n');
    assert.equal(resolveProject(garbage, fresh), 'garbage-gitfile');
  });

  test('an existing folder outside any repository falls back to its basename', () => {
    assert.equal(resolveProject(path.join(root, 'not-a-repo', 'inner'), fresh), 'inner');
  });

  test('the cache answers repeated cwds and can be bypassed', () => {
    const later = path.join(root, 'later');
    fs.mkdirSync(path.join(later, 'sub'), { recursive: true });
    clearProjectCache();
    assert.equal(resolveProject(path.join(later, 'sub')), 'sub');
    git(later, 'init', '-q');
    // Cached: the repository created afterwards is not noticed ...
    assert.equal(resolveProject(path.join(later, 'sub')), 'sub');
    // ... unless the cache is bypassed or cleared.
    assert.equal(resolveProject(path.join(later, 'sub'), fresh), 'later');
    clearProjectCache();
    assert.equal(resolveProject(path.join(later, 'sub')), 'later');
  });
});

describe('resolveProject without the filesystem', () => {
  test('a cwd that does not exist here falls back to its basename', () => {
    assert.equal(resolveProject('/home/someone-else/code/their-proj', fresh), 'their-proj');
    assert.equal(resolveProject('/home/someone-else/code/their-proj///', fresh), 'their-proj');
  });

  test('Windows-style paths are handled', () => {
    assert.equal(resolveProject('C:\\Users\\me\\proj', fresh), 'proj');
    assert.equal(resolveProject('C:\\Users\\me\\proj\\', fresh), 'proj');
    assert.equal(resolveProject('D:/work/other-proj/', fresh), 'other-proj');
    assert.equal(resolveProject('\\\\server\\share\\team-proj', fresh), 'team-proj');
  });

  test('roots, drives and empty strings get the fallback name', () => {
    assert.equal(pathBasename('/'), FALLBACK_PROJECT);
    assert.equal(pathBasename('C:\\'), FALLBACK_PROJECT);
    assert.equal(pathBasename(''), FALLBACK_PROJECT);
    assert.equal(resolveProject('/', fresh), resolveProject('/', fresh));
  });

  test('odd folder names become acceptable project names', () => {
    assert.equal(resolveProject('/nowhere/a\nb', fresh), 'a_b');
    assert.equal(resolveProject('/nowhere/..', fresh), FALLBACK_PROJECT);
    assert.equal([...resolveProject(`/nowhere/${'x'.repeat(300)}`, fresh)].length, 128);
  });

  test('whatever the cwd, the result is a valid project name (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string().map((s) => `/nowhere/${s}`)), (cwd) => {
        const name = resolveProject(cwd, fresh);
        assert.equal(normalizeProjectName(name), name);
      }),
      { numRuns: 300 },
    );
  });

  test('the cache is bounded', () => {
    clearProjectCache();
    for (let i = 0; i < PROJECT_CACHE_SIZE + 250; i++) resolveProject(`/nowhere/proj-${i}`);
    assert.equal(projectCacheSize(), PROJECT_CACHE_SIZE);
    clearProjectCache();
  });
});

describe('normalizeProjectName', () => {
  function rejects(name: string, rule: InvalidProjectName['rule'], messagePart: RegExp): void {
    assert.throws(
      () => normalizeProjectName(name),
      (err: unknown) => {
        assert.ok(err instanceof InvalidProjectName, 'throws InvalidProjectName');
        assert.equal(err.name, 'InvalidProjectName');
        assert.equal(err.rule, rule);
        assert.match(err.message, messagePart);
        return true;
      },
    );
  }

  test('accepts ordinary names and trims them', () => {
    assert.equal(normalizeProjectName('acme-app'), 'acme-app');
    assert.equal(normalizeProjectName('  acme app  '), 'acme app');
    assert.equal(normalizeProjectName('my.project_v2'), 'my.project_v2');
    assert.equal(normalizeProjectName('...'), '...');
    assert.equal(normalizeProjectName('プロジェクト'), 'プロジェクト');
  });

  test('is idempotent and canonicalises Unicode to NFC', () => {
    const nfd = 'cafe\u0301';
    assert.equal(normalizeProjectName(nfd), 'caf\u00e9');
    assert.equal(normalizeProjectName(normalizeProjectName(' x ')), 'x');
  });

  test('rejects empty and blank names', () => {
    rejects('', 'empty', /empty/);
    rejects('   \t ', 'empty', /empty/);
  });

  test('allows 128 characters and rejects 129', () => {
    assert.equal(normalizeProjectName('a'.repeat(128)).length, 128);
    assert.equal([...normalizeProjectName('😀'.repeat(128))].length, 128, 'counts characters, not UTF-16 units');
    rejects('a'.repeat(129), 'too-long', /at most 128/);
  });

  test('rejects control characters', () => {
    rejects('a\u0000b', 'control-character', /control/);
    rejects('a\nb', 'control-character', /control/);
    rejects('a\u007fb', 'control-character', /control/);
    rejects('a\u0085b', 'control-character', /control/);
  });

  test('rejects path separators', () => {
    rejects('a/b', 'path-separator', /"\/"/);
    rejects('a\\b', 'path-separator', /"\\"/);
    rejects('/', 'path-separator', /separator|"\/"/);
  });

  test('rejects . and ..', () => {
    rejects('.', 'dot-segment', /"\."/);
    rejects('..', 'dot-segment', /"\.\."/);
    rejects(' .. ', 'dot-segment', /"\.\."/);
    rejects('a\ud800b', 'invalid-unicode', /valid Unicode/);
  });

  test('rejects a value that is not a string at run time', () => {
    rejects(42 as unknown as string, 'type', /string/);
  });
});
