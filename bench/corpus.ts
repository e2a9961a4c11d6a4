/**
 * The generated corpus the benchmarks measure against: a coding project's memory as it would look
 * (prompts, tool calls with their output, batch and final summaries, learnings, 5% superseded) over
 * ~30 topics and four projects, spread over 180 days, from a seeded PRNG so every run is the same.
 * Rows are bulk-inserted into PostgreSQL with set-based SQL; Weaviate is filled through the vector
 * activities' reconciliation step, the path that repairs Weaviate in production.
 */
import crypto from 'node:crypto';
import type { createVectorActivities } from '../activities/vectors/vector-sync-activities.js';
import type { Config } from '../common/server/config.js';
import type { PrismaClient } from '../common/server/db.js';
import type { PgPool } from '../common/server/pg.js';
import { vectorQueueDrained } from './lib.js';
import { realisticToolText } from './realistic-outputs.js';

// ---------------------------------------------------------------------------------------------
// Corpus generation
// ---------------------------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so every run generates the same corpus. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!, int: (n: number) => Math.floor(next() * n) };
}
export type Rng = ReturnType<typeof prng>;

export interface Topic {
  area: string;
  files: string[];
  symptoms: string[];
  commands: string[];
  outputs: string[];
  causes: string[];
  fixes: string[];
  /** How someone would later ask about it (other words than the stored text). */
  asks: string[];
}

const t = (area: string, files: string, symptoms: string, commands: string, outputs: string, causes: string, fixes: string, asks: string): Topic => ({
  area,
  files: files.split('|'),
  symptoms: symptoms.split('|'),
  commands: commands.split('|'),
  outputs: outputs.split('|'),
  causes: causes.split('|'),
  fixes: fixes.split('|'),
  asks: asks.split('|'),
});

