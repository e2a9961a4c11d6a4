/**
 * The one statement that makes a batch of hook events durable (run by ingest-statement.ts): it
 * refuses events whose API key was revoked, finds repeated deliveries, creates new projects, advances
 * each session's event counter once by its number of events and inserts the events with consecutive
 * sequences. It also stores each event's timeline item (observation, and prompt), rendered by the
 * route from the redacted payload, so an acknowledged event is at once visible to search and never
 * read back or rewritten; and it adds to each session's outbox row (outbox.ts) what its workflow is
 * owed; a new session's row says which agent runs it (its first event's). One statement is one
 * implicit transaction, so a batch is all or nothing. Its inputs are one
 * array per column, an element per event; it answers a row per event, by the event's ordinal.
 */

/** One event's outcome, as the statement answers it. */
export interface IngestRow {
  ord: number;
  agent_session_id: string | null;
  event_id: string;
  project_id: string;
  session_id: string;
  sequence: number;
  duplicate: boolean;
  processed: boolean;
  /** Its project was created by a concurrent batch after this statement began: write it again. */
  retry: boolean;
}

/**
 * The statement, with or without the capture ledger's counter (`ledger`: each session's row counts
 * the events stored from hook clients that keep a ledger, in the upsert it already gets). Without
 * it, the statement is the one before the ledger: `MEMFLOW_CAPTURE_LEDGER=0` turns it off, which
 * is how bench/ingest.ts measures what it costs.
 */
