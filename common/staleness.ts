/**
 * The staleness check at recall, run where the working tree is (the hook client at SessionStart, the
 * CLI's `context`, the stdio MCP server): each candidate item's citations are checked against today's
 * files (common/citations.ts), and the context is rewritten before it reaches the agent:
 *   - stale (a cited file gone, the cited change reverted, the cited lines mostly changed): dropped
 *     (a summary, which is history, is marked instead);
 *   - doubtful (the cited lines partly changed): kept and marked "may be outdated";
 *   - fresh, or without citations: kept as it is.
 * An item from another branch whose commit is now on the default branch is reported as merged (the
 * server promotes it). The verdicts go back to the server (POST /v1/learnings/staleness), which
 * demotes learnings seen stale and supersedes them with the reason "code changed" after a few reports.
 *
 * Node built-ins only: the hook client bundles this file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { checkCitation, DOUBTFUL_SHARE, fileLineCounts, type Citation, type CitationState } from './citations.js';
import { commitsOnBranch, fileRenameCache, renamesSince, type GitHead } from './git-head.js';

/** What the server sends along with a context so the client can check it. */
export interface CheckableItem {
  id: string;
  type: 'learning' | 'summary' | 'observation';
  /** The item's exact line in the context text. */
  line: string;
  citations: Citation[];
  gitBranch?: string | null;
  gitCommit?: string | null;
  onDefaultBranch?: boolean | null;
}

export type Verdict = 'fresh' | 'doubtful' | 'stale';

export interface ItemVerdict {
  id: string;
  type: CheckableItem['type'];
  verdict: Verdict;
  /** Why, for stale and doubtful items: "src/db.ts is gone", "the change to src/db.ts was reverted", ... */
  reason?: string;
  /** The item's commit was seen on the default branch. */
  merged?: boolean;
  /** Cited files found under a new name (old path -> new path): the server updates the citations. */
  renamed?: Record<string, string>;
}

export interface CheckedContext {
  context: string;
  verdicts: ItemVerdict[];
  dropped: number;
  marked: number;
  /** Wall time of the check (file reads and hashing included). */
  ms: number;
  /** Of which git processes: renames of gone files, `git rev-list` for other branches (0: none needed). */
  gitMs: number;
}

/** Bigger files are not read: a citation into one is left unchecked (fresh). */
const MAX_FILE_BYTES = 2 * 1024 * 1024;

type Counts = Map<string, number> | null | 'unreadable';

function citationVerdict(state: CitationState, present: number): Verdict {
  if (state === 'fresh' || state === 'moved') return 'fresh';
  if (state === 'changed' && present >= DOUBTFUL_SHARE) return 'doubtful';
  return 'stale';
}

function reasonOf(state: CitationState, p: string): string {
  if (state === 'gone') return `${p} is gone`;
  if (state === 'reverted') return `the change to ${p} was reverted`;
  return `the cited lines of ${p} changed`;
}

/**
 * Checks items against the tree at `root`; files are read once each. `renamed` (optional) names where
 * a cited file that is gone went since the item's commit: the citation is then checked there.
 */
