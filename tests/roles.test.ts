/**
 * The role matrix (issue 51, done-when 2) on the real stack. The routes are taken from the server
 * (every route it registered) and each must have a rule in api/access.ts, and each rule a route: a
 * new route without a rule fails here (and the server refuses to start). Then every non-public route
 * is called by every principal — a key of each role (reader, member, maintainer, admin), a person
 * who is a reader in the tenant and a maintainer in one project, a member key limited to one project,
 * a read-only admin key — once on each of two projects (the one the person maintains and the key is
 * limited to, and another): the answer is 403 exactly where the principal's role in that project is
 * below the rule's, or the project is outside the key's, and each 403 has its audit entry. The same
 * check holds on the other edges: the MCP tools at `/mcp` and over the stdio relay (`memflow mcp`),
 * the viewer's session cookie, and the CLI.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ROUTE_RULES, ruleKey, type AccessRule } from '../api/access.js';
import { createApiKey } from '../common/server/tenants.js';
import { waitUntil } from '../infra/wait-until.js';
import type { Role } from '../messages/api-v1.js';
import { BIN, repoRoot, runCli } from './fixtures/cli-run.js';
import { newTenant, uniqueName } from './helpers/env.js';
import { withTestStack } from './helpers/stack.js';

const stack = withTestStack('roles');
const { prisma, call } = stack;

const RANK: Record<Role, number> = { reader: 0, member: 1, maintainer: 2, admin: 3 };
const A = uniqueName('roles-a');
const B = uniqueName('roles-b');
type Target = typeof A | typeof B;

/** A principal, and its role in each project (null: the project is outside the key's) and tenant-wide. */
interface Who {
  name: string;
  key: string;
  keyId: string;
  in: (project: Target | 'tenant' | 'any') => Role | null;
}
const whos: Who[] = [];
let admin: Awaited<ReturnType<typeof newTenant>>;
const memory: Record<string, string> = {};
const session: Record<string, string> = {};

async function hook(project: string, sid: string, event: string, body: Record<string, unknown>) {
  const res = await call(admin.key, 'POST', `/v1/hooks/${event}?project=${project}`, { session_id: sid, cwd: `/tmp/memflow-roles/${project}`, transcript_path: '/tmp/t.jsonl', ...body });
  assert.equal(res.status, 200, res.text);
}

before(async () => {
  await stack.ready;
  admin = await newTenant(prisma, 'admin');
  const adminId = (await prisma.apiKey.findFirstOrThrow({ where: { tenantId: admin.tenantId } })).id;
  whos.push({ name: 'admin key', key: admin.key, keyId: adminId, in: () => 'admin' });
  for (const role of ['reader', 'member', 'maintainer'] as const) {
    const k = await createApiKey(prisma, admin.name, { role, label: `${role} key` });
    whos.push({ name: `${role} key`, key: k.key, keyId: k.keyId, in: () => role });
  }
  // A person: reader in the tenant, maintainer in A; their key's own role (admin) is only a ceiling.
  const person = await prisma.person.create({ data: { tenantId: admin.tenantId, name: 'Ada Reviewer', email: 'ada@example.test', role: 'reader' } });
  await prisma.projectRole.create({ data: { personId: person.id, project: A, role: 'maintainer' } });
  const personal = await createApiKey(prisma, admin.name, { role: 'admin', personId: person.id, label: "Ada's laptop" });
  whos.push({ name: 'person (reader; maintainer of A)', key: personal.key, keyId: personal.keyId, in: (p) => (p === A ? 'maintainer' : p === 'any' ? 'maintainer' : 'reader') });
  const scoped = await createApiKey(prisma, admin.name, { role: 'member', projects: [A], label: 'ci of A' });
  whos.push({ name: 'member key of A only', key: scoped.key, keyId: scoped.keyId, in: (p) => (p === A || p === 'any' ? 'member' : null) });
  const readOnly = await createApiKey(prisma, admin.name, { role: 'admin', readOnly: true, label: 'read-only' });
  whos.push({ name: 'read-only admin key', key: readOnly.key, keyId: readOnly.keyId, in: () => 'reader' });

  for (const project of [A, B]) {
    const sid = `s-${crypto.randomUUID()}`;
    await hook(project, sid, 'session-start', { hook_event_name: 'SessionStart', source: 'startup' });
    session[project] = sid;
    const stated = await call(admin.key, 'POST', `/v1/memories?project=${project}`, { text: `The ${project} build uses pnpm, never npm.`, kind: 'convention' });
    assert.equal(stated.status, 201, stated.text);
    memory[project] = stated.body.id;
  }
});

