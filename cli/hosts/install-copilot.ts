/**
 * `memflow install --host copilot`: hooks in the project's .github/hooks/memflow.json (the format's
 * version 1, camelCase events; portable: commands on PATH, so the team may commit it). Copilot CLI
 * ignores what a sessionStart hook prints, so its context reaches it as a custom-instructions file
 * (copilot-instructions.ts), which install writes at once — the project's start context as the API
 * has it now, so the first Copilot session already starts with what other agents left — and the
 * relay rewrites whenever a session of any agent in the repository ends; it is kept out of git.
 * No MCP entry: Copilot CLI's MCP configuration is not written by memflow (see docs/hosts.md).
 */
import fs from 'node:fs';
import path from 'node:path';
import { COPILOT_INSTRUCTIONS_PATH, writeCopilotInstructions } from './copilot-instructions.js';
import { HOOK_COMMANDS, hostHookCommand, isOurCommand, type HostInstallOptions, type HostInstallResult, type HostPlace, type HostState, type HostUninstallResult } from './install-shared.js';
import { removeEmptyFolders, removeFile, unexcludeFromGit } from './repo-files.js';

export const COPILOT_EVENTS = ['sessionStart', 'userPromptSubmitted', 'postToolUse', 'postToolUseFailure', 'agentStop', 'preCompact', 'sessionEnd'] as const;

export const COPILOT_HOOKS_PATH = '.github/hooks/memflow.json';

/** What the instructions file says before memflow has anything for the project. */
export const NOTHING_YET = 'memflow has no memory of this project yet: what sessions here do is kept, and written into this file for the next Copilot session.';

export function installCopilot(opts: HostInstallOptions & { startContext?: string }): HostInstallResult {
  const file = path.join(opts.dir, COPILOT_HOOKS_PATH);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const hooks = Object.fromEntries(COPILOT_EVENTS.map((e) => [e, [{ type: 'command', bash: hostHookCommand('copilot', e, opts), timeoutSec: 10 }]]));
  fs.writeFileSync(file, `${JSON.stringify({ version: 1, hooks }, null, 2)}\n`);
  const instructions = path.join(opts.dir, COPILOT_INSTRUCTIONS_PATH);
  // A file the relay already keeps current stays; a fresh install writes what the API has now.
  if (opts.startContext !== undefined || !fs.existsSync(instructions)) writeCopilotInstructions(opts.dir, opts.startContext?.trim() || NOTHING_YET);
  return {
    host: 'copilot',
    files: [file, instructions],
    excluded: [instructions],
    notes: [`Copilot CLI ignores sessionStart output: its context is ${COPILOT_INSTRUCTIONS_PATH} (kept out of git), written now and rewritten whenever a session of any agent in this repository ends; Copilot reads it when a session starts.`],
  };
}

export function uninstallCopilot(place: HostPlace): HostUninstallResult {
  const r: HostUninstallResult = { host: 'copilot', removed: [], changed: [] };
  const hooks = path.join(place.dir, COPILOT_HOOKS_PATH);
  if (fs.existsSync(hooks)) {
    // Only memflow's own file (a file of that name without memflow's commands is the user's).
    let ours = false;
    try {
      const obj = JSON.parse(fs.readFileSync(hooks, 'utf8')) as { hooks?: Record<string, { bash?: string }[]> };
      ours = Object.values(obj.hooks ?? {}).flat().some((h) => isOurCommand(h?.bash));
    } catch {
      // not JSON: not ours to remove
    }
    if (ours && removeFile(hooks)) r.removed.push(hooks);
  }
  const instructions = path.join(place.dir, COPILOT_INSTRUCTIONS_PATH);
  if (removeFile(instructions)) r.removed.push(instructions);
  unexcludeFromGit(place.dir, COPILOT_INSTRUCTIONS_PATH);
  unexcludeFromGit(place.dir, COPILOT_HOOKS_PATH);
  removeEmptyFolders([path.dirname(hooks), path.dirname(instructions), path.join(place.dir, '.github')], place.dir);
  return r;
}

export function copilotState(place: HostPlace): HostState {
  const hooks = path.join(place.dir, COPILOT_HOOKS_PATH);
  let installed = false;
  try {
    const obj = JSON.parse(fs.readFileSync(hooks, 'utf8')) as { hooks?: Record<string, { bash?: string }[]> };
    installed = Object.values(obj.hooks ?? {}).flat().some((h) => isOurCommand(h?.bash));
  } catch {
    // none
  }
  const instructions = path.join(place.dir, COPILOT_INSTRUCTIONS_PATH);
  return { host: 'copilot', installed, files: installed ? [hooks, ...(fs.existsSync(instructions) ? [instructions] : [])] : [], commands: installed ? [...HOOK_COMMANDS] : [] };
}
