/**
 * What every MCP tool module shares: the context a tool's handler runs with (the API with the
 * caller's key, the answer cap, the default project), the argument schemas several tools use, and
 * the one shape of a text answer.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ApiClient } from '../../clients/api.js';
import type { Sized } from '../budget.js';

export { STATED_KINDS } from '../../messages/vocabulary-v1.js';

export interface ToolContext {
  /** The API, with the caller's key. */
  api: ApiClient;
  /** Cap on any one answer, in tokens. */
  cap: number;
  /** The project a call means: the one it names, else the server's default. */
  projectOf(project: string | undefined): string | undefined;
  /** What a new session of the project would get, checked against the working tree when there is one. */
  projectContext(project: string | undefined, tokens: number | undefined): Promise<Sized>;
  defaultProject?: string | undefined;
}

export const uuid = z.string().regex(/^[0-9a-f]{8}[0-9a-f-]{0,28}$/i, 'must be a memory id as search, timeline or learnings show it (8 or more hex digits)');
export const project = z.string().min(1).max(128).optional().describe('Project name; defaults to the current project.');

export const text = (s: Sized): CallToolResult => ({ content: [{ type: 'text', text: s.text }] });
