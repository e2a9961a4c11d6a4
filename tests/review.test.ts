/**
 * The review inbox end to end on the real stack (issue 51, done-when 3): a project under review, a
 * session captured through the API and summarized by the offline summarizer in the real session
 * workflow; its extracted learnings wait as pending, absent from the start context, GET /v1/context,
 * the MCP tools at /mcp and search, listed in the inbox with their age; a member key cannot decide
 * (403, audited); a maintainer approves one (pushed to the next session), rejects one (gone, with
 * history, and a session restating it does not revive it) and edits one (the edited text is pushed,
 * attributed to the editor); a person's stated memory goes live at once; every decision is audited.
 * "Reach no agent" is checked on every channel: the session-start hook, GET /v1/context, the
 * per-prompt push (UserPromptSubmit), GET /v1/search in every mode, the CLI's search, and at /mcp the
 * context, search, learnings and get tools and the context and memory resources. The editor is a
 * person (Rita, a maintainer), and each of those channels names her on the edited learning.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createApiKey } from '../common/server/tenants.js';
import { runCli } from './fixtures/cli-run.js';
import { waitUntil } from '../infra/wait-until.js';
import { newTenant, uniqueName } from './helpers/env.js';
import { postHook, sessionResult } from './helpers/sessions.js';
import { withTestStack } from './helpers/stack.js';

const stack = withTestStack('review', {
  config: (c) => ({ ...c, ANTHROPIC_API_KEY: undefined, ANTHROPIC_BASE_URL: undefined }),
  api: { tuning: { flushDelayMs: 30, idleTimeoutMs: 120_000 } },
});
const { prisma, call } = stack;
const project = uniqueName('reviewed');
const cwd = `/tmp/memflow-review/${project}`;
let admin: Awaited<ReturnType<typeof newTenant>>;
let member: string;
let maintainer: { key: string; keyId: string };
let mcp: Client | undefined;
/** The reviewing maintainer is a person: what she edits is pushed attributed to her. */
const RITA = 'Rita Reviewer <rita@example.com>';

before(async () => {
  await stack.ready;
  admin = await newTenant(prisma, 'admin');
  member = (await createApiKey(prisma, admin.name, { role: 'member' })).key;
  const rita = await prisma.person.create({ data: { tenantId: admin.tenantId, name: 'Rita Reviewer', email: 'rita@example.com', role: 'maintainer' } });
  maintainer = await createApiKey(prisma, admin.name, { role: 'maintainer', label: 'reviewer', personId: rita.id });
});

after(async () => {
  await mcp?.close();
});

const tool = (sid: string, name: string, input: Record<string, unknown>, response: Record<string, unknown>) =>
  post('post-tool-use', { session_id: sid, hook_event_name: 'PostToolUse', tool_name: name, tool_input: input, tool_response: response, tool_use_id: `toolu_${crypto.randomBytes(6).toString('hex')}` });

async function post(event: string, body: Record<string, unknown>, dir = cwd) {
  const res = await postHook(stack.api.url, admin.key, { event, body: { cwd: dir, transcript_path: '/tmp/t.jsonl', ...body } } as Parameters<typeof postHook>[2]);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Record<string, unknown>;
}

/** The context a new session of the project gets at start (the session-start hook's answer). */
async function startContext(dir = cwd): Promise<string> {
  const out = await post('session-start', { session_id: `s-${crypto.randomUUID()}`, hook_event_name: 'SessionStart', source: 'startup' }, dir);
  return (out.hookSpecificOutput as { additionalContext?: string } | undefined)?.additionalContext ?? '';
}

/** A session that fixes two failing checks and tries one thing that does not work: three learnings. */
async function codingSession(): Promise<string> {
  const sid = `s-${crypto.randomUUID()}`;
  await post('session-start', { session_id: sid, hook_event_name: 'SessionStart', source: 'startup' });
  await post('user-prompt-submit', { session_id: sid, hook_event_name: 'UserPromptSubmit', prompt: 'The db test and the parser test fail, please fix them.' });
  await tool(sid, 'Bash', { command: 'npm test -- db' }, { stdout: 'TypeError: pool.query is not a function\n1 failed', stderr: '', interrupted: false });
  await tool(sid, 'Edit', { file_path: `${cwd}/src/db.ts`, old_string: 'return pool;', new_string: 'await pool.connect();\n  return pool;' }, { filePath: `${cwd}/src/db.ts` });
  await tool(sid, 'Bash', { command: 'npm test -- db' }, { stdout: 'all tests passed\n4 passed', stderr: '', interrupted: false });
  await tool(sid, 'Bash', { command: 'npm test -- parser' }, { stdout: 'AssertionError: expected token IDENT, got EOF\n1 failed', stderr: '', interrupted: false });
  await tool(sid, 'Edit', { file_path: `${cwd}/src/parser.ts`, old_string: 'if (eof) return;', new_string: 'if (eof) return token;' }, { filePath: `${cwd}/src/parser.ts` });
  await tool(sid, 'Bash', { command: 'npm test -- parser' }, { stdout: 'all tests passed\n9 passed', stderr: '', interrupted: false });
  await tool(sid, 'Bash', { command: 'npm run lint' }, { stdout: 'src/lint.ts: error: unknown rule quotes\n1 error', stderr: '', interrupted: false });
  await tool(sid, 'Edit', { file_path: `${cwd}/src/lint.ts`, old_string: 'semi: "error",', new_string: 'semi: "error", quotes: "double",' }, { filePath: `${cwd}/src/lint.ts` });
  await tool(sid, 'Bash', { command: 'npm run lint' }, { stdout: 'src/lint.ts: error: rule quotes needs a plugin\n1 error', stderr: '', interrupted: false });
  await post('stop', { session_id: sid, hook_event_name: 'Stop', stop_hook_active: false });
  await post('session-end', { session_id: sid, hook_event_name: 'SessionEnd', reason: 'other' });
  await sessionResult(stack.temporal, prisma, admin.tenantId, sid, 90_000);
  return sid;
}

