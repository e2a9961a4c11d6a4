/**
 * `memflow context`: GET /v1/context, the token-budgeted memory a new session starts with. The text
 * goes to stdout (so it can be piped into a prompt); the counts go to stderr.
 */
import { gitHead } from '../common/workspace/git-head.js';
import { checkContext, stalenessReport } from '../common/workspace/recall-staleness.js';
import { withApi, type ApiOptions } from './api-client.js';
import { intOption, projectOrCwd } from './args.js';

/** The API's ceiling (api/context/start-context.ts); checked here for a clear message. */
const MAX_CONTEXT_TOKENS = 32_000;

export async function context(
  opts: ApiOptions & { project?: string; tokens?: string; json?: boolean; check?: boolean; agent?: string; explain?: boolean },
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<void> {
  const project = projectOrCwd(opts.project);
  const tokens = intOption('--tokens', opts.tokens, 1, MAX_CONTEXT_TOKENS);
  // In a working tree of the project, the context is checked against today's code, as at SessionStart.
  const git = opts.check === false || opts.project ? undefined : gitHead(process.cwd());
  const { answer, note } = await withApi(opts, async (api) => {
    const answer = await api.context({ project, tokens, branch: git?.branch ?? undefined, defaultBranch: git?.defaultBranch ?? undefined, agent: opts.agent, ...(opts.explain ? { explain: 'true' as const } : {}) });
    if (!git || !answer.context || !answer.check?.length) return { answer, note: '' };
    const checked = checkContext(answer.context, answer.check, git.root, git);
    answer.context = checked.context;
    const report = stalenessReport(checked.verdicts);
    if (report.results.length > 0) await api.reportStaleness(report).catch(() => undefined);
    return { answer, note: `, ${checked.dropped} dropped as stale, ${checked.marked} marked "may be outdated" (checked in ${checked.ms.toFixed(1)} ms)` };
  });
  if (opts.json) return out(JSON.stringify(answer));
  if (answer.context) out(answer.context);
  const empty = answer.items.length === 0 ? ` — nothing remembered for project '${project}' yet` : '';
  err(`(${answer.tokens} tokens, ${answer.items.length} item${answer.items.length === 1 ? '' : 's'}${note})${empty}`);
  // Why each item is there (or was left out): its receipt's reason, uptake included.
  for (const e of answer.explain ?? []) err(`${e.included ? '+' : '-'} ${e.id.slice(0, 8)} ${e.type} ${e.included ? `${e.tokens} tokens: ` : ''}${e.reason}`);
}
