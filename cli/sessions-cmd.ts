/**
 * `memflow sessions [list]`, `sessions show <id>`, `timeline <id>` (also `sessions timeline <id>`):
 * GET /v1/sessions, /v1/sessions/{id}, /v1/sessions/{id}/timeline. Human-readable by default,
 * `--json` prints the API's document as is. A session is named by its id or, as everywhere in the CLI
 * (memories, learnings, keys), by the shortest prefix of it that is unique; an ambiguous prefix lists
 * the sessions it names.
 */
import type { Page } from '../messages/api-v1.js';
import { withApi, type ApiOptions } from './api-client.js';
import { ApiError } from '../clients/core.js';
import type { ApiClient } from '../clients/api.js';
import { plainText, plainValue, toolParts } from '../clients/readable.js';
import { CliError } from './output.js';
import { describeLedger } from '../messages/capture-ledger-text.js';
import { scopeNote, scopeOf, type ScopeOptions } from './scope.js';

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

/** A title for a table cell: one line, at most `max` characters. */
const cell = (s: string | null | undefined, max: number) => {
  const flat = (s ?? '').replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat || '-' : `${flat.slice(0, max - 1)}…`;
};

export async function sessionsList(opts: ListOptions & ScopeOptions & { find?: string; agent?: string }, out: (line: string) => void): Promise<void> {
  const scope = scopeOf(opts);
  const filters = { project: scope.project, ...(opts.find ? { q: opts.find } : {}), ...(opts.agent ? { agent: opts.agent } : {}) };
  const page = await withApi(opts, (api) => collect(opts, (p) => api.sessions({ ...p, ...filters })));
  if (opts.json) return out(JSON.stringify(page));
  if (page.items.length === 0) return out(`no sessions ${scopeNote(scope)}${opts.find ? ` about '${opts.find}'` : ''} yet`);
  const rows = page.items.map((s) => [s.id, cell(s.title, 60), s.project, s.agent, s.status, when(s.startedAt), String(s.eventCount)]);
  table(['SESSION', 'TITLE', 'PROJECT', 'AGENT', 'STATUS', 'STARTED', 'EVENTS'], rows, out);
  const flags = `${opts.project ? ` --project ${opts.project}` : ''}${opts.allProjects ? ' --all-projects' : ''}${opts.find ? ` --find '${opts.find}'` : ''}`;
  if (page.nextCursor) out(`more: memflow sessions --cursor ${page.nextCursor}${flags} (or --all)`);
  if (scope.from === 'repository' || scope.from === 'env') process.stderr.write(`(sessions ${scopeNote(scope)})\n`);
}

/**
 * The session `ref` names: its id, or the one session whose id starts with it (looked up among the
 * tenant's sessions, or the project's with --project); an ambiguous prefix lists the matches.
 */
export async function sessionIdOf(api: ApiClient, ref: string, project: string | undefined): Promise<string> {
  try {
    await api.session(ref, { project });
    return ref;
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
  }
  const page = await api.sessions({ q: ref, limit: 100, ...(project ? { project } : {}) });
  const matches = page.items.filter((s) => s.id.startsWith(ref));
  if (matches.length === 1) return matches[0]!.id;
  if (matches.length > 1) {
    throw new CliError(`'${ref}' names ${matches.length} sessions; give more of the id:\n${matches.slice(0, 20).map((s) => `  ${s.id}  ${s.project}  ${s.agent}  ${when(s.startedAt)}`).join('\n')}`);
  }
  throw new CliError(`no session has the id '${ref}', or an id that starts with it${project ? ` in project ${project}` : ''}`);
}

