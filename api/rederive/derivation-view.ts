/** A derivation row as the API answers it (messages/rederive-api-v1.ts). */
import type { PrismaClient } from '../../common/server/db.js';
import { derivationView, type DerivationView } from '../../messages/rederive-api-v1.js';
import type { Summarizer } from '../../messages/workflows-v1/rederive.js';
import { answer } from '../validation.js';

type Row = NonNullable<Awaited<ReturnType<PrismaClient['derivation']['findFirst']>>>;

export function viewOf(d: Row, project: string): DerivationView {
  const measured = { tokensIn: Number(d.tokensIn), tokensOut: Number(d.tokensOut), cacheReadTokens: Number(d.cacheReadTokens), cacheWriteTokens: Number(d.cacheWriteTokens) };
  return answer(derivationView, {
    id: d.id,
    project,
    jobId: d.workflowId,
    summarizer: d.summarizer as Summarizer,
    model: d.model,
    promptVersion: d.promptVersion,
    status: d.status,
    dryRun: d.dryRun,
    sessionsTotal: d.sessionsTotal,
    sessionsDone: d.sessionsDone,
    estimate: { tokens: Number(d.estimateTokens), costUsd: Number(d.estimateCostUsd) },
    measured: { ...measured, tokens: measured.tokensIn + measured.tokensOut + measured.cacheReadTokens + measured.cacheWriteTokens, costUsd: Number(d.costUsd) },
    pausedUntil: d.pausedUntil,
    error: d.error,
    changes: (d.changes as Record<string, number> | null) ?? null,
    createdAt: d.createdAt,
    completedAt: d.completedAt,
  });
}
