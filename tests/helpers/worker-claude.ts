/**
 * The real `claude` as the summarizer of a test's worker (MEMFLOW_MODEL=claude-cli), against a
 * scripted model server. The CLI the worker runs inherits the process environment, so this sets it
 * there (Claude Code's own config folder, its base URL and key) in a `before` hook: call it before
 * withTestStack, whose worker must start after. The model answers memflow's summarizer requests with
 * what `answer` returns (a test sets it; undefined: the server's default text).
 */
import { after, before } from 'node:test';
import { ensureAgentCli } from '../../infra/agent-clis.js';
import { tempDir } from '../fixtures/cli-run.js';
import { ScriptedClaude, requestText } from './scripted-claude.js';

export const SUMMARIZER_MARK = "You are memflow's summarizer";

export interface WorkerClaude {
  model: ScriptedClaude;
  answer: (request: string) => string | undefined;
  /** The summarizer requests the model server received so far. */
  summarizerRuns(): number;
}

export function workerClaude(configName: string): WorkerClaude {
  const self: WorkerClaude = {
    model: new ScriptedClaude(),
    answer: () => undefined,
    summarizerRuns: () => self.model.requests.filter((r) => requestText(r.body).includes(SUMMARIZER_MARK)).length,
  };
  before(async () => {
    await self.model.start();
    self.model.textAnswer = (body) => (requestText(body).includes(SUMMARIZER_MARK) ? self.answer(requestText(body)) : undefined);
    Object.assign(process.env, {
      MEMFLOW_CLAUDE_CLI: await ensureAgentCli('claude'),
      CLAUDE_CONFIG_DIR: await tempDir(configName),
      ANTHROPIC_BASE_URL: self.model.url,
      ANTHROPIC_API_KEY: 'sk-ant-test-memflow-0123456789abcdefghij',
    });
  });
  after(() => self.model.close());
  return self;
}

/** The fix the scripted model's final summary records: the orders total endpoint's null list. */
export const ORDERS_TOTAL_FIX = {
  title: 'Orders total needs an empty list default for null orders',
  appliesWhen: ['order totals endpoint returns 500'],
};

/**
 * The scripted model's final summary of a session (undefined for any other request): one fix learning citing the
 * first observation the request numbered, with `fix`'s title and "applies when".
 */
export function ordersTotalFinalAnswer(request: string, fix: { title: string; appliesWhen: string[] } = ORDERS_TOTAL_FIX): string | undefined {
  if (!request.includes('Write the final summary')) return undefined;
  const cited = Number(/#(\d+) /.exec(request.slice(request.indexOf('# The session')))?.[1] ?? 1);
  return JSON.stringify({
    title: 'Fixed the 500 of the orders total endpoint',
    request: 'Fix GET /api/orders/total returning a 500.',
    investigated: 'Read the handler and ran the tests.',
    learned: 'The total was computed from a null list.',
    completed: 'The handler defaults to an empty list; the tests pass.',
    nextSteps: '',
    learnings: [{ kind: 'fix', title: fix.title, body: 'GET /api/orders/total failed on a null orders list; defaulting it to [] fixed it.', confidence: 0.9, sources: [cited], outcome: 'confirmed', appliesWhen: fix.appliesWhen }],
  });
}
