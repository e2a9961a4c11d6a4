/** The `search` tool: a compact index of hits (ids, titles, snippets), never whole records. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { searchAnswer } from '../../messages/api-v1.js';
import { AGENTS } from '../../messages/hooks-v1.js';
import { RECORD_TYPES, SEARCH_MODES } from '../../messages/record-types-v1.js';
import { fitRecords, searchHead, searchLine, shortIds, answer, outputOf, projectArg, projectOf, shownOf, type ToolKit } from './tool-kit.js';

// Tool arguments are built once: zod schemas cost to construct, and /mcp makes a server per request.
const SEARCH_INPUT = {
  query: z.string().min(1).max(500).describe('What to look for, in words (an error message, a topic, a file).'),
  project: projectArg,
  types: z.array(z.enum(RECORD_TYPES)).min(1).optional().describe('Record types to include (default all).'),
  mode: z.enum(SEARCH_MODES).optional().describe('hybrid (default), keyword or semantic.'),
  since: z.string().optional().describe('ISO date: only records created at or after it.'),
  until: z.string().optional().describe('ISO date: only records created before it.'),
  limit: z.number().int().min(1).max(50).optional().describe('How many hits (default 8).'),
  agent: z.enum(AGENTS).optional().describe("Only what this coding agent's sessions produced (default: every agent's)."),
};

export function registerSearchTool(server: McpServer, kit: ToolKit): void {
  server.registerTool(
    'search',
    {
      title: 'Search memory',
      description:
        'Search past sessions, summaries and learnings of this project. Returns a compact index: one line per hit ' +
        '(short id, type, date, title — snippet), never whole records. A hit may carry ↳ lines: the turns of its session ' +
        'that match best (the record that answers is usually one of those). Then call `get` with the 1-2 ids you need, ' +
        'or `timeline` with an id to see what happened around it. Use before re-investigating an error or a design question.',
      inputSchema: SEARCH_INPUT,
      outputSchema: outputOf(kit, searchAnswer),
      annotations: { readOnlyHint: true },
    },
    async (a) => {
      const p = projectOf(kit, a.project);
      const found = await kit.api.search({ q: a.query, project: p, types: a.types, mode: a.mode, since: a.since, until: a.until, limit: a.limit ?? 8, agent: a.agent, channel: 'mcp_tool:search' });
      const ids = shortIds(found.results.flatMap((r) => [r.id, ...(r.turns ?? []).map((t) => t.id)]));
      const cap = kit.cap;
      const sized = fitRecords(searchHead(found, a.query, p), found.results.map((r) => searchLine(r, ids)), '', cap, (n) => `(${n} more hits cut to stay under ${cap} tokens; ask for fewer with limit)`);
      return answer(kit, sized, { ...found, results: shownOf(found.results, sized) });
    },
  );
}
