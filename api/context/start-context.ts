/**
 * The context handed to a new session (GET /v1/context and the session-start hook's
 * additionalContext): the project's learnings, recent summaries and recent activity that are most
 * useful now, rendered compactly and counted with tiktoken, never above the token budget.
 *
 * One SQL round trip collects a bounded candidate set (context-candidates.ts), which is rescored
 * (context-ranking.ts) and rendered (context-render.ts):
 *
 *   score = (base(type) · quality · recency(age, half-life(type)) + relevance) · uptake
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
 * - uptake: what the agent did with the item when it was handed over before (injection receipts,
 *   common/rules/uptake-ranking.ts): used items rise, items handed over again and again and never
 *   used sink and then stay out, and of a kind this project's agents rarely use only the newest few
 *   without a use of their own are tried — each with its reason on the receipt and in `explain`.
 *   Warnings (failures, dead ends) and the team's rules (decisions, conventions, stated facts) are
 *   raised when used and never left out for looking unused.
 *
 * Superseded learnings are never included. Items are taken greedily by score while they fit,
 * then the rendered whole is counted again and trimmed until it fits (token merges across lines
 * make the sum of parts inexact).
 */
import type { PgPool } from '../../common/server/pg.js';
import type { CheckableItem } from '../../common/workspace/recall-staleness.js';
import { cleanTitle } from '../../common/rules/observation.js';
import { isSelfActivity } from '../../common/rules/self-activity.js';
import type { AgentName } from '../../messages/hooks-v1.js';
import { failureStory } from './failure-story.js';
import { readCandidates, type Candidate } from './context-candidates.js';
import { collapseRepeats, contextScore, RELEVANCE_WEIGHT, type BranchOfCaller } from './context-ranking.js';
import { contextTokens, projectRelative, render, renderItem, SECTIONS, sectionOf, tokensOf, withoutNothingToTeach, type Chosen, type SectionKey } from './context-render.js';
import { EXPLORE, kindRate, NEAR, nearRecentWork, NO_UPTAKE_CHANGE, ownUse, rareKind, UNPROVEN_SHARE, uptakeAdjustment, type KindUptake, type UptakeStats } from '../../common/rules/uptake-ranking.js';
import { citedPaths } from '../../common/rules/uptake.js';
import { laterVersions } from '../../common/rules/rule-scope.js';

/** The team's rules among the learnings: a later one may change an earlier one. */
const RULE_KINDS: ReadonlySet<string> = new Set(['decision', 'convention', 'fact']);

export type { BranchOfCaller } from './context-ranking.js';
export type { Candidate } from './context-candidates.js';
export { validity } from './context-ranking.js';

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
  /** false: collect and rank as before uptake was measured (the benchmark's baseline). */
  uptake?: boolean;
  /** The clock recency is measured against (default now; the benchmark pins it). */
  now?: number;
}

/** An item as a receipt records it, or a candidate uptake left out (included false). */
export interface ServedItem {
  id: string;
  type: Candidate['type'];
  tokens: number;
  score: number;
  reason: string;
  included: boolean;
}

export interface BuiltContext {
  context: string;
  tokens: number;
  items: string[];
  /** The chosen items a client with the working tree can check (citations, branch), with their lines. */
  check?: CheckableItem[];
  /** Learnings left out because they carry poisoning flags. */
  withheld?: number;
  /** What was handed over, in order, with each item's cost and why it was chosen; then what uptake left out. */
  served?: ServedItem[];
}

/** Relevance (ts_rank) above which an item matches what the session is about: uptake never leaves it out. */
const MATCHES = 0.15;

/** A prompt, compared: case, spacing and redaction markers do not make it another prompt. */
const promptKey = (text: string) => cleanTitle(text).toLowerCase().slice(0, 140);

