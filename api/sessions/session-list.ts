/**
 * Sessions as people look for them: each with a title (its final summary's title once there is one,
 * else its first prompt), the agent that ran it, and for a running session when the idle timeout
 * closes it. GET /v1/sessions filters by project (exact, or `projectMatch`: a part of the name), agent
 * and `q` (every word must occur in the title, the first prompt, the project or the session id), so a
 * person finds a session among thousands by what it was about. GET /v1/projects lists the tenant's
 * projects for filters that suggest what exists.
 */
import { z } from 'zod';
import type { PgPool } from '../../common/server/pg.js';
import { DEFAULT_LIMIT, encodeCursor, MAX_LIMIT } from '../pagination.js';
import { agentSql } from '../provenance/agent.js';
import { agentParam, limitParam, projectParam, textParam } from '../validation.js';

/** The first prompt as a list shows it (a title is a line, not a page). */
export const FIRST_PROMPT_CHARS = 300;
const TITLE_CHARS = 120;

/** The agent of a session, as SQL over `sessions s` (see api/provenance/agent.ts). */
const AGENT_SQL = agentSql('s');

const words = textParam(200)
  .optional()
  .transform((raw) => (raw ?? '').toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8));

export const sessionsQuery = z.object({
  project: projectParam,
  projectMatch: textParam(128).optional().describe('a part of the project name, any case (the viewer\'s project filter)'),
  agent: agentParam.describe('only sessions of this agent'),
  q: words.describe('words that must all occur in the title, the first prompt, the project or the session id (any case)'),
  cursor: z.string().optional(),
  limit: limitParam(DEFAULT_LIMIT, MAX_LIMIT),
});
export type SessionsQuery = z.output<typeof sessionsQuery>;

export interface SessionRow {
  id: string;
  agent_session_id: string;
  project_id: string;
  project: string;
  status: 'active' | 'summarizing' | 'completed' | 'failed';
  started_at: Date;
  ended_at: Date | null;
  last_event_at: Date | null;
  event_count: number;
  first_prompt: string | null;
  summary_title: string | null;
  agent: string;
  agent_version: string | null;
}

/** `%`, `_` and `\` taken literally in ILIKE. */
const likeLiteral = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The columns every listing reads, over `sessions s JOIN projects p`. */
export const SESSION_COLUMNS = `s.id::text, s.agent_session_id, s.project_id::text, p.name AS project, s.status::text AS status, s.started_at, s.ended_at, s.last_event_at, s.event_count,
       fp.text AS first_prompt, fs.title AS summary_title, ${AGENT_SQL} AS agent, s.agent_version`;
/** The first prompt and the latest final summary's title of `sessions s`. */
export const SESSION_JOINS = `
  LEFT JOIN LATERAL (SELECT left(pr.text, ${FIRST_PROMPT_CHARS}) AS text FROM prompts pr WHERE pr.session_id = s.id ORDER BY pr.ordinal LIMIT 1) fp ON true
  LEFT JOIN LATERAL (SELECT su.title FROM summaries su WHERE su.session_id = s.id AND su.kind = 'final' ORDER BY su.created_at DESC LIMIT 1) fs ON true`;

