/**
 * What a person states and changes by hand: `memflow remember <text...>` (POST /v1/memories),
 * `memflow correct <id> <text...> --reason` (POST /v1/learnings/{id}/correct), `memflow forget <id>
 * --reason` (POST /v1/learnings/{id}/forget), and `memflow memories [list]` / `memories show <id...>`
 * (GET /v1/learnings, GET /v1/memories/{id}). Each is audited and marked as the user's by the API.
 */
import { withApi, type ApiOptions } from './api-client.js';
import { memoryId } from './args.js';
import { CliError } from './output.js';
import { scopeOf, type ScopeOptions } from './scope.js';

type Out = (line: string) => void;


const textOf = (words: string[], what: string) => {
  const text = words.join(' ').trim();
  if (!text) throw new CliError(`${what} needs the text to keep`);
  return text;
};

function tagsOf(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const tags = raw.split(',').map((t) => t.trim()).filter(Boolean);
  if (tags.length === 0) throw new CliError(`--tags takes comma-separated tags, not '${raw}'`);
  return tags;
}

export interface RememberOptions extends ApiOptions, ScopeOptions {
  kind?: string;
  title?: string;
  tags?: string;
  json?: boolean;
}

export async function remember(words: string[], opts: RememberOptions, out: Out): Promise<void> {
  const text = textOf(words, 'remember');
  const scope = scopeOf(opts);
  if (!scope.project) throw new CliError('remember needs a project: run it in the repository, or pass --project <name>');
  const done = await withApi(opts, (api) =>
    api.remember({ text, origin: 'user', ...(opts.kind ? { kind: opts.kind } : {}), ...(opts.title ? { title: opts.title } : {}), ...(opts.tags ? { tags: tagsOf(opts.tags)! } : {}) }, scope.project),
  );
  if (opts.json) return out(JSON.stringify(done));
  const redacted = done.redactions > 0 ? `, ${done.redactions} secret${done.redactions === 1 ? '' : 's'} redacted` : '';
  out(`${done.status === 'created' ? 'remembered' : 'already remembered (restated)'}: ${done.id} in project '${done.project}'${redacted}${done.indexed ? '' : ' (searchable by keyword now, by meaning once indexed)'}`);
}

export interface CorrectOptions extends ApiOptions {
  reason: string;
  title?: string;
  kind?: string;
  json?: boolean;
}

export async function correct(id: string, words: string[], opts: CorrectOptions, out: Out): Promise<void> {
  const ref = memoryId(id);
  const text = textOf(words, 'correct');
  const done = await withApi(opts, (api) => api.correct(ref, { text, reason: opts.reason, origin: 'user', ...(opts.title ? { title: opts.title } : {}), ...(opts.kind ? { kind: opts.kind } : {}) }));
  if (opts.json) return out(JSON.stringify(done));
  out(`corrected: ${done.supersedes} is superseded by ${done.id} (project '${done.project}'); the reason is kept in its history`);
}

export async function forget(id: string, opts: ApiOptions & { reason: string; json?: boolean }, out: Out): Promise<void> {
  const ref = memoryId(id);
  const done = await withApi(opts, (api) => api.forget(ref, { reason: opts.reason, origin: 'user' }));
  if (opts.json) return out(JSON.stringify(done));
  out(`forgotten: ${done.id} is retracted (${done.status}); it stays in its history and is never injected again`);
}
