/**
 * The push at the code in the agent hosts other than Claude Code (docs/push.md, "At the file"; Claude
 * Code's in tests/claude-code-push.test.ts): each real CLI (pinned version) set up by `memflow install
 * --host`, headless against its scripted model stand-in, with the real API, worker, PostgreSQL, Temporal
 * and Weaviate behind it. A rule about a file is in the project's memory; the agent reads that file with
 * its own tool (Codex: a shell command, `sed -n`; Gemini CLI: read_file; OpenCode: read; Copilot CLI:
 * view); what memflow
 * knows of the file must be in the model's next request — and only once, and nothing for a file no memory
 * is about.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from './fixtures/cli-run.js';
import { hostRepo, hostsTestApp, installHost, startHost, type HostName } from './helpers/agent-hosts.js';
import { uniqueName } from './helpers/env.js';
import { pick, requestText, scriptOf, type Turn } from './helpers/scripted-turns.js';

const { app } = hostsTestApp('hosts-code-push');

const RULE = 'We decided retries are capped at 7: never change MAX_ATTEMPTS in payclient/retry.py.';
const HEADER = /decided or learned about payclient\/retry\.py/;

/** Each host's own way to read a file (relative to the repository; OpenCode wants an absolute path). */
function readTurn(host: HostName, repo: string, file: string): (tools: string[]) => Turn {
  switch (host) {
    case 'codex':
      return (tools) => {
        const name = pick(tools, 'exec_command', 'shell');
        const command = `sed -n '1,40p' ${file}`;
        return name === 'exec_command' ? { tool: name, args: { cmd: command } } : { tool: name, args: { command: ['bash', '-lc', command] } };
      };
    case 'gemini':
      return (tools) => ({ tool: pick(tools, 'read_file'), args: { file_path: file } });
    case 'opencode':
      return (tools) => ({ tool: pick(tools, 'read'), args: { filePath: path.join(repo, file) } });
    case 'copilot':
      return (tools) => ({ tool: pick(tools, 'view'), args: { path: path.join(repo, file) } });
  }
}

for (const host of ['codex', 'gemini', 'opencode', 'copilot'] as const) {
  test(`${host}: what memflow knows of a file reaches the model when the agent reads it, once; nothing for a file no memory is about`, { timeout: 600_000 }, async () => {
    const at = await hostRepo(host, app.tenant.key);
    // The channel is what this tests, not the budget: on a loaded machine the API's push can take longer than 300 ms.
    at.env.MEMFLOW_PROMPT_BUDGET_MS = '5000';
    await fs.mkdir(path.join(at.repo, 'payclient'), { recursive: true });
    await fs.writeFile(path.join(at.repo, 'payclient', 'retry.py'), 'MAX_ATTEMPTS = 7\n');
    await fs.writeFile(path.join(at.repo, 'payclient', 'currency.py'), 'CURRENCIES = ("EUR", "USD")\n');
    const project = path.basename(at.repo);
    const agent = await startHost(host, at.home, scriptOf([readTurn(host, at.repo, 'payclient/currency.py'), readTurn(host, at.repo, 'payclient/retry.py'), readTurn(host, at.repo, 'payclient/retry.py')], 'Imports were already in order.'));
    try {
      await installHost(host, at, app.api.url);
      const remembered = await runCli(['remember', RULE, '--kind', 'decision', '--project', project], { cwd: at.repo, env: { ...at.env, MEMFLOW_URL: app.api.url } });
      assert.equal(remembered.code, 0, remembered.stderr);
      const prompt = `Tidy the import order in the two modules I point you at (${uniqueName('f')}).`;
      const r = await agent.run(prompt, at.repo, at.env);
      assert.equal(r.code, 0, r.stderr.slice(-2000));
      // The model's requests of the conversation, in order: after each tool result, the next.
      const requests = agent.fake.modelRequests.map((q) => requestText(q.body)).filter((t) => t.includes('Tidy the import order in the two modules'));
      const afterCurrency = requests.find((t) => t.includes('CURRENCIES') && !t.includes('MAX_ATTEMPTS = 7'));
      const afterRetry = requests.filter((t) => t.includes('MAX_ATTEMPTS = 7'));
      assert.ok(afterCurrency, `the request after currency.py was read: ${requests.length} requests`);
      assert.doesNotMatch(afterCurrency!, /decided or learned about/, 'nothing for a file no memory is about');
      assert.ok(afterRetry.length >= 1, 'the request after retry.py was read');
      assert.match(afterRetry[0]!, HEADER, `${host}: the push at the file reaches the model with the read`);
      assert.match(afterRetry[0]!, /capped at 7/);
      const last = afterRetry.at(-1)!;
      assert.equal(last.match(new RegExp(HEADER.source, 'g'))?.length, 1, 'pushed once: reading the file again pushes nothing more');
    } finally {
      await agent.stop();
      await runCli(['relay', 'stop'], { env: at.env });
    }
  });
}
