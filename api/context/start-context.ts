/**
 * The context handed to a new session (GET /v1/context and the session-start hook's
 * additionalContext): the project's learnings, recent summaries and recent activity that are most
 * useful now, rendered compactly and counted with tiktoken, never above the token budget.
 *
 * One SQL round trip collects a bounded candidate set through the (tenant, project, time) and
 * (tenant, project, status) indexes — no full-text scan of the project, so it stays fast on the
 * agent's critical path at any corpus size — and rescores it:
 *
 *   score = base(type) · quality · recency(age, half-life(type)) + relevance
 *
 * - base: learning 1.0, summary 0.7, observation 0.35 (distilled knowledge before raw activity);
 * - quality: a learning's confidence × strength/(strength+1) (restated knowledge ranks higher);
 *   a final summary 1.0, others 0.85; a prompt 1.0, a tool call 0.7;
 * - recency: halves every 60 days (learnings), 14 days (summaries), 3 days (observations);
 * - relevance: ts_rank (0..1; much cheaper than ts_rank_cd on long OR queries) against the query
 *   text, × 2 for the caller's explicit `q` (what they asked for comes first), × 0.6 for the
 *   implicit signal — the project's two latest prompts, the best guess of what the user is
 *   working on. Learnings that match it join the candidates even when they are not among the
 *   strongest.
 *
 * Superseded learnings are never included. Items are taken greedily by score while they fit,
 * then the rendered whole is counted again and trimmed until it fits (token merges across lines
 * make the sum of parts inexact).
 */
import type { Citation } from '../../common/rules/citations.js';
import type { PgPool } from '../../common/server/pg.js';
import { TRUST_WEIGHT, trustTier } from '../../common/rules/poison.js';
import type { CheckableItem } from '../../common/workspace/recall-staleness.js';
import { cleanTitle } from '../../common/rules/observation.js';
import { isSelfActivity } from '../../common/rules/self-activity.js';
import { countTokens } from '../../common/rules/tokens.js';
import { failureStory, type LaterItem } from './failure-story.js';
import { queryPrepared } from '../search/search-sql.js';
import type { RecordType } from '../search/search-types.js';
import type { AgentName } from '../../messages/hooks-v1.js';

export const DEFAULT_CONTEXT_TOKENS = 1500;
export const MAX_CONTEXT_TOKENS = 32_000;

export interface ContextRequest {
  tenantId: string;
  projectId: string;
  /** Shown in the header; read from the database when absent. */
  projectName?: string;
  budget: number;
  /** What the new session is about, when known; otherwise the project's latest prompts stand in. */
  query?: string;
  /** The caller's branch and the repository's default branch (branch-aware ranking). */
  branch?: BranchOfCaller;
  /** Only what this agent's sessions produced. */
  agent?: AgentName;
}

export interface BranchOfCaller {
  current: string | null;
  default: string | null;
}

export interface BuiltContext {
  context: string;
  tokens: number;
  items: string[];
  /** The chosen items a client with the working tree can check (citations, branch), with their lines. */
  check?: CheckableItem[];
  /** Learnings left out because they carry poisoning flags. */
  withheld?: number;
}

export interface Candidate {
  type: RecordType;
  id: string;
  kind: string;
  title: string;
  text: string;
  tool_name: string | null;
  confidence: number | null;
  strength: number | null;
  at: Date;
  relevance: number;
  project_name: string;
  citations?: Citation[] | null;
  git_branch?: string | null;
  git_commit?: string | null;
  on_default_branch?: boolean | null;
  flags?: string[] | null;
  outcome?: string | null;
  origin?: string | null;
  stale_count?: number | null;
  /** Directories the project's recent sessions ran in (the same on every row). */
  roots?: string[] | null;
  /** A failure's sequence in its session and what followed it there (tool calls and stops). */
  sequence?: number | null;
  later?: LaterItem[] | null;
}

/**
 * With an agent ($4), only what that agent's sessions produced: observations and summaries of its
 * sessions, learnings with a source in one. Without, the statement has no such clause at all (it is
 * prepared: a `$4 is null or …` would leave its generic plan blind to which case it is).
 */