export function checkItems(root: string, items: CheckableItem[], renamed?: (file: string, commit: string) => string | undefined): ItemVerdict[] {
  const files = new Map<string, Counts>();
  const countsOf = (rel: string): Counts => {
    const abs = path.isAbsolute(rel) ? rel : path.join(root, rel);
    let c = files.get(abs);
    if (c !== undefined) return c;
    try {
      const st = fs.statSync(abs);
      c = !st.isFile() ? null : st.size > MAX_FILE_BYTES ? 'unreadable' : fileLineCounts(fs.readFileSync(abs, 'utf8'));
    } catch (err) {
      c = (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR' ? null : 'unreadable';
    }
    files.set(abs, c);
    return c;
  };
  return items.map((item) => {
    let stale = 0;
    let doubtful = 0;
    let reason: string | undefined;
    let checked = 0;
    const moves: Record<string, string> = {};
    for (const c of item.citations) {
      let counts = countsOf(c.path);
      if (counts === null && renamed && item.gitCommit) {
        const to = renamed(c.path, item.gitCommit);
        if (to) {
          counts = countsOf(to);
          moves[c.path] = to;
        }
      }
      if (counts === 'unreadable') continue;
      checked++;
      const r = checkCitation(c, counts);
      const v = citationVerdict(r.state, r.present);
      if (v === 'stale') {
        stale++;
        reason ??= reasonOf(r.state, c.path);
      } else if (v === 'doubtful') {
        doubtful++;
        reason ??= `the cited lines of ${c.path} partly changed`;
      }
    }
    // Stale when at least half of what it cites no longer holds; doubtful when any of it wavers.
    const verdict: Verdict = checked > 0 && stale * 2 >= checked ? 'stale' : stale + doubtful > 0 ? 'doubtful' : 'fresh';
    return { id: item.id, type: item.type, verdict, ...(verdict !== 'fresh' && reason ? { reason } : {}), ...(Object.keys(moves).length > 0 ? { renamed: moves } : {}) };
  });
}

/**
 * Checks the items of a context and rewrites it: stale lines dropped, doubtful ones marked. With
 * `git`, items made on another branch are looked up in the default branch's history (one git call,
 * only when there are such items) and reported as merged when found.
 */
export function checkContext(context: string, items: CheckableItem[], root: string, git?: GitHead, opts: { renameCacheFile?: string } = {}): CheckedContext {
  const t0 = performance.now();
  // Renames are looked up only when a cited file is gone, once per commit (one git process each).
  const renames = new Map<string, Map<string, string>>();
  let gitMs = 0;
  let cache: ReturnType<typeof fileRenameCache> | undefined;
  const renamed = git
    ? (file: string, commit: string) => {
        let r = renames.get(commit);
        if (!r) {
          cache ??= opts.renameCacheFile ? fileRenameCache(opts.renameCacheFile, root, git.commit) : undefined;
          r = cache?.get(commit);
          if (!r) {
            const g0 = performance.now();
            r = renamesSince(root, commit, cache);
            gitMs += performance.now() - g0;
          }
          renames.set(commit, r);
        }
        return r.get(file);
      }
    : undefined;
  const verdicts = checkItems(root, items, renamed);
  cache?.save();
  const byId = new Map(items.map((i) => [i.id, i]));
  let out = context;
  let dropped = 0;
  let marked = 0;
  for (const v of verdicts) {
    const item = byId.get(v.id);
    if (!item || v.verdict === 'fresh' || !item.line || !out.includes(item.line)) continue;
    // A summary is history (what a session did): it stays true as such, so it is marked, never dropped.
    if (v.verdict === 'stale' && item.type !== 'summary') {
      out = out.replace(`\n${item.line}`, '');
      dropped++;
    } else {
      out = out.replace(item.line, `${item.line} (may be outdated: ${v.reason ?? 'the cited code changed'})`);
      marked++;
    }
  }
  if (git?.defaultBranch) {
    // Only items about to be injected need it (a stale one is dropped whatever its branch), and only
    // once: the server remembers a promotion (onDefaultBranch) and stops asking.
    const injected = new Set(verdicts.filter((v) => v.verdict !== 'stale').map((v) => v.id));
    let pending = items.filter(
      (i) =>
        i.type === 'learning' && injected.has(i.id) && i.gitCommit && i.gitBranch && i.gitBranch !== git.defaultBranch && i.gitBranch !== git.branch && i.onDefaultBranch !== true,
    );
    // On the default branch, cited code found fresh in the tree is the evidence: it is on the default
    // branch (its commit, or one equal to it, was merged). No git process is needed for those.
    if (git.branch === git.defaultBranch) {
      const fresh = new Set(verdicts.filter((v) => v.verdict === 'fresh').map((v) => v.id));
      for (const v of verdicts) {
        const i = byId.get(v.id);
        if (i && fresh.has(i.id) && i.citations.length > 0 && pending.includes(i)) v.merged = true;
      }
      pending = pending.filter((i) => i.citations.length === 0);
    }
    if (pending.length > 0) {
      const g0 = performance.now();
      const merged = commitsOnBranch(git.root, git.defaultBranch, [...new Set(pending.map((i) => i.gitCommit!))]);
      for (const v of verdicts) {
        const i = byId.get(v.id);
        if (i?.gitCommit && merged.has(i.gitCommit)) v.merged = true;
      }
      gitMs += performance.now() - g0;
    }
  }
  // A section whose every item was dropped loses its heading too.
  out = out.replace(/\n## [^\n]+(?=\n## |$)/g, '');
  return { context: out, verdicts, dropped, marked, ms: performance.now() - t0, gitMs };
}

/** The verdicts as POST /v1/learnings/staleness takes them (learnings only). */
export function stalenessReport(verdicts: ItemVerdict[]): { results: Record<string, unknown>[] } {
  return {
    results: verdicts
      .filter((v) => v.type === 'learning')
      .map(({ id, type, verdict, reason, merged, renamed }) => ({ id, type, verdict, ...(reason ? { reason } : {}), ...(merged ? { merged } : {}), ...(renamed ? { renamed } : {}) })),
  };
}
