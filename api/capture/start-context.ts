/**
 * The context handed back on session-start until retrieval (summaries, learnings, search) lands:
 * the project's most recent earlier sessions with what was asked in them, newest first, counted with
 * tiktoken and cut to the budget.
 */
import type { PrismaClient } from '../../common/db.js';
import { countTokens } from '../../common/tokens.js';

export const DEFAULT_CONTEXT_TOKENS = 1500;

export async function buildStartContext(
  prisma: PrismaClient,
  tenantId: string,
  projectId: string,
  currentSessionId: string,
  budget = DEFAULT_CONTEXT_TOKENS,
): Promise<string> {
  const sessions = await prisma.session.findMany({
    where: { tenantId, projectId, id: { not: currentSessionId } },
    orderBy: { startedAt: 'desc' },
    take: 10,
    select: {
      startedAt: true,
      eventCount: true,
      prompts: { orderBy: { ordinal: 'asc' }, take: 3, select: { text: true } },
      project: { select: { name: true } },
    },
  });
  if (sessions.length === 0) return '';
  const header = `# memflow: recent sessions in ${sessions[0]!.project.name}\n`;
  const blocks: string[] = [];
  for (const s of sessions) {
    const asks = s.prompts.map((p) => `  - ${p.text.replace(/\s+/g, ' ').slice(0, 200)}`).join('\n');
    blocks.push(`- ${s.startedAt.toISOString().slice(0, 16).replace('T', ' ')} (${s.eventCount} events)\n${asks}`);
  }
  // Count the rendered whole (token merges across joins make per-part sums inexact) and drop the
  // oldest sessions until it fits.
  while (blocks.length > 0) {
    const text = `${header}${blocks.join('\n')}`;
    if (countTokens(text) <= budget) return text;
    blocks.pop();
  }
  return '';
}