async function mcpClient(): Promise<Client> {
  if (!mcp) {
    mcp = new Client({ name: 'memflow-review-test', version: '1.0.0' });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${stack.api.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${member}`, 'x-memflow-project': project } } }));
  }
  return mcp;
}

async function mcpText(name: string, args: Record<string, unknown>): Promise<string> {
  const r = (await (await mcpClient()).callTool({ name, arguments: args })) as { content: { text?: string }[]; isError?: boolean };
  assert.notEqual(r.isError, true, JSON.stringify(r.content));
  return r.content.map((c) => c.text ?? '').join('\n');
}

/** A resource's text at /mcp, or the error it was refused with. */
async function mcpResource(uri: string): Promise<{ text: string } | { error: string }> {
  try {
    const r = await (await mcpClient()).readResource({ uri });
    return { text: r.contents.map((c) => ('text' in c && typeof c.text === 'string' ? c.text : '')).join('\n') };
  } catch (err) {
    return { error: String(err) };
  }
}

/** What the per-prompt push (UserPromptSubmit's additionalContext) hands a new session for this prompt. */
async function promptPush(prompt: string, dir = cwd): Promise<string> {
  const sid = `s-${crypto.randomUUID()}`;
  await post('session-start', { session_id: sid, hook_event_name: 'SessionStart', source: 'startup' }, dir);
  const out = await post('user-prompt-submit', { session_id: sid, hook_event_name: 'UserPromptSubmit', prompt }, dir);
  return (out.hookSpecificOutput as { additionalContext?: string } | undefined)?.additionalContext ?? '';
}

interface Hit {
  id: string;
  editedBy?: string;
  approvedBy?: string;
  status?: string;
}
/** GET /v1/search's learnings for `q` in every mode (hybrid, keyword, semantic), by id; `extra`: more of the query. */
async function searchEveryMode(q: string, extra = '', modes = ['hybrid', 'keyword', 'semantic']): Promise<Map<string, Hit>> {
  const hits = new Map<string, Hit>();
  for (const mode of modes) {
    const r = await call(member, 'GET', `/v1/search?project=${project}&types=learning&limit=100&mode=${mode}&q=${encodeURIComponent(q)}${extra}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    for (const h of r.body.results as Hit[]) hits.set(h.id, h);
  }
  return hits;
}

const cli = (key: string, ...args: string[]) => runCli(args, { env: { MEMFLOW_API_KEY: key, MEMFLOW_URL: stack.api.url, HOME: '/tmp' } });

async function cliSearch(q: string, ...more: string[]): Promise<{ ids: string[]; text: string }> {
  const json = await cli(member, 'search', q, '--project', project, '--json', ...more);
  assert.equal(json.code, 0, json.stderr);
  const text = await cli(member, 'search', q, '--project', project, ...more);
  assert.equal(text.code, 0, text.stderr);
  return { ids: (JSON.parse(json.stdout) as { results: { id: string }[] }).results.map((r) => r.id), text: text.stdout };
}

/** The line of an MCP index that names `id` (by its short form). */
const lineOfId = (text: string, id: string) => text.split('\n').find((l) => l.includes(id.slice(0, 8))) ?? '';

const auditOf = (action: string) => prisma.auditLog.findMany({ where: { tenantId: admin.tenantId, action }, orderBy: { createdAt: 'asc' } });
/** A refusal is audited once its answer has left (onResponse): wait for the entry. */
const deniedAudited = (route: string, keyId: string | undefined, reason: string) =>
  waitUntil(async () => (await auditOf('auth.denied')).some((d) => d.target === `route:${route}` && (!keyId || d.actorKeyId === keyId) && (d.details as { reason?: string }).reason === reason), {
    what: `auth.denied for ${route}`,
    timeoutMs: 10_000,
    intervalMs: 100,
  });

let pendingIds: string[] = [];
let sessionId = '';

test('the policy: live by default; only an admin sets it (a refusal is audited); setting it is audited', async () => {
  const unknown = await call(admin.key, 'GET', `/v1/projects/${project}/review-policy`);
  assert.equal(unknown.status, 404, 'no project yet');
  const refused = await call(maintainer.key, 'PUT', `/v1/projects/${project}/review-policy`, { policy: 'review' });
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  await deniedAudited('PUT /v1/projects/:project/review-policy', maintainer.keyId, 'admin key required');
  const bad = await call(admin.key, 'PUT', `/v1/projects/${project}/review-policy`, { policy: 'sometimes' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /policy/);
  const set = await call(admin.key, 'PUT', `/v1/projects/${project}/review-policy`, { policy: 'review' });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.deepEqual(set.body, { project, policy: 'review', stated: 'review', pending: 0 });
  const [entry] = await auditOf('review.policy');
  assert.equal(entry?.target, `project:${project}`);
  assert.deepEqual(entry?.details, { from: null, to: 'review' });
});

test("with review on, a session's extracted learnings wait as pending and reach no agent", async () => {
  sessionId = await codingSession();
  const learnings = await prisma.learning.findMany({ where: { tenantId: admin.tenantId, project: { name: project } }, include: { revisions: true } });
  assert.ok(learnings.length >= 3, `three learnings extracted: ${JSON.stringify(learnings.map((l) => [l.kind, l.title]))}`);
  for (const l of learnings) {
    assert.equal(l.origin, 'extracted');
    assert.equal(l.status, 'pending', `${l.title} waits for review`);
    assert.deepEqual(l.revisions.map((r) => [r.reason, r.status]), [['created', 'pending']]);
  }
  pendingIds = learnings.map((l) => l.id);
  const titles = learnings.map((l) => l.title);

  // A person's stated memory is not held.
  const stated = await call(member, 'POST', '/v1/memories', { text: 'Always run the db tests against a real PostgreSQL.', kind: 'convention', project });
  assert.equal(stated.status, 201, JSON.stringify(stated.body));
  assert.equal((await prisma.learning.findUniqueOrThrow({ where: { id: stated.body.id } })).status, 'active');

  // Pushed context: the session-start hook, GET /v1/context, and the MCP context, learnings and search tools.
  const viaApi = await call(member, 'GET', `/v1/context?project=${project}&tokens=4000`);
  assert.ok(viaApi.body.items.includes(stated.body.id) && !viaApi.body.items.some((id: string) => pendingIds.includes(id)), 'GET /v1/context: none of the pending');
  const pushed = [await startContext(), viaApi.body.context as string, await mcpText('context', { project, tokens: 4000 })];
  for (const text of pushed) {
    assert.match(text, /real PostgreSQL/, 'the stated memory is pushed');
    for (const t of titles) assert.ok(!text.includes(t), `pending "${t}" is not in: ${text.slice(0, 400)}`);
  }
  for (const text of [await mcpText('learnings', { project, status: 'all' }), await mcpText('search', { query: 'pool.query parser token lint quotes', project, types: ['learning'] })]) {
    for (const id of pendingIds) assert.ok(!text.includes(id.slice(0, 8)), `pending ${id} is not in: ${text.slice(0, 400)}`);
  }
  // Search: GET /v1/search in every mode and the CLI's search, asked with each pending title; the stated memory is found (the control).
  for (const q of [...titles, 'pool.query parser token lint quotes']) {
    const hits = await searchEveryMode(q);
    for (const id of pendingIds) assert.ok(!hits.has(id), `GET /v1/search "${q}": pending ${id} is not listed`);
    const viaCli = await cliSearch(q);
    for (const id of pendingIds) assert.ok(!viaCli.ids.includes(id), `memflow search "${q}": pending ${id} is not listed`);
  }
  assert.ok((await searchEveryMode('real PostgreSQL db tests')).has(stated.body.id), 'search finds the stated memory');
  // The per-prompt push, asked about each pending learning (its words reversed: the prompt, stored as
  // the project's own, must not itself bring the title into later contexts).
  for (const t of titles) {
    const pushedWithPrompt = await promptPush(`Please look at this again: ${t.split(/\s+/).reverse().join(' ')}`);
    for (const other of titles) assert.ok(!pushedWithPrompt.includes(other), `the per-prompt push has no pending "${other}": ${pushedWithPrompt.slice(0, 400)}`);
  }
  // The MCP resources and get by id: a pending learning is not served even when named.
  for (const uri of ['memflow://context', `memflow://context/${project}`]) {
    const r = await mcpResource(uri);
    assert.ok('text' in r, `${uri}: ${JSON.stringify(r)}`);
    for (const t of titles) assert.ok(!r.text.includes(t), `${uri} has no pending "${t}"`);
  }
  const asResource = await mcpResource(`memflow://memory/${pendingIds[0]}`);
  assert.ok('error' in asResource && /waits for review/.test(asResource.error), JSON.stringify(asResource));
  const got = await mcpText('get', { ids: pendingIds.map((id) => id.slice(0, 8)) });
  assert.match(got, /Not served/);
  for (const t of titles) assert.ok(!got.includes(t), `get answers no pending "${t}": ${got}`);

  const all = await call(member, 'GET', `/v1/learnings?project=${project}&status=all`);
  assert.ok(!all.body.items.some((i: { id: string }) => pendingIds.includes(i.id)), "the learnings list's `all` (the MCP tool's) leaves pending out");
  const asked = await call(member, 'GET', `/v1/learnings?project=${project}&status=pending`);
  assert.deepEqual(asked.body.items.map((i: { id: string }) => i.id).sort(), [...pendingIds].sort(), 'listed, marked, when asked for');
  assert.ok(asked.body.items.every((i: { status: string }) => i.status === 'pending'));
});

test("people find pending learnings in search, marked, when they ask (includePending, memflow search --pending); an agent's channel cannot ask", async () => {
  const titles = (await prisma.learning.findMany({ where: { id: { in: pendingIds } }, select: { title: true } })).map((l) => l.title);
  for (const t of titles) {
    // Keyword mode alone (PostgreSQL) and every mode together find each, marked pending.
    for (const hits of [await searchEveryMode(t, '&includePending=true', ['keyword']), await searchEveryMode(t, '&includePending=true')]) {
      const found = pendingIds.filter((id) => hits.has(id));
      assert.ok(found.length > 0, `includePending=true "${t}": a pending learning is listed`);
      for (const id of found) assert.equal(hits.get(id)?.status, 'pending', 'marked');
    }
    const viaCli = await cliSearch(t, '--pending');
    const found = pendingIds.filter((id) => viaCli.ids.includes(id));
    assert.ok(found.length > 0, `memflow search --pending "${t}": ${viaCli.text}`);
    for (const id of found) assert.match(viaCli.text, new RegExp(`${id}  \\[pending review\\] `), `marked in: ${viaCli.text}`);
  }
  const union = await searchEveryMode('pool.query parser token lint quotes', '&includePending=true');
  assert.deepEqual(pendingIds.filter((id) => union.has(id)).sort(), [...pendingIds].sort(), 'every pending learning is findable by a person');
  const stated = [...union.values()].find((h) => !pendingIds.includes(h.id));
  if (stated) assert.equal(stated.status, undefined, 'an active learning is not marked');

  // Refused with a channel (what is handed to an agent): a 400 naming the field, and no receipt.
  const receipts = await prisma.contextReceipt.count({ where: { tenantId: admin.tenantId } });
  const withChannel = await call(member, 'GET', `/v1/search?project=${project}&q=parser&includePending=true&channel=mcp_tool:search`);
  assert.equal(withChannel.status, 400, JSON.stringify(withChannel.body));
  assert.match(withChannel.body.error.message, /^includePending: not with a channel/);
  assert.equal(await prisma.contextReceipt.count({ where: { tenantId: admin.tenantId } }), receipts, 'the refusal wrote no receipt');
  const bad = await call(member, 'GET', `/v1/search?project=${project}&q=parser&includePending=yes`);
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /^includePending: must be true or false/);
  // The agents' channels have no such option: the MCP search tool drops it, GET /v1/context ignores it.
  const viaMcp = await mcpText('search', { query: 'pool.query parser token lint quotes', project, types: ['learning'], includePending: true });
  for (const id of pendingIds) assert.ok(!viaMcp.includes(id.slice(0, 8)), `the MCP search tool: ${viaMcp}`);
  const context = await call(member, 'GET', `/v1/context?project=${project}&tokens=4000&includePending=true`);
  assert.ok(!context.body.items.some((id: string) => pendingIds.includes(id)), 'GET /v1/context');
});

test('the inbox lists them oldest first with age, session and counts', async () => {
  const inbox = await call(member, 'GET', `/v1/review?project=${project}`);
  assert.equal(inbox.status, 200, JSON.stringify(inbox.body));
  assert.deepEqual(inbox.body.items.map((i: { id: string }) => i.id).sort(), [...pendingIds].sort());
  for (const i of inbox.body.items) {
    assert.ok(i.ageSeconds >= 0 && i.ageSeconds < 600);
    assert.equal(i.sessionId, sessionId, 'the session it came from');
    assert.equal(i.project, project);
  }
  const times = inbox.body.items.map((i: { createdAt: string }) => Date.parse(i.createdAt));
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'oldest first');
  const page1 = await call(member, 'GET', `/v1/review?project=${project}&limit=1`);
  const page2 = await call(member, 'GET', `/v1/review?project=${project}&limit=1&cursor=${encodeURIComponent(page1.body.nextCursor)}`);
  assert.notEqual(page1.body.items[0].id, page2.body.items[0].id, 'pages move on');
  const counts = await call(member, 'GET', '/v1/review/counts');
  assert.equal(counts.status, 200);
  assert.equal(counts.body.pending, pendingIds.length);
  assert.deepEqual(counts.body.projects.map((p: { project: string; policy: string; pending: number }) => [p.project, p.policy, p.pending]), [[project, 'review', pendingIds.length]]);
});

