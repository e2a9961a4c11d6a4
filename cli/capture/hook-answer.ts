/**
 * The hook's answer to the agent: the API's hook output, with the start context checked against the
 * working tree at SessionStart (stale items dropped, doubtful ones marked, verdicts reported).
 */
import path from 'node:path';
import type { GitHead } from '../../common/workspace/git-head.js';
import { checkContext, stalenessReport, type CheckableItem } from '../../common/workspace/recall-staleness.js';
import { parseClientConfig } from '../../common/workspace/client-config.js';

/** Longest wait for the staleness report to reach the API (it is a hint: lost, it is sent next time). */
export const REPORT_TIMEOUT_MS = 500;

/**
 * The staleness check at SessionStart: the API sent the cited items of the context (memflowCheck);
 * they are checked against the working tree, stale ones dropped and doubtful ones marked, and the
 * verdicts reported. memflowCheck never reaches Claude Code. Any failure leaves the answer as it came.
 */
export async function checkStartContext(body: string, git: GitHead | undefined, report: (r: { results: Record<string, unknown>[] }) => Promise<void>): Promise<string> {
  let parsed: { hookSpecificOutput?: { additionalContext?: string }; memflowCheck?: { items?: CheckableItem[] } } & Record<string, unknown>;
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return body;
  }
  if (!parsed || typeof parsed !== 'object' || !parsed.memflowCheck) return body;
  const { memflowCheck, ...rest } = parsed;
  const items = memflowCheck.items ?? [];
  const context = rest.hookSpecificOutput?.additionalContext;
  if (!git || items.length === 0 || typeof context !== 'string' || !parseClientConfig().MEMFLOW_STALENESS_CHECK) return JSON.stringify(rest);
  try {
    const checked = checkContext(context, items, git.root, git, { cacheFile: path.join(parseClientConfig().MEMFLOW_CACHE_DIR, 'staleness-git.json') });
    rest.hookSpecificOutput = { ...rest.hookSpecificOutput, additionalContext: checked.context };
    const body = stalenessReport(checked.verdicts);
    if (body.results.length > 0) await report(body).catch(() => undefined);
  } catch {
    // the check is best effort: the context goes out unchecked rather than not at all
  }
  return JSON.stringify(rest);
}

/** The API's answer if it is a JSON object (the hook output), else `{}`; with a warning for the user. */
export function hookOutput(body: string, systemMessage?: string): string {
  let out: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) out = parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  return JSON.stringify(systemMessage ? { ...out, systemMessage } : out);
}
