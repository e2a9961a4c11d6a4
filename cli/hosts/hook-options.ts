/**
 * `memflow hook <native event> --host <host>`: the hook client's view of a host adapter — map the
 * host's payload (with what its transcript adds) to memflow's event before delivery, and turn the
 * API's answer into the host's expected stdout. Claude Code (or no --host) needs neither.
 */
import type { HookEventName } from '../../messages/hooks-v1.js';
import { adapterOf } from './index.js';
import type { HostHookEvent, Payload } from './shared.js';
import { extrasOf } from './transcripts.js';

export interface HostHookOptions {
  /** Maps the native event; undefined: memflow does not keep this event. */
  adapt?: (nativeEvent: string, payload: Payload) => HostHookEvent | undefined;
  /** The host's stdout for memflow's answer. */
  answer?: (event: HookEventName | undefined, apiAnswerJson: string) => string;
}

export function hostHookOptions(host: string | undefined, hostVersion: string | undefined): HostHookOptions {
  const adapter = host && host !== 'claude' ? adapterOf(host) : undefined;
  if (!adapter) return {};
  return {
    adapt: (nativeEvent, payload) => adapter.toHookEvent(nativeEvent, payload, { ...(hostVersion ? { version: hostVersion } : {}), extras: extrasOf(adapter.host, nativeEvent, payload) }),
    answer: (event, json) => adapter.hostAnswer(event ?? 'other', json),
  };
}
