/**
 * `memflow review`: the review inbox from the terminal (api/review/, docs/review.md).
 *   memflow review [list]                      what waits, oldest first, with counts and age
 *   memflow review approve <id...> | --all     approve (many at once; --all: every pending one in scope)
 *   memflow review reject <id...> --note       reject: kept only in the learning's history
 *   memflow review edit <id> <text...>         edit and approve: the edited text goes live, as yours
 *   memflow review policy [live|review]        show or set the project's policy (setting: admin key)
 */
import type { ApiClient } from '../clients/api.js';
import { MAX_REVIEW_IDS, type ReviewDecision, type ReviewItem, type ReviewPolicy } from '../messages/review-api-v1.js';
import { withApi, type ApiOptions } from './api-client.js';
import { memoryId } from './args.js';
import { CliError } from './output.js';
import { scopeNote, scopeOf, type ScopeOptions } from './scope.js';
import { ageOf } from './review-finding.js';

export { ageOf };

type Out = (line: string) => void;

const MAINTAINER_HINT = 'deciding on the review inbox needs a maintainer or admin key (memflow keys create --role maintainer)';

/** Every pending learning in scope (pages of 100), for `--all`. */
async function allPending(api: ApiClient, project: string | undefined): Promise<ReviewItem[]> {
  const items: ReviewItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.reviewInbox({ limit: 100, ...(project ? { project } : {}), ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

export interface ReviewListOptions extends ApiOptions, ScopeOptions {
  limit?: string;
  json?: boolean;
}

export async function reviewList(opts: ReviewListOptions, out: Out): Promise<void> {
  const scope = scopeOf(opts);
  const limit = opts.limit === undefined ? 50 : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new CliError('--limit takes an integer from 1 to 100');
  // Without a project, the API answers for every project the key may see (a limited key: its own).
  const [counts, page] = await withApi(opts, (api) => Promise.all([api.reviewCounts(scope.project), api.reviewInbox({ limit, ...(scope.project ? { project: scope.project } : {}) })]));
  if (opts.json) return out(JSON.stringify({ counts, ...page }));
  const mine = scope.project ? counts.projects.filter((p) => p.project === scope.project) : counts.projects;
  const waiting = mine.reduce((n, p) => n + p.pending, 0);
  out(`${waiting} learning${waiting === 1 ? '' : 's'} waiting for review ${scopeNote(scope)}`);
  for (const p of mine) out(`  ${p.project}: policy ${p.policy}, ${p.pending} pending${p.oldestAt ? `, oldest ${ageOf(Math.floor((Date.now() - Date.parse(p.oldestAt)) / 1000))} old` : ''}`);
  if (page.items.length === 0) return;
  out('');
  for (const i of page.items) {
    out(`${i.id.slice(0, 8)}  ${ageOf(i.ageSeconds).padStart(4)}  [${i.kind}${i.flags.length ? `, ${i.flags.join(', ')}` : ''}] ${i.title}  (${i.project}${i.sessionId ? `, session ${i.sessionId}` : ''})`);
  }
  if (page.nextCursor) out(`… more: memflow review list --limit 100, or decide on these first`);
  out('approve: memflow review approve <id...> (or --all) · reject: memflow review reject <id...> --note <why> · edit: memflow review edit <id> <text...>');
}

export interface ReviewDecideOptions extends ApiOptions, ScopeOptions {
  all?: boolean;
  note?: string;
  json?: boolean;
}

export async function reviewDecide(decision: ReviewDecision, refs: string[], opts: ReviewDecideOptions, out: Out): Promise<void> {
  if (opts.all && refs.length) throw new CliError('give ids or --all, not both');
  if (!opts.all && refs.length === 0) throw new CliError(`review ${decision} needs the ids of pending learnings (or --all)`);
  const ids = refs.map(memoryId);
  const scope = opts.all ? scopeOf(opts) : undefined;
  const result = await withApi(
    opts,
    async (api) => {
      const wanted = opts.all ? (await allPending(api, scope?.project)).map((i) => i.id) : ids;
      const totals = { decided: [] as string[], notPending: [] as string[], notFound: [] as string[] };
      for (let at = 0; at < wanted.length; at += MAX_REVIEW_IDS) {
        const done = await api.reviewDecide({ decision, ids: wanted.slice(at, at + MAX_REVIEW_IDS), ...(opts.note ? { note: opts.note } : {}) });
        totals.decided.push(...done.decided);
        totals.notPending.push(...done.notPending);
        totals.notFound.push(...done.notFound);
      }
      return totals;
    },
    MAINTAINER_HINT,
  );
  if (opts.json) return out(JSON.stringify({ decision, ...result }));
  const verb = decision === 'approve' ? 'approved (pushed from the next session)' : 'rejected (kept only in their history)';
  out(`${result.decided.length} ${verb}${scope ? ` ${scopeNote(scope)}` : ''}`);
  if (result.notPending.length) out(`not pending (already decided, or never held): ${result.notPending.join(' ')}`);
  if (result.notFound.length) out(`no such learning: ${result.notFound.join(' ')}`);
}

export async function reviewEdit(ref: string, words: string[], opts: ApiOptions & { title?: string; note?: string; json?: boolean }, out: Out): Promise<void> {
  const text = words.join(' ').trim();
  if (!text) throw new CliError('review edit needs the learning as it should read');
  const done = await withApi(opts, (api) => api.reviewEdit(memoryId(ref), { text, ...(opts.title ? { title: opts.title } : {}), ...(opts.note ? { note: opts.note } : {}) }), MAINTAINER_HINT);
  if (opts.json) return out(JSON.stringify(done));
  out(`edited and approved: ${done.id}, attributed to ${done.editedBy ?? done.reviewedBy}; the edited text is pushed from the next session`);
}

export async function reviewPolicy(policy: string | undefined, opts: ApiOptions & ScopeOptions & { json?: boolean }, out: Out): Promise<void> {
  if (policy !== undefined && policy !== 'live' && policy !== 'review') throw new CliError(`the policy is live or review, not '${policy}'`);
  const { project } = scopeOf(opts);
  if (!project) throw new CliError('review policy needs a project: run it in the repository, or pass --project <name>');
  const view = await withApi(opts, (api) => (policy ? api.setReviewPolicy(project, policy as ReviewPolicy) : api.reviewPolicy(project)), 'setting the review policy needs an admin key');
  if (opts.json) return out(JSON.stringify(view));
  const meaning = view.policy === 'review' ? 'extracted learnings wait for a maintainer' : 'extracted learnings go live at once';
  const stated = view.policy === 'review' ? `; a rule stated in a prompt ${view.stated === 'review' ? 'waits too' : 'goes live (stated policy live)'}` : '';
  out(`project '${view.project}': review policy ${view.policy} (${meaning}); ${view.pending} pending${stated}`);
}
