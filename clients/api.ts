/**
 * The typed client of memflow's HTTP API (v1), used by the CLI, the MCP server (stdio and /mcp), the
 * tests and the benchmarks. One method an endpoint; every answer is parsed with the schema the route
 * serializes with (messages/api-v1.ts), so a client never reads a shape the API does not send, and
 * every failure is an ApiError (clients/core.ts) carrying the status, the API's error code and
 * message and Retry-After: what to say about it is the caller's business (a CLI line, an MCP tool
 * error). The transport is the caller's too: node:http for the CLI (fast to load), fetch elsewhere,
 * Fastify inject inside the API.
 */
import { z } from 'zod';
import * as A from '../messages/api-v1.js';
import * as R from '../messages/rederive-api-v1.js';
import * as V from '../messages/review-api-v1.js';
import { apiPaths } from './api-paths.js';
import { ApiError, send, query, type Method, type Transport } from './core.js';

export { ApiError, fetchTransport, query, type Transport } from './core.js';

export interface ApiClientOptions {
  transport: Transport;
  /** The API key, sent as `Authorization: Bearer`. */
  key?: string;
  /** Where requests go, for error messages (never the key). */
  describe: string;
  /** Sent with every request (user-agent, X-Memflow-Project). */
  headers?: Record<string, string>;
}

type Q = Record<string, string | number | boolean | readonly string[] | null | undefined>;

export interface SearchParams extends Q {
  q: string;
  project?: string;
  limit?: number;
  types?: string | readonly string[];
  since?: string;
  until?: string;
  mode?: string;
  /** Only what this agent's sessions produced (claude-code, codex, gemini, opencode, copilot). */
  agent?: string;
  /** Set by an agent's tool (mcp_tool:search): the hits get an injection receipt. */
  channel?: string;
  /** A person's search: learnings waiting for review too, marked `status: 'pending'` (never with a channel). */
  includePending?: boolean;
}
export interface ContextParams extends Q {
  project?: string;
  tokens?: number;
  q?: string;
  branch?: string;
  defaultBranch?: string;
  agent?: string;
  /** The injection receipt's channel: api (default), resource, mcp_tool:<name>. */
  channel?: string;
  /** The agent's session id receiving it, when known. */
  session?: string;
  /** 'true': the answer explains each item's cost and why it was chosen. */
  explain?: 'true' | 'false';
}
export interface PageParams extends Q {
  project?: string;
  cursor?: string;
  limit?: number;
}
export interface TimelineParams extends PageParams {
  around?: string;
  before?: number;
}
export interface StatedMemoryBody {
  text: string;
  kind?: string;
  title?: string;
  project?: string;
  tags?: string[];
  origin?: 'user' | 'agent';
}
export interface CorrectionBody {
  text: string;
  reason: string;
  title?: string;
  kind?: string;
  origin?: 'user' | 'agent';
}
export interface RetractionBody {
  reason: string;
  origin?: 'user' | 'agent';
}

const enc = encodeURIComponent;
const sessionsPage = A.page(A.sessionListItem);
const timelinePage = A.page(A.timelineItem);
const learningsPage = A.page(A.learningRecord);
const backupsPage = A.page(A.backupView);
const deviceOutcome = z.union([A.deviceLogin, A.devicePending]);

