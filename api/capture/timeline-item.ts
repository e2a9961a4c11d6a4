/**
 * The timeline item of a hook event, rendered from its redacted payload before the event is written,
 * so the ingest statement stores event and item together (ingest-sql.ts). Same rendering and token
 * counts as the workflow's catch-up (common/server/capture-store.ts).
 */
import { captureTokens } from '../../common/server/capture-store.js';
import { TOOL_RESULT_EVENTS, type HookEventName } from '../../messages/hooks-v1.js';
import { renderEvent } from '../../common/rules/observation.js';

export interface TimelineItem {
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

export function itemOf(event: HookEventName, payload: Record<string, unknown>): TimelineItem | undefined {
  const r = renderEvent(event, payload);
  if (!r) return undefined;
  return {
    kind: r.kind,
    title: r.title,
    text: r.text,
    tokens: captureTokens(`${r.title}\n${r.text}`),
    promptTokens: r.kind === 'prompt' ? captureTokens(r.text) : null,
    isResult: TOOL_RESULT_EVENTS.has(event),
  };
}
