/**
 * How the start context ranks its candidates:
 *
 *   score = base(type) · quality · validity · recency(age, half-life(type)) + relevance
 *
 * (start-context.ts says what each term weighs), and activity that repeats counted once.
 */
import { TRUST_WEIGHT, trustTier } from '../../common/rules/poison.js';
import type { RecordType } from '../search/search-types.js';
import type { Candidate } from './context-candidates.js';

export interface BranchOfCaller {
  current: string | null;
  default: string | null;
}

const BASE: Record<RecordType, number> = { learning: 1, summary: 0.7, observation: 0.35 };
const HALF_LIFE_DAYS: Record<RecordType, number> = { learning: 60, summary: 14, observation: 3 };
const DAY_MS = 86_400_000;
/** An explicit query outweighs recency and confidence; the implicit signal (recent prompts) only nudges. */
export const RELEVANCE_WEIGHT = { explicit: 2, implicit: 0.6 } as const;

function quality(c: Candidate): number {
  if (c.type === 'learning') return (c.confidence ?? 0.5) * ((c.strength ?? 1) / ((c.strength ?? 1) + 1));
  if (c.type === 'summary') return c.kind === 'final' ? 1 : 0.85;
  // What failed and how it was fixed is worth more than any one step of activity.
  if (c.kind === 'failure') return 1.5;
  return c.kind === 'prompt' ? 1 : 0.7;
}

/** Learnings from a branch the caller is not on, and not (yet) seen on the default branch, rank lower. */
const OTHER_BRANCH_WEIGHT = 0.5;

/**
 * Trust and validity of a learning: its tier (user > confirmed > extracted > agent), halved for each
 * staleness report since it was last seen fresh, and lowered when it was made on an unmerged branch
 * other than the caller's.
 */
export function validity(c: Candidate, branch?: BranchOfCaller): number {
  if (c.type !== 'learning') return 1;
  let w = TRUST_WEIGHT[trustTier(c.origin ?? 'extracted', c.outcome ?? 'unverified')] * 0.5 ** Math.min(4, c.stale_count ?? 0);
  if (c.kind === 'dead_end') w *= 0.9;
  if (branch && c.git_branch && c.git_branch !== branch.current && c.git_branch !== branch.default && c.on_default_branch !== true) w *= OTHER_BRANCH_WEIGHT;
  return w;
}

export function contextScore(c: Candidate, now: number, relevanceWeight: number = RELEVANCE_WEIGHT.implicit, branch?: BranchOfCaller): number {
  const ageDays = Math.max(0, (now - c.at.getTime()) / DAY_MS);
  return BASE[c.type] * quality(c) * validity(c, branch) * 0.5 ** (ageDays / HALF_LIFE_DAYS[c.type]) + relevanceWeight * Number(c.relevance);
}

/**
 * Activity that repeats (the same file read again, the same command run again, the same first
 * prompt) is one item, its latest, with how often it happened: repeats would crowd out the rest.
 */
export function collapseRepeats(candidates: Candidate[]): { c: Candidate; repeats: number }[] {
  const byKey = new Map<string, { c: Candidate; repeats: number }>();
  const out: { c: Candidate; repeats: number }[] = [];
  for (const c of candidates) {
    if (c.type !== 'observation') {
      out.push({ c, repeats: 1 });
      continue;
    }
    const key = `${c.kind}\u0000${(c.kind === 'prompt' ? c.text || c.title : c.title).replace(/\s+/g, ' ').trim().toLowerCase()}`;
    const seen = byKey.get(key);
    if (!seen) {
      const entry = { c, repeats: 1 };
      byKey.set(key, entry);
      out.push(entry);
    } else {
      seen.repeats++;
      if (c.at > seen.c.at) seen.c = c;
    }
  }
  return out;
}

