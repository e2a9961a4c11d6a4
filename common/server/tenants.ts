/**
 * Tenants and API keys. A key is `mf_` + 32 random bytes (base64url); only its sha256 is stored,
 * with a short display prefix, so a database leak does not leak usable keys. Being high-entropy
 * random, keys need no slow password hash: sha256 makes the lookup one unique-index probe.
 */
import crypto from 'node:crypto';
import { recordAudit } from './audit.js';
import type { PrismaClient } from './db.js';
import type { PgPool } from './pg.js';
import { principalOf, type Principal, type Role } from './roles.js';

export type KeyRole = Role;
export type { Principal };

const KEY_PREFIX = 'mf_';

export function generateApiKey(): string {
  return KEY_PREFIX + crypto.randomBytes(32).toString('base64url');
}

export const hashApiKey = (key: string) => crypto.createHash('sha256').update(key, 'utf8').digest('hex');

/** The part shown in listings and logs (never enough to authenticate). */
export const keyDisplayPrefix = (key: string) => key.slice(0, 10);

export class TenantError extends Error {
  override name = 'TenantError';
}

const TENANT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function validateTenantName(name: string): string {
  if (!TENANT_NAME.test(name)) {
    throw new TenantError(
      `invalid tenant name '${name}': use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return name;
}

/** Creates the tenant, or returns the existing one of that name. */
export async function ensureTenant(prisma: PrismaClient, name: string) {
  validateTenantName(name);
  return prisma.tenant.upsert({ where: { name }, create: { name }, update: {} });
}

export async function createTenant(prisma: PrismaClient, name: string) {
  validateTenantName(name);
  const existing = await prisma.tenant.findUnique({ where: { name } });
  if (existing) throw new TenantError(`tenant '${name}' already exists`);
  return prisma.tenant.create({ data: { name } });
}

/** A key as listings show it (never its secret): the admin route and the operator CLI. */
export const keyListing = (k: { id: string; prefix: string; role: KeyRole; name: string | null; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null }) => ({
  id: k.id,
  prefix: k.prefix,
  role: k.role,
  label: k.name,
  createdAt: k.createdAt,
  lastUsedAt: k.lastUsedAt,
  revokedAt: k.revokedAt,
});

/** Mints a key for the tenant; the key itself is returned once and never stored. */
export async function createApiKey(
  prisma: PrismaClient,
  tenantName: string,
  opts: {
    role?: KeyRole;
    label?: string;
    actorKeyId?: string | null;
    /** The person it acts for (its role is then a ceiling on theirs). */
    personId?: string;
    /** The projects it may touch (normalized names); absent: every project. */
    projects?: readonly string[];
    readOnly?: boolean;
    expiresAt?: Date;
  } = {},
): Promise<{ key: string; keyId: string; prefix: string; role: KeyRole; expiresAt: Date | null }> {
  const tenant = await prisma.tenant.findUnique({ where: { name: tenantName } });
  if (!tenant) throw new TenantError(`no tenant named '${tenantName}' (create it with \`memflow tenants create ${tenantName}\`)`);
  const key = generateApiKey();
  const role = opts.role ?? 'member';
  const row = await prisma.$transaction(async (tx) => {
    const created = await tx.apiKey.create({
      data: {
        tenantId: tenant.id,
        keyHash: hashApiKey(key),
        prefix: keyDisplayPrefix(key),
        role,
        name: opts.label ?? null,
        ...(opts.personId ? { personId: opts.personId } : {}),
        ...(opts.projects ? { projects: [...opts.projects] } : {}),
        readOnly: opts.readOnly ?? false,
        expiresAt: opts.expiresAt ?? null,
      },
    });
    // Key changes are audited with the key; actor null = the operator (CLI, DATABASE_URL).
    await recordAudit(tx, {
      tenantId: tenant.id,
      actorKeyId: opts.actorKeyId ?? null,
      action: 'key.create',
      target: `key:${created.id}`,
      outcome: 'success',
      details: {
        prefix: created.prefix,
        role,
        ...(opts.label ? { label: opts.label } : {}),
        ...(opts.personId ? { personId: opts.personId } : {}),
        ...(opts.projects ? { projects: [...opts.projects] } : {}),
        ...(opts.readOnly ? { readOnly: true } : {}),
      },
    });
    return created;
  });
  return { key, keyId: row.id, prefix: row.prefix, role, expiresAt: row.expiresAt };
}

/**
 * Revokes a key (by id) and audits it, in one transaction. Takes effect at once: every request
 * looks its key up (lookupKey), nothing caches it. Returns false when it was already revoked.
 */
export async function revokeApiKey(prisma: PrismaClient, keyId: string, actorKeyId: string | null = null): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    // Conditional, so two concurrent revocations do not move the timestamp.
    const { count } = await tx.apiKey.updateMany({ where: { id: keyId, revokedAt: null }, data: { revokedAt: new Date() } });
    if (count === 0) return false;
    const key = await tx.apiKey.findUniqueOrThrow({ where: { id: keyId }, select: { tenantId: true, prefix: true, role: true } });
    await recordAudit(tx, {
      tenantId: key.tenantId,
      actorKeyId,
      action: 'key.revoke',
      target: `key:${keyId}`,
      outcome: 'success',
      details: { prefix: key.prefix, role: key.role },
    });
    return true;
  });
}

