/**
 * memflow's MCP server: the agent's tools for its memory mid-session, built on the official SDK.
 * The flow the descriptions teach is progressive disclosure: `search` returns a compact index
 * (ids, titles, snippets), `timeline` shows what happened around one hit, `get` fetches the few
 * whole records that matter; `remember`, `correct`, `wrong` and `forget` write. Each tool is its own
 * module in tools/ (schema and handler); this file builds the server and hands every tool the same
 * kit. Every answer states its token count and stays under the cap (see mcp/tools/tool-kit.ts). Every call goes
 * through the HTTP API with the caller's key (the typed client, clients/api.ts), so tenant scoping is
 * the API's own; a failed call is the client's ApiError, whose message the SDK hands the agent as the
 * tool's error.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { ApiClient } from '../clients/api.js';
import type { ContextAnswer } from '../messages/api-v1.js';
import { gitHead } from '../common/workspace/git-head.js';
import { checkContext, stalenessReport } from '../common/workspace/recall-staleness.js';
import { registerResourcesAndPrompts } from './resources.js';
import { DEFAULT_MAX_TOKENS, fitRecords, withTokenCount, type Sized, recordBlock, withheldFromAgents, type ToolKit } from './tools/tool-kit.js';
import { registerContextTool } from './tools/context-tool.js';
import { registerGetTool } from './tools/get-tool.js';
import { registerLearningsTool } from './tools/learnings-tool.js';
import { registerRememberTool } from './tools/remember-tool.js';
import { registerRetractTools } from './tools/retract-tools.js';
import { registerSearchTool } from './tools/search-tool.js';
import { registerTimelineTool } from './tools/timeline-tool.js';

export interface MemflowMcpOptions {
  /** The API, with the caller's key. */
  api: ApiClient;
  /** The project tools use when the call names none (the working directory's, for stdio). */
  defaultProject?: string | undefined;
  /** Cap on any one answer, in tokens. */
  maxTokens?: number;
  /**
   * Tools declare an `outputSchema` and answer with `structuredContent` besides the text (off by
   * default: see tools/tool-kit.ts for why).
   */
  structured?: boolean;
  version: string;
  /**
   * The working tree, when the server runs beside it (stdio): context is then checked against today's
   * code before it is returned (stale items dropped, doubtful ones marked) and the verdicts reported.
   */
  workingTree?: string | undefined;
}

/** One JSON Schema validator for every server (an Ajv instance costs ~1 ms to make). */
const VALIDATOR = new AjvJsonSchemaValidator();

export function createMemflowMcpServer(opts: MemflowMcpOptions): McpServer {
  const { api } = opts;
  const cap = opts.maxTokens ?? DEFAULT_MAX_TOKENS;
  /** What a new session of project `p` would get, checked against the working tree when there is one. */
  const projectContext = async (p: string | undefined, tokens: number | undefined, channel: string): Promise<{ sized: Sized; answer: ContextAnswer }> => {
    const budget = Math.min(tokens ?? 1500, Math.max(50, cap - 20));
    const git = opts.workingTree ? gitHead(opts.workingTree) : undefined;
    const answer = await api.context({ project: p, tokens: budget, branch: git?.branch ?? undefined, defaultBranch: git?.defaultBranch ?? undefined, channel });
    let context = answer.context;
    if (git && context && answer.check?.length) {
      const checked = checkContext(context, answer.check, git.root, git);
      context = checked.context;
      const report = stalenessReport(checked.verdicts);
      if (report.results.length > 0) await api.reportStaleness(report).catch(() => undefined);
    }
    return { sized: withTokenCount(context || `No memories yet${p ? ` for ${p}` : ''}.`), answer: { ...answer, context } };
  };
  const server = new McpServer(
    { name: 'memflow', version: opts.version },
    {
      jsonSchemaValidator: VALIDATOR,
      instructions:
        "memflow is this team's durable memory of past coding sessions: what was tried, what failed, what was decided. " +
        'Search it before re-investigating a problem. Flow: search → (timeline) → get the 1-2 records you need, with your question as query. ' +
        'Use remember for facts, decisions and conventions worth keeping; correct or forget a learning that is wrong.',
    },
  );
  const kit: ToolKit = { api, cap, defaultProject: opts.defaultProject, structured: opts.structured ?? false, projectContext };
  registerSearchTool(server, kit);
  registerTimelineTool(server, kit);
  registerGetTool(server, kit);
  registerContextTool(server, kit);
  registerLearningsTool(server, kit);
  registerRememberTool(server, kit);
  registerRetractTools(server, kit);

  registerResourcesAndPrompts(server, {
    context: async (p) => (await projectContext(p ?? opts.defaultProject, undefined, 'resource')).sized.text,
    record: async (id) => {
      const answer = await api.memories([id], 'resource');
      const found = answer.items[0];
      if (!found) throw new Error(answer.ambiguous?.length ? `${id} names more than one memory: give more of the id` : `no memory ${id} in this tenant`);
      const withheld = withheldFromAgents(found);
      if (withheld) throw new Error(`memory ${id} is not served: it ${withheld}`);
      return fitRecords('', [recordBlock(found, undefined, opts.defaultProject)], '', cap, () => `(cut to stay under ${cap} tokens)`).text;
    },
    defaultProject: opts.defaultProject,
  });
  return server;
}
