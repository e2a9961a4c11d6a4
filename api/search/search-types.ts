/**
 * The vocabulary shared by the retrieval modules: record types, filters and ranked lists; the
 * project a search names, to its id (resolveProjectId); then the scope as SQL and the prepared
 * statements the legs run.
 */

import type { AgentName } from '../../messages/hooks-v1.js';
import type { RecordType, SearchMode } from '../../messages/record-types-v1.js';
export { SEARCH_MODES } from '../../messages/record-types-v1.js';
import crypto from 'node:crypto';
import type { QueryResultRow } from 'pg';
import type { PgPool } from '../../common/server/pg.js';
import { HELD_STATUSES, summaryHeldSql } from '../../common/server/review-hold.js';

export type { RecordType, SearchMode };

/** What every retrieval leg filters by. The tenant is always set: it comes from the API key. */
export interface SearchScope {
  tenantId: string;
  /** Resolved project id; undefined searches every project of the tenant. */
  projectId?: string;
  types: readonly RecordType[];
  since?: Date;
  until?: Date;
  /** Only records of this agent's sessions (a learning: any of its sources). */
  agent?: AgentName;
  /**
   * Learnings waiting for review too (a person's search, GET /v1/search?includePending=true); never
   * for what is served to agents. Otherwise only active learnings are found.
   */
  includePending?: boolean;
}

/** One entry of a leg's ranked list, best first. `score` is the leg's own, only its order matters to fusion. */
export interface RankedRef {
  type: RecordType;
  id: string;
  score: number;
}

/** What a hit carries of its session (api/search/turns.ts): one of its best-matching turns, by id. */
export interface CarriedTurn {
  id: string;
  /** The observation's kind: prompt, tool, stop, compact. */
  kind: string;
  title: string;
  snippet: string;
  score: number;
  createdAt: string;
}

/** An entry of the compact index answered by GET /v1/search (no full bodies: fetch those by id). */
export interface SearchResult {
  id: string;
  type: RecordType;
  title: string;
  snippet: string;
  score: number;
  /** The agent's session_id (as in /v1/sessions/{id}); a learning's is the session of its first source. */
  sessionId: string | null;
  /** The agent of that session. */
  agent: string | null;
  createdAt: string;
  /** A learning edited in review: who edited it (issue 51); absent otherwise. */
  editedBy?: string;
  /** A learning approved (or edited) in review: who approved it; absent otherwise. */
  approvedBy?: string;
  /** `pending`: a learning waiting for review, or a summary telling what one says (only found with includePending). */
  status?: 'pending';
  /** The best-matching turns of the hit's session (not the hit itself), best first; absent when none. */
  turns?: CarriedTurn[];
}

export const refKey = (r: { type: RecordType; id: string }) => `${r.type}:${r.id}`;

/** A project name to its id, within the caller's tenant only: the scope's project. */
export async function resolveProjectId(pool: PgPool, tenantId: string, name: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ id: string }>('select id from projects where tenant_id = $1 and name = $2', [tenantId, name]);
  return rows[0]?.id;
}

/**
 * Small SQL helpers of the retrieval queries: positional parameters for statements assembled from
 * optional parts, the scope's WHERE clauses, and named (prepared) statements, so that PostgreSQL
 * parses and plans each shape of query once per connection instead of on every search (planning
 * the three-table UNION costs more than running it on a warm index).
 */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * The WHERE clauses of a scope on table alias `t` of `type` (tenant always first: every statement is
 * tenant-bound). An agent holds an observation or a summary to its session's agent, a learning to
 * the agents of its sources (any one of them).
 */
export function scopeClauses(scope: SearchScope, p: SqlParams, type: RecordType): string {
  let sql = `t.tenant_id = ${p.add(scope.tenantId)}::uuid`;
  if (scope.projectId) sql += ` and t.project_id = ${p.add(scope.projectId)}::uuid`;
  if (scope.since) sql += ` and t.created_at >= ${p.add(scope.since)}`;
  if (scope.until) sql += ` and t.created_at < ${p.add(scope.until)}`;
  if (scope.agent) sql += ` and ${agentClause(type, p.add(scope.agent))}`;
  if (type === 'learning') sql += ` and ${learningStatusClause(scope)}`;
  // A summary telling what a held learning says is held with it (common/server/review-hold.ts); a
  // person's search (includePending) lists those of pending learnings, marked, never of rejected ones.
  if (type === 'summary') sql += ` and not ${summaryHeldSql('t', scope.includePending ? ['rejected'] : HELD_STATUSES)}`;
  return sql;
}

/**
 * The learnings a search finds: active ones, and with `includePending` (a person's search) those
 * waiting for review too. Superseded and rejected ones never.
 */
export const learningStatusClause = (scope: Pick<SearchScope, 'includePending'>): string => (scope.includePending ? `t.status in ('active', 'pending')` : `t.status = 'active'`);

/** Records of `type` (alias `t`) that sessions of the agent in parameter `agent` produced. */
export function agentClause(type: RecordType, agent: string): string {
  const ofAgent = `coalesce(sa.agent, 'claude-code') = ${agent}`;
  if (type !== 'learning') return `exists (select 1 from sessions sa where sa.id = t.session_id and ${ofAgent})`;
  return `exists (select 1 from learning_sources ls left join observations lo on lo.id = ls.observation_id
      left join summaries lsu on lsu.id = ls.summary_id join sessions sa on sa.id = coalesce(lo.session_id, lsu.session_id)
      where ls.learning_id = t.id and ${ofAgent})`;
}

/**
 * Runs `text` as a named prepared statement (the name is derived from the text). Only for
 * statements whose best plan does not depend on the values: after five runs PostgreSQL may keep a
 * generic plan (the keyword leg, whose plan depends on the words, runs unnamed: keyword.ts).
 */
export async function queryPrepared<R extends QueryResultRow>(pool: PgPool, text: string, values: unknown[]): Promise<R[]> {
  const name = `mf_${crypto.createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  const { rows } = await pool.query<R>({ name, text, values });
  return rows;
}