export const TOPICS: Topic[] = [
  t('auth', 'src/auth/session.ts|src/auth/middleware.ts|src/auth/oauth.ts', 'users are logged out after token expiry|login returns 401 for valid credentials|OAuth callback loses the state parameter', 'npm test -- auth.test.ts|curl -i localhost:3000/auth/refresh', 'expected 200, got 401|invalid_grant: refresh token reused|state mismatch', 'the refresh token was rotated twice|the cookie lacked SameSite=None|clock skew rejected the JWT', 'refresh tokens single-flight|set SameSite=None; Secure on the session cookie|allow 30s of clock skew when verifying JWTs', 'people signed out unexpectedly|sign-in rejected with correct password|third-party login redirect broken'),
  t('db-migrations', 'prisma/migrations/add_column/migration.sql|db/migrate.ts', 'deploy stalled on a migration|migration fails on the production replica|writes blocked during schema change', 'npx prisma migrate deploy|psql -c "select * from pg_locks"', 'AccessExclusiveLock held for 94s|lock timeout exceeded|duplicate key value violates unique constraint', 'ALTER TABLE rewrote the table|the migration ran inside one long transaction|a backfill locked every row', 'add the column nullable and backfill in batches|set lock_timeout before DDL|create indexes concurrently', 'schema change froze the app|safe way to alter a big table|release blocked by database change'),
  t('query-perf', 'src/reports/queries.ts|src/api/search.ts', 'the dashboard endpoint takes seconds|search page times out for large accounts|N+1 queries on the orders list', 'psql -c "EXPLAIN ANALYZE ..."|npm run bench', 'Seq Scan on events rows=18000000|Execution Time: 4120 ms|420 queries for one page', 'a missing composite index|the ORM loaded relations one by one|a function on the indexed column', 'add an index on (account_id, created_at)|eager-load relations with include|rewrite the filter to be sargable', 'slow report page|why is the listing sluggish|database doing a full table scan'),
  t('flaky-tests', 'e2e/checkout.spec.ts|tests/worker.test.ts|tests/helpers/clock.ts', 'the e2e test fails one run in five|a unit test depends on test order|timeouts only in CI', 'npx playwright test --repeat-each=20|npm test -- --runInBand', 'TimeoutError: locator.click exceeded 5000ms|expected 3 items, got 2|ECONNREFUSED 127.0.0.1:5432', 'the test raced the network|shared state leaked between tests|the fake clock was not restored', 'wait for network idle and raise the timeout|reset fixtures in beforeEach|use a fresh database per test file', 'test passes locally but fails on the build server|intermittent spec failure|nondeterministic test'),
  t('css-layout', 'src/components/Layout.module.css|src/components/Sidebar.tsx', 'the sidebar overlaps content on mobile|the modal is cut off in Safari|text overflows the card', 'npm run storybook|npx playwright test visual.spec.ts', 'screenshot diff 4.2%|overflow: visible on .grid', 'flex items default to min-width auto|100vh includes the Safari toolbar|no max-width on long words', 'set min-width: 0 on the flex child|use 100dvh|add overflow-wrap: anywhere', 'panel covers the page on phones|dialog clipped on iPhone|long text breaks the card'),
  t('docker', 'Dockerfile|docker-compose.yml|.dockerignore', 'the image build takes 12 minutes|the container cannot reach the database|the image is 2 GB', 'docker buildx build .|docker compose up', '#8 RUN npm ci 412s|getaddrinfo ENOTFOUND postgres|image size 2.1GB', 'COPY . . invalidated the dependency layer|the service name differs from the host|dev dependencies shipped in the image', 'copy manifests before npm ci|use the compose service name as host|multi-stage build with npm ci --omit=dev', 'container build reinstalls packages|compose app cannot connect to db|huge container image'),
  t('memory', 'src/worker/handler.ts|src/cache/lru.ts', 'the worker RSS grows until OOM|heap usage climbs after each request|the API restarts every few hours', 'node --inspect worker.js|node --heapsnapshot-signal=SIGUSR2', 'MaxListenersExceededWarning|JavaScript heap out of memory|RSS 3.8GB', 'listeners added per job were never removed|an unbounded cache kept every key|closures held large buffers', 'remove listeners in finally|cap the cache with LRU eviction|stream the payload instead of buffering', 'process keeps eating RAM|out of memory crash|heap keeps growing'),
  t('cors', 'src/server/cors.ts|src/server/app.ts', 'the admin app gets CORS errors|preflight requests fail|cookies are not sent cross-site', 'curl -i -X OPTIONS https://api.example.com/v1/items', 'no Access-Control-Allow-Headers|Access-Control-Allow-Origin missing|credentials flag is true but origin is *', 'the preflight lacked Authorization in allowed headers|the origin list missed the admin domain|wildcard origin with credentials', 'allow Authorization and Content-Type headers|list every allowed origin explicitly|echo the origin when credentials are used', 'browser blocks calls from the other domain|cross-origin request refused|admin site cannot reach backend'),
  t('rate-limits', 'src/billing/stripe-client.ts|src/integrations/github.ts', 'the nightly sync fails with 429|webhooks are rejected under load|GitHub API quota exhausted', 'grep 429 logs/sync.log | wc -l', '429 Too Many Requests|Retry-After: 30|secondary rate limit', 'no retry with backoff|200 requests per second without a cap|polling instead of webhooks', 'exponential backoff with jitter honoring Retry-After|cap concurrency at 20|switch to conditional requests with ETags', 'provider says too many requests|throttled by payment API|quota exceeded on integration'),
  t('timezones', 'src/reports/daily.ts|src/lib/dates.ts', 'daily totals are off by one day|scheduled emails go out an hour early after DST|dates shift when saved', 'TZ=Australia/Sydney npm test -- dates.test.ts', "expected '2026-03-01', got '2026-02-28'|off by 3600000 ms", 'grouping by UTC date|a fixed UTC offset instead of an IANA zone|Date parsing of a date-only string as UTC', 'bucket by day in the merchant time zone|store UTC and convert at the edge|parse date-only strings as local dates', 'wrong day for customers abroad|daylight saving broke the schedule|dates move by one when stored'),
  t('i18n', 'locales/fr.json|src/i18n/format.ts', 'plural forms are wrong in French|numbers are formatted with the wrong separator|missing translations show keys', 'npm run i18n:check', '"1 articles"|1,234.5 in de-DE|cart.count missing in pl', 'count === 1 checks instead of plural rules|toFixed instead of Intl.NumberFormat|no fallback locale', 'ICU plural syntax|Intl.NumberFormat with the user locale|fallback to English for missing keys', 'wrong singular plural wording|number format in German|untranslated labels'),
  t('websockets', 'src/chat/socket.ts|src/realtime/server.ts', 'the chat disconnects after a minute idle|messages arrive twice after reconnect|the socket server leaks connections', 'wscat -c wss://chat.example.com/ws', 'close code 1006|duplicate message id|open sockets 48210', 'proxies close idle connections|resubscribe without dedupe|no heartbeat to detect dead peers', 'ping every 25s and reconnect with backoff|deduplicate by message id|terminate sockets that miss two pongs', 'live connection drops when idle|repeated chat messages|too many open websocket connections'),
  t('caching', 'src/catalog/cache.ts|src/cache/redis.ts', 'database CPU spikes every hour|stale prices shown after update|cache hit rate dropped to 20%', 'redis-cli info stats', 'keyspace_misses 1.2M|expired_keys spike at :00', 'all keys expire together|no invalidation on write|cache key includes a timestamp', 'jitter TTLs and recompute single-flight|invalidate on write|normalize cache keys', 'thundering herd on expiry|old prices after change|cache not hitting'),
  t('esm', 'tsconfig.json|src/server.ts|package.json', 'ERR_MODULE_NOT_FOUND at startup|jest cannot import ESM packages|__dirname is not defined', 'node dist/server.js|npx jest', "Cannot find module '/app/dist/routes/orders'|SyntaxError: Cannot use import statement outside a module", 'relative imports without .js|jest transforms only CommonJS|ESM has no __dirname', 'NodeNext resolution and .js extensions|use vitest or transform ESM|derive the path from import.meta.url', 'module not found after switching to ES modules|test runner chokes on import|file path helpers missing in modules'),
  t('ci', '.github/workflows/ci.yml|scripts/deploy.sh', 'CI takes 25 minutes|the deploy job fails without logs|cache restore misses every run', 'gh run view --log', 'Cache not found for input keys|exit code 137|Error: Process completed with exit code 1', 'the cache key hashed a changing file|the runner ran out of memory|a secret was not passed to the job', 'hash only the lockfile in the cache key|split the test job into shards|pass secrets explicitly to reusable workflows', 'pipeline is slow|deployment step broken|build cache never used'),
  t('logging', 'src/lib/logger.ts|src/middleware/request-log.ts', 'logs contain passwords|request ids missing from logs|log volume doubled', 'grep -c password logs/app.log', 'password=hunter2 in 412 lines|reqId undefined', 'the body was logged unredacted|the child logger was not used|debug level in production', 'redact sensitive paths in pino|bind the request id in a child logger|info level in production', 'secrets leaking into logs|cannot correlate requests|too many log lines'),
  t('payments', 'src/billing/refunds.ts|src/billing/webhooks.ts', 'refunds are applied twice|webhook signature verification fails|invoices show wrong tax', 'stripe trigger charge.refunded', 'No signatures found matching the expected signature|duplicate refund re_123', 'the raw body was parsed before verification|retries without idempotency keys|tax computed on the discounted total twice', 'verify the signature on the raw body|send an Idempotency-Key per refund|compute tax once on the final amount', 'customer refunded two times|payment webhook rejected|tax amount wrong on invoice'),
  t('search', 'src/search/index.ts|src/search/query.ts', 'search misses obvious products|typos return nothing|search results are slow', 'curl localhost:3000/search?q=shoes', '0 hits for "runing shoes"|p95 900 ms', 'no stemming on the text column|exact match only|ranking computed for every row', 'use a tsvector with english stemming|add trigram similarity for typos|rank only the top candidates', 'search does not find products|misspelled queries fail|slow search results'),
  t('uploads', 'src/uploads/s3.ts|src/api/files.ts', 'large uploads fail at 100MB|images upload rotated|presigned URLs expire too early', 'aws s3 cp big.zip s3://bucket/', 'EntityTooLarge|RequestTimeTooSkewed|AccessDenied: Request has expired', 'single PUT instead of multipart|EXIF orientation ignored|URL expiry of 60s', 'multipart upload with 10MB parts|apply EXIF orientation on resize|15 minute presigned URLs', 'big file transfer breaks|photos sideways after upload|download link expired'),
  t('feature-flags', 'src/flags/client.ts|src/flags/defaults.ts', 'a flag flips back after deploy|flag checks slow down requests|stale flags everywhere', 'npm run flags:list', 'flag new-checkout=false after restart|flag evaluation 40ms', 'defaults overrode remote values|evaluated remotely on each call|nobody removes finished flags', 'load remote values before defaults|cache flag values for 30s|remove flags older than 90 days', 'toggle reverts after release|flags make requests slower|too many old toggles'),
  t('email', 'src/email/send.ts|src/email/templates/welcome.mjml', 'welcome emails land in spam|emails are sent twice|links in emails are broken', 'npm run email:preview', 'SPF fail|Message-ID duplicate|href=localhost', 'no DKIM signature|the job retried after a timeout without idempotency|base URL from the dev config', 'sign with DKIM and align SPF|idempotent send keyed by event id|use PUBLIC_URL for links', 'mails go to junk|duplicate notifications|email links point to localhost'),
  t('typescript', 'tsconfig.json|src/types/api.ts', 'the build is slow in the editor|types say a field exists but it is undefined|strict mode errors after upgrade', 'npx tsc --noEmit --extendedDiagnostics', 'Check time: 48s|TS2532 Object is possibly undefined', 'huge union types from the generated client|unchecked index access|implicit any in old modules', 'project references and skipLibCheck|enable noUncheckedIndexedAccess|annotate module boundaries', 'compiler is slow|runtime undefined despite types|upgrade broke typing'),
  t('kubernetes', 'k8s/deployment.yaml|k8s/hpa.yaml', 'pods restart with OOMKilled|rolling deploy drops requests|autoscaler never scales', 'kubectl describe pod api-7d9f', 'Last State: OOMKilled|502 during rollout|unable to get metrics', 'memory limit below the heap size|no readiness probe and no preStop delay|metrics-server not installed', 'raise the limit and cap the heap|readiness probe plus preStop sleep|install metrics-server', 'pods killed for memory|errors during deploy|scaling not working'),
  t('git', '.gitattributes|scripts/release.sh', 'line endings change on Windows|the release tag points at the wrong commit|merge conflicts in the lockfile', 'git log --oneline -5', 'warning: CRLF will be replaced by LF|tag v2.3.0 on a detached HEAD', 'no eol setting in .gitattributes|the script tagged before pushing|two branches upgraded dependencies', 'set * text=auto eol=lf|tag after the release commit is pushed|regenerate the lockfile instead of merging it', 'files show as modified on Windows|release tag wrong|lockfile conflicts'),
  t('graphql', 'src/graphql/schema.ts|src/graphql/resolvers/orders.ts', 'a query takes 3 seconds|clients get null for a required field|schema changes break the mobile app', 'curl -X POST /graphql -d @query.json', '212 SQL queries for one request|Cannot return null for non-nullable field', 'resolvers fetch one row at a time|an error swallowed in a resolver|a field was removed without deprecation', 'batch with DataLoader|surface resolver errors|deprecate fields before removal', 'graph query slow|required field comes back empty|app broke after API change'),
  t('scheduling', 'src/jobs/scheduler.ts|src/jobs/cleanup.ts', 'the nightly job runs twice|cleanup job never finishes|jobs pile up after an outage', 'npm run jobs:list', 'job cleanup started twice at 02:00|running for 9h|4200 pending jobs', 'two replicas both run the cron|the job deletes row by row|no catch-up limit', 'take an advisory lock before running|delete in batches of 10k|skip missed runs older than a day', 'cron executes on every instance|nightly task takes forever|backlog of jobs after downtime'),
  t('security', 'src/api/users.ts|src/views/profile.tsx', 'a user can read another account|XSS in profile names|SQL injection in the export', 'npm audit|curl /api/users/2 -H "Authorization: Bearer user1"', '200 OK with another user record|<script> rendered|syntax error at or near', 'the handler did not check ownership|dangerouslySetInnerHTML on user input|string concatenation in SQL', 'check ownership in every handler|escape output and drop dangerouslySetInnerHTML|parameterized queries', 'user sees others data|script injection in profile|unsafe query building'),
  t('mobile', 'app/screens/Checkout.tsx|app/lib/api.ts', 'the app crashes on Android 12|push notifications never arrive|offline mode loses cart', 'npx react-native log-android', 'java.lang.SecurityException: PendingIntent|no APNs token|cart empty after restart', 'missing FLAG_IMMUTABLE|the entitlement was not enabled|cart stored in memory only', 'add FLAG_IMMUTABLE to PendingIntent|enable push entitlement|persist the cart in storage', 'app crash on newer Android|notifications not delivered|cart gone when offline'),
  t('observability', 'src/metrics.ts|grafana/api.json', 'alerts fire for nothing|latency metrics missing|traces are disconnected', 'curl localhost:9090/metrics', 'histogram buckets up to 1s only|traceparent header dropped', 'thresholds on averages|no histogram for the route|the proxy stripped trace headers', 'alert on p95 over 5 minutes|add a duration histogram per route|forward traceparent', 'noisy alerts|no latency numbers|broken distributed traces'),
  t('accessibility', 'src/components/Button.tsx|src/components/Modal.tsx', 'screen readers skip the buy button|focus escapes the modal|contrast fails audit', 'npx axe http://localhost:3000', 'button has no accessible name|focus moved outside dialog|contrast 2.8:1', 'icon-only button without label|no focus trap|light grey text', 'add aria-label to icon buttons|trap focus in dialogs|darken text to 4.5:1', 'blind users cannot buy|keyboard leaves popup|colors too faint'),
];

