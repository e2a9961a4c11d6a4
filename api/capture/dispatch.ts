/**
 * Hands a stored event to its session workflow with signal-with-start (starting the workflow when the
 * session is new or its previous run has closed). Only the event id travels through Temporal.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { sessionWorkflow } from '../../workflows/session/workflow.js';
import {
  hookEventSignal,
  sessionWorkflowId,
  type HookEventName,
  type SessionTuning,
} from '../../workflows/session/messages.js';
import { apiMetrics } from '../metrics.js';

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
  /**
   * Signals in the background (never rejects; failures go to `onError`); see drain(). Signals for
   * one session coalesce: while one is in flight, later events of that session are covered by a
   * single follow-up signal, because the workflow catches up on every stored event when woken.
   */
  dispatchInBackground(input: DispatchInput, onError: (err: Error) => void): void;
  /** Resolves when every background dispatch has settled. */
  drain(): Promise<void>;
}

/** Temporal being away must not pile up work: a signal not through in this time is left to the redispatcher. */
const DEFAULT_DEADLINE_MS = 5000;
/** A burst of one session's hooks (a tool call and its result, parallel tools) costs Temporal one signal. */
const COALESCE_MS = 25;
/**
 * At most one signal per session per this interval; events meanwhile get one trailing signal, sent
 * after their commit, so none is left unsignalled. The workflow batches for a second anyway.
 */
const MIN_SIGNAL_INTERVAL_MS = 250;

export function createDispatcher(
  client: Client,
  taskQueue: string,
  tuning?: Partial<SessionTuning>,
  deadlineMs = DEFAULT_DEADLINE_MS,
): Dispatcher {
  const inFlight = new Set<Promise<void>>();
  /** Per workflow id: the follow-up to send when the in-flight signal settles (null: none yet). */
  const sessions = new Map<string, { next: { input: DispatchInput; onError: (err: Error) => void } | null }>();
  const dispatch = async (input: DispatchInput): Promise<void> => {
    try {
      await client.connection.withDeadline(Date.now() + deadlineMs, () => signal(input));
      apiMetrics.sessionSignals.inc({ outcome: 'ok' });
    } catch (err) {
      apiMetrics.sessionSignals.inc({ outcome: 'failed' });
      throw err;
    }
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
      const id = sessionWorkflowId(input.tenantId, input.projectId, input.agentSessionId);
      const busy = sessions.get(id);
      if (busy) {
        busy.next = { input, onError };
        return;
      }
      const slot: { next: { input: DispatchInput; onError: (err: Error) => void } | null } = { next: null };
      sessions.set(id, slot);
      const run = async (first: DispatchInput, firstOnError: (err: Error) => void) => {
        let current: { input: DispatchInput; onError: (err: Error) => void } | null = { input: first, onError: firstOnError };
        await sleep(COALESCE_MS);
        if (slot.next) [current, slot.next] = [slot.next, null];
        while (current) {
          await dispatch(current.input).catch(current.onError);
          await sleep(MIN_SIGNAL_INTERVAL_MS);
          current = slot.next;
          slot.next = null;
        }
        sessions.delete(id);
      };
      const p = run(input, onError);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    },
    async drain() {
      await Promise.allSettled([...inFlight]);
    },
  };
}
