/**
 * `memflow search <query...>`: GET /v1/search, the compact index of matching memories. Each result
 * is printed with its full id, which `memflow show <id>` takes for the whole record.
 */
import { RECORD_TYPES } from '../messages/records/v1.js';
import { withApi, type ApiOptions } from './api-client.js';
import { intOption, projectOption } from './args.js';
import { CliError } from './output.js';


export interface SearchOptions extends ApiOptions {
  project?: string;
  types?: string;
  mode?: string;
  limit?: string;
  since?: string;
  until?: string;
  json?: boolean;
}

function typesOption(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const parts = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = parts.find((p) => !(RECORD_TYPES as readonly string[]).includes(p));
  if (bad !== undefined || parts.length === 0) throw new CliError(`--types takes any of ${RECORD_TYPES.join(',')}, not '${bad ?? raw}'`);
  return parts.join(',');
}

export async function search(words: string[], opts: SearchOptions, out: (line: string) => void): Promise<void> {
  const q = words.join(' ').trim();
  if (!q) throw new CliError('search needs some text to look for');
  const params = {
    q,
    project: projectOption(opts.project),
    types: typesOption(opts.types),
    mode: opts.mode,
    limit: intOption('--limit', opts.limit, 1, 100),
    since: opts.since,
    until: opts.until,
  };
  const answer = await withApi(opts, (api) => api.search(params));
  if (opts.json) return out(JSON.stringify(answer));

  for (const r of answer.results) {
    out(`${r.score.toFixed(4)}  ${r.type.padEnd(11)}  ${r.id}  ${oneLine(r.title)}`);
    if (r.snippet) out(`        ${oneLine(r.snippet)}`);
  }
  const n = answer.results.length;
  out(`${n === 0 ? 'no results' : `${n} result${n === 1 ? '' : 's'}`} in ${answer.tookMs} ms${n > 0 ? ' (memflow show <id> for the full record)' : ''}`);
  if (answer.degraded) out(`note: degraded answer, keyword search only${answer.degradedReason ? ` (${answer.degradedReason})` : ''}`);
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
