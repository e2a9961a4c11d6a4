/** The `wrong` tool: a memory marked wrong, with the reason (retracted, kept in history). */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { withTokenCount } from '../budget.js';
import { short } from '../format.js';
import { uuid, text, type ToolContext } from './tool-kit.js';

const WRONG_INPUT = { id: uuid.describe('The learning that is wrong.'), reason: z.string().min(1).max(500).describe('Why it is wrong.') };

export function registerWrongTool(server: McpServer, ctx: ToolContext): void {
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
      const r = await ctx.api.wrong(a.id, { reason: a.reason, origin: 'agent' });
      return text(withTokenCount(`Marked wrong: ${short(r.id)} is retracted (kept in history with your reason).`));
    },
  );
}
