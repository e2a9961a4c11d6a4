/**
 * `memflow hook <native event> --host <host>`: the hook client's view of a host adapter — map the
 * host's payload (with what its transcript adds) to memflow's event before delivery, and turn the
 * API's answer into the host's expected stdout. Claude Code (or no --host) needs neither.
 */
import type { HookEventName } from '../../messages/hooks-v1.js';
import { adapterOf } from './host-adapters.js';
import type { HostExtras, HostHookEvent, Payload } from './shared.js';
import { extrasOf, lacksExpected } from './transcripts.js';

export interface HostHookOptions {
  /** Maps the native event (with `extras` when already read); undefined: memflow does not keep this event. */
  adapt?: (nativeEvent: string, payload: Payload, extras?: HostExtras) => HostHookEvent | undefined;
  /** The host's stdout for memflow's answer. */
  answer?: (event: HookEventName | undefined, apiAnswerJson: string) => string;
  /** The file touch a kept tool result carries (HostAdapter.resultTouch). */
  resultTouch?: (body: Payload) => Payload | undefined;
  /** Its tool calls come at the turn's end, with no hook between (HostAdapter.callsAtTurnEnd). */
  callsAtTurnEnd?: boolean;
}

/**
 * The extras of one native event once the host's transcript has them: a host may write the line a
 * hook reads (Copilot's final message) a moment after it runs the hook, which a hook answered in
 * milliseconds (by the relay) reaches first. Read again every 50 ms for up to `maxMs`; {} when the
 * transcript never gets it.
 */
export async function settledExtras(host: string, nativeEvent: string, payload: Payload, maxMs: number): Promise<HostExtras> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const extras = extrasOf(host, nativeEvent, payload);
    if (!lacksExpected(host, nativeEvent, payload, extras) || Date.now() >= deadline) return extras;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function hostHookOptions(host: string | undefined, version: string | undefined): HostHookOptions {
  // An older install may have recorded a version with a sentence's trailing dot ("1.0.102.").
  const hostVersion = version?.replace(/[.-]+$/, '') || undefined;
  const adapter = host && host !== 'claude' ? adapterOf(host) : undefined;
  if (!adapter) return {};
  return {
    adapt: (nativeEvent, payload, extras) =>
      adapter.toHookEvent(nativeEvent, payload, { ...(hostVersion ? { version: hostVersion } : {}), extras: extras ?? extrasOf(adapter.host, nativeEvent, payload) }),
    answer: (event, json) => adapter.hostAnswer(event ?? 'other', json),
    ...(adapter.resultTouch ? { resultTouch: (body: Payload) => adapter.resultTouch!(body) } : {}),
    ...(adapter.callsAtTurnEnd ? { callsAtTurnEnd: true } : {}),
  };
}
