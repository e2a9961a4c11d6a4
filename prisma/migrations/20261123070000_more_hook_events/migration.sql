-- Every memory-worthy event of the Claude Code hooks reference: a tool call that failed (its error
-- is the result), the summary written after a compaction, subagent stops, turns ended by an API
-- error, notifications; and `other` for events Claude Code adds later (the route name and payload
-- are kept, nothing is refused).
ALTER TYPE "hook_event_name" ADD VALUE IF NOT EXISTS 'post-tool-use-failure';
ALTER TYPE "hook_event_name" ADD VALUE IF NOT EXISTS 'post-compact';
ALTER TYPE "hook_event_name" ADD VALUE IF NOT EXISTS 'subagent-stop';
ALTER TYPE "hook_event_name" ADD VALUE IF NOT EXISTS 'stop-failure';
ALTER TYPE "hook_event_name" ADD VALUE IF NOT EXISTS 'notification';
ALTER TYPE "hook_event_name" ADD VALUE IF NOT EXISTS 'other';
