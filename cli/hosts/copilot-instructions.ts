/**
 * How a Copilot CLI session gets memflow's context. Copilot ignores what a sessionStart hook prints,
 * and it reads its custom instructions before its sessionStart hook runs (measured on 1.0.102: a file
 * the hook wrote reached the next session's first model request, not this one's). So memflow keeps
 * the project's start context in a custom-instructions file of the repository,
 * `.github/instructions/memflow.instructions.md`, that Copilot loads at the start of every session:
 * the relay rewrites it whenever it fetches the project's context after a Copilot turn or session
 * ended — a Copilot session's, or any other agent's in a repository where Copilot is installed
 * (held-context.ts) — right away, and again once the worker summarized the session; `memflow install
 * --host copilot` writes it first. The file is the working tree's, not the repository's: install lists
 * it in `.git/info/exclude`, and each write checks that it is still there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { excludeFromGit } from './repo-files.js';

export const COPILOT_INSTRUCTIONS_PATH = '.github/instructions/memflow.instructions.md';

const HEADER = [
  '---',
  'applyTo: "**"',
  '---',
  '<!-- Written by memflow after each Copilot CLI session: what the project\'s memory holds for the next one.',
  '     Rewritten automatically; not for committing (listed in .git/info/exclude). -->',
  '',
].join('\n');

/** Where `memflow install --host copilot` puts Copilot's hooks (install-copilot.ts). */
const COPILOT_HOOKS_FILE = path.join('.github', 'hooks', 'memflow.json');

/** Whether Copilot CLI is set up with memflow in this working tree (one stat). */
export function copilotInstalledIn(root: string): boolean {
  return fs.existsSync(path.join(root, COPILOT_HOOKS_FILE));
}

/** Lists the instructions file in the repository's .git/info/exclude (a worktree's .git file: left alone). */
export function excludeInstructions(root: string): void {
  excludeFromGit(root, COPILOT_INSTRUCTIONS_PATH, 'context for Copilot CLI (rewritten after each session)');
}

/**
 * Writes the context into the repository's instructions file (atomically: Copilot may be starting),
 * unless it already says exactly that. Returns whether it wrote.
 */
export function writeCopilotInstructions(root: string, context: string): boolean {
  // Not once Copilot is taken out (`memflow uninstall --host copilot`): a fetch planned before must
  // not put the file back.
  if (!copilotInstalledIn(root)) return false;
  const file = path.join(root, COPILOT_INSTRUCTIONS_PATH);
  const text = `${HEADER}${context.trim()}\n`;
  try {
    if (fs.readFileSync(file, 'utf8') === text) return false;
  } catch {
    // not written yet
  }
  excludeInstructions(root);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
  return true;
}
