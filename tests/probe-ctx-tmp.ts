import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { FAILING_CHECK, fixTheCheckScript, startHost, type HostName } from './helpers/agent-hosts.js';
import { requestText } from './helpers/scripted-turns.js';
const host = process.argv[2] as HostName;
const home = `/tmp/hosts-x/ctx/${host}-home`; const repo = `/tmp/hosts-x/ctx/${host}-repo`;
await fs.rm(home, { recursive: true, force: true }); await fs.rm(repo, { recursive: true, force: true });
await fs.mkdir(repo, { recursive: true }); execFileSync('git', ['init', '-q', repo]);
await fs.writeFile(path.join(repo, 'check.py'), FAILING_CHECK);
const a = await startHost(host, home, fixTheCheckScript(host, repo));
const h = (e: string) => `/tmp/hosts-x/ctxhook.sh ${host} ${e}`;
if (host === 'codex') {
  await fs.appendFile(path.join(home, '.codex/config.toml'), '\nmodel_auto_compact_token_limit = 150\n');
  const ev = ['SessionStart','UserPromptSubmit','PostToolUse','Stop','PreCompact','PostCompact','SessionEnd'];
  await fs.writeFile(path.join(home, '.codex/hooks.json'), JSON.stringify({ hooks: Object.fromEntries(ev.map((e) => [e, [{ hooks: [{ type: 'command', command: h(e) }] }]])) }));
} else if (host === 'gemini') {
  const s = JSON.parse(await fs.readFile(path.join(home, '.gemini/settings.json'), 'utf8'));
  const ev = ['SessionStart','BeforeAgent','AfterTool','AfterAgent','PreCompress','SessionEnd'];
  s.hooks = Object.fromEntries(ev.map((e) => [e, [{ matcher: '*', hooks: [{ type: 'command', name: 'ctx', command: h(e) }] }]]));
  await fs.writeFile(path.join(home, '.gemini/settings.json'), JSON.stringify(s));
} else if (host === 'copilot') {
  await fs.mkdir(path.join(repo, '.github/hooks'), { recursive: true });
  const ev = ['sessionStart','userPromptSubmitted','postToolUse','agentStop','sessionEnd','preCompact'];
  await fs.writeFile(path.join(repo, '.github/hooks/ctx.json'), JSON.stringify({ version: 1, hooks: Object.fromEntries(ev.map((e) => [e, [{ type: 'command', bash: h(e), timeoutSec: 10 }]])) }));
}
const r = await a.run('Make check.py pass.', repo);
console.log(host, 'exit', r.code, Math.round(r.ms), 'ms');
const reqs = a.fake.modelRequests.map((q) => requestText(q.body));
console.log('first request carries marker:', reqs[0]?.includes('MEMFLOW-CONTEXT-MARKER'), 'any:', reqs.findIndex((t) => t.includes('MEMFLOW-CONTEXT-MARKER')), 'of', reqs.length);
const i = reqs[0]?.indexOf('MEMFLOW-CONTEXT-MARKER') ?? -1; if (i >= 0) console.log('around:', reqs[0]!.slice(Math.max(0, i - 300), i + 80));
console.log('all requests:', a.fake.requests.map((q) => q.method + ' ' + q.path.slice(0, 60)).join(' | '));
await a.stop();
