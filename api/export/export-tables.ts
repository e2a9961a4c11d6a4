/**
 * What GET /v1/export writes for each table of a project, in dependency order: the columns (as
 * camelCase fields, in a fixed order), the project filter and the keyset order. Values are made
 * deterministic in SQL, so an export of the same data is byte-identical, e.g. before a backup and
 * after its restore: timestamps as ISO 8601 UTC with milliseconds, numerics as numbers, JSON as
 * PostgreSQL prints jsonb, uuid arrays as strings. Generated and derived columns (search_vector,
 * vector_sync_states) and tenant_id/project_id (the project line names them once) are left out.
 */

export type ExportType =
  | 'project'
  | 'session'
  | 'hook_event'
  | 'observation'
  | 'prompt'
  | 'summary'
  | 'learning'
  | 'learning_source'
  | 'learning_revision';

export interface ExportTable {
  type: ExportType;
  /** Select list: `expr AS "field"`, in output order (table alias t). */
  columns: string;
  /** FROM and WHERE; $1 is the project id. */
  from: string;
  /** Timestamp column that, with t.id, orders the rows (the keyset). */
  orderAt: string;
  /** Fields selected as JSON text, written into the line as they are. */
  rawJson?: readonly string[];
}

/** ISO 8601 in UTC with milliseconds (what timestamptz(3) holds), independent of the session's TimeZone. */
export const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const cols = (list: [string, string][]) => list.map(([expr, field]) => `${expr} AS "${field}"`).join(', ');

/** The project row (looked up by tenant and name before streaming starts). */
export const PROJECT_COLUMNS = cols([
  ['t.id', 'id'],
  ['t.tenant_id', 'tenantId'],
  ['t.name', 'name'],
  ['t.root_path', 'rootPath'],
  [iso('t.created_at'), 'createdAt'],
  [iso('t.updated_at'), 'updatedAt'],
  [iso('t.last_seen_at'), 'lastSeenAt'],
]);

