/**
 * Makes hook events durable with group commit: concurrent hook requests share one multi-row
 * statement (ingestMany and INGEST_SQL, below), and each request is answered only after the statement that holds
 * its row committed. While one batch is in the database the next requests gather; a batch that loses
 * a race with a concurrent one (unique violation, deadlock) is run again, then event by event. The
 * same event twice in one batch is written once. After each batch, what it added per session is
 * handed to the dispatcher.
 */
import crypto from 'node:crypto';
import type { PgPool } from '../../common/server/pg.js';
import type { CaptureCounts } from '../../messages/capture-v1.js';
import { agentOfPayload, type HookEventName, TOOL_RESULT_EVENTS } from '../../messages/hooks-v1.js';
import { countTokens } from '../../common/rules/tokens.js';
import { renderEvent } from '../../common/rules/observation.js';

/** A concurrent batch committed the same event first (23505), or the two batches deadlocked (40P01). */
const lostRace = (err: unknown) => ['23505', '40P01'].includes((err as { code?: string }).code ?? '');

export interface IngestBatcher {
  ingest(input: IngestInput): Promise<IngestOutcome>;
  /** Several events in one statement, numbered in this order (one request's batch); an outcome each, in order. */
  ingestAll(inputs: IngestInput[]): Promise<IngestOutcome[]>;
  /** Resolves when every queued event has been written (or failed). */
  drain(): Promise<void>;
}

/** What one committed batch added to one session (the dispatcher's input). */
export interface CapturedBatch extends CaptureCounts {
  sessionId: string;
}

/** Per session, what the fresh (not repeated) events of a batch were. */
export function capturedBy(inputs: IngestInput[], outcomes: IngestOutcome[]): CapturedBatch[] {
  const by = new Map<string, CapturedBatch>();
  inputs.forEach((input, n) => {
    const o = outcomes[n];
    if (!o || o === KEY_REVOKED || o.duplicate) return;
    const c = by.get(o.sessionId) ?? { sessionId: o.sessionId, events: 0, tokens: 0, starts: 0, stops: 0, ends: 0, compacts: 0 };
    c.events++;
    c.tokens += input.item?.tokens ?? 0;
    if (input.event === 'session-start') c.starts++;
    else if (input.event === 'stop') c.stops++;
    else if (input.event === 'session-end') c.ends++;
    else if (input.event === 'pre-compact' || input.event === 'post-compact') c.compacts++;
    by.set(o.sessionId, c);
  });
  return [...by.values()];
}

export interface BatcherOptions {
  /** Called after each committed batch with what it added per session (never throws into the batch). */
  onCaptured?: (sessions: CapturedBatch[]) => void;
  /** Most events in one statement. */
  maxBatch?: number;
  /** Statements in flight at once (each holds a pool connection); 2 by default. */
  maxConcurrent?: number;
  /** Count events from ledger-keeping hook clients on their sessions (the capture ledger; default on). */
  ledger?: boolean;
}

interface Waiting {
  input: IngestInput;
  /** The events of one request that came together (ingestAll): never split over two statements. */
  group?: object;
  resolve(o: IngestOutcome): void;
  reject(err: unknown): void;
}

