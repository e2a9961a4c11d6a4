/**
 * `memflow context`: GET /v1/context, the token-budgeted memory a new session starts with. The text
 * goes to stdout (so it can be piped into a prompt); the counts go to stderr.
 */
import { apiGet, query, type ApiOptions } from './api-client.js';
import { intOption, projectOrCwd } from './args.js';

/** The API's ceiling (api/search/context.ts); checked here for a clear message. */
const MAX_CONTEXT_TOKENS = 32_000;

interface ContextAnswer {
  context: string;
  tokens: number;
  items: string[];
}

export async function context(
  opts: ApiOptions & { project?: string; tokens?: string; json?: boolean },
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<void> {
  const project = projectOrCwd(opts.project);
  const tokens = intOption('--tokens', opts.tokens, 1, MAX_CONTEXT_TOKENS);
  const answer = await apiGet<ContextAnswer>(`/v1/context${query({ project, tokens })}`, opts);
  if (opts.json) return out(JSON.stringify(answer));
  if (answer.context) out(answer.context);
  const empty = answer.items.length === 0 ? ` — nothing remembered for project '${project}' yet` : '';
  err(`(${answer.tokens} tokens, ${answer.items.length} item${answer.items.length === 1 ? '' : 's'})${empty}`);
}
