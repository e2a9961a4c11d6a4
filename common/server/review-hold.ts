/**
 * One review gate for every record a learning was drawn from. A learning waiting for review
 * (`pending`) or rejected there is not served to agents (docs/review.md); neither is what tells the
 * same thing in another form: the summary its extractor read (a session's "Recent sessions" line,
 * a search hit, an MCP `get`), the failure stories of that stretch of the session ("What failed,
 * and what fixed it") and the prompts and tool calls the start context lists from it.
 *
 * The evidence of a learning is its sources (learning_sources): the summary it was extracted from
 * (a range of the session's sequence numbers) and the observations it quoted. A record is held when
 * it overlaps the evidence of a held learning in the same session: a summary whose range meets it
 * (the final summary covers the whole session, so it is held too), an observation inside it. A
 * failure is held when held evidence lies at or after it in its session: its story tells what
 * followed it (the fix). Approving the learning releases all of it at once (nothing is copied or
 * flagged: the predicate reads the learnings' status when it is asked); rejecting keeps it held for
 * good. A raw observation found by search is the history, not a claim: search keeps it.
 *
 * Each predicate is SQL over a row alias; the exists() clauses follow indexes (summaries by session,
 * learning_sources by summary and by observation, learnings by id), so they cost a few index probes
 * per row on the start context's path.
 */

/** The review statuses whose evidence is held: waiting, and rejected (for good). */
export const HELD_STATUSES = ['pending', 'rejected'] as const;
export type HeldStatus = (typeof HELD_STATUSES)[number];

const statusIn = (statuses: readonly HeldStatus[]) => `hl.status::text in (${statuses.map((s) => `'${s}'`).join(', ')})`;

/**
 * Held evidence of `session` (SQL expression) that meets the sequence range [lo, hi]: a held
 * learning's source summary overlapping it, or a source observation inside it.
 */
function heldEvidenceSql(session: string, lo: string, hi: string, statuses: readonly HeldStatus[]): string {
  return `(exists (select 1 from summaries hm join learning_sources hs on hs.summary_id = hm.id join learnings hl on hl.id = hs.learning_id
             where hm.session_id = ${session} and hm.from_sequence <= ${hi} and hm.to_sequence >= ${lo} and ${statusIn(statuses)})
        or exists (select 1 from observations ho join learning_sources hs on hs.observation_id = ho.id join learnings hl on hl.id = hs.learning_id
             where ho.session_id = ${session} and ho.sequence between ${lo} and ${hi} and ${statusIn(statuses)}))`;
}

/** True when the summary `m` (alias of a `summaries` row) tells what a held learning says. */
export const summaryHeldSql = (m: string, statuses: readonly HeldStatus[] = HELD_STATUSES): string =>
  heldEvidenceSql(`${m}.session_id`, `${m}.from_sequence`, `${m}.to_sequence`, statuses);

/** True when the observation `o` lies inside a held learning's evidence. */
export const observationHeldSql = (o: string, statuses: readonly HeldStatus[] = HELD_STATUSES): string =>
  heldEvidenceSql(`${o}.session_id`, `${o}.sequence`, `${o}.sequence`, statuses);

/** True when a failure `o`'s story would tell held evidence: it lies inside it or before it in its session. */
export const failureHeldSql = (o: string, statuses: readonly HeldStatus[] = HELD_STATUSES): string =>
  heldEvidenceSql(`${o}.session_id`, `${o}.sequence`, '2147483647', statuses);

/**
 * Why a summary is held, as SQL giving `pending`, `rejected` or null: rejected wins (held for good),
 * then pending (served once approved).
 */
export const summaryHoldSql = (m: string): string =>
  `(case when ${summaryHeldSql(m, ['rejected'])} then 'rejected' when ${summaryHeldSql(m, ['pending'])} then 'pending' end)`;