after(async () => {
  await mcpClients.splice(0).reduce((p, c) => p.then(() => c.close()), Promise.resolve());
});

test('every route the server registered has an access rule, and every rule a route', () => {
  const registered = new Set(stack.api.routes);
  assert.ok(registered.size > 50, `routes taken from the server (${registered.size})`);
  const unruled = [...registered].filter((r) => !ROUTE_RULES[r]);
  assert.deepEqual(unruled, [], 'routes without a rule');
  const stale = Object.keys(ROUTE_RULES).filter((r) => !registered.has(r));
  assert.deepEqual(stale, [], 'rules without a route');
});

/** The role a principal has where the rule looks (null: refused whatever the role). */
function roleFor(who: Who, rule: AccessRule, target: Target): Role | null {
  switch (rule.project) {
    case 'tenant':
      return who.in('tenant');
    case 'none':
    case 'listing':
    case 'derivation': // no derivation exists: nothing to look up, the role anywhere decides (then 404)
    case 'offer': // no offered receipt exists either: the role anywhere decides (then 404)
    case undefined:
      return who.in('any');
    default:
      return who.in(target);
  }
}

/** The request for a route pattern on a target project: ids and names of that project, bodies that fail validation. */
function requestFor(method: string, url: string, rule: AccessRule, target: Target): { path: string; body?: unknown } {
  // Destructive admin routes get a project that does not exist (the rule is tenant-wide anyway).
  const projectName = method !== 'GET' && rule.project === 'tenant' ? uniqueName('nothere') : target;
  let path = url
    .replace('::', ':')
    .replace(':project', encodeURIComponent(projectName))
    .replace(':event', 'session-start')
    .replace(':jobId', crypto.randomUUID())
    .replace(':file', 'app.js')
    .replace('*', 'nothing');
  if (/\/v1\/(sessions)\/:id/.test(url)) path = path.replace(':id', session[target]!);
  else if (/\/v1\/(memories|learnings|review)\/:id/.test(url)) path = path.replace(':id', memory[target]!);
  else path = path.replace(':id', crypto.randomUUID());
  path += `${path.includes('?') ? '&' : '?'}project=${encodeURIComponent(target)}`;
  const ids = [memory[target]!];
  const bodies: Record<string, unknown> = {
    'POST /v1/memories::batchGet': { ids },
    'POST /v1/review/decisions': { decision: 'reject', ids, note: 'not pending: refused or 409' },
    'POST /v1/learnings/staleness': { results: ids.map((id) => ({ id, verdict: 'fresh' })) },
  };
  return { path, body: method === 'GET' || method === 'DELETE' ? undefined : (bodies[ruleKey(method, url)] ?? { matrix: true }) };
}

/** Status of one call; the live stream is read up to its status line only. */
async function statusOf(key: string, method: string, path: string, body: unknown): Promise<{ status: number; text: string }> {
  if (path.startsWith('/v1/live')) {
    const ac = new AbortController();
    const res = await fetch(`${stack.api.url}${path}`, { headers: { authorization: `Bearer ${key}` }, signal: ac.signal });
    ac.abort();
    return { status: res.status, text: '' };
  }
  const res = await call(key, method, path, body);
  return { status: res.status, text: res.text };
}

const denials: { who: Who; route: string; audit: string }[] = [];