export function createApiClient(opts: ApiClientOptions) {
  const sendOpts = { describe: opts.describe, headers: { ...opts.headers, ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}) } };

  /** One request whose 2xx answer is parsed with `schema`. */
  async function call<S extends z.ZodType>(schema: S, method: Method, path: string, body?: unknown): Promise<z.output<S>> {
    const { status, json } = await send(opts.transport, sendOpts, method, path, body);
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const detail = `${issue?.path.join('.') || 'answer'}: ${issue?.message ?? 'invalid'}`;
    throw new ApiError(status, 'invalid_answer', detail, `memflow API answered ${status} with an answer that does not fit ${method} ${path.split('?')[0]} (${detail})`);
  }

  return {
    /** A request of a route without a typed method (or a raw body): the JSON of its 2xx answer, unparsed. */
    request: (method: Method, path: string, body?: unknown) => send(opts.transport, sendOpts, method, path, body).then((r) => r.json),

    health: () => call(A.healthAnswer, 'GET', '/health'),
    /** A Claude Code hook event, as an `http` hook sends it (the payload as Claude Code writes it). */
    hook: (event: string, payload: Record<string, unknown>) => call(A.hookAnswer, 'POST', apiPaths.hook(event), payload),

    search: (params: SearchParams) => call(A.searchAnswer, 'GET', `/v1/search${query(params)}`),
    context: (params: ContextParams) => call(A.contextAnswer, 'GET', apiPaths.context(params)),
    memory: (ref: string) => call(A.memoryRecord, 'GET', `/v1/memories/${enc(ref)}`),
    /** `channel` (mcp_tool:get): the records are handed to an agent, and get an injection receipt. */
    memories: (ids: readonly string[], channel?: string) => call(A.batchGetAnswer, 'POST', `/v1/memories:batchGet${query({ channel })}`, { ids }),
    remember: (body: StatedMemoryBody, project?: string) => call(A.statedMemory, 'POST', `/v1/memories${query({ project })}`, body),

    sessions: (params: PageParams = {}) => call(sessionsPage, 'GET', `/v1/sessions${query(params)}`),
    session: (id: string, params: { project?: string } = {}) => call(A.session, 'GET', `/v1/sessions/${enc(id)}${query(params)}`),
    timeline: (id: string, params: TimelineParams = {}) => call(timelinePage, 'GET', `/v1/sessions/${enc(id)}/timeline${query(params)}`),
    sessionMemories: (id: string, params: { project?: string } = {}) => call(A.sessionMemories, 'GET', `/v1/sessions/${enc(id)}/memories${query(params)}`),

    learnings: (params: PageParams & { status?: 'active' | 'superseded' | 'all' | 'pending' | 'rejected' } = {}) => call(learningsPage, 'GET', `/v1/learnings${query(params)}`),
    correct: (ref: string, body: CorrectionBody) => call(A.corrected, 'POST', `/v1/learnings/${enc(ref)}/correct`, body),
    forget: (ref: string, body: RetractionBody) => call(A.forgotten, 'POST', `/v1/learnings/${enc(ref)}/forget`, body),
    wrong: (ref: string, body: RetractionBody) => call(A.markedWrong, 'POST', `/v1/learnings/${enc(ref)}/wrong`, body),
    /** What a staleness check of context items found (common/workspace/recall-staleness.ts builds the report). */
    reportStaleness: (report: unknown) => call(A.stalenessOutcome, 'POST', apiPaths.staleness(), report),
    /** Which project a repository is, as every read maps it (X-Memflow-Project-Key among the client's headers). */
    projectIdentity: (project: string) => call(A.projectIdentity, 'GET', `/v1/projects/identity${query({ project })}`),

    /** The review inbox (api/review/): any key reads it; deciding needs a maintainer or admin key, the policy an admin key. */
    reviewInbox: (params: PageParams = {}) => call(V.reviewPage, 'GET', `/v1/review${query(params)}`),
    /** Of `project`, else of every project the key may see. */
    reviewCounts: (project?: string) => call(V.reviewCounts, 'GET', `/v1/review/counts${query({ project })}`),
    reviewDecide: (body: z.input<typeof V.reviewDecisionBody>) => call(V.reviewDecided, 'POST', '/v1/review/decisions', body),
    reviewEdit: (ref: string, body: z.input<typeof V.reviewEditBody>) => call(V.reviewEdited, 'POST', `/v1/review/${enc(ref)}/edit`, body),
    reviewPolicy: (project: string) => call(V.reviewPolicyView, 'GET', `/v1/projects/${enc(project)}/review-policy`),
    setReviewPolicy: (project: string, policy: V.ReviewPolicy) => call(V.reviewPolicyView, 'PUT', `/v1/projects/${enc(project)}/review-policy`, { policy }),

    usage: (params: { days?: number } = {}) => call(A.usageAnswer, 'GET', `/v1/usage${query(params)}`),
    /** Who the key is: tenant, person, roles, projects (any key). */
    me: () => call(A.whoAmI, 'GET', '/v1/me'),
    /** Revokes one of the caller's own keys (`memflow logout`: the calling one). */
    revokeOwnKey: (id: string) => call(A.revokedKey, 'DELETE', `/v1/me/keys/${enc(id)}`),

    // Single sign-on by device authorization (`memflow login`; no key).
    startDeviceSignIn: () => call(A.deviceStarted, 'POST', '/auth/device', {}),
    /** The personal key once the person approved, `{status: 'pending'}` (202) until then. */
    deviceSignIn: (handle: string) => call(deviceOutcome, 'POST', '/auth/device/token', { handle }),

    // Admin keys only.
    eraseProject: (project: string) => call(A.accepted, 'DELETE', `/v1/projects/${enc(project)}`),
    erasure: (jobId: string) => call(A.eraseJobView, 'GET', `/v1/jobs/${enc(jobId)}`),
    startBackup: () => call(A.backupStarted, 'POST', '/v1/admin/backups', {}),
    backups: () => call(backupsPage, 'GET', '/v1/admin/backups'),
    backup: (id: string) => call(A.backupView, 'GET', `/v1/admin/backups/${enc(id)}`),
    restore: (body: { backupId: string; project?: string; includeErased?: boolean }) => call(A.accepted, 'POST', '/v1/admin/restore', body),
    rescanRedaction: (body: { batchSize?: number } = {}) => call(A.accepted, 'POST', '/v1/admin/redaction/rescan', body),
    /** A backup, restore or redaction rescan job (its id holds slashes, sent as they are). */
    job: (jobId: string) => call(A.jobView, 'GET', `/v1/admin/jobs/${jobId.split('/').map(enc).join('/')}`),
    /** Re-derivation (docs/rederivation.md): start or estimate (admin), progress, cancel and resume (admin). */
    rederive: (project: string, body: z.input<typeof R.rederiveBody>) => call(R.derivationView, 'POST', `/v1/projects/${enc(project)}/rederive`, body),
    derivations: (project: string) => call(R.derivationList, 'GET', `/v1/projects/${enc(project)}/derivations`),
    derivation: (id: string) => call(R.derivationView, 'GET', `/v1/derivations/${enc(id)}`),
    cancelDerivation: (id: string) => call(R.derivationView, 'POST', `/v1/derivations/${enc(id)}/cancel`, {}),
    resumeDerivation: (id: string, body: { pageSize?: number; budgetRecheckSeconds?: number } = {}) => call(R.derivationView, 'POST', `/v1/derivations/${enc(id)}/resume`, body),
    retention: () => call(A.retentionPolicies, 'GET', '/v1/admin/retention'),
    setRetention: (body: Omit<z.input<typeof A.retentionPolicy>, 'project'> & { project?: string }) => call(A.retentionPolicy, 'PUT', '/v1/admin/retention', body),
    audit: (params: { action?: string; since?: string; until?: string; cursor?: string; limit?: number } = {}) => call(A.auditPage, 'GET', `/v1/admin/audit${query(params)}`),
    keys: () => call(A.apiKeys, 'GET', '/v1/admin/keys'),
    createKey: (body: { role?: 'admin' | 'maintainer' | 'member'; label?: string } = {}) => call(A.createdKey, 'POST', '/v1/admin/keys', body),
    revokeKey: (id: string) => call(A.revokedKey, 'DELETE', `/v1/admin/keys/${enc(id)}`),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