/** Picks and renders candidates under `budget` tokens. Pure: tested directly with any budget. */
export function assembleContext(
  projectName: string,
  allCandidates: Candidate[],
  budget: number,
  opts: { explicitQuery?: boolean; now?: number; branch?: BranchOfCaller; uptake?: Map<string, UptakeStats>; kinds?: Map<string, KindUptake> } = {},
): BuiltContext {
  // A learning whose text tries to instruct the agent is never injected (see common/rules/poison.ts).
  // Lines with nothing to teach (a Read, a `git log`, a session that only answered a question) earn no place.
  const candidates = withoutNothingToTeach(allCandidates)
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
  const left: ServedItem[] = [];
  // Near recent work guesses what the session is about; an explicit query says it, and ranks alone.
  // The files come with the candidates (their SQL's one list, which also collected the near learnings).
  const touched = opts.uptake && !opts.explicitQuery ? (allCandidates.find((c) => c.touched)?.touched ?? []) : [];
  // Two current rules on one topic, the later saying it changes the earlier: the earlier is its old version, left
  // out — unless the later one replaced a rule when it was stated (that was its old version), as the pushes decide it.
  const changed = laterVersions(candidates, (c) =>
    c.type === 'learning' && RULE_KINDS.has(c.kind) ? { text: `${c.title}\n${c.text}`, at: c.at.getTime(), replacedOne: c.replaced_at != null, cueOnly: true } : undefined,
  );
  for (const [c, later] of changed) left.push({ id: c.id, type: c.type, tokens: 0, score: 0, reason: `left out: a later rule on its topic (${later.at.toISOString().slice(0, 10)}) says it changes it`, included: false });
  const ranked = collapseRepeats(candidates.filter((c) => !changed.has(c)))
    .map(({ c, repeats }) => {
      // What the agent did with the item before: used ones rise, ones handed over again and again and never used sink, then stay out.
      const stats = opts.uptake?.get(c.id);
      // A use of its own: used more often than chance gives an untried item of its kind here (ownUse; one used less, or only as often, does no better).
      const ofKind = kindRate(opts.kinds?.get(c.type));
      const use = ownUse(stats, ofKind);
      const usedBefore = use === 'proven';
      // Near recent work (a cited file the latest tool calls touched) counts as matching: raised, never left out.
      const near = c.type !== 'observation' && nearRecentWork(citedPaths(c), touched);
      const matches = Number(c.relevance) > MATCHES || near;
      // A warning (a recorded failure, a dead end) works by what the agent does not do, which uptake
      // cannot see: it is raised when used, never demoted or left out for looking unused.
      const warning = c.kind === 'failure' || c.kind === 'dead_end';
      // A rule the team stated (a decision, a convention, a fact someone told) works by what the agent
      // does not do, too, and lasts until a later rule, a person or its code retires it: uptake may
      // order it, never leave it out (issue 46: "never change that" was withheld after 4 unused servings).
      const rule = c.type === 'learning' && (c.kind === 'decision' || c.kind === 'convention' || c.kind === 'fact');
      const adj = (warning || rule) && !usedBefore && use !== 'chance' ? NO_UPTAKE_CHANGE : uptakeAdjustment(stats, { restatedAt: c.type === 'learning' ? c.at : null, asked: matches, kindRate: ofKind });
      const score = contextScore(c, now, weight, opts.branch) * adj.factor * (near ? NEAR.FACTOR : 1);
      if (adj.withhold) left.push({ id: c.id, type: c.type, tokens: 0, score, reason: adj.note, included: false });
      // How often items of this kind are used here, when rarely (undefined otherwise).
      const rareRate = usedBefore || warning || rule ? undefined : rareKind(opts.kinds?.get(c.type));
      // An item without a use yet (or used less than its kind), of a kind rarely used here, is one of the few tried per serving.
      const rare = opts.uptake && !matches && use !== 'chance' ? rareRate : undefined;
      // Without a use of its own, of a kind rarely used here: it shares UNPROVEN_SHARE of the budget with its like.
      const unproven = opts.explicitQuery && Number(c.relevance) > MATCHES ? undefined : rareRate;
      return { c, repeats, score, adj: near ? { ...adj, note: [adj.note, 'near recent work'].filter(Boolean).join('; ') } : adj, rare, unproven, use };
    })
    .filter((x) => !x.adj.withhold)
    .sort((a, b) => b.score - a.score);
  // The untried are tried newest first: what the last sessions left is what the next ones work near.
  const triable = new Set(
    (['learning', 'summary', 'observation'] as const).flatMap((type) =>
      ranked
        .filter((x) => x.rare !== undefined && x.c.type === type)
        .sort((a, b) => b.c.at.getTime() - a.c.at.getTime())
        .slice(0, EXPLORE.SLOTS[type])
        .map((x) => x.c.id),
    ),
  );
  const said = new Set<string>();
  let unprovenTokens = 0;
  for (const { c, repeats, score, adj: uptakeAdj, rare, unproven, use } of ranked) {
    let adj = uptakeAdj;
    if (rare !== undefined) {
      const why = rarelyUsed(c.type, rare);
      if (!triable.has(c.id)) {
        left.push({ id: c.id, type: c.type, tokens: 0, score, reason: `left out: ${why}, and this one has no use yet (the ${EXPLORE.SLOTS[c.type]} newest such are tried)`, included: false });
        continue;
      }
      adj = { ...adj, note: [adj.note, `tried: ${why}; one of the ${EXPLORE.SLOTS[c.type]} newest without a use yet`].filter(Boolean).join('; ') };
    }
    if (c.type === 'observation' && c.kind === 'prompt') {
      const asked = promptKey(c.text || c.title);
      if (asked && summarized.some((t) => t.includes(asked))) continue;
    }
    // Each item's line and, the first time, its section heading; "\n" joins them to what is there.
    const section = sectionOf(c);
    const headingCost = opened.has(section) ? 0 : tokensOf(`\n${SECTIONS.find((s) => s.key === section)!.heading}`);
    let rationed = false;
    for (const maxBody of [240, 80, 0]) {
      const line = projectRelative(renderItem(c, maxBody, repeats), roots);
      // The same line twice (two sessions that left the same summary) is said once.
      const sameAs = line.replace(/^- \d{4}-\d\d-\d\d /, '- ');
      if (said.has(sameAs)) break;
      // Tokenizing is the costly part: skip forms that clearly cannot fit (English and code run
      // 3-5 characters a token; 6 is generous). Skipping never breaks the budget, it only leaves room.
      if (used + headingCost + line.length / 6 > budget) continue;
      const cost = headingCost + tokensOf(`\n${line}`);
      if (unproven !== undefined && unprovenTokens + cost > UNPROVEN_SHARE * budget) {
        rationed = true;
        continue;
      }
      if (used + cost <= budget) {
        rationed = false;
        if (unproven !== undefined) unprovenTokens += cost;
        chosen.push({ c, line, score, reason: reasonOf(c, score, repeats, adj.note, weight) });
        said.add(sameAs);
        opened.add(section);
        used += cost;
        break;
      }
    }
    if (rationed && unproven !== undefined) {
      const why = rarelyUsed(c.type, unproven);
      const own = use === 'chance' ? 'its uses are no more than chance gives an untried one' : 'this one has no use of its own';
      left.push({ id: c.id, type: c.type, tokens: 0, score, reason: `left out: ${why}, ${own}, and such items' ${UNPROVEN_SHARE * 100} % of the budget is spent`, included: false });
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
  const served: ServedItem[] = [...ordered.map((x) => ({ id: x.c.id, type: x.c.type, tokens: tokensOf(x.line), score: x.score, reason: x.reason ?? '', included: true })), ...left];
  return { context, tokens, items: ordered.map((x) => x.c.id), check, ...(withheld > 0 ? { withheld } : {}), served };
}

/** Why a kind of item counts as rarely used here (a receipt's reason). */
function rarelyUsed(type: string, rate: number): string {
  return `${type}s are used in ${(rate * 100).toFixed(0)} % of servings here`;
}

/** Why an item was chosen, as its receipt and `--explain` say it. */
function reasonOf(c: Candidate, score: number, repeats: number, uptakeNote: string, weight: number): string {
  const parts = [`${sectionOf(c)}${c.kind && c.kind !== c.type ? ` (${c.kind})` : ''}, score ${score.toFixed(2)}`];
  const relevance = Number(c.relevance);
  if (relevance > 0) parts.push(`${weight === RELEVANCE_WEIGHT.explicit ? 'matches the query' : 'matches recent prompts'} (${relevance.toFixed(2)})`);
  if (c.type === 'learning' && (c.strength ?? 1) > 1) parts.push(`stated ${c.strength}×`);
  if (repeats > 1) parts.push(`happened ${repeats}×`);
  if (uptakeNote) parts.push(uptakeNote);
  return parts.join('; ');
}

/** A failure candidate as the observation it is. */
function failureOf(c: Candidate) {
  return { sequence: c.sequence ?? 0, kind: 'tool', toolName: c.tool_name, title: c.title, text: c.text };
}

/** The uptake the candidates were collected with (context-candidates.ts): each item's own, and per kind. */
function uptakeOf(rows: Candidate[]): { items: Map<string, UptakeStats>; kinds: Map<string, KindUptake> } {
  const items = new Map<string, UptakeStats>();
  for (const r of rows) {
    if (r.uptake_injected != null) items.set(r.id, { injected: r.uptake_injected, used: r.uptake_used ?? 0, lastInjectedAt: r.uptake_last_at ?? null });
  }
  const kinds = new Map<string, KindUptake>(Object.entries(rows[0]?.uptake_kinds ?? {}).map(([type, [judged, used]]) => [type, { judged, used }]));
  return { items, kinds };
}

export async function buildContext(pool: PgPool, req: ContextRequest): Promise<BuiltContext> {
  const query = req.query?.trim() ? req.query.slice(0, 2000) : null;
  const rows = await readCandidates(pool, req.tenantId, req.projectId, query, req.agent, req.uptake !== false);
  const name = req.projectName ?? rows[0]?.project_name ?? 'this project';
  const uptake = req.uptake === false || rows.length === 0 ? undefined : uptakeOf(rows);
  return assembleContext(name, rows, req.budget, {
    explicitQuery: query !== null,
    ...(req.branch ? { branch: req.branch } : {}),
    ...(uptake ? { uptake: uptake.items, kinds: uptake.kinds } : {}),
    ...(req.now !== undefined ? { now: req.now } : {}),
  });
}
