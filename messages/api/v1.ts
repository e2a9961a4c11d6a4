/**
 * The HTTP API's answer shapes (v1), as its clients read them: the CLI, the MCP server, the web
 * viewer, tests and benchmarks. Types only, so every layer (the browser bundle included) may import
 * them; the routes build these answers and GET /openapi.json documents them.
 */

/** A page of a cursor-paginated list. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type SessionStatus = 'active' | 'summarizing' | 'completed' | 'failed';

/** GET /v1/sessions items; GET /v1/sessions/{id} adds `summary`. */
export interface SessionItem {
  id: string;
  project: string;
  status: SessionStatus;
  startedAt: string;
  endedAt: string | null;
  eventCount: number;
  summary?: string | null;
}

/** GET /v1/sessions/{id}/timeline items: a tool call and its result are one item. */
export interface TimelineItem {
  id: string;
  kind: string;
  toolName: string | null;
  toolUseId: string | null;
  createdAt: string;
  text: string;
}

/** GET /v1/search: a compact index. */
export interface SearchHit {
  id: string;
  type: 'observation' | 'summary' | 'learning';
  title: string;
  snippet: string;
  score: number;
  sessionId: string | null;
  createdAt: string;
}

export interface SearchAnswer {
  results: SearchHit[];
  tookMs?: number;
  mode?: string;
  degraded?: boolean;
  degradedReason?: string;
}

/** GET /v1/admin/backups items. */
export interface BackupView {
  id: string;
  scope: string;
  status: string;
  sizeBytes: number | null;
  createdAt: string;
  completedAt: string | null;
  error: string | null;
  /** What a completed backup holds, per table. */
  tables?: { table: string; rows: number; bytes: number }[];
}

/** GET /v1/admin/audit items. */
export interface AuditItem {
  id: string;
  action: string;
  target: string | null;
  outcome: string;
  actorKeyId: string | null;
  details: unknown;
  requestId: string | null;
  createdAt: string;
}

/**
 * GET /v1/admin/jobs/{jobId} (backups, restores, redaction rescans: workflows, by Temporal's status
 * name, lower case) and GET /v1/jobs/{jobId} (project erasures, from their tombstone: `requested`,
 * `erased`, `failed`): one shape for every job.
 */
export interface JobView {
  jobId: string;
  kind: 'backup' | 'restore' | 'redaction.rescan' | 'project.erase';
  status: string;
  /** Why the job failed; null otherwise. */
  error: string | null;
  /** What a completed workflow job returned. */
  result?: unknown;
  /** Project erasures: the project's name, when it was asked for and when it was done. */
  project?: string;
  requestedAt?: string;
  erasedAt?: string | null;
}

/** A cited change of a learning or summary (common/citations.ts makes and checks them). */
export interface Citation {
  /** Repository-relative path with `/` separators (absolute when the file was outside the repository). */
  path: string;
  /** 1-based line range in the file as the session left it (0 when unknown). */
  startLine: number;
  endLine: number;
  /** sha256 (hex, first 16) of the normalized cited lines. */
  hash: string;
  /** Hashes of the normalized lines the change added or wrote (the substance of the citation). */
  lines: string[];
  /** Hashes of the normalized lines the change removed; present again with `lines` gone = reverted. */
  removed?: string[];
  /** For a pure addition: hashes of the unchanged lines around it; there with `lines` gone = reverted. */
  around?: string[];
}
