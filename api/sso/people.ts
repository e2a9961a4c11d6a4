/**
 * The person a single sign-on names (issue 51): known by the provider's issuer and subject; else an
 * admin added them by email and this is their first sign-in (they are linked); else they are added
 * with the site's role for new people, or refused when it is `none`. A disabled person is refused.
 */
import { recordAudit } from '../../common/server/audit.js';
import type { PrismaClient } from '../../common/server/db.js';

export interface SignInIdentity {
  issuer: string;
  subject: string;
  email?: string;
  name: string;
}

export async function personOfSignIn(
  prisma: PrismaClient,
  tenantId: string,
  who: SignInIdentity,
  newPeople: 'none' | 'reader' | 'member' | 'maintainer',
): Promise<{ person?: { id: string; name: string }; refused?: string }> {
  return prisma.$transaction(async (tx) => {
    let person = await tx.person.findUnique({ where: { tenantId_issuer_subject: { tenantId, issuer: who.issuer, subject: who.subject } } });
    if (!person && who.email) {
      const invited = await tx.person.findFirst({ where: { tenantId, email: who.email, subject: null }, orderBy: { createdAt: 'asc' } });
      if (invited) {
        person = await tx.person.update({ where: { id: invited.id }, data: { issuer: who.issuer, subject: who.subject } });
        await recordAudit(tx, { tenantId, action: 'person.link', target: `person:${person.id}`, outcome: 'success', details: { issuer: who.issuer } });
      }
    }
    if (!person) {
      if (newPeople === 'none') return { refused: `${who.email ?? who.name} is not a person of this memflow: ask an admin to add them (memflow people add)` };
      person = await tx.person.create({ data: { tenantId, name: who.name, email: who.email ?? null, issuer: who.issuer, subject: who.subject, role: newPeople } });
      await recordAudit(tx, { tenantId, action: 'person.create', target: `person:${person.id}`, outcome: 'success', details: { name: person.name, role: person.role, via: 'sign-in' } });
    }
    if (person.disabledAt) return { refused: `${person.name} was shut out by an admin` };
    return { person: { id: person.id, name: person.name } };
  });
}