const OF_AGENT = {
  session: ` and session_id in (select id from sessions where tenant_id = $1 and project_id = $2 and coalesce(agent, 'claude-code') = $4)`,
  learning: (l: string) => ` and exists (select 1 from learning_sources ls left join observations lo on lo.id = ls.observation_id
      left join summaries lsu on lsu.id = ls.summary_id join sessions sa on sa.id = coalesce(lo.session_id, lsu.session_id)
      where ls.learning_id = ${l}.id and coalesce(sa.agent, 'claude-code') = $4)`,
};

const candidatesSql = (byAgent: boolean) => {
  const session = byAgent ? OF_AGENT.session : '';
  const learning = (l: string) => (byAgent ? OF_AGENT.learning(l) : '');
  return `
with sig as (
  select coalesce($3::text, (select string_agg(p.text, ' ') from (
    select left(text, 200) as text from prompts where tenant_id = $1 and project_id = $2 order by created_at desc limit 2) p), '') as text
), q as (
  select replace(plainto_tsquery('english', sig.text)::text, ' & ', ' | ')::tsquery as any_q from sig
), c as (
  (select 'learning' as type, id, kind::text as kind, title, left(body, 600) as text, null::text as tool_name,
      confidence, strength, last_stated_at as at, search_vector,
      citations, git_branch, git_commit, on_default_branch, flags, outcome, origin, stale_count, null::int as sequence, null::jsonb as later
    from learnings where tenant_id = $1 and project_id = $2 and status = 'active'${learning('learnings')}
    order by strength desc, confidence desc, last_stated_at desc limit 30)
  union
  (select 'learning', l.id, l.kind::text, l.title, left(l.body, 600), null, l.confidence, l.strength, l.last_stated_at, l.search_vector,
      l.citations, l.git_branch, l.git_commit, l.on_default_branch, l.flags, l.outcome, l.origin, l.stale_count, null::int, null::jsonb
    from learnings l, q where l.tenant_id = $1 and l.project_id = $2 and l.status = 'active' and l.search_vector @@ q.any_q${learning('l')}
    order by ts_rank(l.search_vector, q.any_q, 32) desc limit 10)
  union all
  -- One summary per session (its final one, else its latest rolling or batch), from the newest 60.
  (select 'summary', s.id, s.kind, s.title, s.text, null, null, null, s.created_at, s.search_vector,
      s.citations, s.git_branch, s.git_commit, null::boolean, null::text[], null::text, null::text, null::int, null::int, null::jsonb from (
      select distinct on (session_id) id, kind::text as kind, title,
             left(coalesce(nullif(concat_ws(' ', learned, completed, next_steps), ''), text), 1200) as text, created_at, search_vector,
             citations, git_branch, git_commit
        from (select * from summaries where tenant_id = $1 and project_id = $2${session} order by created_at desc limit 60) recent
       order by session_id, (kind = 'final') desc, to_sequence desc, created_at desc) s
    order by s.created_at desc limit 15)
  union all
  (select 'observation', id, kind::text, title, left(text, 300), tool_name, null, null, created_at, search_vector,
      null::jsonb, null::varchar, null::varchar, null::boolean, null::text[], null::text, null::text, null::int, null::int, null::jsonb
    from observations where tenant_id = $1 and project_id = $2${session} and kind in ('prompt', 'tool') and title not like 'FAILED %'
      -- memflow's own tool calls are not the project's activity (common/rules/self-activity.ts)
      and coalesce(tool_name, '') not ilike 'mcp\_\_memflow%' and not (tool_name = 'ToolSearch' and text ilike '%memflow%')
    order by created_at desc limit 60)
  union all
  -- The failure -> fix story: recent failed tool calls (among the project's latest 500 items, so the
  -- scan stays bounded), each with what followed it in its session (up to 40 tool calls and stops):
  -- the edits, the later runs of the same check and Claude's own account of the turn
  -- (Stop's last_assistant_message); ./failure-story.ts tells the story from them.
  (select 'observation', f.id, 'failure', f.title, left(f.text, 4000), f.tool_name, null, null, f.created_at, f.search_vector,
      null::jsonb, null::varchar, null::varchar, null::boolean, null::text[], null::text, null::text, null::int, f.sequence, later.items
    from (select * from observations where tenant_id = $1 and project_id = $2${session} order by created_at desc limit 500) f
    left join lateral (select jsonb_agg(jsonb_build_object('sequence', o.sequence, 'kind', o.kind::text, 'toolName', o.tool_name, 'title', o.title,
                          'text', case when o.kind = 'stop' then left(o.text, 600) else left(o.text, 3000) end,
                          -- the agent whose account a stop is (hook clients of other agents send memflowAgent.host)
                          'agent', case when o.kind = 'stop' then (select h.payload->'memflowAgent'->>'host' from hook_events h
                                                                   where h.id = any(o.source_event_ids) limit 1) end) order by o.sequence) as items
                         from (select * from observations o where o.session_id = f.session_id and o.sequence > f.sequence
                                 and o.kind in ('tool', 'stop') order by o.sequence limit 40) o) later on true
   where f.kind = 'tool' and f.title like 'FAILED %'
     and coalesce(f.tool_name, '') not ilike 'mcp\_\_memflow%' and f.tool_name is distinct from 'ToolSearch'
   order by f.created_at desc limit 8)
)
select c.type, c.id, c.kind, c.title, c.text, c.tool_name, c.confidence, c.strength, c.at,
  c.citations, c.git_branch, c.git_commit, c.on_default_branch, c.flags, c.outcome, c.origin, c.stale_count, c.sequence, c.later,
  ts_rank(c.search_vector, q.any_q, 32) as relevance,
  (select name from projects where id = $2 and tenant_id = $1) as project_name,
  -- Where the project's recent sessions ran: paths under them are shown relative to the project.
  (select array(select distinct r from (select unnest(array[git_root, cwd]) as r from (
     select git_root, cwd from sessions where tenant_id = $1 and project_id = $2 order by started_at desc limit 20) s) x
   where r is not null and r <> '/')) as roots
from c, q`;
};
const CANDIDATES_SQL = { all: candidatesSql(false), byAgent: candidatesSql(true) };

