/**
 * The relay's answer to UserPromptSubmit: the memory that bears on the prompt the agent just got
 * (api/context/prompt-push.ts), or nothing. The prompt is spooled and delivered behind the agent like
 * every other event (in its session's order, once the session is quiet); its push is read at once
 * (GET /v1/context?for=prompt, which writes the push's receipt, keyed by the event) within a hard
 * budget (MEMFLOW_PROMPT_BUDGET_MS): past it, or when api-budget.ts says not to ask (the API just
 * unreachable, the key refused), the agent gets `{}` at once. The prompt's later delivery asks for no push (x-memflow-push: off).
 * The push's receipt is written only for what the agent got: the relay asks with X-Memflow-Receipt:
 * on-delivery and, having handed an answer over within its budget, says so (POST
 * /v1/context/receipts/{receipt}/delivered, behind the answer); a push that came too late never is.
 */
import { promptPushOutput } from '../../messages/hooks-v1.js';
import { apiPaths } from '../../clients/api-paths.js';
import type { SpoolEntry } from '../capture/spool.js';
import type { StartAnswerDeps } from './start-answer.js';
import { apiBudget } from './api-budget.js';
import type { TargetState } from './delivery-targets.js';

/** A spooled UserPromptSubmit: its spool name and entry, the caller's key and API. */
export interface PromptEvent {
  name: string;
  entry: SpoolEntry;
  key: string | undefined;
  url: string;
  session: string | undefined;
}

export interface PromptAnswerDeps extends StartAnswerDeps {
  /** How long a prompt waits for its push at most (ms); 0 turns the push off. */
  promptBudgetMs: number;
}

const NOTHING = '{}';
/** A prompt's wait for its push: the API answers in a few ms; past this the agent goes on without. */
export const DEFAULT_PROMPT_BUDGET_MS = 300;

/** The push read on its own, keeping the prompt's place in its session's order. */
async function readPush(deps: PromptAnswerDeps, ev: PromptEvent, key: string, target: TargetState, budget: number): Promise<string> {
  const prompt = typeof ev.entry.body.prompt === 'string' ? ev.entry.body.prompt.slice(0, 2000) : '';
  if (!prompt.trim() || !ev.entry.project) return NOTHING;
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, 'user-agent': 'memflow-relay', 'x-memflow-project': ev.entry.project, 'idempotency-key': ev.entry.idempotencyKey, 'x-memflow-receipt': 'on-delivery' };
  if (ev.entry.projectKey) headers['x-memflow-project-key'] = ev.entry.projectKey;
  const path = apiPaths.context({ for: 'prompt', q: prompt, project: ev.entry.project, channel: 'user_prompt', session: ev.session });
  return readContextAnswer(deps, target, `${ev.url}${path}`, headers, budget, promptPushOutput);
}

/**
 * A GET of the API within `timeoutMs`: its JSON body on a 200, else undefined (any failure). No answer in time
 * quiets the target's next reads (api-budget.ts); any answer ends that quiet.
 */
export async function readApiJson(
  deps: { client: PromptAnswerDeps['client']; lanes: Pick<PromptAnswerDeps['lanes'], 'targets'> },
  target: TargetState,
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Record<string, unknown> | undefined> {
  const outcome = await deps.client.request({ method: 'GET', url, headers, timeoutMs });
  if (outcome.kind === 'response' || outcome.code === 'ETIMEDOUT') deps.lanes.targets.observeRead(target, outcome.kind === 'response');
  if (outcome.kind !== 'response' || outcome.status !== 200) return undefined;
  try {
    const answer = JSON.parse(outcome.body) as unknown;
    return answer && typeof answer === 'object' ? (answer as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Waits for the API's word that a push's receipt is written, at most (behind the answer: nobody waits on it). */
const DELIVERED_TIMEOUT_MS = 5_000;

/**
 * The context of a GET /v1/context answer that came in time, which the caller hands to the agent now:
 * when the API offered its receipt (`receipt`, asked with X-Memflow-Receipt: on-delivery), the relay says
 * it was delivered, right after the hook's answer goes out (POST /v1/context/receipts/{receipt}/delivered).
 */
export function handedContext(deps: Parameters<typeof readApiJson>[0], url: string, headers: Record<string, string>, answer: Record<string, unknown> | undefined): string {
  const context = typeof answer?.context === 'string' ? answer.context : '';
  if (context && typeof answer?.receipt === 'string') {
    const base = new URL(url);
    const delivered = `${base.origin}${base.pathname.replace(/\/v1\/context(?:\/.*)?$/, '')}${apiPaths.receiptDelivered(answer.receipt)}`;
    const { authorization, 'user-agent': agent, 'x-memflow-project': project, 'x-memflow-project-key': projectKey } = headers;
    const h: Record<string, string> = Object.fromEntries(Object.entries({ authorization, 'user-agent': agent, 'x-memflow-project': project, 'x-memflow-project-key': projectKey }).filter((e): e is [string, string] => typeof e[1] === 'string'));
    setImmediate(() => void deps.client.request({ method: 'POST', url: delivered, headers: h, timeoutMs: DELIVERED_TIMEOUT_MS }).catch(() => undefined));
  }
  return context;
}

/** GET /v1/context within `timeoutMs`: its context wrapped as the hook's output (JSON text), or `{}` on any failure or empty answer. */
export async function readContextAnswer(
  deps: Parameters<typeof readApiJson>[0],
  target: TargetState,
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
  wrap: (context: string) => object,
): Promise<string> {
  const context = handedContext(deps, url, headers, await readApiJson(deps, target, url, headers, timeoutMs));
  return context ? JSON.stringify(wrap(context)) : NOTHING;
}

/** The hook output UserPromptSubmit answers with (JSON text); `{}` whenever the push cannot be had in time. */
export async function promptAnswer(deps: PromptAnswerDeps, ev: PromptEvent): Promise<string> {
  if (deps.promptBudgetMs <= 0) return NOTHING;
  // No key, a key the API refused, or an API that did not answer lately: the agent does not wait.
  const api = apiBudget(deps.lanes, ev, deps.promptBudgetMs);
  if (!api.ask) return NOTHING;
  // The prompt keeps its place in the session's delivery (behind the agent, once the session is
  // quiet); only its push is read now.
  return readPush(deps, ev, api.key, api.target, api.budgetMs);
}
