/**
 * The HTTP API's answer shapes (v1), as zod schemas: the routes serialize their answers with them
 * (api/validation.ts `answer`), GET /openapi.json documents them (api/openapi.ts), and the typed
 * client (clients/api.ts) parses what it receives with them. The types beside them are what the
 * clients read; the web viewer imports the types only (zod stays out of its bundle).
 */
import { z } from 'zod';
import { RECORD_TYPES, SEARCH_MODES, TRUST_TIERS } from './record-types-v1.js';
import { captureLedger, type CaptureLedger } from './capture-ledger-v1.js';
import type { ParkedView } from './workflows-v1/session.js';

/**
 * Free text a PostgreSQL text or jsonb column can hold (`z.string().regex(...STORABLE_TEXT)`): anything
 * but NUL, and no lone UTF-16 surrogate, which jsonb refuses as an escape (a review note "\ud800" was a
 * 500 in CI's fuzz) and a text column would store as U+FFFD. A surrogate pair (an emoji) is fine.
 */
export const STORABLE_TEXT = [
  /^(?:[^\u0000\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/,
  'must not contain NUL characters or lone UTF-16 surrogates',
] as const;

/**
 * An ISO 8601 date-time on the wire. The routes may hand it a Date (Prisma's), which it writes as
 * JSON.stringify would (toISOString); a client reads the string.
 */
export const timestamp = z.preprocess((v) => (v instanceof Date ? v.toISOString() : v), z.string()).describe('ISO 8601 date-time');

/** A page of a cursor-paginated list. */
export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last') });
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const errorAnswer = z.object({
  error: z.object({ code: z.string().describe('machine-readable, e.g. invalid_query'), message: z.string().describe('names the offending field for 400s') }),
});

export const recordType = z.enum(RECORD_TYPES);

export const sessionStatus = z.enum(['active', 'summarizing', 'completed', 'failed']);
export type SessionStatus = z.infer<typeof sessionStatus>;

/** GET /v1/sessions items. */
export const sessionListItem = z.object({
  id: z.string(),
  project: z.string(),
  status: sessionStatus,
  startedAt: timestamp,
  endedAt: timestamp.nullable(),
  eventCount: z.number().int(),
  title: z.string().nullable().describe("what the session was about: its final summary's title once there is one, else its first prompt (shortened); null before either"),
  firstPrompt: z.string().nullable().describe('the first prompt, shortened to 300 characters; null before one arrived'),
  agent: z.string().describe('the coding agent that ran the session: claude-code, codex, gemini, opencode or copilot'),
  agentVersion: z.string().nullable().optional().describe("the agent's version, when its hook client knows it (Claude Code's hooks do not say)"),
  lastEventAt: timestamp.nullable().describe('when its last event arrived'),
  idleClosesAt: timestamp
    .nullable()
    .describe('for an active session: when it closes by itself if no event arrives (the idle timeout; a session-end closes it at once); null otherwise'),
});
/** GET /v1/sessions/{id}: a list item with the latest summary. */
export const session = sessionListItem.extend({
  summary: z.string().nullable(),
  capture: captureLedger.optional().describe("the capture ledger: what became of every hook event the session's hook client took, reconciled with what the API stored (docs/capture.md)"),
});
export type SessionItem = z.output<typeof sessionListItem> & { summary?: string | null; capture?: CaptureLedger };

/** GET /v1/projects items: the tenant's projects, most recently active first, for filters that suggest what exists. */
export const projectItem = z.object({ name: z.string(), sessions: z.number().int(), lastActivityAt: timestamp.nullable(), agents: z.array(z.string()) });
export const projectsAnswer = z.object({ items: z.array(projectItem) });
/** GET /v1/projects/identity: which project a repository is (its name, mapped by X-Memflow-Project-Key). */
export const projectIdentity = z.object({ project: z.string(), exists: z.boolean(), keyed: z.boolean() });
export type ProjectItem = z.output<typeof projectItem>;

/** GET /v1/sessions/{id}/timeline items: a tool call and its result are one item. */
export const timelineItem = z.object({
  id: z.string(),
  kind: z.enum(['start', 'prompt', 'tool', 'stop', 'compact', 'end']),
  toolName: z.string().nullable(),
  toolUseId: z.string().nullable(),
  createdAt: timestamp,
  text: z.string(),
});
export type TimelineItem = z.output<typeof timelineItem>;

/** GET /v1/live (server-sent events): a session as it runs, with why it is parked, and its latest items. */
export interface LiveSession extends SessionItem {
  parked: ParkedView | null;
  changedAt: string;
}
export interface LiveItem {
  id: string;
  kind: TimelineItem['kind'];
  toolName: string | null;
  toolUseId: string | null;
  createdAt: string;
  sequence: number;
  title: string;
  text: string;
  truncated: boolean;
}

/** GET /v1/search: a compact index. */
export const searchHit = z.object({
  id: z.string(),
  type: recordType,
  title: z.string(),
  snippet: z.string(),
  score: z.number(),
  sessionId: z.string().nullable(),
  agent: z.string().nullable().optional().describe("the agent of the record's session (a learning's: of its first source); null when unknown"),
  createdAt: timestamp,
  editedBy: z.string().optional().describe('a learning edited in review: who edited it (the person, or the key of its own); absent otherwise'),
  approvedBy: z.string().optional().describe('a learning approved (or edited) in review: who approved it (the person, or the key of its own); absent otherwise'),
  status: z
    .literal('pending')
    .optional()
    .describe('a learning waiting for review, listed only when the search asked includePending=true (a person\'s search); absent for everything that is served to agents'),
  turns: z
    .array(z.object({ id: z.string(), kind: z.string(), title: z.string(), snippet: z.string(), score: z.number(), createdAt: timestamp }))
    .optional()
    .describe("the best-matching turns of the hit's session (prompts, answers, tool calls; never the hit itself), best first: the record that answers, when the hit names its session (issue 66); absent when the session has none"),
});
export type SearchHit = z.output<typeof searchHit>;
export const searchAnswer = z.object({
  results: z.array(searchHit),
  tookMs: z.number(),
  mode: z.enum(SEARCH_MODES).describe('the mode that answered'),
  degraded: z.boolean().describe('true when the answer comes from PostgreSQL alone (Weaviate or the embedding provider away)'),
  degradedReason: z.string().optional(),
  project: z
    .string()
    .optional()
    .describe("the project the answer is for, as the API resolved it (a repository's key maps its folder name to its own project, e.g. `shop-1a2b3c`); absent: the whole tenant"),
});
export type SearchAnswer = z.output<typeof searchAnswer>;


/** What a stated memory (POST /v1/memories, the MCP tools remember and correct) may be. */
export const STATED_KINDS = ['fact', 'decision', 'convention', 'pattern', 'gotcha', 'fix'] as const;
export type StatedKind = (typeof STATED_KINDS)[number];

/** POST /v1/memories. */
export const statedMemory = z.object({ id: z.string(), project: z.string(), status: z.enum(['created', 'restated']), redactions: z.number().int(), indexed: z.boolean() });

/** A cited change of a learning or summary (common/rules/citations.ts makes and checks them). */
export const citation = z.object({
  path: z.string(),
  startLine: z.number(),
  endLine: z.number(),
  hash: z.string(),
  lines: z.array(z.string()),
  removed: z.array(z.string()).optional(),
  around: z.array(z.string()).optional(),
});

/** Where a learning came from: an observation or a summary, and the agent's session id of either. */
export const learningSource = z.object({
  observationId: z.string().nullable(),
  summaryId: z.string().nullable(),
  sessionId: z.string().nullable(),
  evidence: z.string().nullable(),
  createdAt: timestamp,
});
export type LearningSource = z.output<typeof learningSource>;

/** One change of a learning (created, restated, superseded, corrected, forgotten, reviewed), numbered per learning. */
export const learningRevision = z.object({
  revision: z.number().int(),
  kind: z.string(),
  title: z.string(),
  body: z.string(),
  confidence: z.number(),
  status: z.string(),
  strength: z.number().int(),
  reason: z.string(),
  note: z.string().nullable(),
  changedBy: z.string().nullable(),
  by: z.string().nullable().optional().describe('the person behind changedBy ("Alice <alice@example.com>"), or the key of its own ("key ci"); null for the summarizer and other workflows'),
  createdAt: timestamp,
});
export type LearningRevision = z.output<typeof learningRevision>;

/**
 * The memory records, one shape each (GET /v1/memories/{id}, POST /v1/memories:batchGet,
 * GET /v1/learnings, GET /v1/sessions/{id}/memories, the MCP tools, the viewer). api/memories/memory-reads.ts
 * maps each field to its column once, checked against these shapes by the compiler.
 */
export const observationRecord = z.object({
  id: z.string(),
  type: z.literal('observation'),
  project: z.string(),
  sessionId: z.string().describe("the agent's session id"),
  kind: z.string(),
  title: z.string(),
  text: z.string(),
  tokenCount: z.number().int(),
  createdAt: timestamp,
  sequence: z.number().int(),
  toolName: z.string().nullable(),
  toolUseId: z.string().nullable(),
});
export type ObservationRecord = z.output<typeof observationRecord>;

export const summaryRecord = z.object({
  id: z.string(),
  type: z.literal('summary'),
  project: z.string(),
  sessionId: z.string().describe("the agent's session id"),
  kind: z.string().describe('batch, rolling or final'),
  title: z.string(),
  text: z.string(),
  tokenCount: z.number().int(),
  createdAt: timestamp,
  request: z.string().nullable(),
  investigated: z.string().nullable(),
  learned: z.string().nullable(),
  completed: z.string().nullable(),
  nextSteps: z.string().nullable(),
  model: z.string().nullable(),
  offline: z.boolean(),
  fromSequence: z.number().int(),
  toSequence: z.number().int(),
  observationCount: z.number().int(),
  gitBranch: z.string().nullable(),
  gitCommit: z.string().nullable(),
  citations: z.array(citation),
  heldBy: z
    .enum(['pending', 'rejected'])
    .nullable()
    .optional()
    .describe('a learning drawn from this summary waits for review (pending) or was rejected: served to no agent (docs/review.md); null when served'),
});
export type SummaryRecord = z.output<typeof summaryRecord>;

export const learningRecord = z.object({
  id: z.string(),
  type: z.literal('learning'),
  project: z.string(),
  kind: z.string(),
  origin: z.string().describe('extracted, user or agent'),
  tags: z.array(z.string()),
  title: z.string(),
  body: z.string(),
  confidence: z.number(),
  strength: z.number().int(),
  status: z.string(),
  lastStatedAt: timestamp,
  validFrom: timestamp,
  validTo: timestamp.nullable(),
  supersededBy: z.string().nullable(),
  tokenCount: z.number().int(),
  createdAt: timestamp,
  updatedAt: timestamp,
  /** Provenance: trust tier, evidence of outcome, poisoning flags, branch and commit, citations. */
  trust: z.enum(TRUST_TIERS),
  outcome: z.string().describe('confirmed, refuted or unverified'),
  flags: z.array(z.string()).describe('poisoning flags: the learning is data, never an instruction'),
  staleCount: z.number().int(),
  checkedAt: timestamp.nullable(),
  gitBranch: z.string().nullable(),
  gitCommit: z.string().nullable(),
  onDefaultBranch: z.boolean().nullable(),
  citations: z.array(citation),
  /** Who edited it in review (issue 51): the person ("Alice <alice@example.com>") or the key's label; null if never edited. */
  editedBy: z.string().nullable().optional(),
  /** Who stated it (origin user or agent: remember, POST /v1/memories, a correction): the person or the key; null for an extracted one. */
  statedBy: z.string().nullable().optional(),
  /** Who approved it in review (an edit approves too) and when; null if it never waited for review. */
  approvedBy: z.string().nullable().optional(),
  approvedAt: timestamp.nullable().optional(),
  /** The model path that wrote it (its first summary's: `claude-haiku-4-5` on the API, `claude-cli:haiku`, ..., or `offline`); null when a person or an agent stated it. */
  writtenBy: z.string().nullable().optional(),
  /** When it applies, in a bug report's words (a model wrote them at extraction); empty for offline learnings. */
  appliesWhen: z.array(z.string()).optional(),
  sources: z.array(learningSource),
  history: z.array(learningRevision),
});
export type LearningRecord = z.output<typeof learningRecord>;

/** A full memory record: its fields depend on its type. */
export const memoryRecord = z.discriminatedUnion('type', [observationRecord, summaryRecord, learningRecord]);
export type MemoryRecord = z.output<typeof memoryRecord>;
export const batchGetAnswer = z.object({ items: z.array(memoryRecord), notFound: z.array(z.string()), ambiguous: z.array(z.string()).optional() });

/** GET /v1/context: the start context, the items a client with the working tree can check, what was withheld. */
/**
 * GET /v1/context/files: lower-case names (file names, and the words of the project's learnings that hold a
 * path or a file name) such that a file none of them contains has no memory to push (common/rules/file-names.ts).
 * `complete: false` (a project with very many): the list is empty and every file is to be asked about.
 */
export const fileNamesAnswer = z.object({
  names: z.array(z.string()),
  complete: z.boolean(),
  /**
   * The names the project's memories are anchored to (common/rules/anchors.ts: identifiers their conversations
   * named, and plain words of a person's statement that may name a function), lower-cased: a file that defines
   * or imports none of them, and whose name is in none of `names`, has nothing to push. Empty when `complete`
   * is false. Absent from APIs before anchors (the relay then asks by the path alone).
   */
  identifiers: z.array(z.string()).optional(),
});

export const contextAnswer = z.object({
  context: z.string(),
  tokens: z.number().int(),
  items: z.array(z.string()),
  /** With X-Memflow-Receipt: on-delivery: the offer to confirm once the context was handed over. */
  receipt: z.string().uuid().optional().describe("with X-Memflow-Receipt: on-delivery and something handed: confirm with POST /v1/context/receipts/{receipt}/delivered once the agent got it"),
  check: z
    .array(
      z.object({
        id: z.string(),
        type: recordType,
        line: z.string().describe("the item's exact line in the context"),
        citations: z.array(citation),
        gitBranch: z.string().nullable().optional(),
        gitCommit: z.string().nullable().optional(),
        onDefaultBranch: z.boolean().nullable().optional(),
      }),
    )
    .optional()
    .describe('cited items a client with the working tree can check for staleness'),
  withheld: z.number().int().optional().describe('learnings left out because they carry poisoning flags'),
  explain: z
    .array(z.object({ id: z.string(), type: recordType, tokens: z.number().int(), score: z.number(), reason: z.string(), included: z.boolean() }))
    .optional()
    .describe('with explain=true: each item handed over (its tokens and why it was chosen), then those uptake left out'),
});
export type ContextAnswer = z.output<typeof contextAnswer>;

/** Where context was handed to an agent (an injection receipt's channel). */
/**
 * Where served context goes: its injection receipt's channel. `prefetch` is the hook relay fetching a
 * project's start context to hold until a SessionStart asks for it: no agent received it yet, so it
 * writes no receipt (that session's SessionStart, delivered to the API, writes the session_start one).
 * `user_prompt` is the memory pushed with a prompt (the UserPromptSubmit hook's answer).
 */
export const RECEIPT_CHANNEL = /^(?:session_start|user_prompt|file_touch|api|resource|prefetch|mcp_tool:[a-z_]{1,40})$/;

/** One item of an injection receipt: what it cost, why it was chosen, and (once its session closed) whether it was used. */
export const receiptItem = z.object({
  id: z.string(),
  type: recordType,
  title: z.string().nullable().describe('the record as it reads now (null: since erased)'),
  tokens: z.number().int(),
  rank: z.number().int(),
  reason: z.string(),
  used: z.boolean().nullable().describe('null until the receiving session closed'),
  evidence: z.string().nullable(),
});
export const receipt = z.object({
  id: z.string(),
  channel: z.string(),
  budget: z.number().int(),
  tokens: z.number().int(),
  createdAt: z.string(),
  uptakeMeasuredAt: z.string().nullable(),
  items: z.array(receiptItem),
  /** Candidates the serving left out, and why (at most 20; the per-prompt push lists those that came near). */
  withheld: z.array(z.object({ id: z.string(), type: z.string(), score: z.number(), reason: z.string(), title: z.string().nullable() })),
});
/** GET /v1/sessions/{id}/receipts: what the session was handed, what it used, and what it cost. */
export const sessionReceiptsAnswer = z.object({
  receipts: z.array(receipt),
  totals: z.object({ injectedTokens: z.number().int(), usedTokens: z.number().int(), unusedTokens: z.number().int(), pendingTokens: z.number().int() }),
});
export type SessionReceiptsAnswer = z.output<typeof sessionReceiptsAnswer>;
/** GET /v1/usage/uptake: injected vs used context tokens per project and day. */
export const uptakeUsageAnswer = z.object({
  days: z.array(z.object({ day: z.string(), project: z.string(), receipts: z.number().int(), injectedTokens: z.number().int(), usedTokens: z.number().int(), unusedTokens: z.number().int(), pendingTokens: z.number().int() })),
});
export type UptakeUsageAnswer = z.output<typeof uptakeUsageAnswer>;

export const corrected = z.object({ id: z.string(), supersedes: z.string(), project: z.string(), indexed: z.boolean() });
export const forgotten = z.object({ id: z.string(), status: z.literal('superseded'), indexed: z.boolean() });
export const markedWrong = forgotten.extend({ reason: z.literal('wrong') });
export const stalenessOutcome = z.object({ fresh: z.number(), demoted: z.array(z.string()), superseded: z.array(z.string()), promoted: z.array(z.string()) });

/** GET /v1/sessions/{id}/memories: a session's summaries (whole) and the learnings sourced from it. */
export const sessionMemories = z.object({
  summaries: z.array(summaryRecord),
  learnings: z.array(learningRecord),
});
export type SessionMemories = z.output<typeof sessionMemories>;

/** 202 of a route that starts a job (erase, restore, redaction rescan). */
export const accepted = z.object({ jobId: z.string(), status: z.string() });
/** 202 of POST /v1/admin/backups. */
export const backupStarted = z.object({ backupId: z.string(), jobId: z.string(), status: z.string() });

/** GET /v1/admin/backups items. */
export const backupView = z.object({
  id: z.string(),
  scope: z.string(),
  status: z.string(),
  sizeBytes: z.number().nullable(),
  createdAt: timestamp,
  completedAt: timestamp.nullable(),
  error: z.string().nullable(),
  tables: z.array(z.object({ table: z.string(), rows: z.number(), bytes: z.number() })).optional().describe('what a completed backup holds, per table'),
});
export type BackupView = z.output<typeof backupView>;

export const retentionPolicy = z.object({
  project: z.string().nullable(),
  rawEventMaxAgeDays: z.number().nullable().optional(),
  observationMaxAgeDays: z.number().nullable().optional(),
  maxBytes: z.number().nullable().optional(),
  keepSummaries: z.boolean().optional(),
  keepLearnings: z.boolean().optional(),
});
export const retentionPolicies = z.object({ items: z.array(retentionPolicy) });

/** GET /v1/admin/audit items. */
export const auditItem = z.object({
  id: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  outcome: z.enum(['success', 'denied', 'failure']),
  actorKeyId: z.string().nullable().describe('the API key that acted; null for the operator CLI and scheduled work'),
  actor: z.object({ id: z.string(), name: z.string() }).nullable().optional().describe('the person behind that key, when it is someone\'s'),
  details: z.unknown().nullable(),
  requestId: z.string().nullable(),
  createdAt: timestamp,
});
export type AuditItem = z.output<typeof auditItem>;
export const auditPage = page(auditItem);

/**
 * A job, as GET /v1/admin/jobs/{jobId} and GET /v1/jobs/{jobId} answer it (api/jobs/job-routes.ts):
 * backups, restores, redaction rescans by their workflow's Temporal status name, lower case;
 * project erasures from their tombstone (`requested`, `erased`, `failed`). One shape for every job.
 */
export const jobView = z.object({
  jobId: z.string(),
  kind: z.enum(['backup', 'restore', 'redaction.rescan', 'project.erase']),
  status: z.string(),
  error: z.string().nullable().describe('why the job failed; null otherwise'),
  result: z.unknown().optional().describe('what a completed workflow job returned'),
});
/** An erasure adds its project and times. */
export const eraseJobView = jobView.extend({
  kind: z.literal('project.erase'),
  project: z.string(),
  status: z.enum(['requested', 'erased', 'failed']),
  requestedAt: timestamp,
  erasedAt: timestamp.nullable(),
});
/** Any job, as both job paths answer it: an erasure with its project and times, else a workflow job. */
export const anyJobView = z.union([eraseJobView, jobView]);
export type JobView = z.output<typeof jobView> & { project?: string; requestedAt?: string; erasedAt?: string | null };

/** Roles, lowest first (common/server/roles.ts ranks them): each may do what the ones before it may. */
export const ROLES = ['reader', 'member', 'maintainer', 'admin'] as const;
export const keyRole = z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` });
export type Role = z.output<typeof keyRole>;
/** Who is behind a key, a memory or a decision: a person (when the key is someone's). */
export const personRef = z.object({ id: z.string(), name: z.string() });
export const apiKeyView = z.object({
  id: z.string(),
  prefix: z.string(),
  role: keyRole,
  label: z.string().nullable(),
  createdAt: timestamp,
  lastUsedAt: timestamp.nullable(),
  revokedAt: timestamp.nullable(),
  person: personRef.nullable().optional(),
  projects: z.array(z.string()).nullable().optional().describe('the projects the key may touch; null: every project'),
  readOnly: z.boolean().optional(),
  expiresAt: timestamp.nullable().optional(),
});
export const apiKeys = z.object({ items: z.array(apiKeyView) });
export const createdKey = z.object({ key: z.string().describe('the secret, shown once'), keyId: z.string(), prefix: z.string(), role: keyRole });
/** A person of the tenant (GET/POST /v1/admin/people). */
export const personView = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  role: keyRole,
  projectRoles: z.record(z.string(), keyRole).describe('their role in these projects, instead of `role`'),
  signIn: z.boolean().describe('known to the OpenID provider (has signed in)'),
  createdAt: timestamp,
  disabledAt: timestamp.nullable(),
});
export const people = z.object({ items: z.array(personView) });

/** GET /ui/sso: whether the viewer offers single sign-on. */
export const ssoState = z.object({ enabled: z.boolean(), issuer: z.string().nullable() });
/** POST /auth/device: a device sign-in started; the person approves at verificationUri with userCode. */
export const deviceStarted = z.object({
  handle: z.string().describe('send to POST /auth/device/token until it answers 200'),
  userCode: z.string(),
  verificationUri: z.string(),
  verificationUriComplete: z.string().nullable(),
  expiresIn: z.number().describe('seconds'),
  interval: z.number().describe('seconds between polls'),
});
export type DeviceStarted = z.output<typeof deviceStarted>;
/** POST /auth/device/token once approved: a personal key of the person, shown this once. */
export const deviceLogin = z.object({ key: z.string(), keyId: z.string(), tenant: z.string(), person: personRef, expiresAt: timestamp });
/** POST /auth/device/token while the person has not approved yet (202). */
export const devicePending = z.object({ status: z.literal('pending') });
export type DeviceLogin = z.output<typeof deviceLogin>;

/** GET /v1/me: who the key is, and what it may do. */
export const whoAmI = z.object({
  tenant: z.string(),
  keyId: z.string(),
  role: keyRole.describe('the role in the tenant'),
  person: personRef.nullable(),
  projects: z.array(z.string()).nullable().describe('the projects the key may touch; null: every project'),
  projectRoles: z.record(z.string(), keyRole),
  expiresAt: timestamp.nullable(),
});
export type WhoAmI = z.output<typeof whoAmI>;

export const revokedKey = z.object({ id: z.string(), revoked: z.literal(true), alreadyRevoked: z.boolean() });

export const usageAnswer = z.object({
  days: z.array(z.object({ day: z.string(), tokensIn: z.number(), tokensOut: z.number(), cacheReadTokens: z.number(), cacheWriteTokens: z.number(), costUsd: z.number(), requests: z.number() })),
  projects: z.array(z.object({ day: z.string(), project: z.string(), tokensIn: z.number(), tokensOut: z.number(), costUsd: z.number(), summaries: z.number() })),
  budget: z.object({ dailyTokens: z.number().nullable(), dailyCostUsd: z.number().nullable(), today: z.object({ day: z.string(), tokens: z.number(), costUsd: z.number() }) }),
});

/** POST and GET /ui/session: who the viewer is signed in as. */
export const viewerSession = z.object({
  tenant: z.string(),
  role: keyRole,
  keyId: z.string(),
  csrf: z.string().describe('send as x-csrf-token on state-changing requests'),
  person: personRef.nullable().optional().describe('the person signed in (single sign-on, or a personal key)'),
  projectRoles: z.record(z.string(), keyRole).optional().describe("the person's roles in projects, where they differ from `role`"),
  expiresAt: timestamp.nullable().optional().describe('when the sign-in ends'),
});
export type ViewerSession = z.output<typeof viewerSession>;

/**
 * Claude Code hook output (POST /v1/hooks/{event}): {} for most events; session-start carries
 * additionalContext. The hook route sends it as it is (no per-request parse on the hot path).
 */
export const hookAnswer = z
  .object({ hookSpecificOutput: z.object({ hookEventName: z.string(), additionalContext: z.string() }).optional(), continue: z.boolean().optional() })
  .describe('Claude Code hook output: {} for most events; session-start carries the start context and user-prompt-submit the memory that bears on the prompt (additionalContext), or {} when none does');

/**
 * POST /v1/hooks:batch: several hook events of one project, stored in the order given (one session's
 * events, as a relay delivers what waited in its spool while the agent was busy). Events answered with
 * memory (session-start, user-prompt-submit) go to /v1/hooks/{event}, one at a time.
 */
export const HOOK_BATCH_MAX_EVENTS = 100;
export const hookBatchEvent = z
  .object({
    event: z.string().max(64).describe('the kebab-case hook event name, as in /v1/hooks/{event}'),
    payload: z.record(z.string(), z.unknown()).describe('the hook payload, as the body of /v1/hooks/{event}'),
    idempotencyKey: z.string().min(1).max(500).describe('as the Idempotency-Key header of /v1/hooks/{event}: deliveries with the same key (per session) are stored once'),
    occurredAt: z.string().max(64).optional().describe('as X-Memflow-Occurred-At: when a spooled event happened'),
  })
  .strict();
export const hookBatchBody = z.object({ events: z.array(hookBatchEvent).min(1).max(HOOK_BATCH_MAX_EVENTS) }).strict();
export type HookBatchBody = z.infer<typeof hookBatchBody>;
export const hookBatchResult = z.union([
  z.object({ status: z.literal(200), eventId: z.string(), duplicate: z.boolean() }),
  z.object({ status: z.number().int().min(400).max(499), error: z.object({ code: z.string(), message: z.string() }) }),
]);
export type HookBatchResult = z.infer<typeof hookBatchResult>;
export const hookBatchAnswer = z
  .object({ results: z.array(hookBatchResult) })
  .describe("one result per event, in the order sent: 200 stored (duplicate: stored before), or the 4xx /v1/hooks/{event} would have answered that event (it is not stored; the others are)");

export const healthAnswer = z.object({ status: z.literal('ok') });
export const readyAnswer = z.object({ ready: z.boolean() }).catchall(z.unknown());

/** A cited change of a learning or summary (common/rules/citations.ts makes and checks them). */
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

// The schema above and the interface stay one shape (a field added to one and not the other fails to compile).
citation satisfies z.ZodType<Citation>;
