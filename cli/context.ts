/**
 * `memflow context`: GET /v1/context, the token-budgeted memory a new session starts with. The text
 * goes to stdout (so it can be piped into a prompt); the counts go to stderr.
 */
import { gitHead } from '../common/git-head.js';
import { checkContext, stalenessReport, type CheckableItem } from '../common/staleness.js';
import { apiGet, apiRequest, query, type ApiOptions } from './api-client.js';
import { intOption, projectOrCwd } from './args.js';

/** The API's ceiling (api/search/context.ts); checked here for a clear message. */
const MAX_CONTEXT_TOKENS = 32_000;

interface ContextAnswer {
  context: string;
  tokens: number;
  items: string[];
  check?: CheckableItem[];
}

export async function context(
  opts: ApiOptions & { project?: string; tokens?: string; json?: boolean; check?: boolean },
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<void> {
  const project = projectOrCwd(opts.project);
  const tokens = intOption('--tokens', opts.tokens, 1, MAX_CONTEXT_TOKENS);
  // In a working tree of the project, the context is checked against today's code, as at SessionStart.
  const git = opts.check === false || opts.project ? undefined : gitHead(process.cwd());
  const answer = await apiGet<ContextAnswer>(`/v1/context${query({ project, tokens, branch: git?.branch ?? undefined, defaultBranch: git?.defaultBranch ?? undefined })}`, opts);
  let note = '';
  if (git && answer.context && answer.check?.length) {
    const checked = checkContext(answer.context, answer.check, git.root, git);
    answer.context = checked.context;
    note = `, ${checked.dropped} dropped as stale, ${checked.marked} marked "may be outdated" (checked in ${checked.ms.toFixed(1)} ms)`;
    const report = stalenessReport(checked.verdicts);
    if (report.results.length > 0) await apiRequest('/v1/learnings/staleness', opts, { method: 'POST', body: report }).catch(() => undefined);
  }
  if (opts.json) return out(JSON.stringify(answer));
  if (answer.context) out(answer.context);
  const empty = answer.items.length === 0 ? ` — nothing remembered for project '${project}' yet` : '';
  err(`(${answer.tokens} tokens, ${answer.items.length} item${answer.items.length === 1 ? '' : 's'}${note})${empty}`);
}
