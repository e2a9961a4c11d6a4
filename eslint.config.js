// Lint rules that keep workflow code deterministic, async code honest (typescript-eslint,
// type-aware) and the layers apart (eslint-plugin-import-x). Run: npm run lint.
//
// Layers, from the ground floor up (README.md, "Where things are"): messages/ -> prisma/, common/ -> activities/ ->
// workflows/ -> workers/ and the edges (api/, cli/, mcp/, viewer/); clients/ (the typed API client the
// edges, tests and benchmarks use) stands on messages/ alone. Enforced below:
// - messages/ imports nothing of ours; clients/ imports messages/ only;
// - common/ imports no layer above it;
// - nothing imports activities/ but workers/ (which hosts them), workflows/ (types only, for
//   proxyActivities) and the harnesses that drive activities directly (tests/, bench/);
// - activities/, api/, cli/ and mcp/ import workflows/ only as types (`typeof someWorkflow` for a
//   typed client.workflow.start); their messages live in messages/workflows-v1/;
// - no import cycles anywhere.
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
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
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { 'import-x': importX },
    settings: {
      // Files import-x reads to follow imports (no-cycle), and how our `./x.js` means `./x.ts` (NodeNext).
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json', '.node'], extensionAlias: { '.js': ['.ts', '.tsx', '.js'] } })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './messages',
              from: ['./prisma', './generated', './common', './activities', './workflows', './workers', './api', './cli', './mcp', './viewer', './infra', './bench', './tests', './clients'],
              message: 'messages/ is the ground floor: it imports nothing of ours.',
            },
            {
              target: './clients',
              from: ['./prisma', './generated', './common', './activities', './workflows', './workers', './api', './cli', './mcp', './viewer', './infra', './bench', './tests'],
              message: 'clients/ (the typed API client) stands on messages/ alone: every edge, the browser bundle too, can import it.',
            },
            {
              target: './common',
              from: ['./activities', './workflows', './workers', './api', './cli', './mcp', './viewer', './bench', './tests'],
              message: 'common/ is below activities/, workflows/ and the edges: it must not import them.',
            },
            {
              target: ['./api', './cli', './mcp', './viewer', './infra', './prisma'],
              from: './activities',
              message: 'Only workers/ hosts activities (workflows/ import their types): move the shared shape to messages/ or common/.',
            },
            {
              target: ['./workflows', './activities', './common', './messages'],
              from: ['./workers', './api', './cli', './mcp', './viewer', './clients'],
              message: 'Lower layers never import the edges, the API client or workers/.',
            },
          ],
        },
      ],
    },
  },
  {
    // Activities and the edges start workflows by name with the workflow's type; nothing else of workflows/.
    files: ['activities/**/*.ts', 'api/**/*.ts', 'cli/**/*.ts', 'mcp/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/workflows/**', '!**/messages/workflows-v1/**'],
              allowTypeImports: true,
              message: 'Import workflows/ only as types (`import type { someWorkflow }`); shared shapes live in messages/.',
            },
          ],
        },
      ],
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
            { group: ['**/common/**', '**/api/**', '**/infra/**'], allowTypeImports: true, message: 'Workflows must not import I/O modules: shared constants live in messages/.' },
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
