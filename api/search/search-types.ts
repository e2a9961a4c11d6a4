/** The vocabulary shared by the retrieval modules: record types, filters and ranked lists. */

import type { AgentName } from '../../messages/hooks-v1.js';
import type { RecordType, SearchMode } from '../../messages/record-types-v1.js';

export { SEARCH_MODES } from '../../messages/record-types-v1.js';
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
  /** `pending`: a learning waiting for review (only found with includePending). */
  status?: 'pending';
}

export const refKey = (r: { type: RecordType; id: string }) => `${r.type}:${r.id}`;
