/**
 * Prisma 7 CLI configuration. The schema no longer carries the connection URL; the CLI reads it here.
 *
 * `prisma generate` loads this file but never connects, so a missing DATABASE_URL must not throw
 * (Prisma's `env()` helper would). The placeholder uses the reserved `.invalid` TLD: should a
 * command that does connect run without DATABASE_URL, it fails to resolve the host instead of
 * reaching some real database.
 */
import { defineConfig } from 'prisma/config';

const PLACEHOLDER_URL = 'postgresql://unset@database-url-not-set.invalid:5432/unset';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: {
    path: 'prisma/migrations',
  },
  datasource: {
    url: process.env['DATABASE_URL'] || PLACEHOLDER_URL,
  },
});
