/**
 * The re-derivation routes' request and answer shapes (v1, docs/rederivation.md): what
 * POST /v1/projects/{project}/rederive takes, and a derivation as GET /v1/derivations/{id} shows it.
 */
import { z } from 'zod';
import { timestamp } from './api-v1.js';
import { SUMMARIZERS } from './workflows-v1/rederive.js';

export const rederiveBody = z
  .object({
    summarizer: z.enum(SUMMARIZERS).describe('offline, or claude (the worker needs ANTHROPIC_API_KEY)'),
    dryRun: z.boolean().optional().describe('only estimate: the answer is the estimate, nothing is derived'),
    pageSize: z.number().int().min(1).max(500).optional().describe('sessions per step (default 25)'),
    budgetRecheckSeconds: z.number().int().min(1).max(3600).optional().describe('how often a run paused by the daily budget asks again (default 900)'),
  })
  .strict();

export const derivationStatus = z.enum(['estimating', 'estimated', 'building', 'paused', 'active', 'retired', 'cancelled', 'failed']);

export const derivationView = z.object({
  id: z.string(),
  project: z.string(),
  jobId: z.string().nullable().describe('the Temporal workflow id'),
  summarizer: z.enum(SUMMARIZERS),
  model: z.string().nullable(),
  promptVersion: z.string(),
  status: derivationStatus,
  dryRun: z.boolean(),
  sessionsTotal: z.number(),
  sessionsDone: z.number(),
  estimate: z.object({ tokens: z.number(), costUsd: z.number() }),
  measured: z.object({ tokens: z.number(), tokensIn: z.number(), tokensOut: z.number(), cacheReadTokens: z.number(), cacheWriteTokens: z.number(), costUsd: z.number() }),
  pausedUntil: timestamp.nullable().describe('while paused by the daily budget: when it asks again'),
  error: z.string().nullable(),
  changes: z.record(z.string(), z.number()).nullable().describe('what the swap changed'),
  createdAt: timestamp,
  completedAt: timestamp.nullable(),
});
export type DerivationView = z.output<typeof derivationView>;

export const derivationList = z.object({ items: z.array(derivationView) });
