-- The keyword leg searches one project (api/search/keyword.ts), but the GIN indexes on
-- search_vector hold one posting list per word for the whole table: every tenant and project. A
-- project-scoped search read those lists (three times per table: triples, pairs, one word) and
-- then ANDed them with a bitmap of every row of the project from the (tenant_id, project_id,
-- created_at) b-tree: work that grew with the database and with the project's size, not with the
-- rows that match (measured at 100k records: 15,238 project rows read per tier for 9-40 matches).
--
-- project_lexemes(project_id, search_vector) is the row's lexemes each prefixed with its project
-- (the first 13 characters of the project's uuid, 48 random bits, and a slash), indexed with GIN:
-- a project's word is its own key, so a search reads only the posting lists of its project's rows
-- that hold the words. The keyword leg asks `project_lexemes(t.project_id, t.search_vector) @@
-- <the same query, its lexemes prefixed alike>` and keeps `t.project_id = …` (a prefix shared by
-- two projects costs a few extra rows, never a wrong one). Positions and weights are dropped (the
-- keyword leg's own queries need neither; ranking still reads search_vector). Lexemes over 2,000 bytes are left out
-- (a tsvector lexeme holds at most 2,047). A search over the whole tenant keeps the plain indexes.
CREATE FUNCTION project_lexemes(project uuid, v tsvector) RETURNS tsvector
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ select array_to_tsvector(array(select left(project::text, 13) || '/' || l from unnest(tsvector_to_array(v)) l where octet_length(l) <= 2000)) $$;

-- A query's lexemes with the same prefix, for that index: its operators and prefix marks kept, a
-- phrase (<->, <N>) loosened to AND, since the indexed lexemes hold no positions (a phrase query
-- keeps `search_vector @@` the phrase as its filter).
CREATE FUNCTION project_tsquery(project uuid, q tsquery) RETURNS tsquery
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ select regexp_replace(regexp_replace(q::text, '''((?:[^'']|'''')*)''', '''' || left(project::text, 13) || '/\1''', 'g'), ' <(-|[0-9]+)> ', ' & ', 'g')::tsquery $$;

-- Observations take the hook route's inserts one at a time: a pending list, as their plain index
-- (20261126160000_observations_gin_pending_list); summaries and learnings are written by the worker.
CREATE INDEX "observations_project_lexemes_idx" ON "observations" USING GIN (project_lexemes("project_id", "search_vector")) WITH (fastupdate = on, gin_pending_list_limit = 256);
CREATE INDEX "summaries_project_lexemes_idx" ON "summaries" USING GIN (project_lexemes("project_id", "search_vector")) WITH (fastupdate = off);
CREATE INDEX "learnings_project_lexemes_idx" ON "learnings" USING GIN (project_lexemes("project_id", "search_vector")) WITH (fastupdate = off);