export async function listSessions(
  pool: PgPool,
  tenantId: string,
  query: SessionsQuery,
  after: { at: Date; id: string } | undefined,
  /** The projects a limited key may see (without a project named, its sessions are theirs). */
  within?: readonly string[],
): Promise<{ rows: SessionRow[]; nextCursor: string | null }> {
  const params: unknown[] = [tenantId];
  const where = ['s.tenant_id = $1::uuid'];
  const param = (v: unknown) => `$${params.push(v)}`;
  if (query.project) where.push(`p.name = ${param(query.project)}`);
  if (within) where.push(`p.name = ANY(${param([...within])}::text[])`);
  if (query.projectMatch?.trim()) where.push(`p.name ILIKE ${param(`%${likeLiteral(query.projectMatch.trim())}%`)}`);
  if (query.agent) where.push(`${AGENT_SQL} = ${param(query.agent)}`);
  for (const w of query.q) {
    const p = param(`%${likeLiteral(w)}%`);
    where.push(`(fp.text ILIKE ${p} OR fs.title ILIKE ${p} OR p.name ILIKE ${p} OR s.agent_session_id ILIKE ${p})`);
  }
  if (after) where.push(`(s.started_at, s.id) < (${param(after.at)}::timestamptz, ${param(after.id)}::uuid)`);
  const { rows } = await pool.query<SessionRow>(
    `SELECT ${SESSION_COLUMNS}
       FROM sessions s JOIN projects p ON p.id = s.project_id ${SESSION_JOINS}
      WHERE ${where.join(' AND ')}
      ORDER BY s.started_at DESC, s.id DESC LIMIT ${param(query.limit + 1)}`,
    params,
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > query.limit && last ? encodeCursor([last.started_at.toISOString(), last.id]) : null };
}

/** One session of the tenant by the agent's id (the newest when the id is in several projects). */
export async function findSessionRow(pool: PgPool, tenantId: string, agentSessionId: string, project: string | undefined): Promise<SessionRow | undefined> {
  const { rows } = await pool.query<SessionRow>(
    `SELECT ${SESSION_COLUMNS}
       FROM sessions s JOIN projects p ON p.id = s.project_id ${SESSION_JOINS}
      WHERE s.tenant_id = $1::uuid AND s.agent_session_id = $2 AND ($3::text IS NULL OR p.name = $3)
      ORDER BY s.started_at DESC LIMIT 1`,
    [tenantId, agentSessionId, project ?? null],
  );
  return rows[0];
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
const shorten = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1).trimEnd()}…`);

/** What a list shows as the session's name: the final summary's title, else the first prompt, shortened. */
export function sessionTitle(row: Pick<SessionRow, 'first_prompt' | 'summary_title'>): string | null {
  // The offline summarizer marks its titles "[offline]": a list names the session, not the summarizer.
  const summary = row.summary_title ? oneLine(row.summary_title).replace(/^\[offline\]\s*/i, '') : '';
  if (summary) return shorten(summary, TITLE_CHARS);
  const prompt = row.first_prompt ? oneLine(row.first_prompt) : '';
  return prompt ? shorten(prompt, TITLE_CHARS) : null;
}

/** A row as the API's session list item; `status` may come from the running workflow. */
export function sessionItem(row: SessionRow, idleTimeoutMs: number, status: SessionRow['status'] = row.status) {
  const last = row.last_event_at ?? row.started_at;
  return {
    id: row.agent_session_id,
    project: row.project,
    status,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    eventCount: row.event_count,
    title: sessionTitle(row),
    firstPrompt: row.first_prompt ? oneLine(row.first_prompt) : null,
    agent: row.agent,
    agentVersion: row.agent_version,
    lastEventAt: row.last_event_at,
    idleClosesAt: status === 'active' ? new Date(last.getTime() + idleTimeoutMs) : null,
  };
}

export interface ProjectRow {
  name: string;
  sessions: number;
  last_activity_at: Date | null;
  agents: string[];
}

/** The tenant's projects, most recently active first (erased ones are gone with their rows). */
export async function listProjects(pool: PgPool, tenantId: string, limit: number): Promise<ProjectRow[]> {
  const { rows } = await pool.query<ProjectRow>(
    `SELECT p.name, count(s.id)::int AS sessions, max(COALESCE(s.last_event_at, s.started_at)) AS last_activity_at,
            COALESCE(array_agg(DISTINCT ${AGENT_SQL}) FILTER (WHERE s.id IS NOT NULL), '{}') AS agents
       FROM projects p LEFT JOIN sessions s ON s.project_id = p.id
      WHERE p.tenant_id = $1::uuid
      GROUP BY p.id, p.name
      ORDER BY max(COALESCE(s.last_event_at, s.started_at)) DESC NULLS LAST, p.name LIMIT $2`,
    [tenantId, limit],
  );
  return rows;
}
