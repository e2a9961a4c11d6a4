/** The `correct` tool: a learning replaced by what is true now; the old one stays as superseded. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { withTokenCount } from '../budget.js';
import { short } from '../format.js';
import { uuid, text, STATED_KINDS, type ToolContext } from './tool-kit.js';

const CORRECT_INPUT = {
  id: uuid.describe('The learning to correct.'),
  text: z.string().min(1).max(8000).describe('What is true instead, self-contained.'),
  reason: z.string().min(1).max(500).describe('Why the old learning is wrong.'),
  title: z.string().max(200).optional(),
  kind: z.enum(STATED_KINDS).optional(),
};

export function registerCorrectTool(server: McpServer, ctx: ToolContext): void {
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
      const r = await ctx.api.correct(a.id, {
        text: a.text,
        reason: a.reason,
        origin: 'agent',
        ...(a.title ? { title: a.title } : {}),
        ...(a.kind ? { kind: a.kind } : {}),
      });
      return text(withTokenCount(`Corrected: ${short(r.supersedes)} is superseded by ${short(r.id)}.`));
    },
  );
}
