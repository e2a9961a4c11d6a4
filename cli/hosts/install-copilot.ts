/**
 * `memflow install --host copilot`: hooks in the project's .github/hooks/memflow.json (the format's
 * version 1, camelCase events). Copilot CLI ignores what a sessionStart hook prints, so memflow
 * captures Copilot sessions but cannot hand them context through hooks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { hostHookCommand, type HostInstallOptions, type HostInstallResult } from './install-shared.js';

export const COPILOT_EVENTS = ['sessionStart', 'userPromptSubmitted', 'postToolUse', 'postToolUseFailure', 'agentStop', 'preCompact', 'sessionEnd'] as const;

export function installCopilot(opts: HostInstallOptions): HostInstallResult {
  const file = path.join(opts.dir, '.github', 'hooks', 'memflow.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const hooks = Object.fromEntries(COPILOT_EVENTS.map((e) => [e, [{ type: 'command', bash: hostHookCommand('copilot', e, opts), timeoutSec: 10 }]]));
  fs.writeFileSync(file, `${JSON.stringify({ version: 1, hooks }, null, 2)}\n`);
  return { host: 'copilot', files: [file], notes: ['Copilot CLI ignores sessionStart output: its sessions are captured, but get memflow context only through MCP tools.'] };
}
