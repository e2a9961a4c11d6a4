/**
 * One hook event as the ingest statement takes it (IngestInput), from the event's redacted, fitted
 * payload: the columns the statement fills from the payload (cwd, transcript, tool name and id) and
 * its timeline item and the agent that sent it. The hook route builds every stored event with it
 * (the ledger bench too).
 */
import { agentOfPayload, type HookEventName } from '../../messages/hooks-v1.js';
import type { IngestInput } from './ingest-statement.js';
import { itemOf } from './timeline-item.js';

/** The payload after redaction and truncateToFit: the value, its JSON and whether it was cut. */
export interface FittedPayload {
  value: { cwd?: string; transcript_path?: string; tool_name?: string; tool_use_id?: string };
  json: string;
  truncated: boolean;
}

export interface IngestInputArgs extends Pick<IngestInput, 'tenantId' | 'keyId' | 'projectName' | 'agentSessionId' | 'idempotencyKey' | 'originalBytes' | 'requestId' | 'occurredAt' | 'fromLedgerClient'> {
  event: HookEventName;
  fitted: FittedPayload;
}

export function ingestInputOf(a: IngestInputArgs): IngestInput {
  const { fitted, ...rest } = a;
  const payload = fitted.value;
  return {
    ...rest,
    payloadJson: fitted.json,
    truncated: fitted.truncated,
    ...(payload.cwd ? { cwd: payload.cwd } : {}),
    ...(payload.transcript_path ? { transcriptPath: payload.transcript_path } : {}),
    ...(payload.tool_name ? { toolName: payload.tool_name } : {}),
    ...(payload.tool_use_id ? { toolUseId: payload.tool_use_id } : {}),
    item: itemOf(rest.event, payload as Record<string, unknown>),
    ...agentColumns(payload as Record<string, unknown>),
  };
}

function agentColumns(payload: Record<string, unknown>): Pick<IngestInput, 'agent' | 'agentVersion'> {
  const { agent, version } = agentOfPayload(payload);
  return { agent, agentVersion: version };
}
