/**
 * memflow's MCP server: the agent's tools for its memory mid-session, built on the official SDK.
 * The flow the descriptions teach is progressive disclosure: `search` returns a compact index
 * (ids, titles, snippets), `timeline` shows what happened around one hit, `get` fetches the few
 * whole records that matter; `remember`, `correct` and `forget` write. Every answer states its
 * token count and stays under the cap (see budget.ts). Every call goes through the HTTP API with the
 * caller's key (the typed client, clients/api.ts), so tenant scoping is the API's own; a failed call is
 * the client's ApiError, whose message the SDK hands the agent as the tool's error.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ApiClient } from '../clients/api.js';
import { gitHead } from '../common/workspace/git-head.js';
import { checkContext, stalenessReport } from '../common/workspace/recall-staleness.js';
import { registerResourcesAndPrompts } from './resources.js';
import { DEFAULT_MAX_TOKENS, fitRecords, withTokenCount, type Sized } from './budget.js';
import {
  learningLine,
  recordBlock,
  searchHead,
  searchLine,
  short,
  shortIds,
  timelineLine,
  type MemoryRecord,
} from './format.js';

export interface MemflowMcpOptions {
  /** The API, with the caller's key. */
  api: ApiClient;
  /** The project tools use when the call names none (the working directory's, for stdio). */
  defaultProject?: string | undefined;
  /** Cap on any one answer, in tokens. */
  maxTokens?: number;
  version: string;
  /**
   * The working tree, when the server runs beside it (stdio): context is then checked against today's
   * code before it is returned (stale items dropped, doubtful ones marked) and the verdicts reported.
   */
  workingTree?: string | undefined;
}

const STATED_KINDS = ['fact', 'decision', 'convention', 'pattern', 'gotcha', 'fix'] as const;
const uuid = z.string().regex(/^[0-9a-f]{8}[0-9a-f-]{0,28}$/i, 'must be a memory id as search, timeline or learnings show it (8 or more hex digits)');
const project = z.string().min(1).max(128).optional().describe('Project name; defaults to the current project.');

// Tool arguments, built once: zod schemas cost to construct, and /mcp makes a server per request.
const SEARCH_INPUT = {
  query: z.string().min(1).max(500).describe('What to look for, in words (an error message, a topic, a file).'),
  project,
  types: z.array(z.enum(['observation', 'summary', 'learning'])).min(1).optional().describe('Record types to include (default all).'),
  mode: z.enum(['hybrid', 'keyword', 'semantic']).optional().describe('hybrid (default), keyword or semantic.'),
  since: z.string().optional().describe('ISO date: only records created at or after it.'),
  until: z.string().optional().describe('ISO date: only records created before it.'),
  limit: z.number().int().min(1).max(50).optional().describe('How many hits (default 8).'),
};
const TIMELINE_INPUT = {
  around: uuid.optional().describe('An observation id: show the steps around it.'),
  session: z.string().min(1).max(200).optional().describe("A session id (the agent's session_id) to read from the start."),
  before: z.number().int().min(0).max(50).optional().describe('Steps before `around` (default 5).'),
  after: z.number().int().min(1).max(100).optional().describe('Steps to show from there on (default 10).'),
  cursor: z.string().max(500).optional().describe('nextCursor of a previous timeline answer, to read on.'),
};
const GET_INPUT = {
  ids: z.array(uuid).min(1).max(20).describe('Memory ids (from search, timeline or learnings).'),
  query: z.string().min(1).max(500).optional().describe('What you are looking for: long records are cut to the lines about it.'),
  full: z.boolean().optional().describe('Whole records even when a query is given (default false).'),
};
const CONTEXT_INPUT = { project, tokens: z.number().int().min(50).max(8000).optional().describe('Budget in tokens (default 1500, and never above the answer cap).') };
const LEARNINGS_INPUT = {
  project,
  status: z.enum(['active', 'superseded', 'all']).optional().describe('active (default), superseded or all.'),
  limit: z.number().int().min(1).max(50).optional().describe('How many (default 15).'),
  cursor: z.string().max(500).optional().describe('nextCursor of a previous answer.'),
};
const REMEMBER_INPUT = {
  text: z.string().min(1).max(8000).describe('The memory, self-contained (it will be read without this conversation).'),
  kind: z.enum(STATED_KINDS).optional().describe('fact (default), decision, convention, pattern, gotcha or fix.'),
  title: z.string().max(200).optional().describe('A short title (default: the first sentence).'),
  tags: z.array(z.string().regex(/^[\w.:/-]{1,40}$/)).max(10).optional(),
  project,
};
const CORRECT_INPUT = {
  id: uuid.describe('The learning to correct.'),
  text: z.string().min(1).max(8000).describe('What is true instead, self-contained.'),
  reason: z.string().min(1).max(500).describe('Why the old learning is wrong.'),
  title: z.string().max(200).optional(),
  kind: z.enum(STATED_KINDS).optional(),
};
const WRONG_INPUT = { id: uuid.describe('The learning that is wrong.'), reason: z.string().min(1).max(500).describe('Why it is wrong.') };
const FORGET_INPUT = { id: uuid.describe('The learning to retract.'), reason: z.string().min(1).max(500).describe('Why it is wrong.') };

