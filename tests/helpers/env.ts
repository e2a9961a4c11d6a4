/**
 * What every integration test gets from `npm test` (tests/run.ts): the real test stack's endpoints in
 * the environment. Each test file builds its own clients and its own task queue on top of them.
 */
import crypto from 'node:crypto';
import { parseConfig, type Config } from '../../common/server/config.js';
import { createPrisma, type PrismaClient } from '../../common/server/db.js';
import { createApiKey, ensureTenant, type KeyRole } from '../../common/server/tenants.js';
import { getProfile, type StackProfile } from '../../infra/profile.js';

export function testConfig(overrides: Record<string, string> = {}): Config {
  if (!process.env.DATABASE_URL) {
    throw new Error('DATABASE_URL is not set: run the suite with `npm test`, which provisions the test stack');
  }
  return parseConfig({ ...process.env, ...overrides });
}

/** The test stack's profile: the block of ports `npm test` chose (MEMFLOW_TEST_PORT_SHIFT). */
export const testProfile = (): StackProfile => getProfile('test');

/**
 * Whether `npm test` started this server itself (MEMFLOW_STACK_MANAGED; not when the environment
 * named an existing one): only then may a test stop and restart it.
 */
export const stackManages = (...services: ('temporal' | 'weaviate')[]): boolean => {
  const managed = (process.env.MEMFLOW_STACK_MANAGED ?? '').split(',');
  return services.every((s) => managed.includes(s));
};

/** A unique, readable name for tenants, task queues and sessions of one test. */
export const uniqueName = (prefix: string) => `${prefix}-${crypto.randomBytes(5).toString('hex')}`;

export function testPrisma(): PrismaClient {
  return createPrisma(testConfig().DATABASE_URL);
}

/** A fresh tenant with a key of the given role. */
export async function newTenant(prisma: PrismaClient, role: KeyRole = 'member'): Promise<{ tenantId: string; name: string; key: string }> {
  const name = uniqueName('tenant');
  const tenant = await ensureTenant(prisma, name);
  const { key } = await createApiKey(prisma, name, { role });
  return { tenantId: tenant.id, name, key };
}
