/**
 * The relay's answer to SessionStart, the one hook that waits for the API: from the context held
 * ready for its project (held-context.ts), else by delivering the event at once for the context the
 * API answers with, within the budget api-budget.ts gives (none when the API was just unreachable or
 * refuses the key). The answer always says
 * when events are stuck.
 */
import { deliver, type Verdict } from '../capture/deliver.js';
import { apiPaths } from '../../clients/api-paths.js';
import { checkStartContext, hookOutput, REPORT_TIMEOUT_MS } from '../capture/hook-answer.js';
import type { GitHead } from '../../common/workspace/git-head.js';
import type { HttpClient } from '../node-http.js';
import type { Spool, SpoolEntry } from '../capture/spool.js';
import type { Lanes } from './lanes.js';
import type { TargetState } from './delivery-targets.js';
import { scopeOfEntry, type StartContexts } from './held-context.js';
import { apiBudget } from './api-budget.js';

/** SessionStart's wait for an API that did not answer lately. */
const UNREACHABLE_START_MS = 150;

/** The relay's parts a SessionStart answer uses. */
export interface StartAnswerDeps {
  spool: Spool;
  lanes: Lanes;
  client: HttpClient;
  contexts: StartContexts;
  log: (line: string) => void;
  /** How long SessionStart waits for the API's context. */
  startBudgetMs: number;
}

/** A spooled SessionStart: its spool name and entry, the caller's key and API, and what the hook said. */
export interface StartEvent {
  name: string;
  entry: SpoolEntry;
  key: string | undefined;
  url: string;
  git: GitHead | undefined;
  /** The payload's `source` (startup, resume, clear, compact). */
  source: unknown;
  session: string | undefined;
}

/** The staleness check's report is a hint: it goes out behind the answer. */
const reportTo = (client: HttpClient, url: string, key: string) => async (report: { results: Record<string, unknown>[] }) => {
  void client.request({
    method: 'POST',
    url: `${url}${apiPaths.staleness()}`,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'user-agent': 'memflow-relay' },
    body: JSON.stringify(report),
    timeoutMs: REPORT_TIMEOUT_MS,
  });
};

const refusedWarning = (problem: string | undefined) => JSON.stringify({ systemMessage: `memflow: ${problem}; events are kept until the key is fixed (run \`memflow doctor\`)` });

/** The hook output SessionStart answers with (JSON text). */
export async function startAnswer(deps: StartAnswerDeps, start: StartEvent): Promise<string> {
  const { spool, lanes, client, contexts } = deps;
  const { name, entry, key, url, git, source, session } = start;
  const warn = (why: string) => JSON.stringify({ systemMessage: `memflow: ${why}; events are kept and sent later (run \`memflow doctor\`)` });
  const api = apiBudget(lanes, { key, url }, deps.startBudgetMs, { unreachableTryMs: UNREACHABLE_START_MS });
  if (api.reason === 'no_key') return warn(api.problem);
  const stuckWarning = () => {
    const { stuck } = lanes.stats();
    return stuck > 0 ? `memflow: ${stuck} session(s) of events are stuck in ${spool.dir} (run \`memflow doctor\`)` : undefined;
  };
  // A resumed conversation already holds the context it was given at its start (the API answers
  // it with nothing): its event is delivered behind the agent like any other.
  if (source === 'resume') return hookOutput('{}', stuckWarning());
  if (api.reason === 'bad_url') return warn(api.problem);
  if (api.reason === 'refused') return refusedWarning(api.problem);
  // Held ready (also while the API is down: the memory as it was when last read).
  const scope = scopeOfEntry(entry, api.key);
  const held = scope ? contexts.take(scope) : undefined;
  if (held) return hookOutput(await checkStartContext(held, git, reportTo(client, url, api.key)), stuckWarning());
  if (!api.ask) return warn(api.problem);
  const { key: apiKey, target: t, budgetMs: budget } = api;
  // After compaction or /clear the session's earlier events may still wait: the event keeps its
  // place behind them, and its context is read on its own.
  const readOnItsOwn = async () => {
    const body = await contexts.now(scope!, budget);
    return body ? hookOutput(await checkStartContext(body, git, reportTo(client, url, apiKey)), stuckWarning()) : warn('the API did not answer with the context in time');
  };
  if (scope && session && (await lanes.waitingBefore(session, name))) return readOnItsOwn();
  const verdict = await deliverAtOnce(deps, { name, entry, url, key: apiKey, target: t }, budget);
  // Already taken by a delivery cycle (the session's earlier events went out just now, this one with them): it is
  // delivered in order, and the agent still gets its context, read on its own.
  if (!verdict) return scope ? readOnItsOwn() : '{}';
  if (verdict.kind === 'retry') {
    if (t.refused) return refusedWarning(t.problem);
    return warn(verdict.reason);
  }
  if (verdict.kind === 'rejected') return '{}';
  return hookOutput(await checkStartContext(verdict.body, git, reportTo(client, url, apiKey)), stuckWarning());
}

/**
 * A spooled event delivered at once, ahead of the delivery cycle, for an answer the agent waits for
 * (SessionStart's context, a prompt's push), and settled as the cycle would settle it: kept in the
 * spool on a retry, dropped when the API rejects it, the project's held context made stale when it
 * is stored. Undefined when a delivery cycle claimed it first (it is delivered in order, without).
 */
export async function deliverAtOnce(
  deps: StartAnswerDeps,
  ev: { name: string; entry: SpoolEntry; url: string; key: string; target: TargetState },
  budgetMs: number,
): Promise<Verdict | undefined> {
  const { spool, lanes, client, contexts, log } = deps;
  const claim = await spool.claim(ev.name);
  if (!claim) return undefined;
  let verdict: Verdict;
  try {
    verdict = await deliver(client, lanes.deliveryTarget(ev.url, ev.key), ev.entry, budgetMs, false);
  } catch (err) {
    await claim.release();
    throw err;
  }
  lanes.targets.observe(ev.target, verdict);
  // The agent waited its whole budget for nothing: the next hooks do not wait on this API for a while.
  if (verdict.kind === 'retry' && verdict.timedOut) lanes.targets.observeRead(ev.target, false);
  lanes.settle(ev.entry, verdict);
  if (verdict.kind === 'retry') {
    await claim.release();
    return verdict;
  }
  await claim.complete();
  if (verdict.kind === 'rejected') {
    log(`the API refused a ${ev.entry.event} event (${verdict.reason}); dropped`);
    return verdict;
  }
  const scope = scopeOfEntry(ev.entry, ev.key);
  if (scope) contexts.changed(scope);
  return verdict;
}
