/**
 * What memflow offers an MCP client besides tools. Claude Code lists resources for @-mentions
 * (`@memflow:memflow://context`) and prompts as slash commands (`/mcp__memflow__recall`), so a
 * person can pull the project's briefing or one memory into the conversation, or start a recall,
 * without the model deciding to call a tool. Both read through the same API calls as the tools.
 */
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

export interface ResourceSources {
  /** The briefing a new session of the project gets (the default project when undefined). */
  context(project: string | undefined): Promise<string>;
  /** One memory's whole record, as `get` shows it. */
  record(id: string): Promise<string>;
  defaultProject?: string | undefined;
}

const RECALL_ARGS = { topic: z.string().min(1).max(500).describe('What to recall: an error message, a file, a question.') };

const MEMORY_ID = /^[0-9a-f]{8}[0-9a-f-]{0,28}$/i;

const textOf = (uri: URL, text: string) => ({ contents: [{ uri: uri.href, mimeType: 'text/markdown', text }] });

/** The one value of a URI template variable (the SDK gives an array for exploded ones). */
const single = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export function registerResourcesAndPrompts(server: McpServer, sources: ResourceSources): void {
  server.registerResource(
    'context',
    'memflow://context',
    {
      title: sources.defaultProject ? `memflow context of ${sources.defaultProject}` : 'memflow context',
      description: "The briefing a new session of this project gets at start: active learnings, recent summaries, what's in progress.",
      mimeType: 'text/markdown',
    },
    async (uri) => textOf(uri, await sources.context(undefined)),
  );

  server.registerResource(
    'project-context',
    new ResourceTemplate('memflow://context/{project}', { list: undefined }),
    { title: "A project's memflow context", description: 'The start-of-session briefing of the named project.', mimeType: 'text/markdown' },
    async (uri, vars) => {
      const project = single(vars.project);
      if (!project) throw new Error('memflow://context/{project}: name a project');
      return textOf(uri, await sources.context(decodeURIComponent(project)));
    },
  );

  server.registerResource(
    'memory',
    new ResourceTemplate('memflow://memory/{id}', { list: undefined }),
    { title: 'A memory', description: 'One observation, summary or learning by id (8 or more hex digits), as the get tool shows it.', mimeType: 'text/markdown' },
    async (uri, vars) => {
      const id = single(vars.id) ?? '';
      if (!MEMORY_ID.test(id)) throw new Error(`memflow://memory/${id}: not a memory id (8 or more hex digits, as search shows it)`);
      return textOf(uri, await sources.record(id));
    },
  );

  server.registerPrompt(
    'recall',
    {
      title: 'Recall from memflow',
      description: 'Ask memflow what past sessions found about a topic (an error, a file, a design question) before working on it.',
      argsSchema: RECALL_ARGS,
    },
    ({ topic }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text:
              `Before working on this, check memflow for what past sessions found about: ${topic}\n` +
              'Use the memflow search tool first, then get only the 1-2 records that answer it (pass the topic as query). ' +
              'Say what was tried, what failed, and what was decided, with the ids you relied on; say so if memflow has nothing.',
          },
        },
      ],
    }),
  );
}
