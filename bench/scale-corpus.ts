/**
 * The corpus of `npm run bench:search-scale`: a tenant of many projects filled with agent sessions
 * made from real repositories' git histories, written as capture and the offline summarizer would
 * write them, fast enough to reach 1M records.
 *
 * - Material: the non-merge commits of eight public repositories (pinned below; a directory of git
 *   clones, `--mirrors`, /work/.mirror by default), each commit a piece of work with its own words
 *   (subject, body) and diff. A coding session is one to three turns, each one commit: the request
 *   (its subject), Reads and Edits of its files with the diff's own lines, a test run and the answer
 *   (its body); every fourth session a developer conversation about a change
 *   (bench/retrieval-history-corpus.ts builds both turn kinds, for this bench and that one).
 * - Projects: `pile` holds the 256 sessions of bench:retrieval-history's four histories (their
 *   questions and evidence turns committed before any tuning) merged with sessions of all eight
 *   repositories' other commits, up to --pile-sessions (10,000 at the largest size); 119 other
 *   projects (15 per repository, 14 for the last one) share the rest, a few large and many small
 *   (project k gets a share ∝ 1/(k+1)^0.8), each drawing its own order of its repository's commits.
 * - Dates: the history sessions keep their days (2–75 days ago); the pile's other sessions are
 *   80–1,500 days old (so the temporal questions' evidence stays exact); other projects' sessions
 *   are 0–720 days old.
 * - What is written: each session's hook payloads (Claude Code's, as bench:retrieval-history
 *   replays them) rendered by capture's own `renderEvent` into observations and prompts, and its
 *   batch and final summaries by the offline summarizer's own functions (`offlineBatchSummary`,
 *   `offlineFinal`, the summary checks, `summaryColumns`): the rows the API and the worker would
 *   store for those hooks, inserted set-based (bench/corpus.ts insertMemories). Not written: the raw
 *   hook_events (search never reads them), learnings (the offline summarizer draws few from such
 *   sessions), and token counts are length / 4 rather than tiktoken's.
 */
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { renderEvent } from '../common/rules/observation.js';
import type { HookEventName } from '../messages/hooks-v1.js';
import { offlineBatchSummary, offlineFinal } from '../activities/summarize/offline.js';
import { lookedAtOnly, teachesNothing, checkedFields, summaryColumns } from '../activities/summarize/summary-store.js';
import type { PgPool } from '../common/server/pg.js';
import { insertMemories, insertRows, memoryColumns } from './corpus.js';
import { seeded } from './hook-traffic.js';
import {
  clipDiff,
  codingTurn,
  conversationTurns,
  deliveries,
  HISTORY_SOURCES,
  SKIP,
  type Commit,
  type FileDiff,
  type HistoryCorpus,
  type HistorySession,
  type Lang,
} from './retrieval-history-corpus.js';

export const SCALE_SOURCES: readonly { name: string; repo: string; rev: string; lang: Lang }[] = [
  ...HISTORY_SOURCES,
  { name: 'flask', repo: 'pallets/flask', rev: '2ac89889f4cc330eabd50f295dcef02828522c69', lang: 'py' },
  { name: 'fastify', repo: 'fastify/fastify', rev: '83e69762aff047940b376fc2a266d143499ef727', lang: 'js' },
  { name: 'cargo', repo: 'rust-lang/cargo', rev: 'af373f761aa4e42b093c2e453078fd73c8ce54dd', lang: 'rs' },
  { name: 'ripgrep', repo: 'BurntSushi/ripgrep', rev: '3fce3b5bb0236da2df6d99672afb8a719642eca7', lang: 'rs' },
];

/** Commits read per repository (newest first from the pinned revision). */
const MAX_COMMITS = 6000;
export const PILE = 'pile';
const OTHER_PROJECTS = 119;
const DAY_MS = 86_400_000;

export interface RepoCommits {
  name: string;
  lang: Lang;
  commits: Commit[];
  diffs: Record<string, Record<string, FileDiff>>;
}

