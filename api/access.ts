/**
 * Who may call which route (issue 51): one rule per route, enforced in one place for every edge —
 * the API, the MCP tools (the relay calls these routes with its key; `/mcp` injects its tools'
 * requests with the caller's principal), the viewer (its session cookie sets the principal) and the
 * CLI. A rule names the lowest role the route needs (common/server/roles.ts) and where its project
 * is (`project`): the principal's role in that project decides, and a key limited to projects is
 * refused any other project, and anything tenant-wide.
 *
 * A route registered without a rule stops the server from starting (checkRuleOnRoute), so a new
 * route cannot be left open by mistake; tests/roles.test.ts takes the routes from the server and
 * tries every role on each. A refusal is a 403 naming what is missing, audited (`auth.denied`, or
 * the rule's own action) by registerAuditDenials (api/admin/audit-routes.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PgPool } from '../common/server/pg.js';
import { denial, variesByProject, type Role } from '../common/server/roles.js';
import { normalizeProjectName } from '../common/workspace/project-naming.js';
import { requirePrincipal } from './auth.js';
import { HttpError } from './errors.js';
import { projectOfHook } from './validation.js';

/**
 * Where a route's project is:
 * - `none`: the route touches no project's memory by itself (the MCP door, who-am-I); role only;
 * - `tenant`: the whole tenant (admin routes, export of anything, usage): no project-limited key;
 * - `named`: `?project=` or X-Memflow-Project, or the body's `project`; tenant-wide when absent;
 * - `param`: the `:project` path parameter;
 * - `hook`: a hook's project (header, query, or the folder the event came from);
 * - `listing`: tenant-wide, but the answer is cut to the key's projects (GET /v1/projects);
 * - `namedOrListing`: the named project when one is named, else `listing` (the review inbox and its
 *   counts, the learnings and sessions lists, the live stream: the answer is of the key's projects);
 * - `memory`: the project of the memory `:id` names; `memories`: of the memories the body's ids name;
 * - `session`: of the session `:id` (the agent's session id); `derivation`: of the derivation `:id`;
 *   `offer`: of the context an offered receipt `:id` handed over (GET /v1/context, X-Memflow-Receipt: on-delivery).
 */
export type ProjectLocator = 'none' | 'tenant' | 'named' | 'namedOrListing' | 'param' | 'hook' | 'listing' | 'memory' | 'memories' | 'session' | 'derivation' | 'offer';

export interface AccessRule {
  /** `public`: no key (health, the viewer's page, sign-in). */
  need: Role | 'public';
  project?: ProjectLocator;
  /** The audit action of a refusal, where the route audits its own (default `auth.denied`). */
  deniedAs?: string;
}

const pub: AccessRule = { need: 'public' };
const admin: AccessRule = { need: 'admin', project: 'tenant' };
const read = (project: ProjectLocator): AccessRule => ({ need: 'reader', project });

