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
