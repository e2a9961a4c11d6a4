/** The `timeline` tool: what happened in a session, around one hit or from the start. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { fitRecords, shortIds, timelineLine, answer, memoryId, outputOf, shownOf, type ToolKit } from './tool-kit.js';
import { page as pageOf, timelineItem } from '../../messages/api-v1.js';

const TIMELINE_PAGE = pageOf(timelineItem);

const TIMELINE_INPUT = {
  around: memoryId.optional().describe('An observation id: show the steps around it.'),
  session: z.string().min(1).max(200).optional().describe("A session id (the agent's session_id) to read from the start."),
  before: z.number().int().min(0).max(50).optional().describe('Steps before `around` (default 5).'),
  after: z.number().int().min(1).max(100).optional().describe('Steps to show from there on (default 10).'),
  cursor: z.string().max(500).optional().describe('nextCursor of a previous timeline answer, to read on.'),
};

export function registerTimelineTool(server: McpServer, kit: ToolKit): void {
  server.registerTool(
    'timeline',
    {
      title: 'Session timeline',
      description:
        'What happened in a session, in order: prompts, tool calls with their results (failures included), stops. ' +
        'Give `around` (an observation id from search) to see the steps before and after it, or `session` (a session id) ' +
        'to read it from the start. One line per step; use get(ids) for a step in full.',
      inputSchema: TIMELINE_INPUT,
      outputSchema: outputOf(kit, TIMELINE_PAGE),
      annotations: { readOnlyHint: true },
    },
    async (a) => {
      let session = a.session;
      let anchor: string | undefined;
      if (a.around) {
        const rec = await kit.api.memory(a.around);
        anchor = rec.id;
        if (rec.type !== 'observation') {
          throw new Error(`${a.around} is a ${rec.type}, not a step of a session: use get for it${rec.type === 'summary' ? `, or timeline with session "${rec.sessionId}"` : ''}`);
        }
        session = rec.sessionId;
      }
      if (!session) throw new Error('give `around` (an observation id) or `session` (a session id)');
      const before = a.before ?? 5;
      const limit = (a.after ?? 10) + (a.around ? before + 1 : 0);
      const page = await kit.api.timeline(session, { limit, cursor: a.cursor, ...(anchor && !a.cursor ? { around: anchor, before } : {}) });
      const ids = shortIds(page.items.map((i) => i.id));
      const head = `Session ${session}: ${page.items.length} steps${a.around ? ` around ${a.around} (→)` : ''}. id time kind: text`;
      const tail = page.nextCursor ? `More: timeline(session "${session}", cursor "${page.nextCursor}").` : 'End of session.';
      const cap = kit.cap;
      const sized = fitRecords(head, page.items.map((i) => timelineLine(i, anchor, ids)), tail, cap, (n) => `(${n} steps cut to stay under ${cap} tokens; ask for fewer with after, or page with cursor)`);
      return answer(kit, sized, { items: shownOf(page.items, sized), nextCursor: page.nextCursor });
    },
  );
}
