/** The `search` tool: a compact index of hits (short id, type, date, title, snippet), never whole records. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { RECORD_TYPES, SEARCH_MODES } from '../../messages/vocabulary-v1.js';
import { fitRecords } from '../budget.js';
import { searchHead, searchLine, shortIds } from '../format.js';
import { project, text, type ToolContext } from './tool-kit.js';

const SEARCH_INPUT = {
  query: z.string().min(1).max(500).describe('What to look for, in words (an error message, a topic, a file).'),
  project,
  types: z.array(z.enum(RECORD_TYPES)).min(1).optional().describe('Record types to include (default all).'),
  mode: z.enum(SEARCH_MODES).optional().describe('hybrid (default), keyword or semantic.'),
  since: z.string().optional().describe('ISO date: only records created at or after it.'),
  until: z.string().optional().describe('ISO date: only records created before it.'),
  limit: z.number().int().min(1).max(50).optional().describe('How many hits (default 8).'),
};

export function registerSearchTool(server: McpServer, ctx: ToolContext): void {
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
      const p = ctx.projectOf(a.project);
      const answer = await ctx.api.search({ q: a.query, project: p, types: a.types, mode: a.mode, since: a.since, until: a.until, limit: a.limit ?? 8 });
      const ids = shortIds(answer.results.map((r) => r.id));
      return text(fitRecords(searchHead(answer, a.query, p), answer.results.map((r) => searchLine(r, ids)), '', ctx.cap, (n) => `(${n} more hits cut to stay under ${ctx.cap} tokens; ask for fewer with limit)`));
    },
  );
}
