/**
 * The git state the hook client resolved in the working tree (`memflowGit` in a hook payload, added by
 * `memflow hook` to session-start, stop and session-end): the session keeps its latest branch and HEAD
 * commit, and the learnings and summaries it makes copy them.
 */
import { z } from 'zod';
import type { PgPool } from '../../common/server/pg.js';

export const memflowGitSchema = z.object({
  branch: z.string().max(300).nullable().optional(),
  commit: z
    .string()
    .regex(/^[0-9a-f]{40,64}$/)
    .nullable()
    .optional(),
  root: z.string().max(4096).nullable().optional(),
  defaultBranch: z.string().max(300).nullable().optional(),
});
export type MemflowGit = z.infer<typeof memflowGitSchema>;

/** The payload's memflowGit if it is well-formed (a malformed one is ignored, never a 400). */
export function gitOfPayload(payload: Record<string, unknown>): MemflowGit | undefined {
  const parsed = memflowGitSchema.safeParse(payload.memflowGit);
  return parsed.success ? parsed.data : undefined;
}

export async function recordSessionGit(pool: PgPool, sessionId: string, git: MemflowGit): Promise<void> {
  await pool.query(
    `UPDATE sessions SET git_branch = coalesce($2, git_branch), git_commit = coalesce($3, git_commit),
            git_root = coalesce($4, git_root), git_default_branch = coalesce($5, git_default_branch)
      WHERE id = $1::uuid`,
    [sessionId, git.branch ?? null, git.commit ?? null, git.root ?? null, git.defaultBranch ?? null],
  );
}
