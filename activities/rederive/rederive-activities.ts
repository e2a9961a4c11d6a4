/**
 * Activities of the re-derivation workflow (docs/rederivation.md), built once per worker with the
 * summarizer's context: the estimate, a page of sessions derived and staged, the swap, and the
 * derivation row's status. Each is idempotent (staged rows are keyed by derivation and session, the
 * swap of an active derivation changes nothing), so Temporal may retry any of them.
 */
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { Prisma } from '../../common/server/db.js';
import { Failure } from '../../messages/errors-v1.js';
import type { Summarizer } from '../../messages/workflows-v1/rederive.js';
import { toActivityFailure } from '../failures.js';
import { checkBudget } from '../summarize/summary-call.js';
import { createSummarizeContext, type SummarizeDeps } from '../summarize/summarize-activities.js';
import { estimateDerivation, type Estimate } from './rederive-estimate.js';
import { sessionsAfter, stagedOf, timelinesOf } from './rederive-reads.js';
import { deriveSession, type DerivationRef } from './rederive-session.js';
import { summarizerOf } from './rederive-summarizer.js';
import { swapDerivation, swappedIds, type SwapChanges, type SwappedSet } from './rederive-swap.js';

export type { SwapChanges, SwappedSet } from './rederive-swap.js';

export interface PageResult {
  /** Last session handled; the next page starts after it. */
  lastSessionId?: string;
  derived: number;
  skipped: number;
  tokens: number;
  /** More sessions after this page. */
  more: boolean;
  /** The daily budget could not pay for the next call: when it returns (epoch ms). */
  parkedUntil?: number;
}

/** Sessions derived at once for a tenant without a daily budget. */
const LANES = 4;

type Settable = 'building' | 'paused' | 'cancelled' | 'failed' | 'estimated';

export function createRederiveActivities(deps: SummarizeDeps) {
  const ctx = createSummarizeContext(deps);
  const { prisma } = ctx;

  async function load(derivationId: string) {
    const d = await prisma.derivation.findUnique({ where: { id: derivationId }, include: { project: { select: { name: true } } } });
    if (!d) throw ApplicationFailure.create({ message: `no derivation ${derivationId}`, type: Failure.InvalidInput, nonRetryable: true });
    return d;
  }

  return {
    /**
     * Records which summarizer runs (model, prompt version) and the cost estimate, before anything
     * is derived; a resumed derivation keeps the estimate it has.
     */
    async estimateRederive(input: { derivationId: string; summarizer: Summarizer; dryRun: boolean }): Promise<Estimate> {
      try {
        const d = await load(input.derivationId);
        if (d.status !== 'estimating') return { sessions: d.sessionsTotal, tokens: Number(d.estimateTokens), costUsd: Number(d.estimateCostUsd) };
        const who = summarizerOf(ctx, input.summarizer);
        const estimate = await estimateDerivation(ctx, { tenantId: d.tenantId, projectId: d.projectId, cutoff: d.cutoff, project: d.project.name }, who.model);
        await prisma.derivation.update({
          where: { id: d.id },
          data: {
            model: who.model,
            promptVersion: who.promptVersion,
            sessionsTotal: estimate.sessions,
            estimateTokens: estimate.tokens,
            estimateCostUsd: estimate.costUsd,
            status: input.dryRun ? 'estimated' : 'building',
          },
        });
        return estimate;
      } catch (err) {
        toActivityFailure(err);
      }
    },

    /** Derives and stages the next sessions after `afterSessionId`; stops early when the budget parks a call. */
    async deriveRederivePage(input: { derivationId: string; afterSessionId?: string; limit: number }): Promise<PageResult> {
      try {
        const d = await load(input.derivationId);
        const ref: DerivationRef = { id: d.id, tenantId: d.tenantId, projectId: d.projectId, project: d.project.name, model: d.model };
        const page = await sessionsAfter(prisma, { tenantId: d.tenantId, projectId: d.projectId, cutoff: d.cutoff }, input.afterSessionId, input.limit);
        const result: PageResult = { derived: 0, skipped: 0, tokens: 0, more: page.length === input.limit, ...(input.afterSessionId ? { lastSessionId: input.afterSessionId } : {}) };
        // A tenant with a daily budget derives one session at a time, so that no two calls pass the
        // budget's check together; an unlimited one derives LANES at a time (model calls are slow).
        const budget = d.model === null ? { limit: null } : await checkBudget(prisma, d.tenantId, 0, ctx.config.MEMFLOW_DAILY_TOKEN_BUDGET);
        const lanes = budget.limit === null ? LANES : 1;
        const ids = page.map((s) => s.id);
        const [staged, timelines] = await Promise.all([stagedOf(prisma, d.id, ids), timelinesOf(prisma, ids)]);
        for (let i = 0; i < page.length; i += lanes) {
          const chunk = page.slice(i, i + lanes);
          const outcomes = await Promise.all(chunk.map((s) => (staged.has(s.id) ? ({ status: 'skipped' } as const) : deriveSession(ctx, ref, s, timelines.get(s.id)!))));
          for (const outcome of outcomes) {
            if (outcome.status === 'derived') {
              result.derived++;
              result.tokens += outcome.tokens;
            } else if (outcome.status === 'skipped') result.skipped++;
          }
          // The next page starts after the last session of an unbroken run of done ones; a session
          // staged after a parked one is skipped when the run comes back to it.
          const parked = outcomes.findIndex((o) => o.status === 'parked');
          if (parked >= 0) {
            if (parked > 0) result.lastSessionId = chunk[parked - 1]!.id;
            return { ...result, more: true, parkedUntil: (outcomes[parked] as { resetsAt: number }).resetsAt };
          }
          result.lastSessionId = chunk.at(-1)!.id;
          heartbeat({ lastSessionId: result.lastSessionId });
        }
        return result;
      } catch (err) {
        toActivityFailure(err, 'retry');
      }
    },

    /** Puts the derivation in place of the served one, in one transaction (./rederive-swap.ts). */
    async swapRederive(input: { derivationId: string }): Promise<SwapChanges> {
      try {
        return await swapDerivation(prisma, input.derivationId);
      } catch (err) {
        toActivityFailure(err);
      }
    },

    /** A page of the records the swap touched (summaries served, learnings changed, summaries removed), for Weaviate. */
    async listRederived(input: { derivationId: string; set: SwappedSet; afterId?: string; limit: number }): Promise<string[]> {
      try {
        return await swappedIds(prisma, input.derivationId, input.set, input.afterId ?? '', input.limit);
      } catch (err) {
        toActivityFailure(err);
      }
    },

    /** The derivation's status as the API, CLI and viewer show it; an active or retired one is never changed. */
    async markRederive(input: { derivationId: string; status: Settable; pausedUntil?: number; error?: string }): Promise<void> {
      try {
        const data: Prisma.DerivationUpdateManyMutationInput = {
          status: input.status,
          pausedUntil: input.pausedUntil ? new Date(input.pausedUntil) : null,
          ...(input.error !== undefined ? { error: input.error.slice(0, 2000) } : {}),
          ...(input.status === 'cancelled' || input.status === 'failed' ? { completedAt: new Date() } : {}),
        };
        await prisma.derivation.updateMany({ where: { id: input.derivationId, status: { notIn: ['active', 'retired'] } }, data });
      } catch (err) {
        toActivityFailure(err);
      }
    },
  };
}

export type RederiveActivities = ReturnType<typeof createRederiveActivities>;