const BASE: Record<RecordType, number> = { learning: 1, summary: 0.7, observation: 0.35 };
const HALF_LIFE_DAYS: Record<RecordType, number> = { learning: 60, summary: 14, observation: 3 };
const DAY_MS = 86_400_000;
/** An explicit query outweighs recency and confidence; the implicit signal (recent prompts) only nudges. */
const RELEVANCE_WEIGHT = { explicit: 2, implicit: 0.6 } as const;

function quality(c: Candidate): number {
  if (c.type === 'learning') return (c.confidence ?? 0.5) * ((c.strength ?? 1) / ((c.strength ?? 1) + 1));
  if (c.type === 'summary') return c.kind === 'final' ? 1 : 0.85;
  // What failed and how it was fixed is worth more than any one step of activity.
  if (c.kind === 'failure') return 1.5;
  return c.kind === 'prompt' ? 1 : 0.7;
}

/** Learnings from a branch the caller is not on, and not (yet) seen on the default branch, rank lower. */
const OTHER_BRANCH_WEIGHT = 0.5;

/**
 * Trust and validity of a learning: its tier (user > confirmed > extracted > agent), halved for each
 * staleness report since it was last seen fresh, and lowered when it was made on an unmerged branch
 * other than the caller's.
 */
export function validity(c: Candidate, branch?: BranchOfCaller): number {
  if (c.type !== 'learning') return 1;
  let w = TRUST_WEIGHT[trustTier(c.origin ?? 'extracted', c.outcome ?? 'unverified')] * 0.5 ** Math.min(4, c.stale_count ?? 0);
  if (c.kind === 'dead_end') w *= 0.9;
  if (branch && c.git_branch && c.git_branch !== branch.current && c.git_branch !== branch.default && c.on_default_branch !== true) w *= OTHER_BRANCH_WEIGHT;
  return w;
}

