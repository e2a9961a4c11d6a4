/** The `context` tool: the briefing a new session of the project gets at start, within a budget. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { contextAnswer } from '../../messages/api-v1.js';
import { answer, outputOf, projectArg, projectOf, type ToolKit } from './tool-kit.js';

const CONTEXT_INPUT = { project: projectArg, tokens: z.number().int().min(50).max(8000).optional().describe('Budget in tokens (default 1500, and never above the answer cap).') };

export function registerContextTool(server: McpServer, kit: ToolKit): void {
  server.registerTool(
    'context',
    {
      title: 'Project context',
      description:
        'The compact briefing a new session of this project gets at start: active learnings, recent session summaries and ' +
        'activity, within a token budget. Use it to re-orient after a long detour; search is better for a specific question.',
      inputSchema: CONTEXT_INPUT,
      outputSchema: outputOf(kit, contextAnswer),
      annotations: { readOnlyHint: true },
    },
    async (a) => {
      const { sized, answer: c } = await kit.projectContext(projectOf(kit, a.project), a.tokens, 'mcp_tool:context');
      // The briefing as the text gives it (checked against the working tree); the per-item citations are the client's business.
      return answer(kit, sized, { context: c.context, tokens: c.tokens, items: c.items, ...(c.withheld !== undefined ? { withheld: c.withheld } : {}) });
    },
  );
}
