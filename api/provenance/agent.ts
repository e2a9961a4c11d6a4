/**
 * Which agent ran a session, and its version: read from the session's first event (and
 * its session-start, should that arrive later) and kept on the session, so that every record it
 * produced — observations, summaries, the learnings they source — says which agent it came from,
 * and search and context can be held to one agent.
 */
import type { PgPool } from '../../common/server/pg.js';
import type { AgentName } from '../../messages/hooks-v1.js';

export async function recordSessionAgent(pool: PgPool, sessionId: string, who: { agent: AgentName; version: string | null }): Promise<void> {
  await pool.query(
    `UPDATE sessions SET agent = $2, agent_version = coalesce($3, agent_version)
      WHERE id = $1::uuid AND (agent IS DISTINCT FROM $2 OR ($3::text IS NOT NULL AND agent_version IS DISTINCT FROM $3))`,
    [sessionId, who.agent, who.version],
  );
}

/** The agent of a session as SQL over the sessions alias `s` (a session stored before its agent was: Claude Code). */
export const agentSql = (s: string) => `coalesce(${s}.agent, 'claude-code')`;
