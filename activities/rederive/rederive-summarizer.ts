/**
 * The summarizer a re-derivation runs, and what one call of it costs: the same prompt, system
 * prompt, tool and model that deriving a session sends (./rederive-session.ts), counted with
 * tiktoken as the budget and the Messages API count them.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { countTokens } from '../../common/rules/tokens.js';
import { Failure } from '../../messages/errors-v1.js';
import type { Summarizer } from '../../messages/workflows-v1/rederive.js';
import { jsonSchemaOf } from '../summarize/summary-call.js';
import type { SummarizeContext } from '../summarize/summarize-activities.js';
import { SUMMARY_PROMPT_VERSION, SUMMARY_TOOL, SYSTEM_PROMPT, rederivePrompt, type PromptObservation, finalAnswerSchema } from '../summarize/summary-prompt.js';

export const TOOL_DESCRIPTION = 'Record the final summary of the session and its learnings.';

/** The whole timeline of a session goes into its one call, up to this many tokens. */
export const TIMELINE_TOKENS = 12_000;

/** Tokens of the tool-call envelope around an answer (ids, names, JSON keys). */
const ANSWER_ENVELOPE = 40;

/** The cached prefix of every call: the tool and the system prompt (the API caches both). */
export function prefixTokens(): number {
  const tool = { name: SUMMARY_TOOL, description: TOOL_DESCRIPTION, input_schema: jsonSchemaOf(finalAnswerSchema) };
  return countTokens(JSON.stringify([tool])) + countTokens(SYSTEM_PROMPT);
}

export interface SummarizerId {
  summarizer: Summarizer;
  model: string | null;
  promptVersion: string;
}

/** What a derivation by `summarizer` is: the model that would run (none offline) and the prompt version. */
export function summarizerOf(ctx: SummarizeContext, summarizer: Summarizer): SummarizerId {
  if (summarizer === 'claude' && !ctx.client) {
    throw ApplicationFailure.create({ message: 'summarizer claude needs a model on the worker (ANTHROPIC_API_KEY, or an agent CLI: MEMFLOW_MODEL, docs/summaries.md)', type: Failure.InvalidInput, nonRetryable: true });
  }
  return { summarizer, model: summarizer === 'claude' ? ctx.finalModel : null, promptVersion: SUMMARY_PROMPT_VERSION };
}

/** The user message of one session's call, and its tokens as the API counts a message (+4). */
export function sessionCall(project: string, observations: PromptObservation[]): { user: string; tokens: number } {
  const user = rederivePrompt(project, observations, TIMELINE_TOKENS);
  return { user, tokens: countTokens(user) + 4 };
}

/**
 * The answer a session's call is expected to write, in tokens: about as long as the summary the
 * project keeps for it now (any summarizer's summary says the same things), plus the envelope.
 */
export function expectedAnswerTokens(currentSummaryTokens: number | null, maxOut: number): number {
  return Math.min(maxOut, (currentSummaryTokens ?? 200) + ANSWER_ENVELOPE);
}
