-- Observations are now written by the hook route's ingest statement, on the acknowledgement path
-- (20261122170000_gin_fastupdate_off turned fastupdate off when the worker wrote them). Inserted one
-- row at a time, each of an observation's lexemes re-encodes its posting list: measured on the ingest
-- statement (bench/ingest-statement-cost.ts, batches of 16), the GIN entries were ~20 % of its
-- PostgreSQL CPU. A pending list merges a few hundred rows' entries per lexeme at once: 13-21 % less
-- PostgreSQL CPU per event. It stays small (256 kB instead of the 4 MB default), so a search's scan
-- of the pending list is short and the insert that merges it is not held long; summaries and
-- learnings, still written by the worker, keep fastupdate off.
ALTER INDEX "observations_search_vector_idx" SET (fastupdate = on, gin_pending_list_limit = 256);
