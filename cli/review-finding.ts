/**
 * `memflow doctor`'s line about the review inbox (issue 51): learnings waiting for a maintainer are
 * never pushed to agents, so a queue nobody works is memory silently lost. Says how many wait, in
 * how many projects, and how old the oldest is.
 */
import type { ApiClient } from '../clients/api.js';
import type { ReviewCounts } from '../messages/review-api-v1.js';

/** "3d", "5h", "12m", "40s": how long an item has waited. */
export function ageOf(seconds: number): string {
  if (seconds >= 86_400) return `${Math.floor(seconds / 86_400)}d`;
  if (seconds >= 3_600) return `${Math.floor(seconds / 3_600)}h`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}m`;
  return `${seconds}s`;
}

export interface ReviewFinding {
  level: 'ok' | 'warn';
  what: string;
  fix?: string;
}

export async function reviewFinding(api: ApiClient): Promise<ReviewFinding | undefined> {
  let counts: ReviewCounts;
  try {
    counts = await api.reviewCounts();
  } catch {
    return undefined; // an older API, or not the review API's answer: doctor says nothing of it rather than failing
  }
  if (counts.pending === 0) {
    const reviewed = counts.projects.filter((p) => p.policy === 'review').length;
    return { level: 'ok', what: reviewed ? `review inbox: empty (${reviewed} project${reviewed === 1 ? '' : 's'} under review)` : 'review inbox: no project under review' };
  }
  const waiting = counts.projects.filter((p) => p.pending > 0);
  const oldest = Math.min(...waiting.map((p) => (p.oldestAt ? Date.parse(p.oldestAt) : Date.now())));
  return {
    level: 'warn',
    what: `review inbox: ${counts.pending} learning${counts.pending === 1 ? '' : 's'} waiting in ${waiting.map((p) => `${p.project} (${p.pending})`).join(', ')}, the oldest ${ageOf(Math.max(0, Math.floor((Date.now() - oldest) / 1000)))} old; agents get none of them until approved`,
    fix: 'memflow review (a maintainer approves, edits or rejects them)',
  };
}
