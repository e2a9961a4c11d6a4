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
