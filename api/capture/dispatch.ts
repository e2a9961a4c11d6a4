/**
 * Hands a stored event to its session workflow with signal-with-start (starting the workflow when the
 * session is new or its previous run has closed). Only the event id travels through Temporal.
 */
import type { Client } from '@temporalio/client';
import type { sessionWorkflow } from '../../workflows/session/workflow.js';
import {
  hookEventSignal,
  sessionWorkflowId,
  type HookEventName,
  type SessionTuning,
} from '../../workflows/session/messages.js';

export interface DispatchInput {
  tenantId: string;
  projectId: string;
  sessionId: string;
  agentSessionId: string;
  eventId: string;
  event: HookEventName;
}

export interface Dispatcher {
  dispatch(input: DispatchInput): Promise<void>;
}

export function createDispatcher(client: Client, taskQueue: string, tuning?: Partial<SessionTuning>): Dispatcher {
  return {
    async dispatch(input) {
      await client.workflow.signalWithStart<typeof sessionWorkflow, [{ eventId: string; event: HookEventName }]>('sessionWorkflow', {
        workflowId: sessionWorkflowId(input.tenantId, input.projectId, input.agentSessionId),
        taskQueue,
        args: [
          {
            tenantId: input.tenantId,
            projectId: input.projectId,
            sessionId: input.sessionId,
            agentSessionId: input.agentSessionId,
            ...(tuning ? { tuning } : {}),
          },
        ],
        signal: hookEventSignal,
        signalArgs: [{ eventId: input.eventId, event: input.event }],
      });
    },
  };
}
