/**
 * `memflow show <id...>` (GET /v1/memories/{id}, or POST /v1/memories:batchGet for several): the
 * full records behind search results. `memflow learnings` (GET /v1/learnings): what was learned.
 */
import { attributionOf, attributionText } from '../clients/attribution.js';
import type { LearningRecord, LearningRevision } from '../messages/api-v1.js';
import type { RecordType } from '../messages/record-types-v1.js';
import { withApi, type ApiOptions } from './api-client.js';
import { intOption, memoryId } from './args.js';
import { scopeNote, scopeOf, type ScopeOptions } from './scope.js';
import { CliError, shortTime } from './output.js';

/** The fields every record has; the rest depends on its type (see api/memories/memory-reads.ts). */
interface MemoryRecord {
  id: string;
  type: RecordType;
  project: string;
  kind: string;
  title: string;
  createdAt: string;
  [field: string]: unknown;
}

interface LearningSource {
  observationId: string | null;
  summaryId: string | null;
  sessionId: string | null;
  evidence: string | null;
}

interface Learning extends MemoryRecord, Pick<LearningRecord, 'editedBy' | 'statedBy' | 'approvedBy' | 'approvedAt'> {
  type: 'learning';
  body: string;
  confidence: number;
  strength: number;
  status: string;
  sources: LearningSource[];
  history?: LearningRevision[];
}

type Out = (line: string) => void;

export async function show(ids: string[], opts: ApiOptions & { json?: boolean }, out: Out): Promise<void> {
  const wanted = ids.map(memoryId);
  if (wanted.length === 1) {
    const record = (await withApi(opts, (api) => api.memory(wanted[0]!))) as MemoryRecord;
    return opts.json ? out(JSON.stringify(record)) : printRecord(record, out);
  }
  const answer = await withApi(opts, (api) => api.memories(wanted));
  if (opts.json) out(JSON.stringify(answer));
  else
    answer.items.forEach((record, i) => {
      if (i > 0) out('');
      printRecord(record as MemoryRecord, out);
    });
  if (answer.notFound.length > 0) throw new CliError(`not found: ${answer.notFound.join(', ')}`);
}

const indent = (text: string) => text.replace(/\n/g, '\n         ');

function printRecord(r: MemoryRecord, out: Out): void {
  out(`${r.type.padEnd(8)} ${r.id}`);
  out(`project  ${r.project}`);
  if (typeof r.sessionId === 'string') out(`session  ${r.sessionId}`);
  out(`kind     ${r.kind}${typeof r.toolName === 'string' ? ` (${r.toolName})` : ''}`);
  out(`created  ${shortTime(r.createdAt)}`);
  out(`title    ${indent(r.title)}`);
  if (r.type === 'learning') return printLearningBody(r as Learning, out);
  // A summary's text already spells out its request, investigated, learned, ... fields.
  if (typeof r.text === 'string') {
    out('');
    out(r.text);
  }
}

function printLearningBody(l: Learning, out: Out): void {
  out(`status   ${l.status} (confidence ${l.confidence}, strength ${l.strength})`);
  // Who is behind it (issue 51): stated, edited, approved (when), corrected, forgotten, rejected.
  const by = attributionOf(l);
  if (by.length > 0) out(`by       ${attributionText(by, shortTime)}`);
  out('');
  out(l.body);
  if (l.sources.length > 0) {
    out('');
    out('sources:');
    for (const s of l.sources) {
      const ref = s.observationId ? `observation ${s.observationId}` : `summary ${s.summaryId ?? '-'}`;
      out(`  ${ref}${s.sessionId ? ` (session ${s.sessionId})` : ''}${s.evidence ? `: ${s.evidence.replace(/\s+/g, ' ')}` : ''}`);
    }
  }
  if (l.history && l.history.length > 1) {
    out('');
    out('history:');
    for (const v of l.history) out(`  r${v.revision} ${shortTime(v.createdAt)} ${v.reason} (${v.status})${v.by ? ` by ${v.by}` : ''}${v.note ? `: ${v.note.replace(/\s+/g, ' ')}` : ''}`);
  }
}

export interface LearningsOptions extends ApiOptions, ScopeOptions {
  status?: 'active' | 'superseded' | 'all';
  limit?: string;
  cursor?: string;
  json?: boolean;
}

export async function learnings(opts: LearningsOptions, out: Out): Promise<void> {
  const scope = scopeOf(opts);
  const params = { project: scope.project, limit: intOption('--limit', opts.limit, 1, 100), cursor: opts.cursor, ...(opts.status ? { status: opts.status } : {}) };
  const page = await withApi(opts, (api) => api.learnings(params));
  if (opts.json) return out(JSON.stringify(page));
  if (page.items.length === 0) {
    out(`no learnings ${scopeNote(scope)} yet`);
    return out('(the offline summarizer extracts few or none: set ANTHROPIC_API_KEY for the worker, or state one with `memflow remember "..."`)');
  }
  for (const l of page.items as Learning[]) {
    const trust = typeof l.trust === 'string' ? `, trust ${l.trust}${typeof l.outcome === 'string' && l.outcome !== 'unverified' ? ` (${l.outcome})` : ''}` : '';
    const flags = Array.isArray(l.flags) && l.flags.length > 0 ? `, FLAGGED ${l.flags.join('+')}: never injected` : '';
    const where = typeof l.gitBranch === 'string' ? `, ${l.gitBranch}@${String(l.gitCommit ?? '').slice(0, 8)}` : '';
    out(`[${l.kind}] ${l.title.replace(/\s+/g, ' ')}  (${l.project}, confidence ${l.confidence}${trust}${flags}${where}, ${l.sources.length} source${l.sources.length === 1 ? '' : 's'})`);
    out(`    ${l.body.replace(/\s+/g, ' ')}`);
    out(`    ${l.id}  ${shortTime(l.createdAt)}`);
  }
  if (page.nextCursor) out(`more: memflow learnings --cursor ${page.nextCursor}${opts.project ? ` --project ${opts.project}` : ''}${opts.allProjects ? ' --all-projects' : ''}`);
}

/** `memflow wrong <id> --reason`: "this is wrong" (POST /v1/learnings/{id}/wrong). */
export async function markWrong(id: string, opts: ApiOptions & { reason: string; json?: boolean }, out: Out): Promise<void> {
  const ref = memoryId(id);
  const done = await withApi(opts, (api) => api.wrong(ref, { reason: opts.reason, origin: 'user' }));
  if (opts.json) return out(JSON.stringify(done));
  out(`marked wrong: ${done.id} is retracted (${done.status}); the reason is kept in its history`);
}