export async function sessionShow(id: string, opts: ApiOptions & { project?: string; json?: boolean }, out: (line: string) => void): Promise<void> {
  const s = await withApi(opts, async (api) => api.session(await sessionIdOf(api, id, opts.project), { project: opts.project }));
  if (opts.json) return out(JSON.stringify(s));
  out(`session  ${s.id}`);
  out(`title    ${s.title ?? '-'}`);
  if (s.firstPrompt && s.firstPrompt !== s.title) out(`asked    ${s.firstPrompt}`);
  out(`project  ${s.project}`);
  out(`agent    ${s.agent}${s.agentVersion ? ` ${s.agentVersion}` : ''}`);
  out(`status   ${s.status}${s.status === 'active' && s.idleClosesAt ? ` (closes by itself at ${when(s.idleClosesAt)} if no event arrives; at once on session-end)` : ''}`);
  out(`started  ${when(s.startedAt)}`);
  out(`ended    ${when(s.endedAt)}`);
  out(`events   ${s.eventCount}`);
  out(`summary  ${s.summary ? s.summary.replace(/\n/g, '\n         ') : '-'}`);
  if (s.capture) {
    // The capture ledger: what became of every event the hook client took (docs/capture.md).
    const { headline, lines } = describeLedger(s.capture);
    out(`capture  ${headline}`);
    for (const line of lines) out(`  ${line}`);
  }
}

export async function sessionTimeline(id: string, opts: ListOptions, out: (line: string) => void): Promise<void> {
  const page = await withApi(opts, async (api) => {
    const full = await sessionIdOf(api, id, opts.project);
    return collect(opts, (p) => api.timeline(full, { ...p, project: opts.project }));
  });
  if (opts.json) return out(JSON.stringify(page));
  if (page.items.length === 0) return out('no timeline items yet (events are turned into items shortly after they arrive)');
  const pad = ' '.repeat(30);
  for (const item of page.items) {
    const [first = '', ...body] = item.text.split('\n');
    const rest = item.kind === 'tool' ? readableTool(body.join('\n')) : body;
    const tool = item.toolName ? ` ${item.toolName}` : '';
    out(`${when(item.createdAt)}  ${item.kind.padEnd(7)}${tool}  ${first}`);
    for (const line of rest.slice(0, 3)) out(`${pad}${line}`);
    if (rest.length <= 3) continue;
    // A failed run's decisive line is what a reader came for: never behind "more lines".
    const error = decisiveErrorLine(rest.slice(3), first.startsWith('FAILED'));
    if (error) out(`${pad}! ${error.trim()}`);
    out(`${pad}… (${rest.length - 3 - (error ? 1 : 0)} more lines; --json for all)`);
  }
  if (page.nextCursor) out(`more: memflow timeline ${id} --cursor ${page.nextCursor} (or --all)`);
}

/** A tool item's body as lines a person reads: the input's values and the result's output, JSON opened up. */
function readableTool(body: string): string[] {
  const { input, inputText, resultText } = toolParts(body);
  const lines = (input ? plainValue(input).replace(/^\n/, '') : inputText).split('\n');
  if (resultText) lines.push('---', ...plainText(resultText).split('\n'));
  return lines.filter((l) => l.trim() !== '');
}

const ERROR_LINE = /\b(error|exception|assert\w*|traceback|fail(ed|ure)?|not ok|panic|fatal|expected|exit code [1-9]\d*)\b/i;
const STACK_FRAME = /^\s*(at |File "|\^|~+$)/;

/**
 * The line that says why a run failed, among `lines`: the last line naming an error or a failed
 * assertion that is not a stack frame (a test runner prints the summary last, the cause just before).
 * For a run that did not fail, only a line naming an error counts.
 */
export function decisiveErrorLine(lines: readonly string[], failed: boolean): string | undefined {
  const hits = lines.filter((l) => ERROR_LINE.test(l) && !STACK_FRAME.test(l) && !/^\s*(exit_code|interrupted|is_error)\s*:/i.test(l));
  if (hits.length === 0) return undefined;
  const cause = hits.find((l) => /(assert|error:|Error\b|exception|expected)/.test(l));
  if (!failed && !cause) return undefined;
  return (cause ?? hits.at(-1))!.slice(0, 300);
}

function table(header: string[], rows: string[][], out: (line: string) => void): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  out(fmt(header));
  for (const r of rows) out(fmt(r));
}