test('a member key cannot decide (403, audited); a maintainer approves, rejects and edits, each audited', async () => {
  const [approveId, rejectId, editId] = pendingIds as [string, string, string];
  const refused = await call(member, 'POST', '/v1/review/decisions', { decision: 'approve', ids: [approveId] });
  assert.equal(refused.status, 403);
  await deniedAudited('POST /v1/review/decisions', undefined, 'maintainer key required');
  assert.equal((await prisma.learning.findUniqueOrThrow({ where: { id: approveId } })).status, 'pending', 'nothing changed');

  const approved = await call(maintainer.key, 'POST', '/v1/review/decisions', { decision: 'approve', ids: [approveId.slice(0, 8), crypto.randomUUID()] });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  assert.deepEqual(approved.body.decided, [approveId]);
  assert.equal(approved.body.notFound.length, 1);
  const again = await call(maintainer.key, 'POST', '/v1/review/decisions', { decision: 'reject', ids: [approveId] });
  assert.deepEqual([again.body.decided, again.body.notPending], [[], [approveId]], 'a decided learning is not decided again');

  const rejected = await call(maintainer.key, 'POST', '/v1/review/decisions', { decision: 'reject', ids: [rejectId], note: 'not how we do it' });
  assert.deepEqual(rejected.body.decided, [rejectId]);

  const edited = await call(maintainer.key, 'POST', `/v1/review/${editId}/edit`, { text: 'The parser must return the last token at EOF (edited in review).', title: 'Parser returns the last token at EOF' });
  assert.equal(edited.status, 200, JSON.stringify(edited.body));
  assert.equal(edited.body.reviewedBy, `key:${maintainer.keyId}`);
  assert.equal(edited.body.editedBy, RITA, 'the editor is the person behind the key');
  const editAgain = await call(maintainer.key, 'POST', `/v1/review/${editId}/edit`, { text: 'x' });
  assert.equal(editAgain.status, 409, 'only a pending learning is edited in review');

  const rows = await prisma.learning.findMany({ where: { id: { in: [approveId, rejectId, editId] } }, include: { revisions: { orderBy: { revision: 'asc' } } } });
  const byId = new Map(rows.map((r) => [r.id, r]));
  assert.equal(byId.get(approveId)!.status, 'active');
  assert.equal(byId.get(approveId)!.reviewedBy, `key:${maintainer.keyId}`);
  assert.equal(byId.get(rejectId)!.status, 'rejected');
  assert.deepEqual(byId.get(rejectId)!.revisions.map((r) => [r.reason, r.status, r.changedBy, r.note]), [
    ['created', 'pending', byId.get(rejectId)!.revisions[0]!.changedBy, null],
    ['rejected', 'rejected', `key:${maintainer.keyId}`, 'not how we do it'],
  ]);
  const e = byId.get(editId)!;
  assert.equal(e.status, 'active');
  assert.equal(e.title, 'Parser returns the last token at EOF');
  assert.equal(e.reviewedBy, `key:${maintainer.keyId}`);
  assert.equal(e.editedBy, RITA);
  assert.deepEqual(e.revisions.map((r) => r.reason), ['created', 'edited']);
  assert.ok((await auditOf('review.edit')).some((a) => (a.details as { editedBy?: string }).editedBy === RITA), 'the audit entry names the editor');

  for (const [action, id] of [['review.approve', approveId], ['review.reject', rejectId], ['review.edit', editId]] as const) {
    const entries = await auditOf(action);
    assert.ok(entries.some((a) => a.target === `learning:${id}` && a.actorKeyId === maintainer.keyId && a.outcome === 'success'), `${action} audited`);
  }
});