export const PROJECTS = ['storefront', 'backoffice', 'mobile-app', 'data-pipeline'];
const DAY_MS = 86_400_000;

interface GeneratedSession {
  agentSessionId: string;
  project: string;
  startedAt: Date;
  topics: Topic[];
}

function observationOf(rng: Rng, topic: Topic, n: number): { kind: 'prompt' | 'tool'; toolName: string | null; title: string; text: string } {
  if (n === 0) {
    const text = `${rng.pick(['Fix:', 'Investigate why', 'Please look into it:', 'Can you check why'])} ${rng.pick(topic.symptoms)} (${rng.pick(topic.files)}). ${rng.pick(['It started after the last deploy.', 'Customers reported it twice today.', 'Happens mostly in CI.', 'Only in production.'])}`;
    return { kind: 'prompt', toolName: null, title: text.slice(0, 120), text };
  }
  const file = rng.pick(topic.files);
  switch (rng.int(4)) {
    case 0: {
      const title = `Bash: ${rng.pick(topic.commands)}`;
      return { kind: 'tool', toolName: 'Bash', title, text: `${title}\n${rng.pick(topic.outputs)}\n${rng.pick(topic.outputs)} (run ${rng.int(1000)})` };
    }
    case 1:
      return { kind: 'tool', toolName: 'Read', title: `Read: ${file}`, text: `Read: ${file}\n// ${rng.pick(topic.causes)}\nexport function handle${rng.int(500)}(input) { /* ${topic.area} */ }` };
    case 2:
      return { kind: 'tool', toolName: 'Edit', title: `Edit: ${file}`, text: `Edit: ${file}\n${rng.pick(topic.fixes)} (line ${rng.int(400)})` };
    default: {
      const term = rng.pick(topic.symptoms).split(' ').slice(-2).join(' ');
      return { kind: 'tool', toolName: 'Grep', title: `Grep: ${term}`, text: `Grep: ${term}\n${file}:${rng.int(300)} ${rng.pick(topic.causes)}` };
    }
  }
}

