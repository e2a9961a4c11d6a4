-- Which agent ran each session (issue 33): Claude Code, Codex, Gemini CLI, OpenCode or Copilot CLI,
-- and its version when the hook client knows it. Set from the session's first event (memflowAgent,
-- which the hook clients of other agents add; Claude Code's own payloads carry none: claude-code).
-- Search, context and the session list filter by it.
ALTER TABLE "sessions" ADD COLUMN "agent" VARCHAR(40), ADD COLUMN "agent_version" VARCHAR(100);

UPDATE "sessions" s
   SET "agent" = CASE WHEN a.host IN ('codex', 'gemini', 'opencode', 'copilot') THEN a.host ELSE 'claude-code' END,
       "agent_version" = left(a.version, 100)
  FROM (SELECT DISTINCT ON (session_id) session_id, payload->'memflowAgent'->>'host' AS host, payload->'memflowAgent'->>'version' AS version
          FROM "hook_events" ORDER BY session_id, sequence) a
 WHERE a.session_id = s.id;

CREATE INDEX "sessions_tenant_id_project_id_agent_idx" ON "sessions" ("tenant_id", "project_id", "agent");
