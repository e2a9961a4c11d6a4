/**
 * The tools that retract a learning, each keeping the old one in history with the agent's reason:
 * `correct` (replaced by what is true now), `wrong` (it misled; a later restatement will not bring
 * it back) and `forget` (wrong, with no replacement).
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { STATED_KINDS, corrected, forgotten, markedWrong } from '../../messages/api-v1.js';
import { withTokenCount, short, answer, memoryId, outputOf, type ToolKit } from './tool-kit.js';

const reason = z.string().min(1).max(500);
const CORRECT_INPUT = {
  id: memoryId.describe('The learning to correct.'),
  text: z.string().min(1).max(8000).describe('What is true instead, self-contained.'),
  reason: reason.describe('Why the old learning is wrong.'),
  title: z.string().max(200).optional(),
  kind: z.enum(STATED_KINDS).optional(),
};
const WRONG_INPUT = { id: memoryId.describe('The learning that is wrong.'), reason: reason.describe('Why it is wrong.') };
const FORGET_INPUT = { id: memoryId.describe('The learning to retract.'), reason: reason.describe('Why it is wrong.') };

export function registerRetractTools(server: McpServer, kit: ToolKit): void {
  server.registerTool(
    'correct',
    {
      title: 'Correct a learning',
      description:
        'A learning turned out wrong or outdated: replace it with what is true now, and say why. The old one is kept as ' +
        'superseded (with your reason in its history), never deleted.',
      inputSchema: CORRECT_INPUT,
      outputSchema: outputOf(kit, corrected),
    },
    async (a) => {
      const r = await kit.api.correct(a.id, {
        text: a.text,
        reason: a.reason,
        origin: 'agent',
        ...(a.title ? { title: a.title } : {}),
        ...(a.kind ? { kind: a.kind } : {}),
      });
      return answer(kit, withTokenCount(`Corrected: ${short(r.supersedes)} is superseded by ${short(r.id)}.`), r);
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
      outputSchema: outputOf(kit, markedWrong),
    },
    async (a) => {
      const r = await kit.api.wrong(a.id, { reason: a.reason, origin: 'agent' });
      return answer(kit, withTokenCount(`Marked wrong: ${short(r.id)} is retracted (kept in history with your reason).`), r);
    },
  );

  server.registerTool(
    'forget',
    {
      title: 'Forget a learning',
      description: 'Retract a learning that is wrong and has no replacement. It stops being used in context and search ranking, and stays in history with your reason.',
      inputSchema: FORGET_INPUT,
      outputSchema: outputOf(kit, forgotten),
    },
    async (a) => {
      const r = await kit.api.forget(a.id, { reason: a.reason, origin: 'agent' });
      return answer(kit, withTokenCount(`Forgotten: ${short(r.id)} is retracted (kept in history).`), r);
    },
  );
}
