/**
 * The review inbox's request and answer shapes (v1, issue 51): a project's review policy, the
 * pending learnings with their age, the counts the viewer's header and `memflow doctor` show, and a
 * maintainer's decisions (approve or reject many at once, or edit one).
 */
import { z } from 'zod';
import { STORABLE_TEXT, timestamp } from './api-v1.js';

/** `live`: extracted learnings go live at once (the default). `review`: they wait for a maintainer. */
export const REVIEW_POLICIES = ['live', 'review'] as const;
export type ReviewPolicy = (typeof REVIEW_POLICIES)[number];
export const reviewPolicy = z.enum(REVIEW_POLICIES);

export const REVIEW_DECISIONS = ['approve', 'reject'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

/** At most this many learnings per decision request (the CLI's `--all` sends several). */
export const MAX_REVIEW_IDS = 100;

const policyEnum = z.enum(REVIEW_POLICIES, { error: `must be one of ${REVIEW_POLICIES.join(', ')}` });
export const reviewPolicyBody = z
  .object({
    policy: policyEnum.optional(),
    stated: policyEnum
      .optional()
      .describe("under review, a rule a person stated in a prompt: review (default) waits like an extracted learning, live goes live at once"),
  })
  .strict()
  .refine((b) => b.policy !== undefined || b.stated !== undefined, { message: 'give policy, stated or both' });
export const reviewPolicyView = z.object({
  project: z.string(),
  policy: reviewPolicy,
  stated: reviewPolicy.describe('under review, what a rule a person stated in a prompt does: review (waits) or live'),
  pending: z.number().int(),
});

/** One learning waiting in the inbox. */
export const reviewItem = z.object({
  id: z.string(),
  project: z.string(),
  kind: z.string(),
  title: z.string(),
  body: z.string(),
  confidence: z.number(),
  strength: z.number().int(),
  origin: z.string(),
  flags: z.array(z.string()),
  createdAt: timestamp,
  ageSeconds: z.number().int().describe('how long it has waited'),
  sessionId: z.string().nullable().describe("the agent's session it was extracted from, when known"),
});
export type ReviewItem = z.output<typeof reviewItem>;

export const reviewPage = z.object({
  items: z.array(reviewItem),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last'),
});
export type ReviewPage = z.output<typeof reviewPage>;

/** Per project: its policy, how many wait and since when. */
export const reviewCounts = z.object({
  pending: z.number().int().describe('pending learnings in the projects counted: the named one, else every project the key may see'),
  projects: z.array(z.object({ project: z.string(), policy: reviewPolicy, pending: z.number().int(), oldestAt: timestamp.nullable() })),
});
export type ReviewCounts = z.output<typeof reviewCounts>;

export const reviewDecisionBody = z
  .object({
    decision: z.enum(REVIEW_DECISIONS, { error: `must be one of ${REVIEW_DECISIONS.join(', ')}` }),
    ids: z
      .array(z.string().regex(/^[0-9a-f-]{8,36}$/i, 'must be a learning id (a UUID, or its first 8+ hex digits)'), { error: 'required: an array of learning ids' })
      .min(1, 'must hold at least one id')
      .max(MAX_REVIEW_IDS, `at most ${MAX_REVIEW_IDS} ids per call`),
    note: z.string().trim().max(500, 'at most 500 characters').regex(...STORABLE_TEXT).optional().describe('why (kept in the history and the audit log)'),
  })
  .strict();

export const reviewDecided = z.object({
  decision: z.enum(REVIEW_DECISIONS),
  decided: z.array(z.string()).describe('full ids of the learnings decided on'),
  notPending: z.array(z.string()).describe('refs of learnings that were not waiting (already decided, or never held)'),
  notFound: z.array(z.string()),
  indexed: z.boolean(),
});

export const reviewEditBody = z
  .object({
    text: z.string({ error: 'required: the learning as it should read' }).trim().min(1, 'must not be empty').max(8_000, 'at most 8000 characters').regex(...STORABLE_TEXT),
    title: z.string().trim().min(1, 'must not be empty').max(200, 'at most 200 characters').regex(...STORABLE_TEXT).optional(),
    note: z.string().trim().max(500, 'at most 500 characters').regex(...STORABLE_TEXT).optional(),
  })
  .strict();

export const reviewEdited = z.object({
  id: z.string(),
  status: z.literal('active'),
  reviewedBy: z.string(),
  /** The editor as the learning is attributed wherever it is pushed: the key's person ("Alice <alice@example.com>"), or the key's label. */
  editedBy: z.string(),
  indexed: z.boolean(),
});
