/**
 * Memories stated by a person or an agent, and corrections of what memflow learned: the writes
 * behind POST /v1/memories, POST /v1/learnings/{id}/correct and POST /v1/learnings/{id}/forget
 * (and the MCP tools `remember`, `correct`, `forget`).
 *
 * A stated memory is a learning of origin `user` or `agent`, so it reaches search, context and the
 * learnings list like an extracted one. Its text is redacted before anything is stored. Stating the
 * same text again restates it (strength + 1) instead of duplicating it. Nothing is ever deleted: a
 * correction supersedes the learning with a new one, a retraction marks it superseded without a
 * successor, and both keep the reason in the learning's revision history and the audit log.
 */
import crypto from 'node:crypto';
import { recordAudit } from '../../common/server/audit.js';
import { appendLearningRevision, type LearningSnapshot } from '../../common/server/learning-revisions.js';
import type { PrismaClient, Tx } from '../../common/server/db.js';
import { poisonFlags } from '../../common/rules/poison.js';
import { redactText } from '../../common/rules/redact.js';
import { countTokens } from '../../common/rules/tokens.js';
import { HttpError } from '../errors.js';

import { STATED_KINDS, type StatedKind } from '../../messages/api-v1.js';

export { STATED_KINDS, type StatedKind };
export const STATED_ORIGINS = ['user', 'agent'] as const;
export type StatedOrigin = (typeof STATED_ORIGINS)[number];

export const MAX_MEMORY_CHARS = 8_000;
export const MAX_TITLE_CHARS = 200;
export const MAX_REASON_CHARS = 500;

/** Who asked, for revisions and the audit log. */
export interface Actor {
  tenantId: string;
  keyId: string;
  requestId: string;
  origin: StatedOrigin;
}

export interface StateMemoryInput {
  project: string;
  text: string;
  kind: StatedKind;
  title?: string | undefined;
  tags?: string[] | undefined;
}

export interface StatedMemory {
  id: string;
  project: string;
  status: 'created' | 'restated';
  /** Spans removed by redaction (secrets, `<private>` text) before storage. */
  redactions: number;
}

/** A person's word counts more than an agent's note (ranks context and search). */
const CONFIDENCE: Record<StatedOrigin, number> = { user: 0.9, agent: 0.7 };

function redacted(s: string): { text: string; count: number } {
  const r = redactText(s);
  return { text: r.text, count: r.count };
}

/** First sentence or line of the text, cut at a word boundary: the title shown in indexes. */
export function titleOf(text: string): string {
  const first = text.trim().split(/\n|(?<=[.!?])\s/)[0] ?? '';
  if (first.length <= 120) return first;
  const cut = first.slice(0, 120);
  const space = cut.lastIndexOf(' ');
  return `${space > 60 ? cut.slice(0, space) : cut}…`;
}

/** Identity of a stated memory: its kind and its words, whatever the spacing or case. */
function statedFingerprint(kind: string, text: string): string {
  const words = text.toLowerCase().replace(/\s+/g, ' ').trim();
  return crypto.createHash('sha256').update(`stated:${kind}:${words}`).digest('hex');
}


function addRevision(tx: Tx, l: LearningSnapshot, reason: string, actor: Actor, note?: string): Promise<void> {
  return appendLearningRevision(tx, l, reason, `key:${actor.keyId}`, note);
}

function audit(tx: Tx, actor: Actor, action: string, learningId: string, details: Record<string, unknown>): Promise<void> {
  return recordAudit(tx, {
    tenantId: actor.tenantId,
    actorKeyId: actor.keyId,
    action,
    target: `learning:${learningId}`,
    outcome: 'success',
    details: { ...details, origin: actor.origin },
    requestId: actor.requestId,
  });
}

/** Stores (or restates) a memory; 409 when the same memory was corrected since. */
export async function stateMemory(prisma: PrismaClient, actor: Actor, input: StateMemoryInput): Promise<StatedMemory> {
  const body = redacted(input.text);
  const title = redacted(input.title?.trim() || titleOf(input.text));
  const fingerprint = statedFingerprint(input.kind, body.text);
  const tags = [...new Set(input.tags ?? [])];
  return prisma.$transaction(async (tx) => {
    const project = await tx.project.upsert({
      where: { tenantId_name: { tenantId: actor.tenantId, name: input.project } },
      create: { tenantId: actor.tenantId, name: input.project },
      update: {},
      select: { id: true },
    });
    const existing = await tx.learning.findUnique({ where: { tenantId_projectId_fingerprint: { tenantId: actor.tenantId, projectId: project.id, fingerprint } } });
    let id: string;
    let status: StatedMemory['status'];
    if (existing) {
      if (existing.supersededById) {
        throw new HttpError(409, 'conflict', `this memory was corrected by learning '${existing.supersededById}'; correct that one instead`);
      }
      // Restating it: stronger, and active again if it had been forgotten.
      const updated = await tx.learning.update({
        where: { id: existing.id },
        data: { strength: { increment: 1 }, lastStatedAt: new Date(), status: 'active', validTo: null, tags: [...new Set([...existing.tags, ...tags])] },
      });
      await addRevision(tx, updated, 'restated', actor);
      ({ id } = updated);
      status = 'restated';
    } else {
      const created = await tx.learning.create({
        data: {
          tenantId: actor.tenantId,
          projectId: project.id,
          kind: input.kind,
          title: title.text.slice(0, MAX_TITLE_CHARS),
          body: body.text,
          confidence: CONFIDENCE[actor.origin],
          fingerprint,
          tokenCount: countTokens(`${title.text}\n${body.text}`),
          origin: actor.origin,
          tags,
          flags: poisonFlags(title.text, body.text),
        },
      });
      await addRevision(tx, created, 'created', actor);
      ({ id } = created);
      status = 'created';
    }
    await audit(tx, actor, 'memory.remember', id, { project: input.project, kind: input.kind, status, redactions: body.count + title.count });
    return { id, project: input.project, status, redactions: body.count + title.count };
  });
}

