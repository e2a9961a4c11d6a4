/** The `remember` tool: the agent states a memory worth keeping (redacted, searchable at once). */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { STATED_KINDS, statedMemory } from '../../messages/api-v1.js';
import { withTokenCount, short, answer, outputOf, projectArg, projectOf, type ToolKit } from './tool-kit.js';

const REMEMBER_INPUT = {
  text: z.string().min(1).max(8000).describe('The memory, self-contained (it will be read without this conversation).'),
  kind: z.enum(STATED_KINDS).optional().describe('fact (default), decision, convention, pattern, gotcha or fix.'),
  title: z.string().max(200).optional().describe('A short title (default: the first sentence).'),
  tags: z.array(z.string().regex(/^[\w.:/-]{1,40}$/)).max(10).optional(),
  project: projectArg,
};

export function registerRememberTool(server: McpServer, kit: ToolKit): void {
  server.registerTool(
    'remember',
    {
      title: 'Remember',
      description:
        'Store something worth knowing in future sessions: a fact about the codebase, a decision and its reason, a convention ' +
        'the user asked for. One self-contained statement per call, in plain words. Secrets are removed before storage. ' +
        'It is searchable right away; stating the same thing again strengthens it instead of duplicating it.',
      inputSchema: REMEMBER_INPUT,
      outputSchema: outputOf(kit, statedMemory),
    },
    async (a) => {
      const r = await kit.api.remember(
        {
          text: a.text,
          kind: a.kind ?? 'fact',
          origin: 'agent',
          ...(a.title ? { title: a.title } : {}),
          ...(a.tags ? { tags: a.tags } : {}),
        },
        projectOf(kit, a.project),
      );
      const redacted = r.redactions ? ` ${r.redactions} secret or private span(s) were removed before storage.` : '';
      return answer(kit, withTokenCount(`${r.status === 'created' ? 'Remembered' : 'Already known; strengthened'}: ${short(r.id)} in ${r.project}${r.indexed ? '' : ' (semantic index catching up)'}.${redacted}`), r);
    },
  );
}
