/**
 * Concept groups for the offline embedder: words that mean nearly the same thing in software work
 * share one concept feature, so "the postgres query crashed" and "database error in SQL" meet even
 * without a common word. Deliberately small and hand-curated (no model, no download): each line is
 * one concept, named by its first word. Entries are matched after the same normalisation as the
 * text (lowercase, light stemming), so list plain forms.
 */
export const CONCEPTS: readonly (readonly string[])[] = [
  ['error', 'failure', 'fail', 'exception', 'crash', 'bug', 'broken', 'panic', 'fault', 'throw', 'traceback', 'stacktrace', 'problem', 'issue', 'defect', 'regression', 'wrong'],
  ['fix', 'repair', 'resolve', 'patch', 'solve', 'workaround', 'hotfix', 'correct', 'remedy'],
  ['database', 'db', 'postgres', 'postgresql', 'psql', 'sql', 'mysql', 'sqlite', 'prisma', 'orm', 'query', 'table', 'schema', 'migration', 'migrate', 'row', 'column', 'index', 'transaction'],
  ['test', 'spec', 'assert', 'assertion', 'unittest', 'jest', 'vitest', 'mocha', 'pytest', 'expect', 'fixture', 'coverage', 'e2e', 'testing'],
  ['auth', 'authentication', 'authorization', 'login', 'logout', 'signin', 'token', 'credential', 'password', 'session', 'oauth', 'jwt', 'permission', 'apikey', 'secret', 'sso'],
  ['slow', 'latency', 'performance', 'perf', 'speed', 'fast', 'throughput', 'bottleneck', 'optimize', 'optimise', 'lag', 'sluggish', 'benchmark', 'profile', 'profiling'],
  ['deploy', 'deployment', 'release', 'ship', 'rollout', 'publish', 'production', 'prod', 'staging', 'rollback', 'ci', 'cd', 'pipeline'],
  ['config', 'configuration', 'settings', 'setting', 'env', 'environment', 'variable', 'option', 'flag', 'dotenv', 'yaml', 'toml', 'ini', 'preference'],
  ['timeout', 'timed', 'hang', 'stuck', 'freeze', 'deadline', 'wait', 'unresponsive'],
  ['network', 'connection', 'connect', 'socket', 'tcp', 'http', 'https', 'request', 'response', 'endpoint', 'url', 'port', 'dns', 'proxy', 'refused', 'unreachable'],
  ['api', 'endpoint', 'route', 'handler', 'rest', 'graphql', 'grpc', 'controller', 'webhook'],
  ['memory', 'oom', 'leak', 'heap', 'ram', 'allocation', 'garbage', 'gc'],
  ['cache', 'caching', 'memoize', 'redis', 'memcached', 'invalidate', 'stale', 'ttl'],
  ['log', 'logging', 'logger', 'trace', 'tracing', 'debug', 'print', 'console', 'stderr', 'stdout', 'observability', 'metric', 'monitor'],
  ['dependency', 'package', 'library', 'module', 'npm', 'yarn', 'pnpm', 'pip', 'cargo', 'install', 'upgrade', 'version', 'lockfile', 'import'],
  ['build', 'compile', 'compiler', 'bundle', 'bundler', 'webpack', 'esbuild', 'tsc', 'transpile', 'make', 'link', 'linker'],
  ['type', 'typescript', 'typing', 'typecheck', 'interface', 'generic', 'annotation', 'mypy'],
  ['lint', 'linter', 'eslint', 'prettier', 'format', 'formatting', 'style', 'ruff', 'clippy'],
  ['refactor', 'cleanup', 'restructure', 'rename', 'simplify', 'extract', 'reorganize', 'rewrite', 'dedupe'],
  ['document', 'documentation', 'docs', 'readme', 'comment', 'docstring', 'guide', 'changelog'],
  ['ui', 'frontend', 'component', 'react', 'vue', 'css', 'html', 'layout', 'button', 'page', 'render', 'dom', 'view'],
  ['server', 'backend', 'service', 'daemon', 'worker', 'process', 'host'],
  ['container', 'docker', 'image', 'kubernetes', 'k8s', 'pod', 'helm', 'compose', 'cluster'],
  ['file', 'path', 'directory', 'folder', 'filesystem', 'disk', 'read', 'write', 'permission'],
  ['git', 'commit', 'branch', 'merge', 'rebase', 'diff', 'checkout', 'pr', 'pull', 'push', 'conflict', 'repository', 'repo'],
  ['search', 'find', 'lookup', 'grep', 'query', 'retrieve', 'retrieval', 'index', 'rank'],
  ['vector', 'embedding', 'embed', 'semantic', 'similarity', 'weaviate', 'pgvector', 'ann', 'hnsw'],
  ['queue', 'job', 'task', 'workflow', 'temporal', 'schedule', 'cron', 'retry', 'backoff', 'activity'],
  ['concurrency', 'race', 'deadlock', 'lock', 'mutex', 'thread', 'parallel', 'async', 'await', 'promise', 'concurrent'],
  ['security', 'vulnerability', 'xss', 'csrf', 'injection', 'sanitize', 'escape', 'encrypt', 'encryption', 'tls', 'ssl', 'certificate', 'redact'],
  ['null', 'undefined', 'nil', 'none', 'missing', 'empty', 'nullable', 'optional'],
  ['parse', 'parser', 'serialize', 'deserialize', 'json', 'xml', 'csv', 'decode', 'encode', 'validation', 'validate', 'zod'],
  ['delete', 'remove', 'erase', 'drop', 'purge', 'cleanup', 'prune', 'retention'],
  ['create', 'add', 'insert', 'new', 'generate', 'scaffold', 'init', 'initialize', 'setup', 'bootstrap'],
  ['update', 'change', 'modify', 'edit', 'alter', 'tweak', 'adjust', 'bump'],
  ['start', 'launch', 'boot', 'startup', 'spawn', 'run', 'execute', 'invoke'],
  ['stop', 'shutdown', 'kill', 'terminate', 'exit', 'abort', 'cancel', 'halt', 'sigterm', 'sigkill'],
  ['user', 'customer', 'account', 'tenant', 'member', 'organization', 'team'],
  ['backup', 'snapshot', 'restore', 'dump', 'archive', 'recovery'],
  ['email', 'mail', 'smtp', 'notification', 'notify', 'alert', 'message'],
  ['payment', 'billing', 'invoice', 'stripe', 'charge', 'subscription', 'price', 'cost'],
  ['date', 'time', 'timezone', 'utc', 'timestamp', 'clock', 'calendar'],
  ['decide', 'decision', 'choose', 'choice', 'prefer', 'tradeoff', 'convention', 'agree', 'standard', 'rule'],
  ['limit', 'quota', 'throttle', 'ratelimit', 'cap', 'budget', 'max', 'maximum'],
  ['upload', 'download', 'fetch', 'transfer', 'stream', 'sync', 'synchronize'],
  ['duplicate', 'dedupe', 'idempotent', 'idempotency', 'twice', 'repeat', 'duplication'],
];

