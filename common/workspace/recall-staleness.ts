/**
 * The staleness check at recall, run where the working tree is (the hook client at SessionStart, the
 * CLI's `context`, the stdio MCP server): each candidate item's citations are checked against today's
 * files (common/rules/citations.ts), and the context is rewritten before it reaches the agent:
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
import { checkCitation, DOUBTFUL_SHARE, fileLineCounts, FRESH_SHARE, sharePresent, type Citation, type CitationState } from '../rules/citations.js';
import { branchTip, commitsOnBranch, fileGitCache, followRenames, GIT_BUDGET_MS, renameIndex, type GitHead, type RenameIndex } from './git-head.js';

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

export type StalenessVerdict = 'fresh' | 'doubtful' | 'stale';

export interface ItemVerdict {
  id: string;
  type: CheckableItem['type'];
  verdict: StalenessVerdict;
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

function citationVerdict(state: CitationState, present: number): StalenessVerdict {
  if (state === 'fresh' || state === 'moved') return 'fresh';
  if (state === 'changed' && present >= DOUBTFUL_SHARE) return 'doubtful';
  return 'stale';
}

function reasonOf(state: CitationState, p: string): string {
  if (state === 'gone') return `${p} is gone`;
  if (state === 'reverted') return `the change to ${p} was reverted`;
  return `the cited lines of ${p} changed`;
}

/** Files of a gone file's folder read to find where its cited lines went (a rename in place). */
const MAX_SIBLINGS = 64;

/** Where a cited file that is gone went: renames git knows of, read once per context at most. */
export interface RenameLookup {
  /** The rename index already at hand (cached, or read earlier in this check): no git process. */
  known(): RenameIndex | undefined;
  /** Reads it (one git process, within its budget; memoized); null when git could not tell in time. */
  load(): RenameIndex | null;
}

/**
 * Checks items against the tree at `root`; files are read once each. A cited file that is gone is
 * looked for where it may have gone, cheapest first: the rename index at hand; else the files of its
 * folder holding its cited lines (a rename in place, no git); else git's renames (`renames.load`). When
 * git could not tell in time, the item is doubtful (kept, marked), never dropped on a guess.
 */
export function checkItems(root: string, items: CheckableItem[], renames?: RenameLookup): ItemVerdict[] {
  const files = new Map<string, Counts>();
  const absOf = (rel: string) => (path.isAbsolute(rel) ? rel : path.join(root, rel));
  const countsOf = (rel: string): Counts => {
    const abs = absOf(rel);
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
  const exists = (rel: string) => countsOf(rel) !== null;
  const sibling = (c: Citation): string | undefined => {
    if (c.lines.length === 0) return undefined;
    const dir = path.dirname(c.path);
    let names: string[];
    try {
      // Names sharing the longest start with the gone one first (db.ts -> db-pool.ts), then by name.
      const base = path.basename(c.path);
      const shared = (n: string) => {
        let i = 0;
        while (i < n.length && n[i] === base[i]) i++;
        return i;
      };
      names = fs
        .readdirSync(absOf(dir))
        .filter((n) => n !== base && path.extname(n) === path.extname(base))
        .sort((x, y) => shared(y) - shared(x) || (x < y ? -1 : 1))
        .slice(0, MAX_SIBLINGS);
    } catch {
      return undefined;
    }
    for (const n of names) {
      const rel = dir === '.' ? n : `${dir}/${n}`;
      const counts = countsOf(rel);
      if (counts && counts !== 'unreadable' && sharePresent(c.lines, counts) >= FRESH_SHARE) return rel;
    }
    return undefined;
  };
  /** The path a gone file went to; null: not known in time. */
  const whereIs = (file: string, c: Citation): string | undefined | null => {
    const index = renames?.known();
    if (index) return followRenames(index, file, exists);
    const near = sibling(c);
    if (near || !renames) return near;
    const loaded = renames.load();
    return loaded ? followRenames(loaded, file, exists) : null;
  };
  return items.map((item) => {
    let stale = 0;
    let doubtful = 0;
    let reason: string | undefined;
    let checked = 0;
    const moves: Record<string, string> = {};
    for (const c of item.citations) {
      let counts = countsOf(c.path);
      if (counts === null) {
        const to = whereIs(c.path, c);
        if (to === null) {
          checked++;
          doubtful++;
          reason ??= `${c.path} is gone here (git could not tell in time where it went)`;
          continue;
        }
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
    const verdict: StalenessVerdict = checked > 0 && stale * 2 >= checked ? 'stale' : stale + doubtful > 0 ? 'doubtful' : 'fresh';
    return { id: item.id, type: item.type, verdict, ...(verdict !== 'fresh' && reason ? { reason } : {}), ...(Object.keys(moves).length > 0 ? { renamed: moves } : {}) };
  });
}

export interface CheckOptions {
  /** A file keeping what git told earlier checks (renames per HEAD, merged commits); none: nothing kept. */
  cacheFile?: string;
  /** What the one git process of a check may take before it is given up (ms). */
  gitBudgetMs?: number;
}

/**
 * Checks the items of a context and rewrites it: stale lines dropped, doubtful ones marked. With
 * `git`, at most one git process runs per check, within its budget, and only when its answer is not
 * known already (`cacheFile`): git's renames when a cited file is gone and not found beside it, else
 * the default branch's history when items made on another branch, without citations, are about to be
 * injected (reported as merged when found; the server promotes them). Whatever is left for want of a
 * process is asked at the next check.
 */
export function checkContext(context: string, items: CheckableItem[], root: string, git?: GitHead, opts: CheckOptions = {}): CheckedContext {
  const t0 = performance.now();
  const budget = opts.gitBudgetMs ?? GIT_BUDGET_MS;
  let gitMs = 0;
  let gitRan = false;
  const cache = git && opts.cacheFile ? fileGitCache(opts.cacheFile, root, git.commit, git.defaultBranch ? branchTip(root, git.defaultBranch) : null) : undefined;
  let index: RenameIndex | null | undefined = cache?.renames();
  const renames: RenameLookup | undefined = git
    ? {
        known: () => index ?? undefined,
        load: () => {
          if (index !== undefined) return index;
          const g0 = performance.now();
          gitRan = true;
          index = renameIndex(root, budget);
          gitMs += performance.now() - g0;
          cache?.setRenames(index);
          return index;
        },
      }
    : undefined;
  const verdicts = checkItems(root, items, renames);
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
    const merged = new Set<string>();
    const unknown: string[] = [];
    for (const c of new Set(pending.map((i) => i.gitCommit!))) {
      const known = cache?.merged(c);
      if (known === true) merged.add(c);
      else if (known === undefined) unknown.push(c);
    }
    // One git process per check: when the renames took it, the rest waits for the next check.
    if (unknown.length > 0 && !gitRan) {
      const g0 = performance.now();
      const found = commitsOnBranch(git.root, git.defaultBranch, unknown, undefined, budget);
      gitMs += performance.now() - g0;
      if (found) {
        for (const c of found) merged.add(c);
        cache?.setMerged(unknown, found, branchTip(root, git.defaultBranch));
      }
    }
    for (const v of verdicts) {
      const i = byId.get(v.id);
      if (i?.gitCommit && merged.has(i.gitCommit)) v.merged = true;
    }
  }
  // A section whose every item was dropped loses its heading too.
  out = out.replace(/\n## [^\n]+(?=\n## |$)/g, '');
  cache?.save();
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
