/**
 * A session that renamed a definition (common/rules/renamed-symbols.ts) moves the project's current learnings anchored to
 * the old name to the new one: the push at the code then finds a rule at the renamed function, where the relay's parse
 * sees the new name. Run before the session's summary is stored, in the activity that stores it; idempotent (a learning
 * anchored to the new name is not anchored to the old one any more, so a retried run finds nothing to move).
 */
import type { PrismaClient } from '../../common/server/db.js';
import { ANCHOR_ID } from '../../common/rules/anchors.js';

/** Moves `id:<old>` anchors to `id:<new>` (lower-cased, as anchors are), and the name in their scope, in the project's active learnings; how many moved. */
export async function renameAnchors(prisma: PrismaClient, tenantId: string, projectId: string, renames: [string, string][]): Promise<number> {
  let moved = 0;
  for (const [from, to] of renames) {
    const a = `${ANCHOR_ID}${from.toLowerCase()}`;
    const b = `${ANCHOR_ID}${to.toLowerCase()}`;
    if (a === b) continue;
    // Each array keeps its order, each entry once; a stated rule's scope holds the identifier as it was written.
    moved += await prisma.$executeRaw`
      UPDATE learnings
         SET anchors = ARRAY(SELECT x FROM unnest(array_replace(anchors, ${a}, ${b})) WITH ORDINALITY AS t(x, i) GROUP BY x ORDER BY min(i)),
             scope = ARRAY(SELECT x FROM unnest(array_replace(scope, ${from}, ${to})) WITH ORDINALITY AS t(x, i) GROUP BY x ORDER BY min(i))
       WHERE tenant_id = ${tenantId}::uuid AND project_id = ${projectId}::uuid AND status = 'active' AND ${a} = ANY(anchors)`;
  }
  return moved;
}
