/**
 * What every MCP tool module shares: the server's settings as the tools see them (the API with the
 * caller's key, the answer cap, the default project, the start context), the argument pieces several
 * tools take, and the one way a tool answers (text that states its token count).
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ApiClient } from '../../clients/api.js';
import type { Sized } from '../budget.js';

export interface ToolKit {
  /** The API, with the caller's key. */
  api: ApiClient;
  /** Cap on any one answer, in tokens. */
  cap: number;
  /** The project the tools use when a call names none. */
  defaultProject: string | undefined;
  /** What a new session of project `p` would get, checked against the working tree when there is one; `channel` names its receipt's channel. */
  projectContext(project: string | undefined, tokens: number | undefined, channel: string): Promise<Sized>;
}

export const projectOf = (kit: ToolKit, project: string | undefined) => project ?? kit.defaultProject;

export const memoryId = z.string().regex(/^[0-9a-f]{8}[0-9a-f-]{0,28}$/i, 'must be a memory id as search, timeline or learnings show it (8 or more hex digits)');
export const projectArg = z.string().min(1).max(128).optional().describe('Project name; defaults to the current project.');

export const answerText = (s: Sized): CallToolResult => ({ content: [{ type: 'text', text: s.text }] });
