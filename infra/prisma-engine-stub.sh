#!/bin/sh
# Stand-in for Prisma's native schema engine, which cannot be downloaded on offline machines.
# The Prisma CLI refuses to start unless PRISMA_SCHEMA_ENGINE_BINARY names an existing executable,
# even for `prisma generate`, which never runs the engine. If a command does try to run it
# (migrate deploy/dev/status, db push, migrate diff), fail fast and say what to do instead.
MSG='memflow: the Prisma schema engine is not available offline; memflow applies migrations with `npm run migrate` (prisma/migrate.ts).'
echo "$MSG" >&2
# When the Prisma CLI is the reader (stderr is a pipe) it shows only JSON log records of the
# engine, so repeat the message in that form; a person at a terminal sees the one line above.
if [ ! -t 2 ]; then
  printf '{"level":"ERROR","target":"schema_engine::logger","fields":{"message":"%s"}}\n' "$MSG" >&2
fi
exit 1