// hook_event_name values are stored as the route names (session-start, ...); see schema.prisma.
const ingestSql = (ledger: boolean) => `
WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                       $9::text[], $10::text[], $11::int[], $12::bool[], $13::bool[], $14::text[], $15::uuid[],
                       $16::text[], $17::text[], $18::text[], $19::int[], $20::int[], $21::bool[], $22::timestamptz[], $23::text[], $24::text[]${ledger ? ', $25::bool[]' : ''})
    WITH ORDINALITY AS t(tenant_id, idem, project_name, agent_session_id, cwd, transcript_path, event, tool_name,
                         tool_use_id, payload, original_bytes, truncated, body_keyed, request_id, key_id,
                         item_kind, item_title, item_text, item_tokens, prompt_tokens, item_is_result, occurred_at, agent, agent_version,${ledger ? ' from_client,' : ''} ord)
), valid AS (
  SELECT i.* FROM input i
   WHERE EXISTS (SELECT 1 FROM api_keys k WHERE k.id = i.key_id AND k.tenant_id = i.tenant_id AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()))
), latest AS (
  -- A body-keyed delivery repeats an event only when it is the same as the session's latest event:
  -- the key that event was stored under. Computed apart so that the lookup below is a probe of the
  -- (tenant_id, idempotency_key) index; joined in one step, the planner could scan every event of
  -- the tenant for each delivery (a cost that grew with the tenant's history).
  SELECT v.ord, v.tenant_id, v.idem || ':' || s.event_count AS idem
    FROM valid v
    JOIN projects p ON p.tenant_id = v.tenant_id AND p.name = v.project_name
    JOIN sessions s ON s.tenant_id = v.tenant_id AND s.project_id = p.id AND s.agent_session_id = v.agent_session_id
   WHERE v.body_keyed
), existing AS (
  SELECT k.ord, h.id, h.project_id, h.session_id, h.sequence, h.processed_at
    FROM (SELECT ord, tenant_id, idem FROM valid WHERE NOT body_keyed UNION ALL SELECT ord, tenant_id, idem FROM latest) k
    JOIN hook_events h ON h.tenant_id = k.tenant_id AND h.idempotency_key = k.idem
), fresh AS (
  SELECT v.* FROM valid v WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.ord = v.ord)
), project_new AS (
  -- New projects only: an upsert would lock a known project's row until commit, so every batch of a
  -- busy project would queue behind the one before it.
  INSERT INTO projects (tenant_id, name, last_seen_at, updated_at)
  SELECT DISTINCT tenant_id, project_name, now(), now() FROM fresh ORDER BY 1, 2
  ON CONFLICT (tenant_id, name) DO NOTHING
  RETURNING id, tenant_id, name
), project AS (
  -- Known projects as of this statement's snapshot. One that a concurrent batch created after it
  -- is in neither set: its events are answered 'retry' below and written by the next statement.
  SELECT id, tenant_id, name FROM project_new
  UNION ALL
  SELECT p.id, p.tenant_id, p.name FROM projects p
   WHERE (p.tenant_id, p.name) IN (SELECT tenant_id, project_name FROM fresh)
), touched AS (
  -- last_seen_at moves at most once a minute, so a project's row is rarely locked.
  UPDATE projects p SET last_seen_at = now()
    FROM project k WHERE p.id = k.id AND p.last_seen_at < now() - interval '1 minute'
  RETURNING 1
), per_session AS (
  SELECT f.tenant_id, p.id AS project_id, f.agent_session_id, count(*)::int AS n,
         (array_agg(f.cwd ORDER BY f.ord))[1] AS cwd, (array_agg(f.transcript_path ORDER BY f.ord))[1] AS transcript_path,
         min(coalesce(f.occurred_at, now())) AS started_at,
         -- a new session's agent is its first event's (a later SessionStart restates it: the route)
         (array_agg(f.agent ORDER BY f.ord))[1] AS agent, (array_agg(f.agent_version ORDER BY f.ord))[1] AS agent_version${ledger ? ', (count(*) FILTER (WHERE f.from_client))::int AS from_clients' : ''}
    FROM fresh f JOIN project p ON p.tenant_id = f.tenant_id AND p.name = f.project_name
   GROUP BY f.tenant_id, p.id, f.agent_session_id
), session AS (
  INSERT INTO sessions (tenant_id, project_id, agent_session_id, cwd, transcript_path, event_count, started_at, last_event_at, updated_at, agent, agent_version${ledger ? ', ledger_client_events' : ''})
  SELECT tenant_id, project_id, agent_session_id, cwd, transcript_path, n, started_at, now(), now(), agent, agent_version${ledger ? ', from_clients' : ''} FROM per_session ORDER BY 1, 2, 3
  ON CONFLICT (tenant_id, project_id, agent_session_id) DO UPDATE
     SET event_count = sessions.event_count + excluded.event_count, last_event_at = now(), updated_at = now(),${ledger ? '\n         ledger_client_events = sessions.ledger_client_events + excluded.ledger_client_events,' : ''}
         -- a spooled event delivered late may be the session's earliest
         started_at = LEAST(sessions.started_at, excluded.started_at),
         -- a resumed session (or a late event) is active again until its workflow closes it
         status = 'active', ended_at = NULL,
         -- a row made without its agent (before agents were kept) takes this batch's
         agent_version = CASE WHEN sessions.agent IS NULL THEN excluded.agent_version ELSE sessions.agent_version END,
         agent = coalesce(sessions.agent, excluded.agent)
  RETURNING id, tenant_id, project_id, agent_session_id, event_count
), numbered AS (
  SELECT f.*, s.project_id, s.id AS session_id, s.agent_session_id AS agent_session,
         (s.event_count - count(*) OVER (PARTITION BY s.id) + row_number() OVER (PARTITION BY s.id ORDER BY f.ord))::int AS sequence
    FROM fresh f
    JOIN project p ON p.tenant_id = f.tenant_id AND p.name = f.project_name
    JOIN session s ON s.tenant_id = f.tenant_id AND s.project_id = p.id AND s.agent_session_id = f.agent_session_id
), inserted AS (
  INSERT INTO hook_events (tenant_id, project_id, session_id, event, sequence, idempotency_key,
                           tool_name, tool_use_id, payload, original_bytes, truncated, request_id, occurred_at, processed_at)
  SELECT tenant_id, project_id, session_id, event::hook_event_name, sequence,
         CASE WHEN body_keyed THEN idem || ':' || sequence ELSE idem END,
         tool_name, tool_use_id, payload::jsonb, original_bytes, truncated, request_id, occurred_at, now()
    FROM numbered
  RETURNING id, session_id, sequence
), item AS (
  SELECT n.*, i.id AS event_id FROM numbered n JOIN inserted i ON i.session_id = n.session_id AND i.sequence = n.sequence
   WHERE n.item_kind IS NOT NULL
), tool_call AS (
  -- One observation per tool call: its result's rendering if the batch has it, its events' ids,
  -- the sequence of its first event, the time of the earliest; merged below with what earlier batches stored.
  SELECT DISTINCT ON (session_id, tool_use_id) tenant_id, project_id, session_id, tool_name, tool_use_id,
         item_title, item_text, item_tokens, item_is_result,
         min(sequence) OVER w AS sequence, array_agg(event_id) OVER w AS source_ids,
         min(coalesce(occurred_at, now())) OVER w AS created_at
    FROM item WHERE item_kind = 'tool' AND tool_use_id IS NOT NULL
  WINDOW w AS (PARTITION BY session_id, tool_use_id)
   ORDER BY session_id, tool_use_id, item_is_result DESC, ord
), tool_result AS (
  INSERT INTO observations (tenant_id, project_id, session_id, kind, sequence, tool_name, tool_use_id, title, text, token_count, source_event_ids, created_at)
  SELECT tenant_id, project_id, session_id, 'tool', sequence, tool_name, tool_use_id, item_title, item_text, item_tokens, source_ids, created_at
    FROM tool_call WHERE item_is_result ORDER BY session_id, tool_use_id
  ON CONFLICT (session_id, tool_use_id) DO UPDATE SET
     sequence = LEAST(observations.sequence, excluded.sequence), created_at = LEAST(observations.created_at, excluded.created_at), title = excluded.title, text = excluded.text,
     token_count = excluded.token_count, source_event_ids = observations.source_event_ids || excluded.source_event_ids
  RETURNING 1
), tool_call_only AS (
  INSERT INTO observations (tenant_id, project_id, session_id, kind, sequence, tool_name, tool_use_id, title, text, token_count, source_event_ids, created_at)
  SELECT tenant_id, project_id, session_id, 'tool', sequence, tool_name, tool_use_id, item_title, item_text, item_tokens, source_ids, created_at
    FROM tool_call WHERE NOT item_is_result ORDER BY session_id, tool_use_id
  ON CONFLICT (session_id, tool_use_id) DO UPDATE SET
     sequence = LEAST(observations.sequence, excluded.sequence), created_at = LEAST(observations.created_at, excluded.created_at),
     source_event_ids = observations.source_event_ids || excluded.source_event_ids
  RETURNING 1
), other_item AS (
  INSERT INTO observations (tenant_id, project_id, session_id, kind, sequence, tool_name, title, text, token_count, source_event_ids, created_at)
  SELECT tenant_id, project_id, session_id, item_kind::observation_kind, sequence, tool_name, item_title, item_text, item_tokens, ARRAY[event_id],
         coalesce(occurred_at, now())
    FROM item WHERE NOT (item_kind = 'tool' AND tool_use_id IS NOT NULL)
  ON CONFLICT (session_id, sequence) DO NOTHING
  RETURNING 1
), prompt AS (
  INSERT INTO prompts (tenant_id, project_id, session_id, ordinal, text, token_count, source_event_id, created_at)
  SELECT tenant_id, project_id, session_id,
         (SELECT count(*) FROM prompts p WHERE p.session_id = item.session_id) + row_number() OVER (PARTITION BY session_id ORDER BY sequence),
         item_text, prompt_tokens, event_id, coalesce(occurred_at, now())
    FROM item WHERE item_kind = 'prompt'
  RETURNING 1
), owed AS (
  INSERT INTO session_signals (session_id, tenant_id, project_id, agent_session_id, events, tokens, starts, stops, ends, compacts, through_sequence)
  SELECT session_id, tenant_id, project_id, agent_session, count(*)::int, coalesce(sum(item_tokens), 0)::int,
         (count(*) FILTER (WHERE event = 'session-start'))::int, (count(*) FILTER (WHERE event = 'stop'))::int,
         (count(*) FILTER (WHERE event = 'session-end'))::int, (count(*) FILTER (WHERE event IN ('pre-compact', 'post-compact')))::int,
         max(sequence)
    FROM numbered GROUP BY session_id, tenant_id, project_id, agent_session ORDER BY session_id
  ON CONFLICT (session_id) DO UPDATE SET
    events = session_signals.events + excluded.events, tokens = session_signals.tokens + excluded.tokens,
    starts = session_signals.starts + excluded.starts, stops = session_signals.stops + excluded.stops,
    ends = session_signals.ends + excluded.ends, compacts = session_signals.compacts + excluded.compacts,
    through_sequence = GREATEST(session_signals.through_sequence, excluded.through_sequence), updated_at = now()
  RETURNING 1
)
SELECT n.ord::int AS ord, i.id::text AS event_id, n.project_id::text AS project_id, i.session_id::text AS session_id,
       n.agent_session AS agent_session_id, i.sequence, false AS duplicate, false AS processed, false AS retry
  FROM inserted i JOIN numbered n ON n.session_id = i.session_id AND n.sequence = i.sequence
UNION ALL
SELECT ord::int, id::text, project_id::text, session_id::text, NULL, sequence, true, processed_at IS NOT NULL, false FROM existing
UNION ALL
SELECT f.ord::int, NULL, NULL, NULL, NULL, NULL, false, false, true FROM fresh f
 WHERE NOT EXISTS (SELECT 1 FROM project k WHERE k.tenant_id = f.tenant_id AND k.name = f.project_name)`;
export const INGEST_SQL = { ledger: ingestSql(true), plain: ingestSql(false) };
