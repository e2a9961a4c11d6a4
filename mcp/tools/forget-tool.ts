/** The `forget` tool: a learning retracted without replacement. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { withTokenCount } from '../budget.js';
import { short } from '../format.js';
import { uuid, text, type ToolContext } from './tool-kit.js';

const FORGET_INPUT = { id: uuid.describe('The learning to retract.'), reason: z.string().min(1).max(500).describe('Why it is wrong.') };

export function registerForgetTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'forget',
    {
      title: 'Forget a learning',
      description: 'Retract a learning that is wrong and has no replacement. It stops being used in context and search ranking, and stays in history with your reason.',
      inputSchema: FORGET_INPUT,
    },
    async (a) => {
      const r = await ctx.api.forget(a.id, { reason: a.reason, origin: 'agent' });
      return text(withTokenCount(`Forgotten: ${short(r.id)} is retracted (kept in history).`));
    },
  );
}
