/** The `learnings` tool: the project's learnings, one line each, with what superseded them. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { fitRecords, learningLine, shortIds, answer, outputOf, projectArg, projectOf, shownOf, type ToolKit } from './tool-kit.js';
import { learningRecord, page as pageOf } from '../../messages/api-v1.js';

const LEARNINGS_PAGE = pageOf(learningRecord);

const LEARNINGS_INPUT = {
  project: projectArg,
  status: z.enum(['active', 'superseded', 'all']).optional().describe('active (default), superseded or all.'),
  limit: z.number().int().min(1).max(50).optional().describe('How many (default 15).'),
  cursor: z.string().max(500).optional().describe('nextCursor of a previous answer.'),
};

export function registerLearningsTool(server: McpServer, kit: ToolKit): void {
  server.registerTool(
    'learnings',
    {
      title: 'List learnings',
      description:
        'Learnings of the project (fixes, decisions, conventions, gotchas, facts), one line each: id, kind, who stated it, ' +
        'how often it was restated, and what superseded it. status "all" shows superseded ones too. get(id) shows a ' +
        "learning's sources and history; correct or forget one that is wrong.",
      inputSchema: LEARNINGS_INPUT,
      outputSchema: outputOf(kit, LEARNINGS_PAGE),
      annotations: { readOnlyHint: true },
    },
    async (a) => {
      const p = projectOf(kit, a.project);
      const page = await kit.api.learnings({ project: p, status: a.status, limit: a.limit ?? 15, cursor: a.cursor });
      const head = page.items.length ? `${page.items.length} learnings${p ? ` of ${p}` : ''}. id [kind, origin, strength, status] title:` : `No learnings${p ? ` for ${p}` : ''} yet.`;
      const tail = page.nextCursor ? `More: learnings(cursor "${page.nextCursor}").` : '';
      const ids = shortIds(page.items.map((l) => l.id));
      const cap = kit.cap;
      const sized = fitRecords(head, page.items.map((l) => learningLine(l, ids)), tail, cap, (n) => `(${n} cut to stay under ${cap} tokens; ask for fewer with limit)`);
      return answer(kit, sized, { items: shownOf(page.items, sized), nextCursor: page.nextCursor });
    },
  );
}
