/**
 * Small SQL helpers of the retrieval queries: positional parameters for statements assembled from
 * optional parts, the scope's WHERE clauses, and named (prepared) statements, so that PostgreSQL
 * parses and plans each shape of query once per connection instead of on every search (planning
 * the three-table UNION costs more than running it on a warm index).
 */
import crypto from 'node:crypto';
import type { QueryResultRow } from 'pg';
import type { PgPool } from '../../common/server/pg.js';
import type { SearchScope } from './search-types.js';

export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The WHERE clauses of a scope on table alias `t` (tenant always first: every statement is tenant-bound). */
export function scopeClauses(scope: SearchScope, p: SqlParams): string {
  let sql = `t.tenant_id = ${p.add(scope.tenantId)}::uuid`;
  if (scope.projectId) sql += ` and t.project_id = ${p.add(scope.projectId)}::uuid`;
  if (scope.since) sql += ` and t.created_at >= ${p.add(scope.since)}`;
  if (scope.until) sql += ` and t.created_at < ${p.add(scope.until)}`;
  return sql;
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