test('approved and edited learnings are pushed to the next session; the rejected one is gone and a restatement does not revive it', async () => {
  const [approveId, rejectId, editId] = pendingIds as [string, string, string];
  const approved = await prisma.learning.findUniqueOrThrow({ where: { id: approveId } });
  const rejected = await prisma.learning.findUniqueOrThrow({ where: { id: rejectId } });
  const context = await startContext();
  assert.ok(context.includes(approved.title), `approved "${approved.title}" is pushed: ${context.slice(0, 600)}`);
  assert.match(context, /Parser returns the last token at EOF/, 'the edited text is what is pushed');
  assert.ok(!context.includes(rejected.title), 'the rejected one is not');
  const viaMcp = await mcpText('learnings', { project, status: 'all' });
  assert.ok(viaMcp.includes(editId.slice(0, 8)) && !viaMcp.includes(rejectId.slice(0, 8)));

  // The edited text, attributed to Rita, on every channel that reaches an agent; the rejected one on none.
  const attributed = /Parser returns the last token at EOF \(edited by Rita Reviewer <rita@example\.com>\)/;
  assert.match(context, attributed, 'the session-start context');
  const viaApi = await call(member, 'GET', `/v1/context?project=${project}&tokens=4000`);
  assert.match(viaApi.body.context, attributed, 'GET /v1/context');
  assert.ok(viaApi.body.items.includes(approveId) && viaApi.body.items.includes(editId) && !viaApi.body.items.includes(rejectId));
  assert.match(await mcpText('context', { project, tokens: 4000 }), attributed, 'the MCP context tool');
  const resource = await mcpResource(`memflow://context/${project}`);
  assert.ok('text' in resource && attributed.test(resource.text), `the MCP context resource: ${JSON.stringify(resource).slice(0, 400)}`);
  const lineOf = (text: string, id: string) => text.split('\n').find((l) => l.includes(id.slice(0, 8))) ?? '';
  assert.match(lineOf(viaMcp, editId), /edited by Rita Reviewer/, `the MCP learnings tool: ${viaMcp}`);
  const got = await mcpText('get', { ids: [editId.slice(0, 8), rejectId.slice(0, 8)] });
  assert.match(got, /edited by Rita Reviewer <rita@example\.com>/, `the MCP get tool: ${got}`);
  assert.match(got, /Not served .*rejected in review/, 'a rejected learning is not served by id');
  assert.ok(!got.includes(rejected.body), 'nor its text');
  const foundByMcp = await mcpText('search', { query: 'Parser returns the last token at EOF', project, types: ['learning'] });
  assert.match(lineOf(foundByMcp, editId), /edited by Rita Reviewer/, `the MCP search tool: ${foundByMcp}`);
  const hits = await searchEveryMode('Parser returns the last token at EOF');
  assert.equal(hits.get(editId)?.editedBy, RITA, 'GET /v1/search');
  assert.ok(!(await searchEveryMode(rejected.title)).has(rejectId), 'the rejected one is not searchable');
  assert.ok((await searchEveryMode(approved.title)).has(approveId), 'the approved one is');
  const viaCli = await cliSearch('Parser returns the last token at EOF');
  assert.ok(viaCli.ids.includes(editId));
  assert.match(viaCli.text, /edited by Rita Reviewer/, `memflow search: ${viaCli.text}`);
  const pushedWithPrompt = await promptPush('The parser loses the last token at EOF again; make the parser return the last token at EOF.');
  assert.match(pushedWithPrompt, /edited by Rita Reviewer <rita@example\.com>\] Parser returns the last token at EOF — The parser must return the last token at EOF/, `the per-prompt push: ${pushedWithPrompt}`);
  assert.ok(!pushedWithPrompt.includes(rejected.title));

  // An extractor stating the rejected (or a pending) learning again cannot make it active.
  await prisma.learning.update({ where: { id: rejectId }, data: { status: 'active', strength: { increment: 1 } } });
  assert.equal((await prisma.learning.findUniqueOrThrow({ where: { id: rejectId } })).status, 'rejected');
  // Nothing waits any more; the inbox says so.
  const counts = await call(member, 'GET', '/v1/review/counts');
  assert.equal(counts.body.pending, pendingIds.length - 3);
});

