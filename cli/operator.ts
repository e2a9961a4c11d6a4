/**
 * Operator commands that talk to PostgreSQL directly (DATABASE_URL, else the local dev stack's), not to the API:
 * `tenants create|list`, `keys create|list|revoke`. A key is printed once, alone on the last line,
 * and only its hash is stored (common/server/tenants.ts).
 */
import { ConfigError, parseOperatorConfig, type OperatorConfig } from '../common/server/config.js';
import { createPrisma, type PrismaClient } from '../common/server/db.js';
import { readStackSettings, stackStateDir } from '../common/workspace/stack-settings.js';
import { createApiKey, createTenant, hashApiKey, keyDisplayPrefix, keyListing, revokeApiKey, TenantError, validateTenantName } from '../common/server/tenants.js';
import { parseClientConfig } from '../common/workspace/client-config.js';
import { CliError } from './output.js';

async function withDatabase<T>(fn: (prisma: PrismaClient) => Promise<T>): Promise<T> {
  // Unset: the database of the local stack `npm run up` started from this checkout.
  const env = parseClientConfig();
  const url = env.DATABASE_URL ?? readStackSettings(stackStateDir('dev', env.MEMFLOW_STATE_DIR))?.DATABASE_URL;
  let config: OperatorConfig;
  try {
    config = parseOperatorConfig({ DATABASE_URL: url });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const hint = url ? '' : ' (operator commands talk to PostgreSQL directly; `npm run up` saves its own in .memflow/dev/settings.json)';
    throw new CliError(`${err.message}${hint}`);
  }
  const prisma = createPrisma(config.DATABASE_URL, { maxConnections: 2, connectionTimeoutMs: 5000 });
  try {
    return await fn(prisma);
  } catch (err) {
    if (err instanceof CliError) throw err;
    if (err instanceof TenantError) throw new CliError(err.message);
    throw new CliError(`database error: ${databaseMessage(err)}`);
  } finally {
    await prisma.$disconnect().catch(() => {});
  }
}

/** One line out of a Prisma / node-postgres error, without the query dump. */
function databaseMessage(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.cause?.code ?? e?.code;
  const lines = String(e?.message ?? err)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const last = lines.at(-1) ?? 'unknown error';
  return code && !last.includes(code) ? `${last} (${code})` : last;
}

const fmtDate = (d: Date | null | undefined) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-');

export async function tenantsCreate(name: string, out: (line: string) => void): Promise<void> {
  validateOrThrow(name);
  await withDatabase(async (prisma) => {
    const tenant = await createTenant(prisma, name);
    out(`created tenant '${tenant.name}' (id ${tenant.id})`);
    out(`next: memflow keys create --tenant ${tenant.name}`);
  });
}

export async function tenantsList(opts: { json?: boolean }, out: (line: string) => void): Promise<void> {
  await withDatabase(async (prisma) => {
    const rows = await prisma.tenant.findMany({ orderBy: { name: 'asc' }, include: { _count: { select: { apiKeys: true, projects: true } } } });
    if (opts.json) {
      out(JSON.stringify(rows.map((t) => ({ id: t.id, name: t.name, createdAt: t.createdAt, keys: t._count.apiKeys, projects: t._count.projects }))));
      return;
    }
    if (rows.length === 0) out('no tenants (create one with `memflow tenants create <name>`)');
    for (const t of rows) out(`${t.name}  id=${t.id}  created=${fmtDate(t.createdAt)}  keys=${t._count.apiKeys}  projects=${t._count.projects}`);
  });
}

