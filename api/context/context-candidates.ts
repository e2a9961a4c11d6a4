/**
 * The start context's candidates: one SQL round trip collects a bounded set through the (tenant,
 * project, time) and (tenant, project, status) indexes — no full-text scan of the project, so it stays
 * fast on the agent's critical path at any corpus size: the strongest active learnings and those
 * matching the query, one summary per recent session, recent prompts and tool calls, and recent
 * failures with what followed them. start-context.ts ranks and renders them.
 */
import type { Citation } from '../../common/rules/citations.js';
import type { PgPool } from '../../common/server/pg.js';
import type { AgentName } from '../../messages/hooks-v1.js';
import type { LaterItem } from './failure-story.js';
import { NEAR } from '../../common/rules/uptake-ranking.js';
import { notSelfActivitySql } from '../../common/rules/self-activity.js';
import { queryPrepared, type RecordType } from '../search/search-types.js';
import { JUDGED_SQL } from '../../common/server/context-receipts.js';
import { failureHeldSql, observationHeldSql, summaryHeldSql } from '../../common/server/review-hold.js';

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
  /** A learning edited in review: who edited it (learnings.edited_by), said where it is pushed. */
  edited_by?: string | null;
  /** Directories the project's recent sessions ran in (the same on every row). */
  roots?: string[] | null;
  /**
   * Files the project's latest NEAR.WINDOW tool calls named (the same on every row; null when
   * collected without uptake). The one derivation of "near recent work": the near leg collects by it,
   * the ranking raises by it.
   */
  touched?: string[] | null;
  /** Collected with uptake: how often this item was handed over and used (null: never judged), when last. */
  uptake_injected?: number | null;
  uptake_used?: number | null;
  uptake_last_at?: Date | null;
  /** Collected with uptake: the project's judged and used items per type (the same on every row). */
  uptake_kinds?: Record<string, [number, number]> | null;
  /** A failure's sequence in its session and what followed it there (tool calls and stops). */
  sequence?: number | null;
  later?: LaterItem[] | null;
  /** A learning: when it replaced a rule as it was stated (its old version), null when it replaced none. */
  replaced_at?: Date | null;
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

/**
 * Uptake-aware collection adds three legs of learnings beside the strongest and the matching: those
 * the project's sessions used lately (their receipts say so), the newest, which the ranking tries
 * while they have no uptake of their own, and those citing a file the project's latest tool calls
 * touched (near recent work, raised by the ranking: common/rules/uptake-ranking.ts). Without them the
 * pool would be the same strongest thirty every time, however often they went unused.
 */
/** Near learnings collected per serving (the newest first). */
const NEAR_LIMIT = 20;
const learningColumns = (l: string) => `'learning', ${l}.id, ${l}.kind::text, ${l}.title, left(${l}.body, 600), null, ${l}.confidence, ${l}.strength, ${l}.last_stated_at, ${l}.search_vector,
      ${l}.citations, ${l}.git_branch, ${l}.git_commit, ${l}.on_default_branch, ${l}.flags, ${l}.outcome, ${l}.origin, ${l}.stale_count, null::int, null::jsonb,
      (select max(p.created_at) from learnings p where p.superseded_by_id = ${l}.id)`;
/**
 * Files the project's latest NEAR.WINDOW tool calls named (their input's file_path, path or
 * notebook_path), memflow's own calls not counted (common/rules/self-activity.ts).
 */
const TOUCHED_CTE = (session: string) => `
touched as materialized (
  -- The path is read after the limit: in the sorted subquery the regex ran on every tool call of the project.
  select distinct p from (select substring(x.text from '"(?:file_path|notebook_path|path)"\\s*:\\s*"([^"]+)"') as p from (
    select left(o.text, 1000) as text from observations o where o.tenant_id = $1 and o.project_id = $2${session} and o.kind = 'tool'
      and ${notSelfActivitySql('o')}
     order by o.created_at desc, o.id limit ${NEAR.WINDOW}) x) y where p is not null
),`;
const UPTAKE_LEGS = (learning: (l: string) => string) => `
  union
  (select ${learningColumns('l')}
    from learnings l where l.tenant_id = $1 and l.project_id = $2 and l.status = 'active'${learning('l')}
      and l.id in (select i.item_id from context_receipts r join context_receipt_items i on i.receipt_id = r.id
                    where r.tenant_id = $1 and r.project_id = $2 and i.used and i.item_type = 'learning' order by r.created_at desc, i.item_id limit 60)
    order by l.last_stated_at desc, l.id limit 15)
  union
  (select ${learningColumns('l')}
    from learnings l where l.tenant_id = $1 and l.project_id = $2 and l.status = 'active'${learning('l')}
    order by l.last_stated_at desc, l.id limit 10)
  union
  -- Near recent work: of the newest 500, those citing a file the project's latest tool calls named.
  (select ${learningColumns('l')}
    from (select * from learnings where tenant_id = $1 and project_id = $2 and status = 'active' order by last_stated_at desc, id limit 500) l
   where jsonb_typeof(l.citations) = 'array'${learning('l')}
     and exists (select 1 from jsonb_array_elements(l.citations) cit join touched t
                  on t.p = cit->>'path' or right(t.p, length(cit->>'path') + 1) = '/' || (cit->>'path'))
   order by l.last_stated_at desc, l.id limit ${NEAR_LIMIT})`;