/** Every route of the server, as `METHOD pattern` (Fastify's pattern). */
export const ROUTE_RULES: Readonly<Record<string, AccessRule>> = {
  // Operations and the viewer's own routes: no key.
  'GET /health': pub,
  'GET /ready': pub,
  'GET /metrics': pub,
  'GET /openapi.json': pub,
  'GET /ui': pub,
  'GET /ui/assets/:file': pub,
  'GET /ui/session': pub,
  'POST /ui/session': pub,
  'DELETE /ui/session': pub,
  // Single sign-on (api/sso/): the provider authenticates, not a key.
  'GET /ui/sso': pub,
  'GET /ui/oidc/start': pub,
  'GET /ui/oidc/callback': pub,
  'POST /auth/device': pub,
  'POST /auth/device/token': pub,
  // Capture: agents write (members).
  'POST /v1/hooks/:event': { need: 'member', project: 'hook' },
  'POST /v1/hooks::batch': { need: 'member', project: 'hook' },
  'POST /v1/sessions/:id/ledger': { need: 'member', project: 'session' },
  // Reads.
  'GET /v1/me': read('none'),
  'DELETE /v1/me/keys/:id': read('none'),
  'POST /mcp': read('none'),
  'GET /mcp': read('none'),
  'DELETE /mcp': read('none'),
  'GET /v1/search': read('named'),
  'GET /v1/context': read('named'),
  'GET /v1/context/files': read('named'),
  // The relay's word that the agent was handed an offered push: whoever may read that project's context.
  'POST /v1/context/receipts/:id/delivered': read('offer'),
  'GET /v1/memories/:id': read('memory'),
  'POST /v1/memories::batchGet': read('memories'),
  'GET /v1/learnings': read('namedOrListing'),
  'GET /v1/sessions': read('namedOrListing'),
  'GET /v1/projects': read('listing'),
  'GET /v1/projects/identity': read('named'),
  'GET /v1/sessions/:id': read('session'),
  'GET /v1/sessions/:id/timeline': read('session'),
  'GET /v1/sessions/:id/memories': read('session'),
  'GET /v1/sessions/:id/receipts': read('session'),
  'GET /v1/live': read('namedOrListing'),
  'GET /v1/usage': read('tenant'),
  'GET /v1/usage/uptake': read('named'),
  'GET /v1/review': read('namedOrListing'),
  'GET /v1/review/counts': read('namedOrListing'),
  'GET /v1/projects/:project/review-policy': read('param'),
  'GET /v1/projects/:project/derivations': read('param'),
  'GET /v1/derivations/:id': read('derivation'),
  // Memory writes: a person or an agent states, retracts, reports staleness (members).
  'POST /v1/memories': { need: 'member', project: 'named' },
  'POST /v1/learnings/:id/forget': { need: 'member', project: 'memory' },
  'POST /v1/learnings/:id/wrong': { need: 'member', project: 'memory' },
  'POST /v1/learnings/staleness': { need: 'member', project: 'memories' },
  // Correcting is as forgetting: every agent's MCP `correct` tool runs on a member's key.
  'POST /v1/learnings/:id/correct': { need: 'member', project: 'memory' },
  // Maintainers decide.
  'POST /v1/review/decisions': { need: 'maintainer', project: 'memories' },
  'POST /v1/review/:id/edit': { need: 'maintainer', project: 'memory' },
  // Admins manage the tenant.
  'PUT /v1/projects/:project/review-policy': admin,
  'DELETE /v1/projects/:project': { ...admin, deniedAs: 'project.erase' },
  'GET /v1/jobs/:jobId': admin,
  'GET /v1/export': read('named'),
  'POST /v1/projects/:project/rederive': admin,
  'POST /v1/derivations/:id/cancel': admin,
  'POST /v1/derivations/:id/resume': admin,
  'GET /v1/admin/audit': admin,
  'GET /v1/admin/keys': admin,
  'POST /v1/admin/keys': admin,
  'DELETE /v1/admin/keys/:id': admin,
  'GET /v1/admin/people': admin,
  'POST /v1/admin/people': admin,
  'PUT /v1/admin/people/:id': admin,
  'PUT /v1/admin/people/:id/projects/:project': admin,
  'DELETE /v1/admin/people/:id/projects/:project': admin,
  'GET /v1/admin/backups': admin,
  'POST /v1/admin/backups': admin,
  'GET /v1/admin/backups/:id': admin,
  'POST /v1/admin/restore': admin,
  'GET /v1/admin/jobs/*': admin,
  'GET /v1/admin/retention': admin,
  'PUT /v1/admin/retention': admin,
  'POST /v1/admin/redaction/rescan': admin,
};

export const ruleKey = (method: string, url: string) => `${method} ${url}`;

/** Refuses (at registration: the server does not start) a route that has no rule. */
export function checkRuleOnRoute(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      if (!ROUTE_RULES[ruleKey(method, route.url)]) throw new Error(`${method} ${route.url}: no access rule (add one to ROUTE_RULES in api/access.ts)`);
    }
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Why the access check refused the request, and the audit action to record it under. */
    accessDenied?: { reason: string; action: string; target: string; projects: readonly string[] | 'tenant' };
  }
}

/** A project name as the routes normalize it; an unusable one is kept as given (it matches no scope). */
function projectName(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  try {
    return normalizeProjectName(raw);
  } catch {
    return raw;
  }
}

const MEMORY_REF = /^[0-9a-f][0-9a-f-]{7,35}$/i;

/** The projects of the memories (observations, summaries, learnings) these ids or prefixes name. */
async function projectsOfMemories(pool: PgPool, tenantId: string, refs: unknown[]): Promise<string[]> {
  const patterns = refs.filter((r): r is string => typeof r === 'string' && MEMORY_REF.test(r)).map((r) => `${r.toLowerCase()}%`);
  if (patterns.length === 0) return [];
  const { rows } = await pool.query<{ name: string }>(
    `SELECT DISTINCT p.name FROM (
        SELECT project_id FROM learnings WHERE tenant_id = $1::uuid AND id::text LIKE ANY($2::text[])
        UNION ALL SELECT project_id FROM summaries WHERE tenant_id = $1::uuid AND id::text LIKE ANY($2::text[])
        UNION ALL SELECT project_id FROM observations WHERE tenant_id = $1::uuid AND id::text LIKE ANY($2::text[])
      ) m JOIN projects p ON p.id = m.project_id`,
    [tenantId, patterns],
  );
  return rows.map((r) => r.name);
}

async function projectsOfSession(pool: PgPool, tenantId: string, id: unknown, project: string | undefined): Promise<string[]> {
  if (typeof id !== 'string' || id.length > 512) return [];
  const { rows } = await pool.query<{ name: string }>(
    `SELECT DISTINCT p.name FROM sessions s JOIN projects p ON p.id = s.project_id
      WHERE s.tenant_id = $1::uuid AND s.agent_session_id = $2 AND ($3::text IS NULL OR p.name = $3)`,
    [tenantId, id, project ?? null],
  );
  return rows.map((r) => r.name);
}

