/**
 * The timeline item of a hook event, rendered from its redacted payload before the event is written,
 * so the ingest statement stores event and item together (ingest-sql.ts). Token counts are those of
 * budgets and prompts (common/rules/tokens.ts: cl100k_base in plain JavaScript; tiktoken's
 * WebAssembly cost 0.2–0.4 ms per KiB, which at 2,000 events/s is more than this machine's CPU).
 */
import { countTokens } from '../../common/rules/tokens.js';
import { TOOL_RESULT_EVENTS, type HookEventName } from '../../messages/hooks-v1.js';
import { renderEvent } from '../../common/rules/observation.js';

export interface RenderedItem {
  kind: string;
  title: string;
  text: string;
  /** Tokens of title and text (the observation's count). */
  tokens: number;
  /** Tokens of the text alone (a prompt's count). */
  promptTokens: number | null;
  /** A tool call's result (post-tool-use or its failure): its rendering wins over the call's. */
  isResult: boolean;
}

export function itemOf(event: HookEventName, payload: Record<string, unknown>): RenderedItem | undefined {
  const r = renderEvent(event, payload);
  if (!r) return undefined;
  return {
    kind: r.kind,
    title: r.title,
    text: r.text,
    tokens: countTokens(`${r.title}\n${r.text}`),
    promptTokens: r.kind === 'prompt' ? countTokens(r.text) : null,
    isResult: TOOL_RESULT_EVENTS.has(event),
  };
}