function summaryOf(rng: Rng, topic: Topic, final: boolean) {
  const symptom = rng.pick(topic.symptoms);
  const cause = rng.pick(topic.causes);
  const fix = rng.pick(topic.fixes);
  const s = {
    title: `${final ? rng.pick(['Fixed:', 'Resolved:', 'Done:']) : rng.pick(['Investigating:', 'Progress on:'])} ${symptom}`,
    request: `The user asked to look into: ${symptom}.`,
    investigated: `Ran ${rng.pick(topic.commands)} and saw ${rng.pick(topic.outputs)}; read ${rng.pick(topic.files)}.`,
    learned: `The cause: ${cause}.`,
    completed: final ? `Applied the fix: ${fix}; tests pass.` : `Narrowed it down to ${rng.pick(topic.files)}.`,
    nextSteps: rng.pick(['Add a regression test.', 'Monitor after deploy.', 'Document it in the README.', 'None.']),
  };
  return { ...s, text: `${s.request} ${s.investigated} ${s.learned} ${s.completed} Next: ${s.nextSteps}` };
}

/** Bulk inserts through unnest(): one statement per chunk, whatever the row count. */
export async function insertRows(pool: PgPool, sql: string, columns: unknown[][], chunk = 5000): Promise<string[]> {
  const ids: string[] = [];
  const n = columns[0]?.length ?? 0;
  for (let i = 0; i < n; i += chunk) {
    const { rows } = await pool.query<{ id: string }>(sql, columns.map((c) => c.slice(i, i + chunk)));
    ids.push(...rows.map((r) => r.id));
  }
  return ids;
}