/**
 * The principal behind a presented key, or undefined for unknown and revoked keys alike. On a
 * plain pg pool: it is the per-request path of the API, one indexed lookup (Prisma's per-query
 * overhead would be most of the request's time).
 */
export async function lookupKey(pool: PgPool, presented: string): Promise<Principal | undefined> {
  if (!presented.startsWith(KEY_PREFIX) || presented.length > 200) return undefined;
  return lookupKeyHash(pool, hashApiKey(presented));
}

/** As lookupKey, by the key's sha256 (the web viewer's sessions keep only the hash). */
export async function lookupKeyHash(pool: PgPool, keyHash: string): Promise<Principal | undefined> {
  // Named: prepared once per connection, not planned again on every request. A key of a disabled
  // person, or past its expiry, is refused like a revoked one.
  const { rows } = await pool.query<{
    key_id: string;
    tenant_id: string;
    tenant_name: string;
    role: KeyRole;
    read_only: boolean;
    projects: string[] | null;
    expires_at: Date | null;
    person_id: string | null;
    person_name: string | null;
    person_role: KeyRole | null;
    project_roles: Record<string, KeyRole> | null;
  }>({
    name: 'memflow_lookup_key',
    text: `SELECT k.id::text AS key_id, k.tenant_id::text AS tenant_id, t.name AS tenant_name, k.role::text AS role,
              k.read_only, k.projects, k.expires_at, p.id::text AS person_id, p.name AS person_name, p.role::text AS person_role,
              CASE WHEN p.id IS NULL THEN NULL ELSE (SELECT json_object_agg(r.project, r.role) FROM project_roles r WHERE r.person_id = p.id) END AS project_roles
       FROM api_keys k JOIN tenants t ON t.id = k.tenant_id LEFT JOIN people p ON p.id = k.person_id
      WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
        AND (k.person_id IS NULL OR p.disabled_at IS NULL)`,
    values: [keyHash],
  });
  const row = rows[0];
  if (!row) return undefined;
  return principalOf({
    keyId: row.key_id,
    tenantId: row.tenant_id,
    tenantName: row.tenant_name,
    keyRole: row.role,
    readOnly: row.read_only,
    projects: row.projects,
    expiresAt: row.expires_at,
    person: row.person_id ? { id: row.person_id, name: row.person_name ?? '', role: row.person_role ?? 'reader', projectRoles: row.project_roles } : null,
  });
}