export function createIngestBatcher(pool: PgPool, opts: BatcherOptions = {}): IngestBatcher {
  const maxBatch = opts.maxBatch ?? 200;
  // Two statements in flight: one committing (its WAL flush) while the next runs. More only split
  // the waiting requests into smaller batches, and each statement has a fixed cost (~3.5 ms of
  // PostgreSQL CPU for planning and commit, one socket write in the API) that a batch shares.
  const maxConcurrent = opts.maxConcurrent ?? 2;
  const ledger = opts.ledger ?? true;
  let queue: Waiting[] = [];
  let running = 0;
  let idle: (() => void)[] = [];

  const write = async (inputs: IngestInput[]): Promise<IngestOutcome[]> => {
    try {
      return await ingestMany(pool, inputs, ledger);
    } catch (err) {
      if (!lostRace(err)) throw err;
    }
    try {
      return await ingestMany(pool, inputs, ledger); // the winner's rows are now visible as duplicates
    } catch (err) {
      if (!lostRace(err)) throw err;
    }
    const out: IngestOutcome[] = [];
    for (const input of inputs) out.push((await ingestMany(pool, [input], ledger))[0]!);
    return out;
  };

  const run = async (batch: Waiting[]) => {
    // The same event twice in one batch: written once, the repeat answered as its duplicate.
    const leaders = new Map<string, Waiting>();
    const repeats: [Waiting, Waiting][] = [];
    for (const w of batch) {
      const k = `${w.input.tenantId}\u0000${w.input.idempotencyKey}`;
      const leader = leaders.get(k);
      if (leader) repeats.push([w, leader]);
      else leaders.set(k, w);
    }
    const unique = [...leaders.values()];
    try {
      const inputs = unique.map((w) => w.input);
      const outcomes = await write(inputs);
      const byWaiting = new Map(unique.map((w, i) => [w, outcomes[i]!]));
      for (const w of unique) w.resolve(byWaiting.get(w)!);
      for (const [w, leader] of repeats) {
        const o = byWaiting.get(leader)!;
        w.resolve(o === KEY_REVOKED ? o : { ...o, duplicate: true });
      }
      try {
        opts.onCaptured?.(capturedBy(inputs, outcomes));
      } catch {
        // the outbox holds what is owed: the sweeper sends it
      }
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  };

  const kick = () => {
    while (running < maxConcurrent && queue.length > 0) {
      // A group (one request's events, in its order) goes into one statement: statements run two at a time, and one
      // session's events split over both could be numbered out of order.
      let n = Math.min(maxBatch, queue.length);
      while (n < queue.length && queue[n]!.group !== undefined && queue[n]!.group === queue[n - 1]!.group) n++;
      const batch = queue.slice(0, n);
      queue = queue.slice(n);
      running++;
      void run(batch).finally(() => {
        running--;
        kick();
      });
    }
    if (running === 0 && queue.length === 0) {
      for (const f of idle) f();
      idle = [];
    }
  };

  return {
    ingest(input) {
      return new Promise<IngestOutcome>((resolve, reject) => {
        queue.push({ input, resolve, reject });
        kick();
      });
    },
    ingestAll(inputs) {
      const group = {};
      const outcomes = inputs.map((input) => new Promise<IngestOutcome>((resolve, reject) => queue.push({ input, group, resolve, reject })));
      kick();
      return Promise.all(outcomes);
    },
    drain() {
      if (running === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((r) => idle.push(r));
    },
  };
}

/**
 * One hook event as the ingest statement takes it (IngestInput), from the event's redacted, fitted
 * payload: the columns the statement fills from the payload (cwd, transcript, tool name and id) and
 * its timeline item and the agent that sent it. The hook route builds every stored event with it
 * (the ledger bench too).
 */
/** The payload after redaction and truncateToFit: the value, its JSON and whether it was cut. */
export interface FittedPayload {
  value: { cwd?: string; transcript_path?: string; tool_name?: string; tool_use_id?: string };
  json: string;
  truncated: boolean;
}

export interface IngestInputArgs extends Pick<IngestInput, 'tenantId' | 'keyId' | 'projectName' | 'agentSessionId' | 'idempotencyKey' | 'originalBytes' | 'requestId' | 'occurredAt' | 'fromLedgerClient'> {
  event: HookEventName;
  fitted: FittedPayload;
}

export function ingestInputOf(a: IngestInputArgs): IngestInput {
  const { fitted, ...rest } = a;
  const payload = fitted.value;
  return {
    ...rest,
    payloadJson: fitted.json,
    truncated: fitted.truncated,
    ...(payload.cwd ? { cwd: payload.cwd } : {}),
    ...(payload.transcript_path ? { transcriptPath: payload.transcript_path } : {}),
    ...(payload.tool_name ? { toolName: payload.tool_name } : {}),
    ...(payload.tool_use_id ? { toolUseId: payload.tool_use_id } : {}),
    item: itemOf(rest.event, payload as Record<string, unknown>),
    ...agentColumns(payload as Record<string, unknown>),
  };
}

function agentColumns(payload: Record<string, unknown>): Pick<IngestInput, 'agent' | 'agentVersion'> {
  const { agent, version } = agentOfPayload(payload);
  return { agent, agentVersion: version };
}

/**
 * The timeline item of a hook event, rendered from its redacted payload before the event is written,
 * so the ingest statement stores event and item together (INGEST_SQL). Token counts are those of
 * budgets and prompts (common/rules/tokens.ts: cl100k_base in plain JavaScript; tiktoken's
 * WebAssembly cost 0.2–0.4 ms per KiB, which at 2,000 events/s is more than this machine's CPU).
 */
export interface RenderedItem {
  kind: string;
  title: string;
  text: string;
  /** Tokens of title and text (the observation's count). */
  tokens: number;
  /** Tokens of the text alone (a prompt's count). */
  promptTokens: number | null;
  /** A tool call's result (post-tool-use or its failure): its rendering wins over the call's. */
  isResult: boolean;
}

export function itemOf(event: HookEventName, payload: Record<string, unknown>): RenderedItem | undefined {
  const r = renderEvent(event, payload);
  if (!r) return undefined;
  return {
    kind: r.kind,
    title: r.title,
    text: r.text,
    tokens: countTokens(`${r.title}\n${r.text}`),
    promptTokens: r.kind === 'prompt' ? countTokens(r.text) : null,
    isResult: TOOL_RESULT_EVENTS.has(event),
  };
}

/**
 * Runs the ingest statement (INGEST_SQL) for a batch of distinct hook events and answers each
 * event's outcome in input order: stored (with its session and sequence), a repeated delivery of a
 * stored event, or refused because its API key was revoked meanwhile (the key cache never lets a
 * revoked key write). Repeated deliveries are recognized by key:
 * - keyed events (Idempotency-Key header, tool_use_id): the stored event with the same key;
 * - body-keyed events (neither): a repeat only of the session's latest event (see idempotencyKey()).
 */
export interface IngestInput {
  tenantId: string;
  /** The API key the event came with: the write is refused if it was revoked meanwhile. */
  keyId: string;
  projectName: string;
  event: HookEventName;
  agentSessionId: string;
  idempotencyKey: string;
  /** The API request's id (x-request-id), kept with the event for the logs downstream. */
  requestId?: string;
  /** When it happened, if not now: an event delivered late from a hook client's spool. */
  occurredAt?: Date;
  /** The redacted payload as JSON (serialized once by the route). */
  payloadJson: string;
  originalBytes: number;
  truncated: boolean;
  cwd?: string;
  transcriptPath?: string;
  toolName?: string;
  toolUseId?: string;
  /** The event's timeline item (none for notifications and unknown events). */
  item?: RenderedItem;
  /** The agent that sent it and its version (agentOfPayload): a new session's row gets its first event's. */
  agent?: string;
  agentVersion?: string | null;
  /** Delivered by a hook client that keeps a capture ledger (X-Memflow-Client): counted on its session. */
  fromLedgerClient?: boolean;
}

export interface IngestResult {
  eventId: string;
  projectId: string;
  sessionId: string;
  sequence: number;
  duplicate: boolean;
  /** A duplicate whose event has already been turned into an observation. */
  processed: boolean;
}

/** The key was revoked (or its tenant erased) after the request was authenticated. */
export const KEY_REVOKED = 'key-revoked' as const;
export type IngestOutcome = IngestResult | typeof KEY_REVOKED;

const toResult = (r: IngestRow): IngestResult => ({
  eventId: r.event_id,
  projectId: r.project_id,
  sessionId: r.session_id,
  sequence: r.sequence,
  duplicate: r.duplicate,
  processed: r.processed,
});

/** Keys derived from the body alone (no Idempotency-Key header, no tool_use_id): see idempotencyKey(). */
const bodyKeyed = (i: IngestInput) => i.idempotencyKey.startsWith('b:');

/** One statement for a batch of distinct events; the outcome of each, in input order. */
export async function ingestMany(pool: PgPool, inputs: IngestInput[], ledger: boolean): Promise<IngestOutcome[]> {
  const outcomes: (IngestOutcome | 'retry')[] = await ingestOnce(pool, inputs, ledger);
  // A project created concurrently is committed by now (the insert waited for it): one more
  // statement sees it. Twice is already a sign of something else, so the loop is bounded.
  for (let round = 0; round < 3 && outcomes.includes('retry'); round++) {
    const again = outcomes.flatMap((o, n) => (o === 'retry' ? [n] : []));
    const redone = await ingestOnce(pool, again.map((n) => inputs[n]!), ledger);
    again.forEach((n, k) => (outcomes[n] = redone[k]!));
  }
  if (outcomes.includes('retry')) throw new Error('ingest: a project stayed invisible after three statements');
  return outcomes as IngestOutcome[];
}

async function ingestOnce(pool: PgPool, inputs: IngestInput[], ledger: boolean): Promise<(IngestOutcome | 'retry')[]> {
  const col = <T>(f: (i: IngestInput) => T) => inputs.map(f);
  // Named: planned once per connection (the API's pool keeps generic plans, common/server/pg.ts).
  const { rows } = await pool.query<IngestRow>({ name: ledger ? INGEST_NAMES.ledger : INGEST_NAMES.plain, text: ledger ? INGEST_SQL.ledger : INGEST_SQL.plain, values: [
    col((i) => i.tenantId),
    col((i) => i.idempotencyKey),
    col((i) => i.projectName),
    col((i) => i.agentSessionId),
    col((i) => i.cwd ?? null),
    col((i) => i.transcriptPath ?? null),
    col((i) => i.event),
    col((i) => i.toolName ?? null),
    col((i) => i.toolUseId ?? null),
    col((i) => i.payloadJson),
    col((i) => i.originalBytes),
    col((i) => i.truncated),
    col(bodyKeyed),
    col((i) => i.requestId ?? null),
    col((i) => i.keyId),
    col((i) => i.item?.kind ?? null),
    col((i) => i.item?.title ?? null),
    col((i) => i.item?.text ?? null),
    col((i) => i.item?.tokens ?? null),
    col((i) => i.item?.promptTokens ?? null),
    col((i) => i.item?.isResult ?? false),
    col((i) => i.occurredAt?.toISOString() ?? null),
    col((i) => i.agent ?? null),
    col((i) => i.agentVersion ?? null),
    ...(ledger ? [col((i) => i.fromLedgerClient === true)] : []),
  ] });
  const byOrd = new Map(rows.map((r) => [r.ord, r]));
  return inputs.map((_, n) => {
    const r = byOrd.get(n + 1);
    if (!r) return KEY_REVOKED;
    return r.retry ? 'retry' : toResult(r);
  });
}

/**
 * The one statement that makes a batch of hook events durable (run by ingestMany): it
 * refuses events whose API key was revoked, finds repeated deliveries, creates new projects, advances
 * each session's event counter once by its number of events and inserts the events with consecutive
 * sequences. It also stores each event's timeline item (observation, and prompt), rendered by the
 * route from the redacted payload, so an acknowledged event is at once visible to search and never
 * read back or rewritten; and it adds to each session's outbox row (dispatch.ts) what its workflow is
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
                           tool_name, tool_use_id, payload, original_bytes, truncated, request_id, occurred_at, processed_at, key_id)
  SELECT tenant_id, project_id, session_id, event::hook_event_name, sequence,
         CASE WHEN body_keyed THEN idem || ':' || sequence ELSE idem END,
         tool_name, tool_use_id, payload::jsonb, original_bytes, truncated, request_id, occurred_at, now(), key_id
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

/** The statements' names on each connection (from their text: a changed statement is prepared anew). */
const nameOf = (sql: string) => `mf_ingest_${crypto.createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
const INGEST_NAMES = { ledger: nameOf(INGEST_SQL.ledger), plain: nameOf(INGEST_SQL.plain) };