/** Column arrays of observations, prompts and summaries, filled by a generator and bulk-inserted by insertMemories. */
export function memoryColumns() {
  const obs = { project: [] as string[], session: [] as string[], kind: [] as string[], seq: [] as number[], tool: [] as (string | null)[], toolUse: [] as (string | null)[], title: [] as string[], text: [] as string[], at: [] as Date[] };
  const prompts = { project: [] as string[], session: [] as string[], ordinal: [] as number[], text: [] as string[], at: [] as Date[] };
  const sums = { project: [] as string[], session: [] as string[], kind: [] as string[], title: [] as string[], request: [] as string[], investigated: [] as string[], learned: [] as string[], completed: [] as string[], next: [] as string[], text: [] as string[], from: [] as number[], to: [] as number[], at: [] as Date[] };
  return { obs, prompts, sums };
}
export type MemoryColumns = ReturnType<typeof memoryColumns>;

/** Bulk-inserts generated observations, prompts and summaries of existing sessions; the ids in insertion order. */
export async function insertMemories(pool: PgPool, tenantId: string, { obs, prompts, sums }: MemoryColumns): Promise<{ observations: string[]; summaries: string[] }> {
  const tenant = `'${tenantId}'::uuid`; // a uuid from the database, not input
  const observations = await insertRows(
    pool,
    `insert into observations (tenant_id, project_id, session_id, kind, sequence, tool_name, tool_use_id, title, text, token_count, created_at)
     select ${tenant}, p, s, k::observation_kind, q, tn, tu, ti, tx, length(tx) / 4, a
     from unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[]) as x(p, s, k, q, tn, tu, ti, tx, a) returning id`,
    [obs.project, obs.session, obs.kind, obs.seq, obs.tool, obs.toolUse, obs.title, obs.text, obs.at],
  );
  await insertRows(
    pool,
    `insert into prompts (tenant_id, project_id, session_id, ordinal, text, token_count, created_at)
     select ${tenant}, p, s, o, tx, length(tx) / 4, a from unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::timestamptz[]) as x(p, s, o, tx, a) returning id`,
    [prompts.project, prompts.session, prompts.ordinal, prompts.text, prompts.at],
  );
  const summaries = await insertRows(
    pool,
    `insert into summaries (tenant_id, project_id, session_id, kind, title, request, investigated, learned, completed, next_steps, text, token_count, offline, from_sequence, to_sequence, created_at)
     select ${tenant}, p, s, k::summary_kind, ti, rq, iv, le, co, ne, tx, length(tx) / 4, true, f, t, a
     from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::int[], $12::int[], $13::timestamptz[])
       as x(p, s, k, ti, rq, iv, le, co, ne, tx, f, t, a) returning id`,
    [sums.project, sums.session, sums.kind, sums.title, sums.request, sums.investigated, sums.learned, sums.completed, sums.next, sums.text, sums.from, sums.to, sums.at],
  );
  return { observations, summaries };
}