/**
 * With uptake, each candidate's own (how often it was handed over and used, when last) and the
 * project's per kind (item type: judged, used), counted from the judged items in the same statement
 * rather than a second round trip on the agent's start.
 */
const UPTAKE_COLUMNS = `,
  u.injected as uptake_injected, u.used as uptake_used, u.last_at as uptake_last_at,
  (select jsonb_object_agg(item_type, jsonb_build_array(n, m)) from (
     select item_type, count(*) as n, count(*) filter (where used) as m from judged group by item_type) k) as uptake_kinds`;
const JUDGED_CTE = `
judged as materialized (${JUDGED_SQL}
),`;
const UPTAKE_CTE = `,
uptake as (
  select item_id, count(*)::int as injected, (count(*) filter (where used))::int as used, max(created_at) as last_at
    from judged where item_id in (select id from c) group by item_id
)`;

/** Every leg orders by a key that never ties (the id last): the same rows rank alike on every plan. */
const candidatesSql = (byAgent: boolean, uptake: boolean) => {
  const session = byAgent ? OF_AGENT.session : '';
  // A note (a person's words that settle nothing for certain) is pushed only at the code it names, never at the start.
  const learning = (l: string) => ` and ${l}.kind <> 'note'${byAgent ? OF_AGENT.learning(l) : ''}`;
  return `
with sig as (
  select coalesce($3::text, (select string_agg(p.text, ' ') from (
    select left(text, 200) as text from prompts where tenant_id = $1 and project_id = $2 order by created_at desc, id limit 2) p), '') as text
), q as (
  select replace(plainto_tsquery('english', sig.text)::text, ' & ', ' | ')::tsquery as any_q from sig
),${uptake ? JUDGED_CTE + TOUCHED_CTE(session) : ''} c as (
  (select 'learning' as type, id, kind::text as kind, title, left(body, 600) as text, null::text as tool_name,
      confidence, strength, last_stated_at as at, search_vector,
      citations, git_branch, git_commit, on_default_branch, flags, outcome, origin, stale_count, null::int as sequence, null::jsonb as later,
      (select max(p.created_at) from learnings p where p.superseded_by_id = learnings.id) as replaced_at
    from learnings where tenant_id = $1 and project_id = $2 and status = 'active'${learning('learnings')}
    order by strength desc, confidence desc, last_stated_at desc, id limit 30)
  union
  (select 'learning', l.id, l.kind::text, l.title, left(l.body, 600), null, l.confidence, l.strength, l.last_stated_at, l.search_vector,
      l.citations, l.git_branch, l.git_commit, l.on_default_branch, l.flags, l.outcome, l.origin, l.stale_count, null::int, null::jsonb,
      (select max(p.created_at) from learnings p where p.superseded_by_id = l.id)
    from learnings l, q where l.tenant_id = $1 and l.project_id = $2 and l.status = 'active' and l.search_vector @@ q.any_q${learning('l')}
    order by ts_rank(l.search_vector, q.any_q, 32) desc, l.id limit 10)${uptake ? UPTAKE_LEGS(learning) : ''}
  union all
  -- One summary per session (its final one, else its latest rolling or batch), from the newest 60.
  (select 'summary', s.id, s.kind, s.title, s.text, null, null, null, s.created_at, s.search_vector,
      s.citations, s.git_branch, s.git_commit, null::boolean, null::text[], null::text, null::text, null::int, null::int, null::jsonb, null::timestamptz from (
      select distinct on (session_id) id, kind::text as kind, title,
             left(coalesce(nullif(concat_ws(' ', learned, completed, next_steps), ''), text), 1200) as text, created_at, search_vector,
             citations, git_branch, git_commit
        -- A summary telling what a learning waiting for review (or rejected) says is held with it.
        from (select * from summaries sx where tenant_id = $1 and project_id = $2${session} and not ${summaryHeldSql('sx')} order by created_at desc limit 60) recent
       order by session_id, (kind = 'final') desc, to_sequence desc, created_at desc) s
    order by s.created_at desc limit 15)
  union all
  (select 'observation', id, kind::text, title, left(text, 300), tool_name, null, null, created_at, search_vector,
      null::jsonb, null::varchar, null::varchar, null::boolean, null::text[], null::text, null::text, null::int, null::int, null::jsonb, null::timestamptz
    from observations o where tenant_id = $1 and project_id = $2${session} and kind in ('prompt', 'tool') and title not like 'FAILED %'
      -- memflow's own tool calls are not the project's activity (common/rules/self-activity.ts)
      and ${notSelfActivitySql('o')} and not ${observationHeldSql('o')}
    order by created_at desc, id limit 60)
  union all
  -- The failure -> fix story: recent failed tool calls (among the project's latest 500 items, so the
  -- scan stays bounded), each with what followed it in its session (up to 40 tool calls and stops):
  -- the edits, the later runs of the same check and Claude's own account of the turn
  -- (Stop's last_assistant_message); ./failure-story.ts tells the story from them.
  (select 'observation', f.id, 'failure', f.title, left(f.text, 4000), f.tool_name, null, null, f.created_at, f.search_vector,
      null::jsonb, null::varchar, null::varchar, null::boolean, null::text[], null::text, null::text, null::int, f.sequence, later.items, null::timestamptz
    from (select * from observations where tenant_id = $1 and project_id = $2${session} order by created_at desc limit 500) f
    left join lateral (select jsonb_agg(jsonb_build_object('sequence', o.sequence, 'kind', o.kind::text, 'toolName', o.tool_name, 'title', o.title,
                          'text', case when o.kind = 'stop' then left(o.text, 600) else left(o.text, 3000) end,
                          -- the agent whose account a stop is (hook clients of other agents send memflowAgent.host)
                          'agent', case when o.kind = 'stop' then (select h.payload->'memflowAgent'->>'host' from hook_events h
                                                                   where h.id = any(o.source_event_ids) limit 1) end) order by o.sequence) as items
                         from (select * from observations o where o.session_id = f.session_id and o.sequence > f.sequence
                                 and o.kind in ('tool', 'stop') order by o.sequence limit 40) o) later on true
   where f.kind = 'tool' and f.title like 'FAILED %' and not ${failureHeldSql('f')}
     and coalesce(f.tool_name, '') not ilike 'mcp\_\_memflow%' and f.tool_name is distinct from 'ToolSearch'
   order by f.created_at desc limit 8)
)${uptake ? UPTAKE_CTE : ''}
select c.type, c.id, c.kind, c.title, c.text, c.tool_name, c.confidence, c.strength, c.at,
  c.citations, c.git_branch, c.git_commit, c.on_default_branch, c.flags, c.outcome, c.origin, c.stale_count, c.sequence, c.later, c.replaced_at,
  ts_rank(c.search_vector, q.any_q, 32) as relevance,
  case when c.type = 'learning' then (select e.edited_by from learnings e where e.id = c.id) end as edited_by,
  (select name from projects where id = $2 and tenant_id = $1) as project_name,
  -- Where the project's recent sessions ran: paths under them are shown relative to the project.
  (select array(select distinct r from (select unnest(array[git_root, cwd]) as r from (
     select git_root, cwd from sessions where tenant_id = $1 and project_id = $2 order by started_at desc limit 20) s) x
   where r is not null and r <> '/')) as roots,
  ${uptake ? '(select array(select p from touched order by p))' : 'null::text[]'} as touched${uptake ? UPTAKE_COLUMNS : ''}
from c cross join q${uptake ? ' left join uptake u on u.item_id = c.id' : ''}`;
};
const CANDIDATES_SQL = {
  all: candidatesSql(false, true),
  byAgent: candidatesSql(true, true),
  /** Collection as before uptake (the benchmark's baseline). */
  allWithoutUptake: candidatesSql(false, false),
  byAgentWithoutUptake: candidatesSql(true, false),
};

/** The candidates of a project (of one agent's sessions when `agent` is given), relevance against `query`. */
export function readCandidates(pool: PgPool, tenantId: string, projectId: string, query: string | null, agent?: AgentName, uptake = true): Promise<Candidate[]> {
  return agent
    ? queryPrepared<Candidate>(pool, uptake ? CANDIDATES_SQL.byAgent : CANDIDATES_SQL.byAgentWithoutUptake, [tenantId, projectId, query, agent])
    : queryPrepared<Candidate>(pool, uptake ? CANDIDATES_SQL.all : CANDIDATES_SQL.allWithoutUptake, [tenantId, projectId, query]);
}