export function contextScore(c: Candidate, now: number, relevanceWeight: number = RELEVANCE_WEIGHT.implicit, branch?: BranchOfCaller): number {
  const ageDays = Math.max(0, (now - c.at.getTime()) / DAY_MS);
  return BASE[c.type] * quality(c) * validity(c, branch) * 0.5 ** (ageDays / HALF_LIFE_DAYS[c.type]) + relevanceWeight * Number(c.relevance);
}

/**
 * tiktoken costs ~0.1 ms per short string here (WebAssembly) and ~1-3 ms for a whole context, and
 * the same items are rendered again and again (every session start of a project sees mostly the
 * same memories): counts are cached, per line and for a few recent whole contexts.
 */
function tokenCounter(size: number): (text: string) => number {
  const cache = new Map<string, number>();
  return (text) => {
    let n = cache.get(text);
    if (n === undefined) {
      n = countTokens(text);
      if (cache.size >= size) cache.delete(cache.keys().next().value!);
      cache.set(text, n);
    }
    return n;
  };
}
const tokensOf = tokenCounter(20_000);
const contextTokens = tokenCounter(256);

const oneLine = (s: string, max: number) => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
};
const day = (d: Date) => d.toISOString().slice(0, 10);

/** One compact line per item; the body is cut first, so titles survive tight budgets. */
/** How far a learning can be trusted, said where it is low: an agent's note, or extracted and never confirmed. */
function trustLabel(c: Candidate): string {
  const tier = trustTier(c.origin ?? 'extracted', c.outcome ?? 'unverified');
  if (tier === 'agent') return ' (agent note, unverified)';
  if (c.kind === 'dead_end') return '';
  if (tier === 'extracted' && c.outcome === 'refuted') return ' (refuted)';
  return '';
}

/**
 * An item's text without what its title already says: a summary's text starts with its title (and
 * an offline one may state the first prompt again as its request), a learning's body may be its title.
 */
export function bodyBeyondTitle(title: string, text: string): string {
  const t = cleanTitle(title).replace(/^\[offline\]\s*/i, '').toLowerCase();
  let body = cleanTitle(text);
  for (let changed = true; changed; ) {
    const before = body;
    body = body.replace(/^\[offline\]\s*/i, '').replace(/^[\s:.,;—-]+/, '');
    if (t && body.toLowerCase().startsWith(t)) body = body.slice(t.length);
    if (t && /^request:\s*/i.test(body) && body.replace(/^request:\s*/i, '').toLowerCase().startsWith(t)) body = body.replace(/^request:\s*/i, '').slice(t.length);
    changed = body !== before;
  }
  return body.trim();
}

function renderItem(c: Candidate, maxBody: number, repeats = 1): string {
  // Titles read without redaction markers, also those stored before titles were cleaned.
  const title = cleanTitle(c.title);
  if (c.type === 'learning') {
    const kind = c.kind === 'dead_end' ? 'dead end — do not repeat' : c.kind;
    const body = bodyBeyondTitle(title, c.text);
    return `- [${kind}] ${oneLine(title, 160)}${trustLabel(c)}${maxBody > 0 && body ? `: ${oneLine(body, maxBody)}` : ''}`;
  }
  if (c.type === 'summary') {
    const body = bodyBeyondTitle(title, c.text);
    return `- ${day(c.at)} ${oneLine(title, 160)}${maxBody > 0 && body ? `: ${oneLine(body, maxBody * 2)}` : ''}`;
  }
  // A failure with what followed it: "FAILED Bash: npm test: failed: exit 1 → passed on a later run → Claude: …"
  // (or "→ Codex: …": the agent whose account it is).
  if (c.kind === 'failure') return `- ${day(c.at)} ${oneLine(title, 160)}${maxBody > 0 ? `: ${oneLine(c.text, maxBody * 2)}` : ''}`;
  // A tool call's title already names the tool ("Bash: npm test").
  const what = c.kind === 'prompt' ? `asked: ${cleanTitle(c.text) || title}` : title;
  return `- ${day(c.at)} ${oneLine(what, Math.max(60, maxBody))}${repeats > 1 ? ` (×${repeats})` : ''}`;
}