/** The tenant's learning, or 404; 409 when it no longer stands (superseded or retracted). */
async function activeLearning(tx: Tx, tenantId: string, id: string) {
  const l = await tx.learning.findFirst({ where: { id, tenantId }, include: { project: { select: { name: true } } } });
  if (!l) throw new HttpError(404, 'not_found', `no learning '${id}'`);
  if (l.status !== 'active') {
    const by = l.supersededById ? `superseded by learning '${l.supersededById}'` : 'retracted';
    throw new HttpError(409, 'conflict', `learning '${id}' is already ${by}`);
  }
  return l;
}

export interface CorrectionInput {
  text: string;
  reason: string;
  title?: string | undefined;
  kind?: StatedKind | undefined;
}

/** Supersedes a learning with a corrected one; both keep the reason in their history. */
export async function correctLearning(prisma: PrismaClient, actor: Actor, id: string, input: CorrectionInput): Promise<{ id: string; supersedes: string; project: string }> {
  const body = redacted(input.text);
  const title = redacted(input.title?.trim() || titleOf(input.text));
  const reason = redacted(input.reason).text;
  return prisma.$transaction(async (tx) => {
    const old = await activeLearning(tx, actor.tenantId, id);
    const kind = input.kind ?? old.kind;
    const fingerprint = statedFingerprint(kind, body.text);
    const clash = await tx.learning.findUnique({ where: { tenantId_projectId_fingerprint: { tenantId: actor.tenantId, projectId: old.projectId, fingerprint } }, select: { id: true } });
    if (clash) throw new HttpError(409, 'conflict', `learning '${clash.id}' already says this; forget '${id}' instead`);
    const created = await tx.learning.create({
      data: {
        tenantId: actor.tenantId,
        projectId: old.projectId,
        kind,
        title: title.text.slice(0, MAX_TITLE_CHARS),
        body: body.text,
        confidence: Math.max(CONFIDENCE[actor.origin], old.confidence),
        fingerprint,
        tokenCount: countTokens(`${title.text}\n${body.text}`),
        origin: actor.origin,
        tags: old.tags.filter((t) => t !== WRONG_TAG),
        flags: poisonFlags(title.text, body.text),
      },
    });
    const now = new Date();
    const superseded = await tx.learning.update({ where: { id: old.id }, data: { status: 'superseded', validTo: now, supersededById: created.id } });
    await addRevision(tx, created, 'created', actor, `corrects ${old.id}: ${reason}`);
    await addRevision(tx, superseded, 'superseded', actor, reason);
    await audit(tx, actor, 'learning.correct', old.id, { supersededBy: created.id });
    return { id: created.id, supersedes: old.id, project: old.project.name };
  });
}

/** Tag of a learning someone said is wrong: the summarizer never brings it back by restating it. */
export const WRONG_TAG = 'marked-wrong';

/**
 * Retracts a learning that turned out wrong: superseded with no successor, never deleted. `wrong`
 * ("this is wrong", from any edge) also tags it so that a later session restating it does not revive it.
 */
export async function forgetLearning(prisma: PrismaClient, actor: Actor, id: string, reasonText: string, wrong = false): Promise<{ id: string; status: 'superseded' }> {
  const reason = redacted(reasonText).text;
  return prisma.$transaction(async (tx) => {
    const old = await activeLearning(tx, actor.tenantId, id);
    const retracted = await tx.learning.update({
      where: { id: old.id },
      data: { status: 'superseded', validTo: new Date(), ...(wrong ? { tags: [...new Set([...old.tags, WRONG_TAG])] } : {}) },
    });
    await addRevision(tx, retracted, wrong ? 'wrong' : 'forgotten', actor, reason);
    await audit(tx, actor, wrong ? 'learning.wrong' : 'learning.forget', old.id, {});
    return { id: old.id, status: 'superseded' };
  });
}
