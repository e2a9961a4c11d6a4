/** Bearer-key authentication for every /v1 route; the key names the tenant. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PrismaClient } from '../common/db.js';
import { authenticateKey, type Principal } from '../common/tenants.js';
import { HttpError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export function requirePrincipal(req: FastifyRequest): Principal {
  if (!req.principal) throw new HttpError(401, 'unauthenticated', 'missing API key');
  return req.principal;
}

export function authHook(prisma: PrismaClient) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) {
      throw new HttpError(401, 'unauthenticated', 'send the API key as `Authorization: Bearer <key>`', {
        'www-authenticate': 'Bearer realm="memflow"',
      });
    }
    const principal = await authenticateKey(prisma, match[1]);
    if (!principal) {
      throw new HttpError(401, 'unauthenticated', 'unknown or revoked API key', { 'www-authenticate': 'Bearer realm="memflow"' });
    }
    req.principal = principal;
    req.log = req.log.child({ tenantId: principal.tenantId, keyId: principal.keyId });
  };
}
