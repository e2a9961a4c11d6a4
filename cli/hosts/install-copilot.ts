/**
 * `memflow install --host copilot`: hooks in the project's .github/hooks/memflow.json (the format's
 * version 1, camelCase events). Copilot CLI ignores what a sessionStart hook prints, so its context
 * reaches it as a custom-instructions file the relay keeps current (copilot-instructions.ts), which
 * the install keeps out of git.
 */
import fs from 'node:fs';
import path from 'node:path';
import { COPILOT_INSTRUCTIONS_PATH, excludeFromGit } from './copilot-instructions.js';
import { hostHookCommand, type HostInstallOptions, type HostInstallResult } from './install-shared.js';

export const COPILOT_EVENTS = ['sessionStart', 'userPromptSubmitted', 'postToolUse', 'postToolUseFailure', 'agentStop', 'preCompact', 'sessionEnd'] as const;

export function installCopilot(opts: HostInstallOptions): HostInstallResult {
  const file = path.join(opts.dir, '.github', 'hooks', 'memflow.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const hooks = Object.fromEntries(COPILOT_EVENTS.map((e) => [e, [{ type: 'command', bash: hostHookCommand('copilot', e, opts), timeoutSec: 10 }]]));
  fs.writeFileSync(file, `${JSON.stringify({ version: 1, hooks }, null, 2)}\n`);
  excludeFromGit(opts.dir);
  return {
    host: 'copilot',
    files: [file],
    notes: [`Copilot CLI ignores sessionStart output: memflow writes the project's context to ${COPILOT_INSTRUCTIONS_PATH} (kept out of git) after each Copilot session, and Copilot reads it when the next one starts.`],
  };
}
