// Lint rules that keep workflow code deterministic and async code honest (typescript-eslint,
// type-aware). Run: npm run lint.
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert', 'async_hooks', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs',
  'fs/promises', 'http', 'http2', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream',
  'timers', 'timers/promises', 'tls', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'generated/**', 'dist/**', '.memflow/**', 'scratch/**', 'cli/memflow.js', 'infra/bootstrap.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test()/describe() return promises the runner itself awaits.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Workflow code is replayed: no I/O, no Node APIs, activities by type only.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.flatMap((name) => [
            { name, message: 'Node APIs are not deterministic: do I/O in activities.' },
            { name: `node:${name}`, message: 'Node APIs are not deterministic: do I/O in activities.' },
          ]),
          patterns: [
            { group: ['**/activities/**'], allowTypeImports: true, message: 'Workflows import activity types only (proxyActivities).' },
            { group: ['**/common/**', '!**/common/hook-events.js', '**/api/**', '**/infra/**'], allowTypeImports: true, message: 'Workflows must not import I/O modules (common/hook-events.js holds pure constants).' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() in a loop from @temporalio/workflow.' },
        { name: 'fetch', message: 'Network I/O belongs in activities.' },
        { name: 'process', message: 'Workflows have no process environment.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Deterministic in workflows only through the SDK; prefer uuid4() from @temporalio/workflow.' },
      ],
    },
  },
);