async function projectsOfDerivation(pool: PgPool, tenantId: string, id: unknown): Promise<string[]> {
  if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) return [];
  const { rows } = await pool.query<{ name: string }>('SELECT p.name FROM derivations d JOIN projects p ON p.id = d.project_id WHERE d.tenant_id = $1::uuid AND d.id = $2::uuid', [tenantId, id]);
  return rows.map((r) => r.name);
}

async function projectsOfOffer(pool: PgPool, tenantId: string, id: unknown): Promise<string[]> {
  if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) return [];
  const { rows } = await pool.query<{ name: string }>(
    "SELECT p.name FROM context_receipt_offers o JOIN projects p ON p.id = (o.receipt->>'projectId')::uuid WHERE o.tenant_id = $1::uuid AND o.id = $2::uuid",
    [tenantId, id],
  );
  return rows.map((r) => r.name);
}

const bodyOf = (req: FastifyRequest): Record<string, unknown> => (req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {});

/** The named project of a request: `?project=`, X-Memflow-Project, or the body's `project`. */
function namedProject(req: FastifyRequest): string | undefined {
  const query = (req.query ?? {}) as Record<string, unknown>;
  const header = req.headers['x-memflow-project'];
  return projectName(bodyOf(req).project) ?? projectName(query.project) ?? projectName(typeof header === 'string' ? header : undefined);
}

/** The projects a request acts on, per its rule (`tenant`: tenant-wide; [] when none is known). */
async function projectsOf(pool: PgPool, rule: AccessRule, req: FastifyRequest, tenantId: string): Promise<readonly string[] | 'tenant'> {
  const params = (req.params ?? {}) as Record<string, unknown>;
  const body = bodyOf(req);
  switch (rule.project ?? 'none') {
    case 'none':
    case 'listing':
      return [];
    case 'tenant':
      return 'tenant';
    case 'named': {
      const name = namedProject(req);
      return name ? [name] : 'tenant';
    }
    case 'namedOrListing': {
      const name = namedProject(req);
      return name ? [name] : [];
    }
    case 'param': {
      const name = projectName(params.project);
      return name ? [name] : 'tenant';
    }
    case 'hook': {
      const query = (req.query ?? {}) as Record<string, unknown>;
      try {
        return [projectOfHook(req.headers['x-memflow-project'], query.project, typeof body.cwd === 'string' ? body.cwd : undefined)];
      } catch {
        return []; // the route answers the bad project name with its 400
      }
    }
    case 'memory':
      return projectsOfMemories(pool, tenantId, [params.id]);
    case 'memories': {
      const ids = Array.isArray(body.ids) ? body.ids : Array.isArray(body.results) ? body.results.map((r: unknown) => (r && typeof r === 'object' ? (r as { id?: unknown }).id : undefined)) : [];
      return projectsOfMemories(pool, tenantId, ids.slice(0, 200));
    }
    case 'session':
      return projectsOfSession(pool, tenantId, params.id, namedProject(req));
    case 'derivation':
      return projectsOfDerivation(pool, tenantId, params.id);
    case 'offer':
      return projectsOfOffer(pool, tenantId, params.id);
  }
}

/**
 * The check, as a preHandler of the /v1 scope (after the key, the body and the project-key mapping).
 * A principal whose rights are the same in every project (most keys: no project scope, no person
 * with project roles) is checked on its tenant role without looking any project up.
 */
export function registerAccessControl(app: FastifyInstance, pool: PgPool): void {
  app.addHook('preHandler', async (req) => {
    const rule = ROUTE_RULES[ruleKey(req.method, req.routeOptions.url ?? '')];
    if (!rule) throw new HttpError(404, 'not_found', `no route for ${req.method} ${req.url.split('?')[0]}`);
    if (rule.need === 'public') return;
    const principal = requirePrincipal(req);
    let projects = rule.project === 'tenant' ? 'tenant' : variesByProject(principal) ? await projectsOf(pool, rule, req, principal.tenantId) : [];
    // A key limited to one project works there without naming it (a scoped maintainer's CLI and viewer):
    // the request is answered as if it had named it.
    if (projects === 'tenant' && rule.project === 'named' && principal.projects?.length === 1) {
      const only = principal.projects[0]!;
      req.headers['x-memflow-project'] = only;
      if (req.query && typeof req.query === 'object') (req.query as Record<string, unknown>).project = only;
      projects = [only];
    }
    const reason = denial(principal, rule.need, projects);
    if (!reason) return;
    const target = rule.deniedAs ? `project:${projectName(((req.params ?? {}) as Record<string, unknown>).project) ?? ''}` : `route:${req.method} ${req.routeOptions.url}`;
    req.accessDenied = { reason, action: rule.deniedAs ?? 'auth.denied', target, projects };
    const where = typeof projects === 'object' && projects.length ? ` in project ${projects.join(', ')}` : '';
    throw new HttpError(403, 'forbidden', reason.endsWith('key required') ? `this needs the ${rule.need} role${where} (${/^[aeiou]/.test(rule.need) ? 'an' : 'a'} ${rule.need} key, or a person who has it)` : reason);
  });
}