test('who approved, edited, rejected, stated, corrected and forgot: in the record, GET /v1/search, memflow show and search, the MCP get tool', async () => {
  const [approveId, rejectId, editId] = pendingIds as [string, string, string];
  type Rec = { statedBy: string | null; approvedBy: string | null; approvedAt: string | null; editedBy: string | null; title: string; history: { reason: string; by: string | null; changedBy: string | null; createdAt: string }[] };
  const rec = async (id: string): Promise<Rec> => {
    const r = await call(member, 'GET', `/v1/memories/${id}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as Rec;
  };
  const approved = await rec(approveId);
  assert.equal(approved.approvedBy, RITA, 'the approver, in the record');
  assert.equal(approved.approvedAt, approved.history.find((h) => h.reason === 'approved')?.createdAt, 'and when: the approval in its history');
  assert.equal(approved.statedBy, null, 'an extracted learning was stated by no one');
  assert.deepEqual(approved.history.map((h) => [h.reason, h.by]), [['created', null], ['approved', RITA]], 'each revision names its author (the summarizer: none)');
  const edited = await rec(editId);
  assert.deepEqual([edited.editedBy, edited.approvedBy], [RITA, RITA], 'an edit approves');
  const rejected = await rec(rejectId);
  assert.deepEqual([rejected.approvedBy, rejected.history.at(-1)?.reason, rejected.history.at(-1)?.by], [null, 'rejected', RITA]);

  assert.equal((await searchEveryMode(approved.title)).get(approveId)?.approvedBy, RITA, 'GET /v1/search');
  const viaCli = await cliSearch(approved.title);
  assert.match(viaCli.text, new RegExp(`${approveId}  .*\\(approved by Rita Reviewer <rita@example\\.com>\\)`), `memflow search: ${viaCli.text}`);
  const shown = await cli(member, 'show', approveId);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^by {7}approved by Rita Reviewer <rita@example\.com> \d{4}-\d\d-\d\d \d\d:\d\d/m, `memflow show: ${shown.stdout}`);
  assert.match(shown.stdout, /^ {2}r2 \S+ \S+ approved \(active\) by Rita Reviewer <rita@example\.com>$/m, 'the history says who');
  assert.match((await cli(member, 'show', rejectId)).stdout, /^by {7}rejected by Rita Reviewer <rita@example\.com>$/m);
  assert.match((await cli(member, 'show', editId)).stdout, /^by {7}edited by Rita Reviewer <rita@example\.com> \d{4}-/m, 'edited (and so approved) by her, once');
  const got = await mcpText('get', { ids: [approveId.slice(0, 8)] });
  assert.match(got, /approved by Rita Reviewer <rita@example\.com> \d{4}-\d\d-\d\d/, `the MCP get tool: ${got}`);
  assert.match(got, /r2 approved by Rita Reviewer <rita@example\.com>/);
  assert.match(lineOfId(await mcpText('learnings', { project }), approveId), /approved by Rita Reviewer/, 'the MCP learnings tool');

  // A person states, corrects and forgets; a key of its own is named by its label.
  const max = await prisma.person.create({ data: { tenantId: admin.tenantId, name: 'Max Member', role: 'member' } });
  const maxKey = (await createApiKey(prisma, admin.name, { role: 'member', personId: max.id })).key;
  const stated = await call(maxKey, 'POST', '/v1/memories', { text: 'Quokka builds use the ci profile.', kind: 'convention', project });
  assert.equal(stated.status, 201, JSON.stringify(stated.body));
  const corrected = await call(maxKey, 'POST', `/v1/learnings/${stated.body.id}/correct`, { text: 'Quokka builds use the release profile.', reason: 'the ci profile was renamed' });
  assert.equal(corrected.status, 200, JSON.stringify(corrected.body));
  const forgotten = await call(maxKey, 'POST', `/v1/learnings/${corrected.body.id}/forget`, { reason: 'we stopped building quokka' });
  assert.equal(forgotten.status, 200, JSON.stringify(forgotten.body));
  const old = await rec(stated.body.id);
  assert.deepEqual([old.statedBy, old.history.at(-1)?.reason, old.history.at(-1)?.by], ['Max Member', 'superseded', 'Max Member']);
  const successor = await rec(corrected.body.id);
  assert.deepEqual([successor.statedBy, successor.history.at(-1)?.reason, successor.history.at(-1)?.by], ['Max Member', 'forgotten', 'Max Member']);
  assert.match((await cli(member, 'show', stated.body.id)).stdout, /^by {7}stated by Max Member; corrected by Max Member$/m);
  assert.match((await cli(member, 'show', corrected.body.id)).stdout, /^by {7}stated by Max Member; forgotten by Max Member$/m);
  assert.match(await mcpText('get', { ids: [stated.body.id.slice(0, 8)] }), /stated by Max Member; corrected by Max Member/);
  const byKey = await call(member, 'POST', '/v1/memories', { text: 'Quokka logs go to stderr.', kind: 'fact', project });
  const keyRow = await prisma.apiKey.findFirstOrThrow({ where: { tenantId: admin.tenantId, role: 'member', personId: null } });
  assert.equal((await rec(byKey.body.id)).statedBy, `key ${keyRow.name ?? keyRow.prefix}`);
  // Every one of these is in the audit log under the key that did it, with its person in the listing.
  const audit = await call(admin.key, 'GET', '/v1/admin/audit?limit=50');
  const entry = (audit.body.items as { action: string; target: string; actor: { name: string } | null }[]).find((a) => a.action === 'learning.correct' && a.target === `learning:${stated.body.id}`);
  assert.equal(entry?.actor?.name, 'Max Member', 'the audit listing names the person');
});

test('memflow review: the inbox with counts and age; a member is refused; approve --all approves many at once', async () => {
  // Two more extracted learnings: written as any extractor writes them, held by the database.
  const p = await prisma.project.findFirstOrThrow({ where: { tenantId: admin.tenantId, name: project } });
  for (const title of ['Use the pool of src/db.ts', 'Lint rules need their plugin']) {
    const row = await prisma.learning.create({ data: { tenantId: admin.tenantId, projectId: p.id, kind: 'pattern', title, body: `${title}.`, fingerprint: crypto.randomBytes(32).toString('hex') } });
    assert.equal(row.status, 'pending', 'inserted active by an extractor, held as pending');
    pendingIds.push(row.id);
  }
  const rest = pendingIds.slice(3);
  const list = await cli(member, 'review', '--project', project);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`${rest.length} learnings? waiting for review in project '${project}'`));
  assert.match(list.stdout, new RegExp(`${project}: policy review, ${rest.length} pending, oldest \\d+[smhd] old`));
  for (const id of rest) assert.match(list.stdout, new RegExp(`${id.slice(0, 8)}\\s+\\d+[smhd]\\s+\\[`), 'each item with its age');
  const refused = await cli(member, 'review', 'approve', '--all', '--project', project);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /maintainer/);
  const approved = await cli(maintainer.key, 'review', 'approve', '--all', '--project', project, '--json');
  assert.equal(approved.code, 0, approved.stderr);
  assert.deepEqual((JSON.parse(approved.stdout) as { decided: string[] }).decided.sort(), [...rest].sort());
  const empty = await cli(member, 'review', '--project', project);
  assert.match(empty.stdout, /^0 learnings waiting for review/);
  const policy = await cli(member, 'review', 'policy', '--project', project);
  assert.match(policy.stdout, new RegExp(`project '${project}': review policy review .* 0 pending`));
});

test('with the policy back to live, a new extraction goes live at once; bad decisions are 400s', async () => {
  const tooMany = await call(maintainer.key, 'POST', '/v1/review/decisions', { decision: 'approve', ids: Array.from({ length: 101 }, () => crypto.randomUUID()) });
  assert.equal(tooMany.status, 400);
  const notADecision = await call(maintainer.key, 'POST', '/v1/review/decisions', { decision: 'maybe', ids: [pendingIds[0]] });
  assert.equal(notADecision.status, 400);
  assert.match(notADecision.body.error.message, /^decision:/);
  assert.equal((await call(admin.key, 'PUT', `/v1/projects/${project}/review-policy`, { policy: 'live' })).body.policy, 'live');
  const p = await prisma.project.findFirstOrThrow({ where: { tenantId: admin.tenantId, name: project } });
  const live = await prisma.learning.create({ data: { tenantId: admin.tenantId, projectId: p.id, kind: 'fix', title: 'live again', body: 'b', fingerprint: crypto.randomBytes(32).toString('hex') } });
  assert.equal(live.status, 'active', 'under the live policy an extracted learning is active at once');
});

/*
 * One review gate for every record a learning was drawn from (common/server/review-hold.ts): what a
 * pending or rejected learning says reaches no agent in another form either — the session's summary
 * ("Recent sessions", a search hit, MCP get), its failure story ("What failed, and what fixed it"),
 * the prompts and tool calls the start context lists. Three sessions of one project: the ledger's
 * (before review was turned on: live, the control), the refunds' (its learnings rejected) and the
 * invoices' (its learnings pending, then approved: all of it is served again).
 */
const evidence = { project: uniqueName('evidence'), cwd: '', ids: { ledger: '', refunds: '', invoices: '' }, rejected: [] as string[], pending: [] as string[] };
evidence.cwd = `/tmp/memflow-review/${evidence.project}`;
const HELD_WORDS = /refund|invoice|10\.05|EUR/i;

/** A session that fixes one failing check of `topic` in `file`: a failure, an edit, a passing run, the agent's account. */
async function fixSession(topic: string, file: string, error: string): Promise<string> {
  const sid = `s-${crypto.randomUUID()}`;
  const at = (event: string, body: Record<string, unknown>) => post(event, { session_id: sid, ...body }, evidence.cwd);
  const run = (stdout: string) =>
    at('post-tool-use', { hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command: `npm test -- test/${topic}.test.ts` }, tool_response: { stdout, stderr: '', interrupted: false }, tool_use_id: `toolu_${crypto.randomBytes(6).toString('hex')}` });
  await at('session-start', { hook_event_name: 'SessionStart', source: 'startup' });
  await at('user-prompt-submit', { hook_event_name: 'UserPromptSubmit', prompt: `The ${topic} test fails, please fix it.` });
  await run(`${error}\n1 failed`);
  await at('post-tool-use', { hook_event_name: 'PostToolUse', tool_name: 'Edit', tool_input: { file_path: `${evidence.cwd}/${file}`, old_string: 'return total;', new_string: 'return round(total);' }, tool_response: { filePath: `${evidence.cwd}/${file}` }, tool_use_id: `toolu_${crypto.randomBytes(6).toString('hex')}` });
  await run('all tests passed\n6 passed');
  await at('stop', { hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: `Fixed the ${topic} test: ${file} now rounds the total.` });
  await at('session-end', { hook_event_name: 'SessionEnd', reason: 'other' });
  await sessionResult(stack.temporal, prisma, admin.tenantId, sid, 90_000);
  return sid;
}

const learningsOf = async (sid: string) => {
  const r = await call(member, 'GET', `/v1/sessions/${sid}/memories`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as { summaries: { id: string; heldBy?: string | null; text: string }[]; learnings: { id: string; status: string; title: string }[] };
};

/** Every channel that reaches an agent, for the evidence project: the texts pushed, and the summaries search and MCP serve. */
async function agentChannels(): Promise<{ pushed: [string, string][]; summaryIds: Set<string>; got: string }> {
  const p = evidence.project;
  const viaApi = await call(member, 'GET', `/v1/context?project=${p}&tokens=6000`);
  assert.equal(viaApi.status, 200, JSON.stringify(viaApi.body));
  const resource = await mcpResource(`memflow://context/${p}`);
  assert.ok('text' in resource, JSON.stringify(resource));
  const filePush = async (file: string) => {
    const r = await call(member, 'GET', `/v1/context?project=${p}&for=file&path=${encodeURIComponent(file)}&tokens=2000`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.context as string;
  };
  const pushed: [string, string][] = [
    ['the session-start context', await startContext(evidence.cwd)],
    ['GET /v1/context', viaApi.body.context as string],
    ['the MCP context tool', await mcpText('context', { project: p, tokens: 6000 })],
    ['the memflow://context resource', resource.text],
    ['the file push of src/refunds.ts', await filePush('src/refunds.ts')],
    ['the file push of src/invoices.ts', await filePush('src/invoices.ts')],
  ];
  const summaryIds = new Set<string>();
  for (const q of ['refunds rounding test', 'invoices currency test', 'ledger totals test', 'fix the failing test']) {
    for (const mode of ['hybrid', 'keyword', 'semantic']) {
      const r = await call(member, 'GET', `/v1/search?project=${p}&types=summary,observation,learning&limit=50&mode=${mode}&q=${encodeURIComponent(q)}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      for (const h of r.body.results as { id: string; type: string }[]) if (h.type === 'summary') summaryIds.add(h.id);
    }
    const viaMcp = await mcpText('search', { query: q, project: p, types: ['summary'] });
    pushed.push([`the MCP search tool "${q}"`, viaMcp]);
  }
  const all = [...evidence.ids.ledger ? [evidence.ids.ledger] : [], evidence.ids.refunds, evidence.ids.invoices];
  const summaries = (await Promise.all(all.map(learningsOf))).flatMap((m) => m.summaries.map((s) => s.id));
  const got = await mcpText('get', { ids: summaries.map((id) => id.slice(0, 8)) });
  return { pushed, summaryIds, got };
}

test('a rejected and a pending learning are told by no other record: summaries, failure stories, recent activity, on every channel', async () => {
  evidence.ids.ledger = await fixSession('ledger', 'src/ledger.ts', 'AssertionError: ledger totals differ by 3 cents');
  assert.equal((await call(admin.key, 'PUT', `/v1/projects/${evidence.project}/review-policy`, { policy: 'review' })).status, 200);
  evidence.ids.refunds = await fixSession('refunds', 'src/refunds.ts', 'AssertionError: expected 10.05 to equal 10.04 in refunds rounding');
  evidence.ids.invoices = await fixSession('invoices', 'src/invoices.ts', 'AssertionError: invoices currency expected EUR got USD');
  const refunds = await learningsOf(evidence.ids.refunds);
  const invoices = await learningsOf(evidence.ids.invoices);
  assert.ok(refunds.learnings.length > 0 && invoices.learnings.length > 0, 'each session left learnings');
  assert.ok([...refunds.learnings, ...invoices.learnings].every((l) => l.status === 'pending'), 'held for review');
  evidence.rejected = refunds.learnings.map((l) => l.id);
  evidence.pending = invoices.learnings.map((l) => l.id);
  const rejected = await call(maintainer.key, 'POST', '/v1/review/decisions', { decision: 'reject', ids: evidence.rejected, note: 'not ours' });
  assert.deepEqual(rejected.body.decided.sort(), [...evidence.rejected].sort());

  // What people see of the sessions marks the summaries held, and why.
  assert.ok((await learningsOf(evidence.ids.refunds)).summaries.every((s) => s.heldBy === 'rejected'), 'GET /v1/sessions/{id}/memories: held, rejected');
  assert.ok((await learningsOf(evidence.ids.invoices)).summaries.every((s) => s.heldBy === 'pending'), 'held, pending');
  const ledger = await learningsOf(evidence.ids.ledger);
  assert.ok(ledger.summaries.length > 0 && ledger.summaries.every((s) => s.heldBy === null), 'the live session is served');

  const { pushed, summaryIds, got } = await agentChannels();
  const [start] = pushed;
  // The control: the live session's failure story and summary are there.
  assert.match(start![1], /What failed, and what fixed it/, `the start context tells failures: ${start![1]}`);
  assert.match(start![1], /ledger/i, 'the live session is told');
  for (const [where, text] of pushed) assert.ok(!HELD_WORDS.test(text), `${where} tells nothing of the held sessions: ${text.slice(0, 1500)}`);
  for (const s of [...refunds.summaries, ...invoices.summaries]) assert.ok(!summaryIds.has(s.id), `GET /v1/search does not list the held summary ${s.id}`);
  assert.ok(ledger.summaries.some((s) => summaryIds.has(s.id)), 'search lists the live summary (the control)');
  assert.match(got, /Not served[^\n]*tells a learning rejected in review/, `MCP get refuses the rejected one's summary: ${got}`);
  assert.match(got, /tells a learning that waits for review/, 'and the pending one');
  assert.ok(!HELD_WORDS.test(got), `MCP get serves nothing of them: ${got}`);
  const asResource = await mcpResource(`memflow://memory/${refunds.summaries[0]!.id}`);
  assert.ok('error' in asResource && /rejected in review/.test(asResource.error), JSON.stringify(asResource));

  // A person's search (the viewer's, memflow search --pending) lists the pending one's summary, marked; never the rejected one's.
  const people = await call(member, 'GET', `/v1/search?project=${evidence.project}&types=summary&limit=50&includePending=true&q=${encodeURIComponent('invoices refunds test fails')}`);
  const hits = people.body.results as { id: string; status?: string }[];
  assert.ok(invoices.summaries.some((s) => hits.find((h) => h.id === s.id)?.status === 'pending'), `the pending session's summary, marked: ${JSON.stringify(hits)}`);
  assert.ok(!refunds.summaries.some((s) => hits.some((h) => h.id === s.id)), 'never the rejected one');

  // The per-prompt push, asked about each (last: a prompt is itself recorded in the project).
  for (const prompt of ['The refunds test fails again: expected 10.05 to equal 10.04 in refunds rounding', 'The invoices currency test fails again, EUR against USD']) {
    const text = await promptPush(prompt, evidence.cwd);
    assert.ok(!/src\/(refunds|invoices)\.ts|10\.04|round\(total\)/.test(text), `the per-prompt push tells nothing held: ${text}`);
  }
});

test('approving the pending learnings serves their summary and failure story again; the rejected ones stay held', async () => {
  const approved = await call(maintainer.key, 'POST', '/v1/review/decisions', { decision: 'approve', ids: evidence.pending });
  assert.deepEqual(approved.body.decided.sort(), [...evidence.pending].sort());
  const invoices = await learningsOf(evidence.ids.invoices);
  assert.ok(invoices.summaries.every((s) => s.heldBy === null), 'served');
  const { pushed, summaryIds, got } = await agentChannels();
  const start = pushed[0]![1];
  assert.match(start, /invoices/i, `the approved session is told at start: ${start}`);
  assert.match(start, /EUR|src\/invoices\.ts/, 'its failure story too');
  // (The per-prompt push's own prompts about refunds are recorded as the project's history now: only the
  // held session's own words count here — its file, its check, the agent's account.)
  for (const [where, text] of pushed) assert.ok(!/src\/refunds\.ts|refunds\.test\.ts|Fixed the refunds/i.test(text), `${where} still tells nothing of the rejected session: ${text.slice(0, 1500)}`);
  assert.ok(invoices.summaries.some((s) => summaryIds.has(s.id)), 'search lists the approved session');
  assert.match(got, /tells a learning rejected in review/);
  assert.doesNotMatch(got, /tells a learning that waits for review/);
  assert.match(got, /invoices/i, 'MCP get serves the approved session');
});

test('a maintainer whose key is limited to projects works the inbox from the CLI: with --project, $MEMFLOW_PROJECT, or no project named', async () => {
  const [one, two] = [uniqueName('scoped'), uniqueName('scoped')];
  const waiting: Record<string, string> = {};
  for (const name of [one, two]) {
    assert.equal((await call(admin.key, 'PUT', `/v1/projects/${name}/review-policy`, { policy: 'review' })).status, 200);
    const p = await prisma.project.findFirstOrThrow({ where: { tenantId: admin.tenantId, name } });
    const row = await prisma.learning.create({ data: { tenantId: admin.tenantId, projectId: p.id, kind: 'pattern', title: `Waits in ${name}`, body: `Waits in ${name}.`, fingerprint: crypto.randomBytes(32).toString('hex') } });
    assert.equal(row.status, 'pending');
    waiting[name] = row.id;
  }
  const sam = await prisma.person.create({ data: { tenantId: admin.tenantId, name: 'Sam Scoped', email: 'sam@example.com', role: 'maintainer' } });
  const onlyOne = (await createApiKey(prisma, admin.name, { role: 'maintainer', personId: sam.id, projects: [one] })).key;
  const both = (await createApiKey(prisma, admin.name, { role: 'maintainer', personId: sam.id, projects: [one, two] })).key;
  // Run outside any repository: nothing names a project unless the command does.
  const run = (key: string, args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: '/tmp', env: { MEMFLOW_API_KEY: key, MEMFLOW_URL: stack.api.url, HOME: '/tmp', ...env } });

  for (const [how, r] of [
    ['--project', await run(onlyOne, ['review', '--project', one])],
    ['$MEMFLOW_PROJECT', await run(onlyOne, ['review'], { MEMFLOW_PROJECT: one })],
    ['no project named', await run(onlyOne, ['review'])],
  ] as const) {
    assert.equal(r.code, 0, `${how}: ${r.stderr}`);
    assert.match(r.stdout, /^1 learning waiting for review/, `${how}: ${r.stdout}`);
    assert.match(r.stdout, new RegExp(`${one}: policy review, 1 pending`));
    assert.ok(r.stdout.includes(waiting[one]!.slice(0, 8)) && !r.stdout.includes(waiting[two]!.slice(0, 8)), `${how}: only its project: ${r.stdout}`);
  }
  const refused = await run(onlyOne, ['review', '--project', two]);
  assert.notEqual(refused.code, 0, 'another project stays refused');
  assert.match(refused.stderr, /outside this key's projects/);
  // A key limited to two projects: the inbox of both, asked per project.
  const listed = await run(both, ['review']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^2 learnings waiting for review/);
  for (const id of Object.values(waiting)) assert.ok(listed.stdout.includes(id.slice(0, 8)), listed.stdout);
  const edited = await run(onlyOne, ['review', 'edit', waiting[one]!, 'Waits no more.']);
  assert.equal(edited.code, 0, edited.stderr);
  assert.match(edited.stdout, /attributed to Sam Scoped <sam@example\.com>;/, 'the person, not the key');
  const approved = await run(both, ['review', 'approve', '--all', '--json']);
  assert.equal(approved.code, 0, approved.stderr);
  assert.deepEqual((JSON.parse(approved.stdout) as { decided: string[] }).decided, [waiting[two]]);
});

test("a rule a person states in a prompt names that person and, under review, waits like an extracted learning (the project's stated policy: review by default, live on request)", async () => {
  const name = uniqueName('stated');
  const dir = `/tmp/memflow-review/${name}`;
  assert.equal((await call(admin.key, 'PUT', `/v1/projects/${name}/review-policy`, { policy: 'review' })).body.stated, 'review', 'stated rules wait by default');
  const pat = await prisma.person.create({ data: { tenantId: admin.tenantId, name: 'Pat Prompt', email: 'pat@example.com', role: 'member' } });
  const patKey = (await createApiKey(prisma, admin.name, { role: 'member', personId: pat.id })).key;
  /** A session of Pat's in which the rule is stated, then some work: its hooks are delivered with Pat's key. */
  const statesRule = async (rule: string) => {
    const sid = `s-${crypto.randomUUID()}`;
    const at = async (event: string, body: Record<string, unknown>) => {
      const r = await postHook(stack.api.url, patKey, { event, body: { cwd: dir, transcript_path: '/tmp/t.jsonl', session_id: sid, ...body } } as Parameters<typeof postHook>[2]);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    };
    await at('session-start', { hook_event_name: 'SessionStart', source: 'startup' });
    await at('user-prompt-submit', { hook_event_name: 'UserPromptSubmit', prompt: rule });
    await at('post-tool-use', { hook_event_name: 'PostToolUse', tool_name: 'Read', tool_input: { file_path: `${dir}/src/billing/export.ts` }, tool_response: { file: { content: 'export function exportRows() {}' } }, tool_use_id: `toolu_${crypto.randomBytes(6).toString('hex')}` });
    await at('stop', { hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: 'Understood.' });
    await at('session-end', { hook_event_name: 'SessionEnd', reason: 'other' });
    await sessionResult(stack.temporal, prisma, admin.tenantId, sid, 90_000);
    const stated = await prisma.learning.findMany({ where: { tenantId: admin.tenantId, project: { name }, origin: 'user' }, orderBy: { createdAt: 'asc' } });
    return stated.at(-1);
  };
  const held = await statesRule('From now on we always use UTC timestamps in the billing exports — never local time.');
  assert.ok(held && /UTC/.test(`${held.title} ${held.body}`), `the rule was kept: ${JSON.stringify(held)}`);
  assert.equal(held.status, 'pending', 'under review it waits');
  const record = await call(member, 'GET', `/v1/memories/${held.id}`);
  assert.equal(record.body.statedBy, 'Pat Prompt <pat@example.com>', 'it names who stated it');
  const inbox = await call(maintainer.key, 'GET', `/v1/review?project=${name}`);
  assert.deepEqual(inbox.body.items.map((i: { id: string }) => i.id), [held.id], 'in the inbox');
  assert.ok(!(await startContext(dir)).includes('UTC'), 'not pushed to the next session');

  const live = await call(admin.key, 'PUT', `/v1/projects/${name}/review-policy`, { stated: 'live' });
  assert.equal(live.status, 200, JSON.stringify(live.body));
  assert.deepEqual([live.body.policy, live.body.stated], ['review', 'live']);
  assert.ok((await auditOf('review.policy')).some((a) => a.target === `project:${name}` && (a.details as { stated?: string }).stated === 'live'), 'audited');
  assert.equal((await call(admin.key, 'PUT', `/v1/projects/${name}/review-policy`, { stated: 'sometimes' })).status, 400);
  assert.equal((await call(admin.key, 'PUT', `/v1/projects/${name}/review-policy`, {})).status, 400);
  const goesLive = await statesRule('From now on we always put the tenant id first in the export file names.');
  assert.ok(goesLive && goesLive.id !== held.id && /tenant id/.test(`${goesLive.title} ${goesLive.body}`), JSON.stringify(goesLive));
  assert.equal(goesLive.status, 'active', "with the stated policy live, a person's own statement goes live");
  assert.equal((await call(member, 'GET', `/v1/memories/${goesLive.id}`)).body.statedBy, 'Pat Prompt <pat@example.com>');
  assert.equal((await prisma.learning.findUniqueOrThrow({ where: { id: held.id } })).status, 'pending', 'what already waits still needs a decision');
});