/**
 * Paths under the directories the project's sessions ran in, relative to them: an absolute path of
 * another worktree or another machine means nothing to the new session. The shortest root first, so
 * a session that ran in a subfolder does not cut a path below the repository's root.
 */
export function projectRelative(line: string, roots: readonly string[]): string {
  let out = line;
  for (const root of [...roots].sort((a, b) => a.length - b.length)) {
    const dir = root.replace(/\/+$/, '');
    if (!dir) continue;
    out = out.replaceAll(`${dir}/`, '').replace(new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=[\\s"'),:;]|$)`, 'g'), '.');
  }
  return out;
}

/**
 * Activity that repeats (the same file read again, the same command run again, the same first
 * prompt) is one item, its latest, with how often it happened: repeats would crowd out the rest.
 */
export function collapseRepeats(candidates: Candidate[]): { c: Candidate; repeats: number }[] {
  const byKey = new Map<string, { c: Candidate; repeats: number }>();
  const out: { c: Candidate; repeats: number }[] = [];
  for (const c of candidates) {
    if (c.type !== 'observation') {
      out.push({ c, repeats: 1 });
      continue;
    }
    const key = `${c.kind}\u0000${(c.kind === 'prompt' ? c.text || c.title : c.title).replace(/\s+/g, ' ').trim().toLowerCase()}`;
    const seen = byKey.get(key);
    if (!seen) {
      const entry = { c, repeats: 1 };
      byKey.set(key, entry);
      out.push(entry);
    } else {
      seen.repeats++;
      if (c.at > seen.c.at) seen.c = c;
    }
  }
  return out;
}

type SectionKey = RecordType | 'failure';
const SECTIONS: { key: SectionKey; heading: string }[] = [
  { key: 'learning', heading: '## Learnings' },
  { key: 'summary', heading: '## Recent sessions' },
  { key: 'failure', heading: '## What failed, and what fixed it' },
  { key: 'observation', heading: '## Recent activity' },
];
const sectionOf = (c: Candidate): SectionKey => (c.type === 'observation' && c.kind === 'failure' ? 'failure' : c.type);

/** A prompt, compared: case, spacing and redaction markers do not make it another prompt. */
const promptKey = (text: string) => cleanTitle(text).toLowerCase().slice(0, 140);

interface Chosen {
  c: Candidate;
  line: string;
  score: number;
}

function render(header: string, chosen: Chosen[]): string {
  const parts = [header];
  for (const { key, heading } of SECTIONS) {
    const lines = chosen.filter((x) => sectionOf(x.c) === key).map((x) => x.line);
    if (lines.length > 0) parts.push(heading, ...lines);
  }
  return parts.join('\n');
}

/** Picks and renders candidates under `budget` tokens. Pure: tested directly with any budget. */
export function assembleContext(
  projectName: string,
  allCandidates: Candidate[],
  budget: number,
  opts: { explicitQuery?: boolean; now?: number; branch?: BranchOfCaller } = {},
): BuiltContext {
  // A learning whose text tries to instruct the agent is never injected (see common/rules/poison.ts).
  const candidates = allCandidates
    .filter((c) => !(c.flags && c.flags.length > 0))
    // memflow's own tool calls are how the agent used its memory, not the project's activity.
    .filter((c) => !(c.type === 'observation' && isSelfActivity(c.tool_name, `${c.title} ${c.text}`)))
    // A failure is told with its decisive error line and what fixed it (./failure-story.ts).
    .map((c) => (c.kind === 'failure' && c.later !== undefined ? { ...c, text: failureStory(failureOf(c), c.later ?? []) } : c));
  const withheld = allCandidates.filter((c) => c.flags && c.flags.length > 0).length;
  const now = opts.now ?? Date.now();
  const weight = opts.explicitQuery ? RELEVANCE_WEIGHT.explicit : RELEVANCE_WEIGHT.implicit;
  const empty = { context: '', tokens: 0, items: [] };
  if (candidates.length === 0) return empty;
  const header = `# memflow: what earlier sessions in ${projectName} left behind`;
  let used = tokensOf(header);
  if (used >= budget) return empty;
  const chosen: Chosen[] = [];
  const opened = new Set<SectionKey>();
  const roots = candidates.find((c) => c.roots?.length)?.roots ?? [];
  // A session's summary names its first prompt: the prompt is not repeated under recent activity.
  const summarized = candidates.filter((c) => c.type === 'summary').map((c) => cleanTitle(`${c.title} ${c.text}`).toLowerCase());
  const ranked = collapseRepeats(candidates)
    .map(({ c, repeats }) => ({ c, repeats, score: contextScore(c, now, weight, opts.branch) }))
    .sort((a, b) => b.score - a.score);
  const said = new Set<string>();
  for (const { c, repeats, score } of ranked) {
    if (c.type === 'observation' && c.kind === 'prompt') {
      const asked = promptKey(c.text || c.title);
      if (asked && summarized.some((t) => t.includes(asked))) continue;
    }
    // Each item's line and, the first time, its section heading; "\n" joins them to what is there.
    const section = sectionOf(c);
    const headingCost = opened.has(section) ? 0 : tokensOf(`\n${SECTIONS.find((s) => s.key === section)!.heading}`);
    for (const maxBody of [240, 80, 0]) {
      const line = projectRelative(renderItem(c, maxBody, repeats), roots);
      // The same line twice (two sessions that left the same summary) is said once.
      const sameAs = line.replace(/^- \d{4}-\d\d-\d\d /, '- ');
      if (said.has(sameAs)) break;
      // Tokenizing is the costly part: skip forms that clearly cannot fit (English and code run
      // 3-5 characters a token; 6 is generous). Skipping never breaks the budget, it only leaves room.
      if (used + headingCost + line.length / 6 > budget) continue;
      const cost = headingCost + tokensOf(`\n${line}`);
      if (used + cost <= budget) {
        chosen.push({ c, line, score });
        said.add(sameAs);
        opened.add(section);
        used += cost;
        break;
      }
    }
  }
  // The exact count of the whole; drop the weakest item until it fits.
  let context = render(header, chosen);
  let tokens = contextTokens(context);
  while (tokens > budget && chosen.length > 0) {
    chosen.sort((a, b) => b.score - a.score).pop();
    context = chosen.length > 0 ? render(header, chosen) : '';
    tokens = context ? contextTokens(context) : 0;
  }
  if (chosen.length === 0) return empty;
  const ordered = SECTIONS.flatMap(({ key }) => chosen.filter((x) => sectionOf(x.c) === key));
  const check: CheckableItem[] = ordered
    // A dead end stays true when the change it tried is gone (it was meant to be undone): not checked.
    .filter((x) => x.c.kind !== 'dead_end' && ((x.c.citations?.length ?? 0) > 0 || x.c.git_commit))
    .map((x) => ({
      id: x.c.id,
      type: x.c.type,
      line: x.line,
      citations: x.c.citations ?? [],
      gitBranch: x.c.git_branch ?? null,
      gitCommit: x.c.git_commit ?? null,
      onDefaultBranch: x.c.on_default_branch ?? null,
    }));
  return { context, tokens, items: ordered.map((x) => x.c.id), check, ...(withheld > 0 ? { withheld } : {}) };
}

/** A failure candidate as the observation it is. */
function failureOf(c: Candidate) {
  return { sequence: c.sequence ?? 0, kind: 'tool', toolName: c.tool_name, title: c.title, text: c.text };
}

export async function buildContext(pool: PgPool, req: ContextRequest): Promise<BuiltContext> {
  const query = req.query?.trim() ? req.query.slice(0, 2000) : null;
  const rows = req.agent
    ? await queryPrepared<Candidate>(pool, CANDIDATES_SQL.byAgent, [req.tenantId, req.projectId, query, req.agent])
    : await queryPrepared<Candidate>(pool, CANDIDATES_SQL.all, [req.tenantId, req.projectId, query]);
  const name = req.projectName ?? rows[0]?.project_name ?? 'this project';
  return assembleContext(name, rows, req.budget, { explicitQuery: query !== null, ...(req.branch ? { branch: req.branch } : {}) });
}