/** Generates `count` memories (80% observations, 15% summaries, 5% learnings) for the tenant. */
/**
 * `realistic`: tool calls carry whole outputs as capture stores them (bench/realistic-outputs.ts), not
 * only their telling line.
 */
export async function generate(pool: PgPool, prisma: PrismaClient, tenantId: string, count: number, rng: Rng, opts: { realistic?: boolean } = {}): Promise<void> {
  const projectIds = new Map<string, string>();
  for (const name of PROJECTS) {
    const p = await prisma.project.upsert({ where: { tenantId_name: { tenantId, name } }, create: { tenantId, name }, update: {} });
    projectIds.set(name, p.id);
  }
  const OBS_PER_SESSION = 40;
  const observations = Math.round(count * 0.8);
  const sessionCount = Math.max(1, Math.round(observations / OBS_PER_SESSION));
  const summariesPerSession = Math.max(1, Math.round((count * 0.15) / sessionCount));
  const learnings = count - observations - sessionCount * summariesPerSession;
  const now = Date.now();

  const sessions: GeneratedSession[] = Array.from({ length: sessionCount }, () => ({
    agentSessionId: crypto.randomUUID(),
    project: rng.pick(PROJECTS),
    startedAt: new Date(now - rng.next() * 180 * DAY_MS),
    topics: [rng.pick(TOPICS), rng.pick(TOPICS)],
  }));
  const tenant = `'${tenantId}'::uuid`; // a uuid from the database, not input
  const sessionIds = await insertRows(
    pool,
    `insert into sessions (tenant_id, project_id, agent_session_id, status, started_at, ended_at, event_count, updated_at)
     select ${tenant}, p, a, 'completed', s, s + interval '40 minutes', ${OBS_PER_SESSION * 2}, now()
     from unnest($1::uuid[], $2::text[], $3::timestamptz[]) as x(p, a, s) returning id`,
    [sessions.map((s) => projectIds.get(s.project)), sessions.map((s) => s.agentSessionId), sessions.map((s) => s.startedAt)],
  );

  const { obs, prompts, sums } = memoryColumns();
  sessions.forEach((s, i) => {
    const projectId = projectIds.get(s.project)!;
    const sessionId = sessionIds[i]!;
    let ordinal = 0;
    for (let n = 0; n < OBS_PER_SESSION; n++) {
      const topic = s.topics[n < OBS_PER_SESSION / 2 ? 0 : 1]!;
      const o = observationOf(rng, topic, n % (OBS_PER_SESSION / 2));
      if (opts.realistic && o.kind === 'tool') o.text = realisticToolText(rng, o.toolName!, o.title, o.text.split('\n').slice(1).join('\n'));
      const at = new Date(s.startedAt.getTime() + n * 60_000);
      obs.project.push(projectId);
      obs.session.push(sessionId);
      obs.kind.push(o.kind);
      obs.seq.push(n + 2);
      obs.tool.push(o.toolName);
      obs.toolUse.push(o.kind === 'tool' ? `toolu_${i}_${n}` : null);
      obs.title.push(o.title);
      obs.text.push(o.text);
      obs.at.push(at);
      if (o.kind === 'prompt') {
        prompts.project.push(projectId);
        prompts.session.push(sessionId);
        prompts.ordinal.push(++ordinal);
        prompts.text.push(o.text);
        prompts.at.push(at);
      }
    }
    for (let k = 0; k < summariesPerSession; k++) {
      const final = k === summariesPerSession - 1;
      const sum = summaryOf(rng, s.topics[k % 2]!, final);
      sums.project.push(projectId);
      sums.session.push(sessionId);
      sums.kind.push(final ? 'final' : 'batch');
      sums.title.push(sum.title);
      sums.request.push(sum.request);
      sums.investigated.push(sum.investigated);
      sums.learned.push(sum.learned);
      sums.completed.push(sum.completed);
      sums.next.push(sum.nextSteps);
      sums.text.push(sum.text);
      sums.from.push(final ? 1 : k * 6 + 1);
      sums.to.push(final ? OBS_PER_SESSION + 1 : k * 6 + 6);
      sums.at.push(new Date(s.startedAt.getTime() + (k + 1) * 5 * 60_000));
    }
  });
  await insertMemories(pool, tenantId, { obs, prompts, sums });
  const kinds = ['fix', 'decision', 'pattern', 'gotcha', 'convention'];
  const ls = { project: [] as string[], kind: [] as string[], title: [] as string[], body: [] as string[], confidence: [] as number[], strength: [] as number[], status: [] as string[], fp: [] as string[], at: [] as Date[] };
  for (let i = 0; i < learnings; i++) {
    const topic = rng.pick(TOPICS);
    const fix = rng.pick(topic.fixes);
    ls.project.push(projectIds.get(rng.pick(PROJECTS))!);
    ls.kind.push(rng.pick(kinds));
    ls.title.push(`${fix[0]!.toUpperCase()}${fix.slice(1)} (${topic.area})`);
    ls.body.push(`When ${rng.pick(topic.symptoms)}, the cause was that ${rng.pick(topic.causes)}. ${fix[0]!.toUpperCase()}${fix.slice(1)}.`);
    ls.confidence.push(Number((0.4 + rng.next() * 0.6).toFixed(2)));
    ls.strength.push(1 + rng.int(6));
    ls.status.push(rng.next() < 0.05 ? 'superseded' : 'active');
    ls.fp.push(crypto.randomBytes(32).toString('hex'));
    ls.at.push(new Date(now - rng.next() * 180 * DAY_MS));
  }
  await insertRows(
    pool,
    `insert into learnings (tenant_id, project_id, kind, title, body, confidence, strength, status, fingerprint, last_stated_at, valid_from, created_at, updated_at, token_count)
     select ${tenant}, p, k::learning_kind, ti, b, c, st, ss::learning_status, fp, a, a, a, now(), length(b) / 4
     from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::int[], $7::text[], $8::text[], $9::timestamptz[]) as x(p, k, ti, b, c, st, ss, fp, a) returning id`,
    [ls.project, ls.kind, ls.title, ls.body, ls.confidence, ls.strength, ls.status, ls.fp, ls.at],
  );
  // What autovacuum does after bulk inserts, done now so the measurement does not depend on its
  // timing: fresh statistics, and the GIN indexes' pending lists merged (until then every full-text
  // search scans the pending entries linearly, ~10x slower here).
  await pool.query('vacuum analyze observations, summaries, learnings, prompts, sessions');
}

/**
 * Embeds and upserts every record of the tenant not yet in Weaviate, and waits until Weaviate has
 * indexed every vector (with async indexing, a batch is answered before); returns how many were written.
 */
export async function fillWeaviate(vectors: ReturnType<typeof createVectorActivities>, tenantId: string, config: Config): Promise<number> {
  let step = await vectors.reconcileVectors({ tenantId, limit: 1000 });
  let upserted = step.upserted;
  while (step.cursor) {
    step = await vectors.reconcileVectors({ tenantId, limit: 1000, cursor: step.cursor });
    upserted += step.upserted;
  }
  await vectorQueueDrained(config);
  return upserted;
}
