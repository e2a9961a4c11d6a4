/**
 * Where each endpoint of the HTTP API (v1) lives, for the calls made outside the typed client: the
 * hook's and the relay's hot paths (cli/capture/), which send with their own node:http client, judge
 * each answer themselves (deliver, spool, retry) and must not load zod on every tool call, and
 * `memflow doctor`'s readiness check, which shows a 503's body as it is. The typed
 * client (clients/api.ts) builds the same endpoints' paths here, so a route's path is written once on
 * the client side. Zod-free, like clients/core.ts.
 */
import { query } from './core.js';

type Q = Parameters<typeof query>[0];
const enc = encodeURIComponent;

export const apiPaths = {
  /** GET, no key: each dependency up or down (503 with the one that is down). */
  ready: () => '/ready',
  /** POST: a Claude Code hook event (`session-start`, `post-tool-use`, …). */
  hook: (event: string) => `/v1/hooks/${enc(event)}`,
  /** POST: several hook events of one project, stored in order (`{ events: [...] }`, an answer per event). */
  hookBatch: () => '/v1/hooks:batch',
  /** GET: the start context (or, with `for: 'prompt'`, a prompt's push). */
  context: (params: Q) => `/v1/context${query(params)}`,
  /** GET: the names any file with memory holds (the relay answers a file touch without asking when none does). */
  contextFiles: (params: Q) => `/v1/context/files${query(params)}`,
  /** POST: the relay handed an offered push to the agent (the offer becomes its receipt). */
  receiptDelivered: (offer: string) => `/v1/context/receipts/${enc(offer)}/delivered`,
  /** POST: what a staleness check of context items found. */
  staleness: () => '/v1/learnings/staleness',
  /** POST: a hook client's capture ledger of one session. */
  sessionLedger: (session: string) => `/v1/sessions/${enc(session)}/ledger`,
} as const;
