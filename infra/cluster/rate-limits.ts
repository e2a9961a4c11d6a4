/**
 * What rate limits mean with N API replicas. The limits (api/limits.ts) are counted in each API
 * process's memory, and a load balancer spreads one key's requests over the replicas (round robin in
 * the cluster profile's HAProxy), so a key may make up to N × the per-process budget a minute across
 * the cluster, and at least the per-process budget even if all its requests land on one replica.
 * The cluster profile therefore gives each replica 1/N of the dev budget (600 general, 6000 hooks a
 * minute per key): the cluster-wide budget stays what one dev API allows, within one replica's
 * rounding. Operators scaling to N replicas set MEMFLOW_RATE_LIMIT_PER_MINUTE and
 * MEMFLOW_RATE_LIMIT_HOOKS_PER_MINUTE to budget / N (the Helm chart computes it from its replica count).
 * Failed authentications per client address are counted per replica the same way.
 */
import { DEFAULT_RATE_LIMITS, type RateLimits } from '../../api/limits.js';

export function clusterRateLimits(replicas: number): Required<Pick<RateLimits, 'perMinute' | 'hooksPerMinute'>> {
  const n = Math.max(1, replicas);
  return {
    perMinute: Math.ceil(DEFAULT_RATE_LIMITS.perMinute / n),
    hooksPerMinute: Math.ceil(DEFAULT_RATE_LIMITS.hooksPerMinute / n),
  };
}
