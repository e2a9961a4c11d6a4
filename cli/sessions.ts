/**
 * `memflow sessions [list]`, `sessions show <id>`, `timeline <id>` (also `sessions timeline <id>`):
 * GET /v1/sessions, /v1/sessions/{id}, /v1/sessions/{id}/timeline. Human-readable by default,
 * `--json` prints the API's document as is.
 */
import type { Page } from '../messages/api/v1.js';
import { withApi, type ApiOptions } from './api-client.js';
import { CliError } from './output.js';

export interface ListOptions extends ApiOptions {
  project?: string;
  limit?: string;
  cursor?: string;
  all?: boolean;
  json?: boolean;
}

const when = (iso: string | null | undefined) => (iso ? iso.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z') : '-');

function limitOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--limit must be a positive integer, not '${raw}'`);
  return n;
}

/** One page, or every page with --all (following nextCursor). */
async function collect<T>(opts: ListOptions, pageAt: (params: { limit?: number; cursor?: string }) => Promise<Page<T>>): Promise<Page<T>> {
  const limit = limitOf(opts.limit);
  let cursor = opts.cursor;
  const items: T[] = [];
  for (;;) {
    const page = await pageAt({ ...(limit !== undefined ? { limit } : {}), ...(cursor !== undefined ? { cursor } : {}) });
    items.push(...page.items);
    if (!opts.all || !page.nextCursor) return { items, nextCursor: opts.all ? null : page.nextCursor };
    cursor = page.nextCursor;
  }
}

export async function sessionsList(opts: ListOptions, out: (line: string) => void): Promise<void> {
  const page = await withApi(opts, (api) => collect(opts, (p) => api.sessions({ ...p, project: opts.project })));
  if (opts.json) return out(JSON.stringify(page));
  if (page.items.length === 0) return out(opts.project ? `no sessions in project '${opts.project}'` : 'no sessions yet');
  const rows = page.items.map((s) => [s.id, s.project, s.status, when(s.startedAt), when(s.endedAt), String(s.eventCount)]);
  table(['SESSION', 'PROJECT', 'STATUS', 'STARTED', 'ENDED', 'EVENTS'], rows, out);
  if (page.nextCursor) out(`more: memflow sessions --cursor ${page.nextCursor}${opts.project ? ` --project ${opts.project}` : ''} (or --all)`);
}

export async function sessionShow(id: string, opts: ApiOptions & { project?: string; json?: boolean }, out: (line: string) => void): Promise<void> {
  const s = await withApi(opts, (api) => api.session(id, { project: opts.project }));
  if (opts.json) return out(JSON.stringify(s));
  out(`session  ${s.id}`);
  out(`project  ${s.project}`);
  out(`status   ${s.status}`);
  out(`started  ${when(s.startedAt)}`);
  out(`ended    ${when(s.endedAt)}`);
  out(`events   ${s.eventCount}`);
  out(`summary  ${s.summary ? s.summary.replace(/\n/g, '\n         ') : '-'}`);
}

export async function sessionTimeline(id: string, opts: ListOptions, out: (line: string) => void): Promise<void> {
  const page = await withApi(opts, (api) => collect(opts, (p) => api.timeline(id, { ...p, project: opts.project })));
  if (opts.json) return out(JSON.stringify(page));
  if (page.items.length === 0) return out('no timeline items yet (events are turned into items shortly after they arrive)');
  for (const item of page.items) {
    const [first = '', ...rest] = item.text.split('\n');
    const tool = item.toolName ? ` ${item.toolName}` : '';
    out(`${when(item.createdAt)}  ${item.kind.padEnd(7)}${tool}  ${first}`);
    for (const line of rest.slice(0, 3)) out(`${' '.repeat(30)}${line}`);
    if (rest.length > 3) out(`${' '.repeat(30)}… (${rest.length - 3} more lines; --json for all)`);
  }
  if (page.nextCursor) out(`more: memflow timeline ${id} --cursor ${page.nextCursor} (or --all)`);
}

function table(header: string[], rows: string[][], out: (line: string) => void): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  out(fmt(header));
  for (const r of rows) out(fmt(r));
}