test('the matrix: every role × every route × both projects — 403 exactly where the rule says, never 401 or 5xx', async () => {
  const routes = stack.api.routes.filter((r) => ROUTE_RULES[r]!.need !== 'public').sort();
  const wrong: string[] = [];
  let calls = 0;
  for (const route of routes) {
    const rule = ROUTE_RULES[route]!;
    const [method, url] = route.split(' ') as [string, string];
    for (const target of [A, B]) {
      for (const who of whos) {
        const role = roleFor(who, rule, target);
        const allowed = role !== null && RANK[role] >= RANK[rule.need as Role];
        const { path, body } = requestFor(method, url, rule, target);
        const { status, text } = await statusOf(who.key, method, path, body);
        calls++;
        if (status >= 500 || status === 401 || (status === 403) === allowed) {
          wrong.push(`${who.name} ${method} ${path} (${target === A ? 'A' : 'B'}): ${status} but ${allowed ? 'allowed' : 'refused'}: ${text.slice(0, 200)}`);
        }
        if (status === 403 && !allowed) denials.push({ who, route, audit: rule.deniedAs ?? 'auth.denied' });
      }
    }
  }
  assert.deepEqual(wrong, [], `${wrong.length} of ${calls} calls`);
  assert.ok(denials.length > 100, `refusals seen (${denials.length})`);
});

test('each refusal is in the audit log, with the key, the route and what was missing', async () => {
  const need = new Map<string, number>();
  for (const d of denials) need.set(`${d.who.keyId} ${d.audit} ${d.route}`, (need.get(`${d.who.keyId} ${d.audit} ${d.route}`) ?? 0) + 1);
  await waitUntil(
    async () => {
      const rows = await prisma.auditLog.findMany({ where: { tenantId: admin.tenantId, outcome: 'denied' } });
      const seen = new Map<string, number>();
      for (const r of rows) {
        const route = r.action === 'auth.denied' ? r.target!.replace(/^route:/, '') : 'DELETE /v1/projects/:project';
        const k = `${r.actorKeyId} ${r.action} ${route}`;
        seen.set(k, (seen.get(k) ?? 0) + 1);
        assert.ok(typeof (r.details as { reason?: unknown }).reason === 'string', 'a reason');
      }
      return [...need].every(([k, n]) => (seen.get(k) ?? 0) >= n);
    },
    { what: 'every refusal audited', timeoutMs: 20_000, intervalMs: 250 },
  );
  const personal = whos.find((w) => w.name.startsWith('person'))!;
  const row = await prisma.auditLog.findFirstOrThrow({ where: { tenantId: admin.tenantId, actorKeyId: personal.keyId, outcome: 'denied' } });
  assert.ok((row.details as { personId?: string }).personId, 'the person behind the key is named');
  const listed = await call(admin.key, 'GET', `/v1/admin/audit?action=auth.denied&limit=100`);
  assert.ok(listed.body.items.some((i: { actor: { name: string } | null }) => i.actor?.name === 'Ada Reviewer'), 'the audit listing names the person');
});

const mcpClients: Client[] = [];
async function mcpCall(transport: Transport, name: string, args: Record<string, unknown>): Promise<{ isError: boolean; text: string }> {
  const client = new Client({ name: 'memflow-roles-test', version: '1.0.0' });
  mcpClients.push(client);
  await client.connect(transport);
  const r = (await client.callTool({ name, arguments: args })) as { content: { text?: string }[]; isError?: boolean };
  await client.close();
  mcpClients.splice(mcpClients.indexOf(client), 1);
  return { isError: r.isError === true, text: r.content.map((c) => c.text ?? '').join('\n') };
}
const viaEndpoint = (key: string, project: string) => new StreamableHTTPClientTransport(new URL(`${stack.api.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}`, 'x-memflow-project': project } } });
const viaRelay = (key: string, project: string) =>
  new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp'],
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp', MEMFLOW_URL: stack.api.url, MEMFLOW_API_KEY: key, MEMFLOW_PROJECT: project },
    stderr: 'pipe',
  });

