-- The memory pushed when an agent first touches a file (api/context/file-push.ts) finds the learnings
-- about that file: a citation's path or a scope entry that looks like a path is the file, or one ends
-- with the other at a folder boundary. It unpacked every active learning's citations and scope per
-- touch (a sequential scan: 133 ms over 5,000 learnings of one project), on the agent's critical path.
--
-- path_keys holds, per learning, each such path p as '=' || p and each of its proper suffixes after a
-- '/' as '~' || suffix ("=src/billing/retry.py", "~billing/retry.py", "~retry.py"), generated from the
-- row and indexed with GIN. A file q is then matched by one overlap, exactly as before:
--   p = q                      <=> '=' || q in path_keys
--   q ends with '/' || p       <=> '=' || s in path_keys for a proper suffix s of q
--   p ends with '/' || q       <=> '~' || q in path_keys
CREATE FUNCTION memflow_path_keys(citations jsonb, scope text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  with paths as (
    select distinct p from (
      select c->>'path' as p from jsonb_array_elements(case when jsonb_typeof(citations) = 'array' then citations else '[]'::jsonb end) c
      where jsonb_typeof(c) = 'object' and c ? 'path'
      union all
      select s from unnest(coalesce(scope, '{}'::text[])) s where s ~ '[./]' and s !~ '\s'
    ) x where p is not null and length(p) > 0 and length(p) <= 1000
  )
  select coalesce(array_agg(distinct k order by k), '{}'::text[]) from (
    select '=' || p as k from paths
    union all
    select '~' || substr(p, i + 1) from paths, generate_series(1, length(p) - 1) i where substr(p, i, 1) = '/'
  ) keys
$$;

ALTER TABLE "learnings" ADD COLUMN "path_keys" TEXT[] GENERATED ALWAYS AS (memflow_path_keys("citations", "scope")) STORED;
CREATE INDEX "learnings_path_keys_idx" ON "learnings" USING GIN ("path_keys") WITH (fastupdate = off);

-- Both pushes (and the start context) say when a rule replaced another: `max(created_at) of the
-- learnings whose superseded_by_id is this one`, asked per candidate. Without an index each ask read the
-- whole table (1.1-1.8 ms per candidate at 5,000 learnings; a prompt's push asks it of every current rule).
CREATE INDEX "learnings_superseded_by_id_idx" ON "learnings" ("superseded_by_id") WHERE "superseded_by_id" IS NOT NULL;
