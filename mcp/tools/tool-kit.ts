/**
 * What every MCP tool module shares: the server's settings as the tools see them (the API with the
 * caller's key, the answer cap, the default project, the start context, whether answers carry
 * structured content), the argument pieces several tools take, and the one way a tool answers: text
 * that states its token count, and, when the client asked for it, the same records as
 * `structuredContent` in the API's own answer shape (messages/api-v1.ts), which the tool declares as
 * its `outputSchema`.
 *
 * Structured content is opt-in (`structured`), not the default: Claude Code (2.1.328, checked with
 * the real CLI) hands the model `JSON.stringify(structuredContent)` in place of the text whenever a
 * result has structured content, so an agent would read JSON records instead of the compact, capped
 * index the tools are built around (anthropics/claude-code#79944). Programmatic clients ask for it
 * (`/mcp?structured=true`, `memflow mcp --structured`).
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ApiClient } from '../../clients/api.js';
import type { ContextAnswer } from '../../messages/api-v1.js';
import type { Sized } from '../budget.js';

export interface ToolKit {
  /** The API, with the caller's key. */
  api: ApiClient;
  /** Cap on any one answer, in tokens. */
  cap: number;
  /** The project the tools use when a call names none. */
  defaultProject: string | undefined;
  /** Answers carry `structuredContent` (and tools declare an `outputSchema`). */
  structured: boolean;
  /**
   * What a new session of project `p` would get, checked against the working tree when there is one
   * (`answer.context` is the checked text); `channel` names its receipt's channel.
   */
  projectContext(project: string | undefined, tokens: number | undefined, channel: string): Promise<{ sized: Sized; answer: ContextAnswer }>;
}

export const projectOf = (kit: ToolKit, project: string | undefined) => project ?? kit.defaultProject;

export const memoryId = z.string().regex(/^[0-9a-f]{8}[0-9a-f-]{0,28}$/i, 'must be a memory id as search, timeline or learnings show it (8 or more hex digits)');
export const projectArg = z.string().min(1).max(128).optional().describe('Project name; defaults to the current project.');

/** The `outputSchema` of a tool whose structured answer has the shape `schema`, when answers are structured. */
export const outputOf = <S extends z.ZodObject>(kit: ToolKit, schema: S): S | undefined => (kit.structured ? schema : undefined);

/**
 * A tool's answer: the capped text, and `data` as structured content when answers are structured.
 * `data` holds what the text shows (a list cut to the records that fit the cap), never more.
 */
export const answer = <T extends Record<string, unknown>>(kit: ToolKit, s: Sized, data: T): CallToolResult => ({
  content: [{ type: 'text', text: s.text }],
  ...(kit.structured ? { structuredContent: data } : {}),
});

/** The first `shown` of `items`: what an answer cut to the cap lists (records are cut from the end). */
export const shownOf = <T>(items: readonly T[], s: Sized): T[] => items.slice(0, items.length - s.omitted);
