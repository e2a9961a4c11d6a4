/**
 * memflow's own activity inside a session: the agent calling memflow's MCP tools
 * (`mcp__memflow__search`, `mcp__memflow__remember`, ...) and Claude Code's ToolSearch selecting
 * them. It is how the agent used its memory, not what it did to the project: summaries, learnings
 * and the start context leave it out.
 */
const MEMFLOW_TOOL = /^mcp__memflow(__|$)/i;

export function isSelfActivity(toolName: string | null | undefined, text = ''): boolean {
  if (!toolName) return false;
  if (MEMFLOW_TOOL.test(toolName)) return true;
  // ToolSearch "select:mcp__memflow__search,..." or a query for memflow's tools.
  return toolName === 'ToolSearch' && /memflow/i.test(text);
}

/**
 * isSelfActivity as an SQL condition on an observations row (`o` its alias): true for the
 * project's own work. (A row without a tool name whose text names memflow is false, as SQL's null
 * logic has it: the start context's candidates have always read it so.)
 */
export const notSelfActivitySql = (o: string) =>
  `coalesce(${o}.tool_name, '') not ilike 'mcp\\_\\_memflow%' and not (${o}.tool_name = 'ToolSearch' and ${o}.text ilike '%memflow%')`;
