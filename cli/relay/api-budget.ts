/**
 * The one step before the relay answers a hook with the API (SessionStart's context, a prompt's
 * push: start-answer.ts, prompt-answer.ts): may it ask the API now, and within what budget? Not
 * without a key, a well-formed URL, or with a key the API refused; not while the API was just
 * unreachable (its retry time not yet come) — the agent never waits on an API known to be away. One
 * that was unreachable and is due for a retry gets a short try at most (`unreachableTryMs`), so a
 * hanging API does not cost every answer its whole budget; and none while a hook's own read went
 * unanswered lately (delivery-targets.ts `observeRead`: the API accepted the connection and said
 * nothing): the next hooks answer at once until that quiet ends or the API answers anything.
 */
import { keyFingerprint } from '../capture/deliver.js';
import { checkBaseUrl } from '../env.js';
import type { TargetState } from './delivery-targets.js';
import type { Lanes } from './lanes.js';

export type ApiBudget =
  | { ask: true; reason: 'ask'; key: string; target: TargetState; budgetMs: number }
  | { ask: false; reason: 'no_key'; problem: string }
  | { ask: false; reason: 'bad_url'; problem: string }
  | { ask: false; reason: 'refused' | 'unreachable'; problem: string; key: string; target: TargetState };

export function apiBudget(lanes: Pick<Lanes, 'targets'>, api: { key: string | undefined; url: string }, budgetMs: number, opts: { unreachableTryMs?: number } = {}): ApiBudget {
  const { key, url } = api;
  if (!key) return { ask: false, reason: 'no_key', problem: 'MEMFLOW_API_KEY is not set' };
  try {
    checkBaseUrl(url);
  } catch (err) {
    return { ask: false, reason: 'bad_url', problem: (err as Error).message };
  }
  const target = lanes.targets.of(url, keyFingerprint(key));
  if (target.refused) return { ask: false, reason: 'refused', problem: target.problem ?? 'the API refused the key', key, target };
  const now = Date.now();
  if (target.unreachable && target.until > now) return { ask: false, reason: 'unreachable', problem: target.problem ?? 'the API is not taking events', key, target };
  if (target.quietUntil > now) return { ask: false, reason: 'unreachable', problem: 'the API did not answer in time lately', key, target };
  return { ask: true, reason: 'ask', key, target, budgetMs: target.unreachable && opts.unreachableTryMs !== undefined ? Math.min(budgetMs, opts.unreachableTryMs) : budgetMs };
}