/** A repository's commits with their diffs, from one `git log -p` (cached as JSON in `cacheDir`). */
export function repoCommits(mirrors: string, cacheDir: string, src: (typeof SCALE_SOURCES)[number]): RepoCommits {
  const cache = path.join(cacheDir, `scale-commits-${src.name}-${src.rev.slice(0, 10)}.json`);
  if (fs.existsSync(cache)) return JSON.parse(fs.readFileSync(cache, 'utf8')) as RepoCommits;
  const dir = path.join(mirrors, src.repo.replace('/', '+'), 'repo');
  const raw = execFileSync('git', ['-C', dir, 'log', '--no-merges', '--no-renames', '-p', '-U2', '--format=%x1e%H%x1f%s%x1f%b%x1f', '-n', String(MAX_COMMITS), src.rev], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const out: RepoCommits = { name: src.name, lang: src.lang, commits: [], diffs: {} };
  for (const rec of raw.split('\x1e').slice(1)) {
    const [sha = '', subject = '', body = '', patch = ''] = rec.split('\x1f');
    const diffs: Record<string, FileDiff> = {};
    for (const section of patch.split(/^diff --git /m).slice(1)) {
      const file = /^a\/(\S+) b\//.exec(section)?.[1];
      if (!file) continue;
      const d: FileDiff = { removed: [], added: [], context: [] };
      for (const line of section.split('\n').slice(1)) {
        if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('index ') || line.startsWith('@@')) continue;
        if (line.startsWith('-')) d.removed.push(line.slice(1));
        else if (line.startsWith('+')) d.added.push(line.slice(1));
        else if (line.startsWith(' ')) d.context.push(line.slice(1));
      }
      diffs[file] = clipDiff(d);
    }
    const files = Object.keys(diffs);
    if (subject.length < 18 || SKIP.test(subject) || files.length === 0 || files.length > 8) continue;
    out.commits.push({ sha, subject: subject.replace(/\s*\(#\d+\)\s*$/, '').trim(), body: body.replace(/\r/g, '').trim(), files });
    out.diffs[sha] = diffs;
  }
  out.commits.reverse();
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(cache, JSON.stringify(out));
  return out;
}

/** A session to write: which project, when, and its turns (built when it is written). */
export interface PlannedSession {
  key: string;
  project: string;
  daysAgo: number;
  build(): HistorySession;
}

const hashUnit = (s: string) => crypto.createHash('sha256').update(s).digest().readUInt32BE(0) / 2 ** 32;

/**
 * The tenant's sessions in the order they are written, deterministic: the history corpus's sessions
 * first (project pile), then filler, `pileShare` of it to the pile. `plan(n)` gives the first n.
 */
export function scalePlan(repos: RepoCommits[], history: HistoryCorpus, pileShare: number): (n: number) => PlannedSession[] {
  const historyShas = new Set(history.sessions.flatMap((s) => s.turns.map((t) => t.commit)));
  const projects = Array.from({ length: OTHER_PROJECTS }, (_, k) => ({ name: `p${String(k).padStart(3, '0')}-${repos[k % repos.length]!.name}`, repo: repos[k % repos.length]!, weight: 1 / (k + 1) ** 0.8 }));
  const totalWeight = projects.reduce((a, p) => a + p.weight, 0);
  // Each project walks its own shuffled order of its repository's commits (the pile: every
  // repository's commits that no history session made).
  const orders = new Map<string, { repo: RepoCommits; shas: Commit[]; at: number }[]>();
  const shuffled = (xs: Commit[], seed: string) => {
    const rnd = seeded(hashUnit(seed) * 2 ** 32);
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  orders.set(PILE, repos.map((repo) => ({ repo, shas: shuffled(repo.commits.filter((c) => !historyShas.has(c.sha)), `pile:${repo.name}`), at: 0 })));
  for (const p of projects) orders.set(p.name, [{ repo: p.repo, shas: shuffled(p.repo.commits, p.name), at: 0 }]);
  const take = (project: string, n: number, rnd: () => number) => {
    const sources = orders.get(project)!;
    // The pile's repositories in proportion to their commits.
    let x = rnd() * sources.reduce((a, s) => a + s.shas.length, 0);
    const src = sources.find((s) => (x -= s.shas.length) <= 0) ?? sources[0]!;
    const out: Commit[] = [];
    for (let i = 0; i < n; i++) out.push(src.shas[src.at++ % src.shas.length]!);
    return { repo: src.repo, commits: out };
  };

  const sessions: PlannedSession[] = history.sessions.map((s) => ({ key: s.key, project: PILE, daysAgo: s.daysAgo, build: () => ({ ...s, history: PILE }) }));
  const rnd = seeded(20261127);
  let filler = 0;
  const grow = (n: number) => {
    while (sessions.length < n) {
      const key = `f${String(filler++).padStart(6, '0')}`;
      const toPile = rnd() < pileShare;
      let project = PILE;
      if (!toPile) {
        let x = rnd() * totalWeight;
        project = projects.find((p) => (x -= p.weight) <= 0)?.name ?? projects[0]!.name;
      }
      const own = seeded(hashUnit(key) * 2 ** 32);
      const conversation = filler % 4 === 3;
      const { repo, commits } = take(project, conversation ? 1 : 1 + Math.floor(own() * 3), own);
      const daysAgo = toPile ? 80 + own() * 1420 : own() * 720;
      const diff = (sha: string, file: string) => repo.diffs[sha]?.[file] ?? { removed: [], added: [], context: [] };
      sessions.push({
        key,
        project,
        daysAgo,
        build: () => {
          const r = seeded(hashUnit(`turns:${key}`) * 2 ** 32);
          const turns = conversation && commits[0]!.body.length > 80 ? conversationTurns(commits[0]!) : commits.map((c) => codingTurn(diff, c, repo.lang, r));
          return { key, history: project, daysAgo, kind: conversation && commits[0]!.body.length > 80 ? 'conversation' : 'coding', turns };
        },
      });
    }
  };
  return (n) => {
    grow(n);
    return sessions.slice(0, n);
  };
}

export const agentSessionIdOf = (run: string, key: string) => {
  const h = crypto.createHash('sha256').update(`${run}:${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/**
 * Writes planned sessions: their sessions rows, observations and prompts as capture renders them,
 * and their batch and final summaries as the offline summarizer writes them. Returns the records written.
 */
export async function writeSessions(pool: PgPool, tenantId: string, projectIds: Map<string, string>, run: string, planned: PlannedSession[], now: number): Promise<number> {
  const tenant = `'${tenantId}'::uuid`; // a uuid from the database, not input
  const built = planned.map((p) => ({ p, s: p.build(), agentSessionId: agentSessionIdOf(run, p.key), start: now - p.daysAgo * DAY_MS }));
  const rendered = built.map(({ s, agentSessionId, start }) =>
    deliveries(s, agentSessionId).flatMap((d, i) => {
      const o = renderEvent(d.event as HookEventName, d.body);
      return o ? [{ ...o, sequence: i + 1, at: new Date(start + i * 20_000) }] : [];
    }),
  );
  const sessionIds = await insertRows(
    pool,
    `insert into sessions (tenant_id, project_id, agent_session_id, status, cwd, transcript_path, started_at, ended_at, last_event_at, event_count, agent, updated_at)
     select ${tenant}, p, a, 'completed', c, t, s, e, e, n, 'claude-code', now()
     from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::int[]) as x(p, a, c, t, s, e, n) returning id`,
    [
      built.map(({ p }) => projectIds.get(p.project)),
      built.map(({ agentSessionId }) => agentSessionId),
      built.map(({ s }) => `/home/dev/src/${s.history}`),
      built.map(({ s, agentSessionId }) => `/home/dev/.claude/projects/${s.history}/${agentSessionId}.jsonl`),
      built.map(({ start }) => new Date(start)),
      rendered.map((obs, i) => obs.at(-1)?.at ?? new Date(built[i]!.start)),
      rendered.map((obs) => obs.length),
    ],
  );
  const { obs, prompts, sums } = memoryColumns();
  let records = 0;
  built.forEach(({ p }, i) => {
    const projectId = projectIds.get(p.project)!;
    const sessionId = sessionIds[i]!;
    const timeline = rendered[i]!;
    let ordinal = 0;
    for (const o of timeline) {
      obs.project.push(projectId);
      obs.session.push(sessionId);
      obs.kind.push(o.kind);
      obs.seq.push(o.sequence);
      obs.tool.push(o.toolName ?? null);
      obs.toolUse.push(o.toolUseId ?? null);
      obs.title.push(o.title);
      obs.text.push(o.text);
      obs.at.push(o.at);
      if (o.kind === 'prompt') {
        prompts.project.push(projectId);
        prompts.session.push(sessionId);
        prompts.ordinal.push(++ordinal);
        prompts.text.push(o.text);
        prompts.at.push(o.at);
      }
    }
    // The summarizer reads the session's prompts, tool calls and stops (one batch: these sessions
    // are far below the batch budget), then writes the final summary with the same checks.
    const lines = timeline.filter((o) => o.kind !== 'start' && o.kind !== 'end').map((o) => ({ sequence: o.sequence, kind: o.kind as string, toolName: o.toolName ?? null, title: o.title, text: o.text, tokenCount: Math.ceil(o.text.length / 4) }));
    const final = offlineFinal(lines, 'claude-code');
    const parts = [
      { kind: 'batch', fields: checkedFields(offlineBatchSummary(lines)), at: timeline.at(-2)!.at },
      { kind: 'final', fields: teachesNothing(lines, final.learnings) ? lookedAtOnly(checkedFields(final)) : checkedFields(final), at: timeline.at(-1)!.at },
    ];
    for (const part of parts) {
      const c = summaryColumns(part.fields);
      sums.project.push(projectId);
      sums.session.push(sessionId);
      sums.kind.push(part.kind);
      sums.title.push(c.title);
      sums.request.push(c.request ?? '');
      sums.investigated.push(c.investigated ?? '');
      sums.learned.push(c.learned ?? '');
      sums.completed.push(c.completed ?? '');
      sums.next.push(c.nextSteps ?? '');
      sums.text.push(c.text);
      sums.from.push(lines[0]?.sequence ?? 1);
      sums.to.push(lines.at(-1)?.sequence ?? 1);
      sums.at.push(part.at);
    }
    records += timeline.length + parts.length;
  });
  await insertMemories(pool, tenantId, { obs, prompts, sums });
  return records;
}
