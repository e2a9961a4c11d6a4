/**
 * What the summaries read of a session: its project's name, the observations a batch is chosen
 * from, and the provenance of its edits (branch, commit, the code each edit left).
 */
import type { PrismaClient } from '../../common/server/db.js';
import type { Citation } from '../../common/rules/citations.js';
import type { OfflineObservation } from './offline.js';
import { citationsOfToolCall, rememberRead, settleCitations, type ReadFiles } from './summary-citations.js';

/** Candidate rows read per batch: more than any token budget fills with real observations. */
const CANDIDATE_ROWS = 500;
/** A tool call without its result for this long is summarized as it is. */
const OPEN_CALL_GRACE = '15 minutes';

export interface CandidateRow extends OfflineObservation {
  id: string;
  open: boolean;
}

export async function projectName(prisma: PrismaClient, sessionId: string): Promise<string> {
  const s = await prisma.session.findUniqueOrThrow({ where: { id: sessionId }, select: { project: { select: { name: true } } } });
  return s.project.name;
}

/** Observations after `after`, in order, with whether each tool call still waits for its result. */
export function candidates(prisma: PrismaClient, sessionId: string, after: number): Promise<CandidateRow[]> {
  return prisma.$queryRawUnsafe<CandidateRow[]>(
    `SELECT o.id, o.sequence, o.kind::text AS kind, o.tool_name AS "toolName", o.title, o.text, o.token_count AS "tokenCount",
            (o.kind = 'tool' AND o.created_at > now() - interval '${OPEN_CALL_GRACE}' AND NOT EXISTS (
               SELECT 1 FROM hook_events h WHERE h.id = ANY(o.source_event_ids) AND h.event = 'post-tool-use')) AS open
       FROM observations o
      WHERE o.session_id = $1::uuid AND o.sequence > $2
      ORDER BY o.sequence
      LIMIT ${CANDIDATE_ROWS}`,
    sessionId,
    after,
  );
}

/**
 * The session's branch and commit, and the citations of the code each of its edits left (by
 * observation sequence), from the captured post-tool-use payloads.
 */
export async function sessionCitations(prisma: PrismaClient, sessionId: string) {
  const session = await prisma.session.findUniqueOrThrow({ where: { id: sessionId }, select: { gitBranch: true, gitCommit: true, gitRoot: true, cwd: true } });
  const rows = await prisma.$queryRawUnsafe<{ sequence: number; toolName: string; payload: unknown }[]>(
    `SELECT o.sequence, o.tool_name AS "toolName", h.payload
       FROM observations o JOIN hook_events h ON h.id = ANY(o.source_event_ids) AND h.event = 'post-tool-use'
      WHERE o.session_id = $1::uuid AND o.tool_name IN ('Edit', 'MultiEdit', 'Write', 'Read')
      ORDER BY o.sequence`,
    sessionId,
  );
  const root = session.gitRoot ?? session.cwd;
  // An edit without a patch is located in what the session's earlier Reads showed of its file.
  const reads: ReadFiles = new Map();
  const edits: { sequence: number; citations: Citation[] }[] = [];
  for (const r of rows) {
    if (r.toolName === 'Read') rememberRead(reads, r.payload);
    else edits.push({ sequence: r.sequence, citations: citationsOfToolCall(r.toolName, r.payload, root, reads) });
  }
  const citations = settleCitations(edits);
  return { citations, git: { branch: session.gitBranch, commit: session.gitCommit } };
}
