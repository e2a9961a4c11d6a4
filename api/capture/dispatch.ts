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
  /** Signals the session workflow; rejects after `deadlineMs` when Temporal does not answer. */
  dispatch(input: DispatchInput): Promise<void>;
  /** Signals in the background (never rejects; failures go to `onError`); see drain(). */
  dispatchInBackground(input: DispatchInput, onError: (err: Error) => void): void;
  /** Resolves when every background dispatch has settled. */
  drain(): Promise<void>;
}

/** Temporal being away must not pile up work: a signal not through in this time is left to the redispatcher. */
const DEFAULT_DEADLINE_MS = 5000;

export function createDispatcher(
  client: Client,
  taskQueue: string,
  tuning?: Partial<SessionTuning>,
  deadlineMs = DEFAULT_DEADLINE_MS,
): Dispatcher {
  const inFlight = new Set<Promise<void>>();
  const dispatch = async (input: DispatchInput): Promise<void> => {
    await client.connection.withDeadline(Date.now() + deadlineMs, () => signal(input));
  };
  const signal = async (input: DispatchInput): Promise<void> => {
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
  };
  return {
    dispatch,
    dispatchInBackground(input, onError) {
      const p = dispatch(input).catch(onError);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    },
    async drain() {
      await Promise.allSettled([...inFlight]);
    },
  };
}
