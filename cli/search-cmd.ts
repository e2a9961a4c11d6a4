/**
 * `memflow search <query...>`: GET /v1/search, the compact index of matching memories. Each result
 * is printed with its full id, which `memflow show <id>` takes for the whole record. `--pending`
 * (a person's search) lists learnings waiting for review too, marked `[pending review]`.
 */
import { RECORD_TYPES } from '../messages/record-types-v1.js';
import { withApi, type ApiOptions } from './api-client.js';
import { hitAttribution } from '../clients/attribution.js';
import { readable } from '../clients/readable.js';
import { intOption } from './args.js';
import { scopeNote, scopeOf, type ScopeOptions } from './scope.js';
import { CliError } from './output.js';


export interface SearchOptions extends ApiOptions, ScopeOptions {
  project?: string;
  types?: string;
  mode?: string;
  limit?: string;
  since?: string;
  until?: string;
  agent?: string;
  /** Learnings waiting for review too, marked (a person at the terminal; agents never get them). */
  pending?: boolean;
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
  const scope = scopeOf(opts);
  const params = {
    q,
    project: scope.project,
    types: typesOption(opts.types),
    mode: opts.mode,
    limit: intOption('--limit', opts.limit, 1, 100),
    since: opts.since,
    until: opts.until,
    agent: opts.agent,
    ...(opts.pending ? { includePending: true } : {}),
  };
  const answer = await withApi(opts, (api) => api.search(params));
  if (opts.json) return out(JSON.stringify(answer));

  // The rank, not the score: a fused score is relative to its candidates and may be negative.
  answer.results.forEach((r, i) => {
    const by = hitAttribution(r);
    const mark = r.status === 'pending' ? '[pending review] ' : '';
    out(`${`#${i + 1}`.padEnd(4)}  ${r.type.padEnd(11)}  ${r.id}  ${mark}${r.agent ? `[${r.agent}] ` : ''}${oneLine(readable(r.title))}${by ? ` (${oneLine(readable(by))})` : ''}`);
    if (r.snippet && r.snippet !== r.title) out(`        ${oneLine(readable(r.snippet))}`);
    // The turns of its session that match best (issue 66): the record that answers, by its id.
    for (const t of r.turns ?? []) out(`        ↳ ${t.id}  ${t.kind}: ${oneLine(readable(t.snippet || t.title))}`);
  });
  const n = answer.results.length;
  out(`${n === 0 ? 'no results' : `${n} result${n === 1 ? '' : 's'}`} in ${answer.tookMs} ms${n > 0 ? ' (memflow show <id> for the full record)' : ''}`);
  // The scope a repository implied goes to stderr: stdout stays the answer.
  if (scope.from === 'repository' || scope.from === 'env') process.stderr.write(`(searched ${scopeNote(scope)})
`);
  if (answer.degraded) out(`note: degraded answer, keyword search only${answer.degradedReason ? ` (${answer.degradedReason})` : ''}`);
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
