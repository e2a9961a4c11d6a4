/**
 * The briefing a new session of a project gets, as the MCP server hands it out (the `context` tool
 * and the memflow://context resource): within the answer cap, and checked against today's code when
 * the server runs beside the working tree (stale items dropped, doubtful ones marked, the verdicts
 * reported back to the API).
 */
import type { ApiClient } from '../clients/api.js';
import { gitHead } from '../common/workspace/git-head.js';
import { checkContext, stalenessReport } from '../common/workspace/recall-staleness.js';
import { withTokenCount, type Sized } from './budget.js';

export function projectContextReader(api: ApiClient, cap: number, workingTree: string | undefined) {
  return async (p: string | undefined, tokens: number | undefined): Promise<Sized> => {
    const budget = Math.min(tokens ?? 1500, Math.max(50, cap - 20));
    const git = workingTree ? gitHead(workingTree) : undefined;
    const answer = await api.context({ project: p, tokens: budget, branch: git?.branch ?? undefined, defaultBranch: git?.defaultBranch ?? undefined });
    let context = answer.context;
    if (git && context && answer.check?.length) {
      const checked = checkContext(context, answer.check, git.root, git);
      context = checked.context;
      const report = stalenessReport(checked.verdicts);
      if (report.results.length > 0) await api.reportStaleness(report).catch(() => undefined);
    }
    return withTokenCount(context || `No memories yet${p ? ` for ${p}` : ''}.`);
  };
}
