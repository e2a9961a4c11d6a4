/**
 * How memory names the agent that did something: a session records its agent (sessions.agent,
 * from its first event; none or claude-code: Claude Code), and every line that tells what an agent
 * said or did is labelled with that agent — a Gemini CLI session is never handed over as Claude's.
 */
const AGENT_LABELS: Record<string, string> = { 'claude-code': 'Claude', codex: 'Codex', gemini: 'Gemini CLI', opencode: 'OpenCode', copilot: 'Copilot CLI' };

export const agentLabel = (host: string | null | undefined): string => (host && AGENT_LABELS[host]) || 'Claude';