export const EXPORT_TABLES: readonly ExportTable[] = [
  {
    type: 'session',
    from: 'sessions t WHERE t.project_id = $1',
    orderAt: 't.started_at',
    columns: cols([
      ['t.id', 'id'],
      ['t.agent_session_id', 'agentSessionId'],
      ['t.status::text', 'status'],
      ['t.workflow_id', 'workflowId'],
      ['t.cwd', 'cwd'],
      ['t.transcript_path', 'transcriptPath'],
      [iso('t.started_at'), 'startedAt'],
      [iso('t.ended_at'), 'endedAt'],
      [iso('t.last_event_at'), 'lastEventAt'],
      ['t.event_count', 'eventCount'],
      [iso('t.updated_at'), 'updatedAt'],
    ]),
  },
  {
    type: 'hook_event',
    from: 'hook_events t WHERE t.project_id = $1',
    orderAt: 't.received_at',
    rawJson: ['payload'],
    columns: cols([
      ['t.id', 'id'],
      ['t.session_id', 'sessionId'],
      ['t.event::text', 'event'],
      ['t.sequence', 'sequence'],
      ['t.idempotency_key', 'idempotencyKey'],
      ['t.tool_name', 'toolName'],
      ['t.tool_use_id', 'toolUseId'],
      ['t.payload::text', 'payload'],
      ['t.original_bytes', 'originalBytes'],
      ['t.truncated', 'truncated'],
      [iso('t.received_at'), 'receivedAt'],
      [iso('t.occurred_at'), 'occurredAt'],
      [iso('t.processed_at'), 'processedAt'],
    ]),
  },
  {
    type: 'observation',
    from: 'observations t WHERE t.project_id = $1',
    orderAt: 't.created_at',
    columns: cols([
      ['t.id', 'id'],
      ['t.session_id', 'sessionId'],
      ['t.kind::text', 'kind'],
      ['t.sequence', 'sequence'],
      ['t.tool_name', 'toolName'],
      ['t.tool_use_id', 'toolUseId'],
      ['t.title', 'title'],
      ['t.text', 'text'],
      ['t.token_count', 'tokenCount'],
      ['t.source_event_ids::text[]', 'sourceEventIds'],
      [iso('t.created_at'), 'createdAt'],
    ]),
  },
  {
    type: 'prompt',
    from: 'prompts t WHERE t.project_id = $1',
    orderAt: 't.created_at',
    columns: cols([
      ['t.id', 'id'],
      ['t.session_id', 'sessionId'],
      ['t.ordinal', 'ordinal'],
      ['t.text', 'text'],
      ['t.token_count', 'tokenCount'],
      ['t.source_event_id', 'sourceEventId'],
      [iso('t.created_at'), 'createdAt'],
    ]),
  },
  {
    type: 'summary',
    from: 'summaries t WHERE t.project_id = $1',
    orderAt: 't.created_at',
    columns: cols([
      ['t.id', 'id'],
      ['t.session_id', 'sessionId'],
      ['t.kind::text', 'kind'],
      ['t.title', 'title'],
      ['t.request', 'request'],
      ['t.investigated', 'investigated'],
      ['t.learned', 'learned'],
      ['t.completed', 'completed'],
      ['t.next_steps', 'nextSteps'],
      ['t.text', 'text'],
      ['t.token_count', 'tokenCount'],
      ['t.model', 'model'],
      ['t.tokens_in', 'tokensIn'],
      ['t.tokens_out', 'tokensOut'],
      ['t.cache_read_tokens', 'cacheReadTokens'],
      ['t.cache_write_tokens', 'cacheWriteTokens'],
      ['t.cost_usd::float8', 'costUsd'],
      ['t.offline', 'offline'],
      ['t.from_sequence', 'fromSequence'],
      ['t.to_sequence', 'toSequence'],
      ['t.observation_count', 'observationCount'],
      [iso('t.created_at'), 'createdAt'],
    ]),
  },
  {
    type: 'learning',
    from: 'learnings t WHERE t.project_id = $1',
    orderAt: 't.created_at',
    columns: cols([
      ['t.id', 'id'],
      ['t.kind::text', 'kind'],
      ['t.title', 'title'],
      ['t.body', 'body'],
      ['t.confidence', 'confidence'],
      ['t.status::text', 'status'],
      ['t.fingerprint', 'fingerprint'],
      ['t.strength', 'strength'],
      [iso('t.last_stated_at'), 'lastStatedAt'],
      ['t.token_count', 'tokenCount'],
      [iso('t.valid_from'), 'validFrom'],
      [iso('t.valid_to'), 'validTo'],
      ['t.superseded_by_id', 'supersededById'],
      ['t.origin', 'origin'],
      ['t.tags', 'tags'],
      [iso('t.created_at'), 'createdAt'],
      [iso('t.updated_at'), 'updatedAt'],
    ]),
  },
  {
    type: 'learning_source',
    from: 'learning_sources t JOIN learnings l ON l.id = t.learning_id WHERE l.project_id = $1',
    orderAt: 't.created_at',
    columns: cols([
      ['t.id', 'id'],
      ['t.learning_id', 'learningId'],
      ['t.observation_id', 'observationId'],
      ['t.summary_id', 'summaryId'],
      ['t.evidence', 'evidence'],
      [iso('t.created_at'), 'createdAt'],
    ]),
  },
  {
    type: 'learning_revision',
    from: 'learning_revisions t JOIN learnings l ON l.id = t.learning_id WHERE l.project_id = $1',
    orderAt: 't.created_at',
    columns: cols([
      ['t.id', 'id'],
      ['t.learning_id', 'learningId'],
      ['t.revision', 'revision'],
      ['t.kind::text', 'kind'],
      ['t.title', 'title'],
      ['t.body', 'body'],
      ['t.confidence', 'confidence'],
      ['t.status::text', 'status'],
      ['t.strength', 'strength'],
      ['t.reason', 'reason'],
      ['t.note', 'note'],
      ['t.changed_by', 'changedBy'],
      [iso('t.created_at'), 'createdAt'],
    ]),
  },
];