test('MCP at /mcp and over the stdio relay: the same rules (remember needs member in the project; a limited key stays in its project)', async () => {
  const by = (prefix: string) => whos.find((w) => w.name.startsWith(prefix))!;
  for (const [edge, transport] of [['/mcp', viaEndpoint], ['relay', viaRelay]] as const) {
    const reader = await mcpCall(transport(by('reader').key, A), 'remember', { text: `Readers cannot write (${edge}).` });
    assert.ok(reader.isError && /403|reader|member role/.test(reader.text), `${edge}: reader refused: ${reader.text}`);
    const member = await mcpCall(transport(by('member key').key, A), 'remember', { text: `Members write through MCP (${edge}).` });
    assert.ok(!member.isError, `${edge}: member writes: ${member.text}`);
    const person = await mcpCall(transport(by('person').key, A), 'remember', { text: `The maintainer of A writes in A (${edge}).` });
    assert.ok(!person.isError, `${edge}: person writes in A: ${person.text}`);
    const personB = await mcpCall(transport(by('person').key, B), 'remember', { text: `Not in B (${edge}).` });
    assert.ok(personB.isError, `${edge}: person (reader in B) refused in B: ${personB.text}`);
    const scoped = await mcpCall(transport(by('member key of A').key, B), 'search', { query: 'pnpm build' });
    assert.ok(scoped.isError && /outside/.test(scoped.text), `${edge}: a key of A cannot search B: ${scoped.text}`);
    const scopedA = await mcpCall(transport(by('member key of A').key, A), 'search', { query: 'pnpm build' });
    assert.ok(!scopedA.isError, `${edge}: a key of A searches A: ${scopedA.text}`);
  }
});

test('the viewer: a session cookie carries the same principal and the same rules', async () => {
  const person = whos.find((w) => w.name.startsWith('person'))!;
  const signin = await fetch(`${stack.api.url}/ui/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: person.key }) });
  assert.equal(signin.status, 200, await signin.clone().text());
  const view = (await signin.json()) as { csrf: string; person?: { name: string } };
  assert.equal(view.person?.name, 'Ada Reviewer', 'the viewer knows the person');
  const cookie = signin.headers.get('set-cookie')!.split(';')[0]!;
  const asViewer = (method: string, path: string, body?: unknown) =>
    fetch(`${stack.api.url}${path}`, { method, headers: { cookie, 'x-csrf-token': view.csrf, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  assert.equal((await asViewer('GET', `/v1/review?project=${A}`)).status, 200, 'reads the inbox');
  assert.notEqual((await asViewer('POST', `/v1/review/decisions`, { decision: 'reject', ids: [memory[A]] })).status, 403, 'decides in A (maintainer there)');
  assert.equal((await asViewer('POST', `/v1/review/decisions`, { decision: 'reject', ids: [memory[B]] })).status, 403, 'not in B (reader there)');
  assert.equal((await asViewer('GET', '/v1/admin/keys')).status, 403, 'not the admin view');
});

test('the CLI: the same rules, and the refusal says what is missing', async () => {
  const cli = (who: string, ...args: string[]) => runCli(args, { env: { MEMFLOW_API_KEY: whos.find((w) => w.name.startsWith(who))!.key, MEMFLOW_URL: stack.api.url, HOME: '/tmp' } });
  const refused = await cli('reader', 'review', 'reject', memory[A]!, '--project', A);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /403|maintainer role/);
  const scoped = await cli('member key of A', 'search', 'pnpm', '--project', B);
  assert.notEqual(scoped.code, 0);
  assert.match(scoped.stderr, /outside this key's projects/);
  const whoami = await cli('person', 'whoami');
  assert.equal(whoami.code, 0, whoami.stderr);
  assert.match(whoami.stdout, /Ada Reviewer/);
  assert.match(whoami.stdout, new RegExp(`${A}: maintainer`));
});