export async function keysCreate(opts: { tenant: string; admin?: boolean; role?: 'reader' | 'member' | 'maintainer' | 'admin'; label?: string }, out: (line: string) => void): Promise<void> {
  validateOrThrow(opts.tenant);
  if (opts.label !== undefined && (opts.label.length === 0 || opts.label.length > 200)) throw new CliError('--label must be 1-200 characters');
  await withDatabase(async (prisma) => {
    const created = await createApiKey(prisma, opts.tenant, { role: opts.admin ? 'admin' : (opts.role ?? 'member'), ...(opts.label ? { label: opts.label } : {}) });
    out(`created ${created.role} API key ${created.prefix}… (id ${created.keyId}) for tenant '${opts.tenant}'${opts.label ? ` labelled '${opts.label}'` : ''}.`);
    out('It is shown only this once and stored only as a hash; set it as MEMFLOW_API_KEY:');
    out(created.key);
  });
}

export async function keysList(opts: { tenant: string; json?: boolean }, out: (line: string) => void): Promise<void> {
  validateOrThrow(opts.tenant);
  await withDatabase(async (prisma) => {
    const tenant = await prisma.tenant.findUnique({ where: { name: opts.tenant } });
    if (!tenant) throw new CliError(`no tenant named '${opts.tenant}'`);
    const keys = await prisma.apiKey.findMany({ where: { tenantId: tenant.id }, orderBy: { createdAt: 'asc' } });
    const rows = keys.map(keyListing);
    if (opts.json) {
      out(JSON.stringify(rows));
      return;
    }
    if (rows.length === 0) {
      out(`tenant '${opts.tenant}' has no keys`);
      return;
    }
    out(['PREFIX', 'ROLE', 'CREATED', 'LAST USED', 'REVOKED', 'LABEL', 'ID'].join('\t'));
    for (const r of rows) {
      out([r.prefix, r.role, fmtDate(r.createdAt), fmtDate(r.lastUsedAt), fmtDate(r.revokedAt), r.label ?? '-', r.id].join('\t'));
    }
  });
}

/** Length of the stored display prefix (common/server/tenants.ts keyDisplayPrefix). */
const KEY_PREFIX_LENGTH = keyDisplayPrefix('x'.repeat(64)).length;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function keysRevoke(ref: string, opts: { tenant?: string }, out: (line: string) => void): Promise<void> {
  if (opts.tenant !== undefined) validateOrThrow(opts.tenant);
  const bare = ref.replace(/…$/, '');
  if (!UUID.test(bare) && !/^mf_[A-Za-z0-9_-]{3,}$/.test(bare)) {
    throw new CliError(`'${ref}' is neither a key id nor a key prefix (like mf_AbC1234)`);
  }
  await withDatabase(async (prisma) => {
    const tenantFilter = opts.tenant ? { tenant: { name: opts.tenant } } : {};
    const matches = await prisma.apiKey.findMany({
      where: UUID.test(bare)
        ? { id: bare, ...tenantFilter }
        : bare.length > KEY_PREFIX_LENGTH
          ? { keyHash: hashApiKey(bare), ...tenantFilter } // the whole key was given
          : { prefix: { startsWith: bare }, ...tenantFilter },
      include: { tenant: { select: { name: true } } },
    });
    if (matches.length === 0) throw new CliError(`no API key matches '${ref}'`);
    if (matches.length > 1) {
      throw new CliError(`'${ref}' names ${matches.length} keys; give more of the prefix, or the id:\n${matches.map((k) => `  ${k.prefix}…  ${k.id}  tenant '${k.tenant.name}'${k.revokedAt ? ' (revoked)' : ''}`).join('\n')}`);
    }
    const key = matches[0]!;
    if (key.revokedAt) {
      out(`key ${key.prefix}… (id ${key.id}) of tenant '${key.tenant.name}' was already revoked at ${fmtDate(key.revokedAt)}`);
      return;
    }
    // Audited as key.revoke (actor null: the operator); a concurrent revocation wins quietly.
    await revokeApiKey(prisma, key.id);
    out(`revoked key ${key.prefix}… (id ${key.id}) of tenant '${key.tenant.name}'; it no longer authenticates`);
  });
}

function validateOrThrow(name: string): void {
  try {
    validateTenantName(name);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}