/** One JSON Schema validator for every server (an Ajv instance costs ~1 ms to make). */
const VALIDATOR = new AjvJsonSchemaValidator();


const text = (s: Sized): CallToolResult => ({ content: [{ type: 'text', text: s.text }] });

export function createMemflowMcpServer(opts: MemflowMcpOptions): McpServer {
  const { api } = opts;
  const cap = opts.maxTokens ?? DEFAULT_MAX_TOKENS;
  const projectOf = (p: string | undefined) => p ?? opts.defaultProject;
  /** What a new session of project `p` would get, checked against the working tree when there is one. */
  const projectContext = async (p: string | undefined, tokens: number | undefined): Promise<Sized> => {
    const budget = Math.min(tokens ?? 1500, Math.max(50, cap - 20));
    const git = opts.workingTree ? gitHead(opts.workingTree) : undefined;
    const answer = await api.context({ project: p, tokens: budget, branch: git?.branch ?? undefined, defaultBranch: git?.defaultBranch ?? undefined });
    let context = answer.context;
    if (git && context && answer.check?.length) {
      const checked = checkContext(context, answer.check, git.root, git);
      context = checked.context;
      const report = stalenessReport(checked.verdicts);
      if (report.results.length > 0) await api.reportStaleness(report).catch(() => undefined);
    }
    return withTokenCount(context || `No memories yet${p ? ` for ${p}` : ''}.`);
  };
  const server = new McpServer(
    { name: 'memflow', version: opts.version },
    {
      jsonSchemaValidator: VALIDATOR,
      instructions:
        "memflow is this team's durable memory of past coding sessions: what was tried, what failed, what was decided. " +
        'Search it before re-investigating a problem. Flow: search → (timeline) → get the 1-2 records you need, with your question as query. ' +
        'Use remember for facts, decisions and conventions worth keeping; correct or forget a learning that is wrong.',
    },
  );

  server.registerTool(
    'search',
    {
      title: 'Search memory',
      description:
        'Search past sessions, summaries and learnings of this project. Returns a compact index: one line per hit ' +
        '(short id, type, date, title — snippet), never whole records. Then call `get` with the 1-2 ids you need, ' +
        'or `timeline` with an id to see what happened around it. Use before re-investigating an error or a design question.',
      inputSchema: SEARCH_INPUT,
      annotations: { readOnlyHint: true },
    },
    async (a) => {
      const p = projectOf(a.project);
      const answer = await api.search({ q: a.query, project: p, types: a.types, mode: a.mode, since: a.since, until: a.until, limit: a.limit ?? 8 });
      const ids = shortIds(answer.results.map((r) => r.id));
      return text(fitRecords(searchHead(answer, a.query, p), answer.results.map((r) => searchLine(r, ids)), '', cap, (n) => `(${n} more hits cut to stay under ${cap} tokens; ask for fewer with limit)`));
    },
  );

  server.registerTool(
    'timeline',
    {
      title: 'Session timeline',
      description:
        'What happened in a session, in order: prompts, tool calls with their results (failures included), stops. ' +
        'Give `around` (an observation id from search) to see the steps before and after it, or `session` (a session id) ' +
        'to read it from the start. One line per step; use get(ids) for a step in full.',
      inputSchema: TIMELINE_INPUT,
      annotations: { readOnlyHint: true },
    },
    async (a) => {
      let session = a.session;
      let anchor: string | undefined;
      if (a.around) {
        // Records are documented loosely (their fields depend on the type): read as format.ts knows them.
        const rec = (await api.memory(a.around)) as unknown as MemoryRecord;
        anchor = rec.id;
        if (rec.type !== 'observation' || !rec.sessionId) {
          throw new Error(`${a.around} is a ${rec.type}, not a step of a session: use get for it${rec.sessionId ? `, or timeline with session "${rec.sessionId}"` : ''}`);
        }
        session = rec.sessionId;
      }
      if (!session) throw new Error('give `around` (an observation id) or `session` (a session id)');
      const before = a.before ?? 5;
      const limit = (a.after ?? 10) + (a.around ? before + 1 : 0);
      const page = await api.timeline(session, { limit, cursor: a.cursor, ...(anchor && !a.cursor ? { around: anchor, before } : {}) });
      const ids = shortIds(page.items.map((i) => i.id));
      const head = `Session ${session}: ${page.items.length} steps${a.around ? ` around ${a.around} (→)` : ''}. id time kind: text`;
      const tail = page.nextCursor ? `More: timeline(session "${session}", cursor "${page.nextCursor}").` : 'End of session.';
      return text(fitRecords(head, page.items.map((i) => timelineLine(i, anchor, ids)), tail, cap, (n) => `(${n} steps cut to stay under ${cap} tokens; ask for fewer with after, or page with cursor)`));
    },
  );

  server.registerTool(
    'get',
    {
      title: 'Get memories by id',
      description:
        'Records for ids from search, timeline or learnings: an observation or summary text, or a learning with its sources ' +
        'and revision history. Ask only for the few ids you need: learnings and summaries state conclusions, observations ' +
        'are raw steps (a command and its output). Pass `query` (your question) to get only the lines of long records that ' +
        'bear on it; `full: true` returns whole records. The answer is capped and says what it left out.',
      inputSchema: GET_INPUT,
      annotations: { readOnlyHint: true },
    },
    async (a) => {
      const answer = await api.memories(a.ids);
      const missing = [answer.notFound.length ? `Not found: ${answer.notFound.join(' ')}` : '', answer.ambiguous?.length ? `Ambiguous (give more of the id): ${answer.ambiguous.join(' ')}` : '']
        .filter(Boolean)
        .join('\n');
      const focus = a.full ? undefined : a.query;
      const blocks = (answer.items as unknown as MemoryRecord[]).map((r) => recordBlock(r, focus, opts.defaultProject));
      return text(
        fitRecords('', blocks, missing, cap, (n, shown) => {
          const rest = answer.items.slice(shown).map((r) => short(r.id));
          return `(${n} records not shown to stay under ${cap} tokens: get ${rest.join(' ')})${missing ? `\n${missing}` : ''}`;
        }),
      );
    },
  );

  server.registerTool(
    'context',
    {
      title: 'Project context',
      description:
        'The compact briefing a new session of this project gets at start: active learnings, recent session summaries and ' +
        'activity, within a token budget. Use it to re-orient after a long detour; search is better for a specific question.',
      inputSchema: CONTEXT_INPUT,
      annotations: { readOnlyHint: true },
    },
    async (a) => text(await projectContext(projectOf(a.project), a.tokens)),
  );

  server.registerTool(
    'learnings',
    {
      title: 'List learnings',
      description:
        'Learnings of the project (fixes, decisions, conventions, gotchas, facts), one line each: id, kind, who stated it, ' +
        'how often it was restated, and what superseded it. status "all" shows superseded ones too. get(id) shows a ' +
        "learning's sources and history; correct or forget one that is wrong.",
      inputSchema: LEARNINGS_INPUT,
      annotations: { readOnlyHint: true },
    },
    async (a) => {
      const p = projectOf(a.project);
      const page = await api.learnings({ project: p, status: a.status, limit: a.limit ?? 15, cursor: a.cursor });
      const head = page.items.length ? `${page.items.length} learnings${p ? ` of ${p}` : ''}. id [kind, origin, strength, status] title:` : `No learnings${p ? ` for ${p}` : ''} yet.`;
      const tail = page.nextCursor ? `More: learnings(cursor "${page.nextCursor}").` : '';
      const ids = shortIds(page.items.map((l) => l.id));
      return text(fitRecords(head, (page.items as unknown as MemoryRecord[]).map((l) => learningLine(l, ids)), tail, cap, (n) => `(${n} cut to stay under ${cap} tokens; ask for fewer with limit)`));
    },
  );

  server.registerTool(
    'remember',
    {
      title: 'Remember',
      description:
        'Store something worth knowing in future sessions: a fact about the codebase, a decision and its reason, a convention ' +
        'the user asked for. One self-contained statement per call, in plain words. Secrets are removed before storage. ' +
        'It is searchable right away; stating the same thing again strengthens it instead of duplicating it.',
      inputSchema: REMEMBER_INPUT,
    },
    async (a) => {
      const p = projectOf(a.project);
      const r = await api.remember(
        {
          text: a.text,
          kind: a.kind ?? 'fact',
          origin: 'agent',
          ...(a.title ? { title: a.title } : {}),
          ...(a.tags ? { tags: a.tags } : {}),
        },
        p,
      );
      const redacted = r.redactions ? ` ${r.redactions} secret or private span(s) were removed before storage.` : '';
      return text(withTokenCount(`${r.status === 'created' ? 'Remembered' : 'Already known; strengthened'}: ${short(r.id)} in ${r.project}${r.indexed ? '' : ' (semantic index catching up)'}.${redacted}`));
    },
  );

  server.registerTool(
    'correct',
    {
      title: 'Correct a learning',
      description:
        'A learning turned out wrong or outdated: replace it with what is true now, and say why. The old one is kept as ' +
        'superseded (with your reason in its history), never deleted.',
      inputSchema: CORRECT_INPUT,
    },
    async (a) => {
      const r = await api.correct(a.id, {
        text: a.text,
        reason: a.reason,
        origin: 'agent',
        ...(a.title ? { title: a.title } : {}),
        ...(a.kind ? { kind: a.kind } : {}),
      });
      return text(withTokenCount(`Corrected: ${short(r.supersedes)} is superseded by ${short(r.id)}.`));
    },
  );

  server.registerTool(
    'wrong',
    {
      title: 'This is wrong',
      description:
        'Say that a memory is wrong (it misled you, or the code proves otherwise), with the reason. It is retracted, ' +
        'kept in history with your reason, and a later session saying the same thing will not bring it back.',
      inputSchema: WRONG_INPUT,
    },
    async (a) => {
      const r = await api.wrong(a.id, { reason: a.reason, origin: 'agent' });
      return text(withTokenCount(`Marked wrong: ${short(r.id)} is retracted (kept in history with your reason).`));
    },
  );

  server.registerTool(
    'forget',
    {
      title: 'Forget a learning',
      description: 'Retract a learning that is wrong and has no replacement. It stops being used in context and search ranking, and stays in history with your reason.',
      inputSchema: FORGET_INPUT,
    },
    async (a) => {
      const r = await api.forget(a.id, { reason: a.reason, origin: 'agent' });
      return text(withTokenCount(`Forgotten: ${short(r.id)} is retracted (kept in history).`));
    },
  );

  registerResourcesAndPrompts(server, {
    context: async (p) => (await projectContext(p ?? opts.defaultProject, undefined)).text,
    record: async (id) => {
      const answer = await api.memories([id]);
      const found = answer.items[0] as unknown as MemoryRecord | undefined;
      if (!found) throw new Error(answer.ambiguous?.length ? `${id} names more than one memory: give more of the id` : `no memory ${id} in this tenant`);
      return fitRecords('', [recordBlock(found, undefined, opts.defaultProject)], '', cap, () => `(cut to stay under ${cap} tokens)`).text;
    },
    defaultProject: opts.defaultProject,
  });
  return server;
}