/** Frequent in any engineering text, so they say little about what a text is about. */
export const WEAK_WORDS: ReadonlySet<string> = new Set([
  'use', 'used', 'using', 'code', 'work', 'works', 'working', 'thing', 'things', 'way', 'get', 'got', 'set', 'now',
  'one', 'two', 'also', 'need', 'needs', 'make', 'made', 'see', 'look', 'looks', 'try', 'tried', 'want', 'just',
  'like', 'able', 'still', 'well', 'let', 'lets', 'sure', 'ok', 'okay', 'yes', 'new', 'run', 'ran', 'call', 'called',
]);

/** Function words dropped entirely. */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  'a', 'an', 'the', 'and', 'or', 'but', 'if', 'then', 'else', 'of', 'to', 'in', 'on', 'at', 'by', 'for', 'with',
  'from', 'into', 'onto', 'about', 'as', 'is', 'are', 'was', 'were', 'be', 'been', 'being', 'it', 'its', 'this',
  'that', 'these', 'those', 'there', 'here', 'we', 'i', 'you', 'he', 'she', 'they', 'them', 'our', 'your', 'my',
  'me', 'us', 'so', 'do', 'does', 'did', 'done', 'has', 'have', 'had', 'not', 'no', 'can', 'could', 'should',
  'would', 'will', 'shall', 'may', 'might', 'must', 'what', 'which', 'who', 'whom', 'when', 'where', 'why', 'how',
  'all', 'any', 'some', 'each', 'every', 'both', 'more', 'most', 'very', 'too', 'than', 'up', 'down', 'out',
  'over', 'under', 'again', 'once', 'only', 'own', 'same', 'such', 'because', 'while', 'after', 'before', 'during',
  'via', 'per', 'e', 'g', 'eg', 'ie', 'etc', 'am', 'him', 'her', 'his', 'hers', 'their', 'theirs',
]);
