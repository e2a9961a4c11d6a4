/** The vocabulary shared by the retrieval modules: record types, filters and ranked lists. */

import type { RecordType } from '../../messages/vocabulary-v1.js';

export type { RecordType };
export { SEARCH_MODES, type SearchMode } from '../../messages/vocabulary-v1.js';

/** What every retrieval leg filters by. The tenant is always set: it comes from the API key. */
export interface SearchScope {
  tenantId: string;
  /** Resolved project id; undefined searches every project of the tenant. */
  projectId?: string;
  types: readonly RecordType[];
  since?: Date;
  until?: Date;
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
  createdAt: string;
}

export const refKey = (r: { type: RecordType; id: string }) => `${r.type}:${r.id}`;
