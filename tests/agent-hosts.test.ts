/**
 * The real agent CLIs (Codex, Gemini CLI, OpenCode, Copilot CLI at their pinned versions) run one
 * headless session each, offline, against a local stand-in for their model API, in a temporary git
 * repository and HOME: the scripted model runs a failing check, fixes it, runs it passing and
 * answers. What the CLI sent back to the model (recorded by the stand-in) must carry the real
 * failure, and the file must really be fixed — the CLI, not the test, did the work.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { FAILING_CHECK, FINAL_ANSWER, HOSTS, PASSING_CHECK, fixTheCheckScript, startHost } from './helpers/agent-hosts.js';
import { requestText } from './helpers/scripted-turns.js';
import { tempDir } from './fixtures/cli-run.js';

for (const host of HOSTS) {
  test(`${host}: one headless session against its local model stand-in`, { timeout: 300_000 }, async () => {
    const home = await tempDir(`${host}-home`);
    const repo = path.join(await tempDir(`${host}-repo`), 'shop');
    await fs.mkdir(repo, { recursive: true });
    execFileSync('git', ['init', '-q', repo]);
    await fs.writeFile(path.join(repo, 'check.py'), FAILING_CHECK);
    const agent = await startHost(host, home, fixTheCheckScript(host, repo));
    try {
      const r = await agent.run('Make check.py pass.', repo);
      assert.equal(r.code, 0, `${host} exited ${r.code}: ${r.stderr.slice(-2000)}`);
      assert.ok(r.stdout.includes(FINAL_ANSWER), `${host} printed the final answer: ${r.stdout.slice(-1000)}`);
      assert.equal(await fs.readFile(path.join(repo, 'check.py'), 'utf8'), PASSING_CHECK);
      const sent = agent.fake.modelRequests.map((q) => requestText(q.body));
      assert.ok(sent.length >= 4, `${host}: four model turns (got ${sent.length})`);
      assert.ok(sent.some((t) => t.includes('expected 3, got 2')), `${host} sent the failing output to the model`);
      assert.ok(sent.at(-1)!.includes('passed'), `${host} sent the passing run to the model`);
    } finally {
      await agent.stop();
    }
  });
}
