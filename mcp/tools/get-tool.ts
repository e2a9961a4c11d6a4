/** The `get` tool: whole records for the few ids an agent needs, cut to its question when it gives one. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { fitRecords, recordBlock, short, withheldFromAgents, answer, memoryId, outputOf, shownOf, type ToolKit } from './tool-kit.js';
import { batchGetAnswer } from '../../messages/api-v1.js';

const GET_INPUT = {
  ids: z.array(memoryId).min(1).max(20).describe('Memory ids (from search, timeline or learnings).'),
  query: z.string().min(1).max(500).optional().describe('What you are looking for: long records are cut to the lines about it.'),
  full: z.boolean().optional().describe('Whole records even when a query is given (default false).'),
};

export function registerGetTool(server: McpServer, kit: ToolKit): void {
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
      outputSchema: outputOf(kit, batchGetAnswer),
      annotations: { readOnlyHint: true },
    },
    async (a) => {
      const got = await kit.api.memories(a.ids, 'mcp_tool:get');
      // A learning waiting for review (or rejected there) reaches no agent, even asked for by id.
      const withheld = got.items.filter((r) => withheldFromAgents(r));
      const items = got.items.filter((r) => !withheldFromAgents(r));
      const missing = [
        got.notFound.length ? `Not found: ${got.notFound.join(' ')}` : '',
        got.ambiguous?.length ? `Ambiguous (give more of the id): ${got.ambiguous.join(' ')}` : '',
        withheld.length ? `Not served (a maintainer has not approved them): ${withheld.map((r) => `${short(r.id)} ${withheldFromAgents(r)}`).join('; ')}` : '',
      ]
        .filter(Boolean)
        .join('\n');
      const focus = a.full ? undefined : a.query;
      const blocks = items.map((r) => recordBlock(r, focus, kit.defaultProject));
      const cap = kit.cap;
      const sized = fitRecords('', blocks, missing, cap, (n, shown) => {
        const rest = items.slice(shown).map((r) => short(r.id));
        return `(${n} records not shown to stay under ${cap} tokens: get ${rest.join(' ')})${missing ? `\n${missing}` : ''}`;
      });
      // Withheld records are not served here either: their ids are what the text names.
      return answer(kit, sized, { items: shownOf(items, sized), notFound: got.notFound, ...(got.ambiguous ? { ambiguous: got.ambiguous } : {}) });
    },
  );
}
