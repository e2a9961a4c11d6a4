-- Which repository a project is (a short key of its origin remote, computed by the hook client), so
-- two unrelated repositories with the same folder name are two projects. NULL for projects named
-- only by a cwd or a header (HTTP hooks, older clients); the first keyed event claims such a project.
ALTER TABLE "projects" ADD COLUMN "identity" VARCHAR(64);
