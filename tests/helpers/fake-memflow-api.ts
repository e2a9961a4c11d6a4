/**
 * A small in-process stand-in for memflow's own HTTP API, as a Transport of the typed client
 * (clients/core.ts): the unit tests of the MCP tools (tests/unit/mcp-tools.test.ts) run the real
 * server factory and the real client over it, with no servers. It holds a few records of one project
 * in memory and answers the routes the tools call, each answer built in the API's answer shapes
 * (messages/api-v1.ts; the client parses every answer with them, so a field the API would not send
 * fails the test). Search is a substring match, pages are offsets: what the tools do with an answer
 * is under test, not retrieval (tests/mcp.test.ts drives the tools against the real API). Every
 * request is recorded, so a test can check what a tool asked for.
 */
import type { ApiRequest, ApiResponse, Transport } from '../../clients/core.js';
import type { LearningRecord, MemoryRecord, ObservationRecord, SearchHit, SummaryRecord, TimelineItem } from '../../messages/api-v1.js';

export const PROJECT = 'shop';
export const SESSION = 'sess-1';
const AT = '2026-11-20T10:00:00.000Z';
const at = (minute: number) => `2026-11-20T10:${String(minute).padStart(2, '0')}:00.000Z`;
/** Ids that differ from their 8th hex digit on, so the short ids the tools show are unique. */
const uuid = (n: number) => `${n.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;

export function observation(n: number, text: string): ObservationRecord {
  return { id: uuid(0x0b000000 + n), type: 'observation', project: PROJECT, sessionId: SESSION, kind: 'tool', title: `Bash: step ${n}`, text, tokenCount: 10, createdAt: at(n), sequence: n, toolName: 'Bash', toolUseId: `toolu_${n}` };
}

export function summary(): SummaryRecord {
  return {
    id: uuid(0x5a000001), type: 'summary', project: PROJECT, sessionId: SESSION, kind: 'final', title: 'Fixed the flaky checkout test', text: 'The checkout test waited on a card iframe; a wait for its frame fixed it.', tokenCount: 20,
    createdAt: AT, request: null, investigated: null, learned: null, completed: null, nextSteps: null, model: null, offline: true, fromSequence: 1, toSequence: 3, observationCount: 3, gitBranch: null, gitCommit: null, citations: [],
  };
}

export function learning(n: number, title: string, status = 'active'): LearningRecord {
  return {
    id: uuid(0x1e000000 + n), type: 'learning', project: PROJECT, kind: 'gotcha', origin: 'extracted', tags: [], title, body: `${title}. Seen in the checkout suite.`, confidence: 0.8, strength: 1, status,
    lastStatedAt: AT, validFrom: AT, validTo: null, supersededBy: null, tokenCount: 12, createdAt: AT, updatedAt: AT, trust: 'extracted', outcome: 'unverified', flags: [], staleCount: 0, checkedAt: null,
    gitBranch: null, gitCommit: null, onDefaultBranch: null, citations: [], editedBy: null,
    sources: [{ observationId: uuid(0x0b000001), summaryId: null, sessionId: SESSION, evidence: null, createdAt: AT }],
    history: [{ revision: 1, kind: 'gotcha', title, body: title, confidence: 0.8, status: 'active', strength: 1, reason: 'created', note: null, changedBy: null, createdAt: AT }],
  };
}

const json = (status: number, body: unknown): ApiResponse => ({ status, headers: { get: () => null }, text: JSON.stringify(body) });
const notFound = (what: string) => json(404, { error: { code: 'not_found', message: `no ${what}` } });
const textOf = (r: MemoryRecord) => (r.type === 'learning' ? r.body : r.text);

export class FakeMemflowApi {
  readonly requests: { method: string; path: string; query: URLSearchParams; body: unknown }[] = [];
  /** What GET /v1/context answers (the start context of PROJECT). */
  context = '';

  constructor(readonly records: MemoryRecord[]) {}

  /** The records a reference names: the id, or a prefix of it of at least 8 characters. */
  private byRef(ref: string): MemoryRecord[] {
    return this.records.filter((r) => r.id === ref || (ref.length >= 8 && r.id.startsWith(ref)));
  }

  private hit(r: MemoryRecord, score: number): SearchHit {
    return { id: r.id, type: r.type, title: r.title, snippet: textOf(r).slice(0, 120), score, sessionId: r.type === 'learning' ? null : r.sessionId, agent: 'claude-code', createdAt: r.createdAt };
  }

  private timeline(): TimelineItem[] {
    return this.records
      .filter((r): r is ObservationRecord => r.type === 'observation')
      .sort((a, b) => a.sequence - b.sequence)
      .map((o) => ({ id: o.id, kind: 'tool', toolName: o.toolName, toolUseId: o.toolUseId, createdAt: o.createdAt, text: o.text }));
  }

  private learningAction(ref: string, action: string, body: Record<string, unknown>): ApiResponse {
    const [l] = this.byRef(ref);
    if (!l || l.type !== 'learning') return notFound(`learning ${ref}`);
    if (action === 'correct') {
      const next = learning(this.records.length + 100, String(body.title ?? body.text));
      this.records.push(next);
      return json(200, { id: next.id, supersedes: l.id, project: PROJECT, indexed: true });
    }
    return json(200, { id: l.id, status: 'superseded', indexed: true, ...(action === 'wrong' ? { reason: 'wrong' } : {}) });
  }

  private route(req: ApiRequest): ApiResponse {
    const url = new URL(req.path, 'http://api');
    const q = url.searchParams;
    const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
    this.requests.push({ method: req.method, path: url.pathname, query: q, body });
    const p = url.pathname;
    const limit = Number(q.get('limit') ?? 10);
    const offset = Number(q.get('cursor') ?? 0);
    const paged = <T>(items: T[]) => ({ items: items.slice(offset, offset + limit), nextCursor: offset + limit < items.length ? String(offset + limit) : null });
    let m: RegExpExecArray | null;
    if (req.method === 'GET' && p === '/v1/search') {
      const words = (q.get('q') ?? '').toLowerCase().split(/\s+/);
      const types = q.get('types')?.split(',');
      const hits = this.records
        .filter((r) => (!types || types.includes(r.type)) && words.some((w) => `${r.title} ${textOf(r)}`.toLowerCase().includes(w)))
        .map((r, i) => this.hit(r, 1 / (i + 1)));
      return json(200, { results: hits.slice(0, limit), tookMs: 1, mode: q.get('mode') ?? 'hybrid', degraded: false, project: q.get('project') ?? PROJECT });
    }
    if (req.method === 'GET' && p === '/v1/context') return json(200, { context: this.context, tokens: this.context ? 25 : 0, items: this.context ? [this.records[0]!.id] : [] });
    if (req.method === 'POST' && p === '/v1/memories:batchGet') {
      const ids = body.ids as string[];
      return json(200, { items: ids.flatMap((id) => this.byRef(id)), notFound: ids.filter((id) => this.byRef(id).length === 0) });
    }
    if (req.method === 'POST' && p === '/v1/memories') {
      const text = String(body.text);
      const known = this.records.find((r) => r.type === 'learning' && r.body === text);
      const stated = known ?? { ...learning(this.records.length + 200, String(body.title ?? text.split('.')[0])), kind: String(body.kind), origin: String(body.origin), body: text };
      if (!known) this.records.push(stated);
      return json(200, { id: stated.id, project: q.get('project') ?? PROJECT, status: known ? 'restated' : 'created', redactions: 0, indexed: true });
    }
    if (req.method === 'GET' && (m = /^\/v1\/memories\/([^/]+)$/.exec(p))) {
      const [r] = this.byRef(decodeURIComponent(m[1]!));
      return r ? json(200, r) : notFound(`memory ${m[1]}`);
    }
    if (req.method === 'GET' && (m = /^\/v1\/sessions\/([^/]+)\/timeline$/.exec(p))) {
      if (decodeURIComponent(m[1]!) !== SESSION) return notFound(`session ${m[1]}`);
      const items = this.timeline();
      const around = q.get('around');
      if (around && !q.get('cursor')) {
        const from = Math.max(0, items.findIndex((i) => i.id === around) - Number(q.get('before') ?? 0));
        return json(200, { items: items.slice(from, from + limit), nextCursor: from + limit < items.length ? String(from + limit) : null });
      }
      return json(200, paged(items));
    }
    if (req.method === 'GET' && p === '/v1/learnings') {
      const status = q.get('status') ?? 'active';
      return json(200, paged(this.records.filter((r) => r.type === 'learning' && (status === 'all' || r.status === status))));
    }
    if (req.method === 'POST' && (m = /^\/v1\/learnings\/([^/]+)\/(correct|forget|wrong)$/.exec(p))) return this.learningAction(decodeURIComponent(m[1]!), m[2]!, body);
    return notFound(`route ${req.method} ${p}`);
  }

  readonly transport: Transport = (req) => Promise.resolve(this.route(req));
}
