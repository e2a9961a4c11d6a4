/**
 * The migrated database matches prisma/schema.prisma, and the offline migration applier keeps
 * `_prisma_migrations` the way Prisma does.
 *
 * Needs DATABASE_URL naming a migrated database (npm test provides one). Every row it writes uses
 * fresh ids and names, so it can run repeatedly on the same database. Applier scenarios that
 * corrupt history run on scratch databases (memflow_scratch_*) created and dropped here.
 *
 *   node --import tsx --test tests/schema.test.ts
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { PrismaClient } from '../generated/prisma/client.js';
import { ensurePrismaClient } from '../infra/prisma-generate.js';
import { applyMigrations } from '../prisma/migrate.js';
import { MigrationError } from '../prisma/migration-error.js';
import { MIGRATIONS_DIR, readMigrations } from '../prisma/migration-files.js';

const DATABASE_URL = process.env['DATABASE_URL'];
if (!DATABASE_URL) {
  throw new Error('tests/schema.test.ts needs DATABASE_URL naming a migrated database (npm test provides one)');
}

// The generated client must exist before anything imports it.
await ensurePrismaClient({ log: () => {} });
const { Prisma } = await import('../generated/prisma/client.js');
const { createPrisma, classifyDbError, isDbOverloaded, isRetryableDbError, isUniqueViolation } = await import(
  '../common/server/db.js'
);

let prisma: PrismaClient;

before(() => {
  prisma = createPrisma(DATABASE_URL);
});

after(async () => {
  await prisma.$disconnect();
});

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const suffix = () => randomBytes(6).toString('hex');

/** Comparable form: Dates, bigints and Decimals become tagged strings. */
function norm(value: unknown): unknown {
  if (value instanceof Date) return `date:${value.toISOString()}`;
  if (typeof value === 'bigint') return `bigint:${value}`;
  if (Prisma.Decimal.isDecimal(value)) return `decimal:${new Prisma.Decimal(value).toFixed()}`;
  if (Array.isArray(value)) return value.map(norm);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, norm(v)]));
  }
  return value;
}

/** The row read back equals what was written, and the test wrote every field the model has. */
function assertRoundTrip(model: string, actual: object, expected: Record<string, unknown>): void {
  assert.deepEqual(
    Object.keys(actual).sort(),
    Object.keys(expected).sort(),
    `${model}: the test must set every scalar field of the model`,
  );
  const picked = Object.fromEntries(Object.keys(expected).map((k) => [k, (actual as Record<string, unknown>)[k]]));
  assert.deepEqual(norm(picked), norm(expected), `${model} did not round-trip`);
}

/** A timestamp with millisecond precision (what timestamptz(3) keeps), offset to tell fields apart. */
const at = (offsetMs: number) => new Date(Date.UTC(2026, 0, 15, 12, 0, 0, 0) + offsetMs);

function databaseUrlFor(database: string): string {
  const url = new URL(DATABASE_URL as string);
  url.pathname = `/${database}`;
  url.searchParams.delete('schema');
  return url.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrlFor('postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function withPg<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function createTenant(name = `test-tenant-${suffix()}`) {
  return prisma.tenant.create({ data: { name } });
}

// ---------------------------------------------------------------------------------------------
// Prisma Client round trips
// ---------------------------------------------------------------------------------------------

test('every model round-trips through Prisma Client', async (t) => {
  const ids = {
    tenant: randomUUID(),
    person: randomUUID(),
    apiKey: randomUUID(),
    project: randomUUID(),
    session: randomUUID(),
    hookEvent: randomUUID(),
    observation: randomUUID(),
    prompt: randomUUID(),
    summary: randomUUID(),
    derivation: randomUUID(),
    learning: randomUUID(),
    newerLearning: randomUUID(),
    learningSource: randomUUID(),
    learningRevision: randomUUID(),
    vectorSync: randomUUID(),
    tokenUsage: randomUUID(),
    retention: randomUUID(),
    backup: randomUUID(),
    tombstone: randomUUID(),
    audit: randomUUID(),
  };
  const s = suffix();

  await t.test('Tenant', async () => {
    const data = {
      id: ids.tenant,
      name: `test-tenant-${s}`,
      dailyTokenBudget: 5_000_000_000n,
      dailyCostBudgetUsd: new Prisma.Decimal('12.345678'),
      createdAt: at(1),
      updatedAt: at(2),
    };
    await prisma.tenant.create({ data });
    assertRoundTrip('Tenant', await prisma.tenant.findUniqueOrThrow({ where: { id: ids.tenant } }), data);
  });

  await t.test('Person', async () => {
    const data = {
      id: ids.person,
      tenantId: ids.tenant,
      name: 'Ada Lovelace',
      email: `ada-${s}@example.test`,
      issuer: 'http://127.0.0.1:5556',
      subject: `sub-${s}`,
      role: 'maintainer' as const,
      createdAt: at(3),
      disabledAt: at(4),
    };
    await prisma.person.create({ data });
    assertRoundTrip('Person', await prisma.person.findUniqueOrThrow({ where: { id: ids.person } }), data);
  });

  await t.test('ProjectRole', async () => {
    const data = { personId: ids.person, project: 'payclient', role: 'admin' as const, createdAt: at(3) };
    await prisma.projectRole.create({ data });
    assertRoundTrip('ProjectRole', await prisma.projectRole.findUniqueOrThrow({ where: { personId_project: { personId: ids.person, project: 'payclient' } } }), data);
  });

  await t.test('ApiKey', async () => {
    const data = {
      id: ids.apiKey,
      tenantId: ids.tenant,
      name: 'ci',
      keyHash: 'a'.repeat(52) + s,
      prefix: 'mf_3k9x',
      role: 'admin' as const,
      createdAt: at(3),
      lastUsedAt: at(4),
      revokedAt: at(5),
      personId: ids.person,
      projects: ['payclient', 'shipctl'],
      readOnly: true,
      expiresAt: at(6),
    };
    await prisma.apiKey.create({ data });
    assertRoundTrip('ApiKey', await prisma.apiKey.findUniqueOrThrow({ where: { id: ids.apiKey } }), data);
    // Authentication looks keys up by hash.
    assert.equal((await prisma.apiKey.findUniqueOrThrow({ where: { keyHash: data.keyHash } })).id, ids.apiKey);
  });

  await t.test('Project', async () => {
    const data = {
      id: ids.project,
      tenantId: ids.tenant,
      name: `repo-${s}`,
      identity: '0123456789abcdef',
      rootPath: `/home/dev/repo-${s}`,
      reviewPolicy: 'review',
      statedPolicy: 'live',
      createdAt: at(6),
      updatedAt: at(7),
      lastSeenAt: at(8),
    };
    await prisma.project.create({ data });
    assertRoundTrip('Project', await prisma.project.findUniqueOrThrow({ where: { id: ids.project } }), data);
    const byName = await prisma.project.findUniqueOrThrow({
      where: { tenantId_name: { tenantId: ids.tenant, name: data.name } },
    });
    assert.equal(byName.id, ids.project);
  });

  await t.test('Session', async () => {
    const data = {
      id: ids.session,
      tenantId: ids.tenant,
      projectId: ids.project,
      agentSessionId: `claude-${s}`,
      status: 'summarizing' as const,
      workflowId: `session/${ids.tenant}/${ids.project}/claude-${s}`,
      cwd: `/home/dev/repo-${s}/src`,
      transcriptPath: `/home/dev/.claude/projects/x/claude-${s}.jsonl`,
      startedAt: at(9),
      endedAt: at(10),
      lastEventAt: at(11),
      eventCount: 42,
      updatedAt: at(12),
      gitBranch: 'feature/reconnect',
      gitCommit: 'a'.repeat(40),
      gitRoot: `/home/dev/repo-${s}`,
      gitDefaultBranch: 'main',
      agent: 'codex',
      agentVersion: '0.169.0',
      ledgerClientEvents: 40,
      ledgerDupKey: 3,
      ledgerDupTool: 2,
      ledgerDupBody: 1,
    };
    await prisma.session.create({ data });
    assertRoundTrip('Session', await prisma.session.findUniqueOrThrow({ where: { id: ids.session } }), data);
    const byAgentId = await prisma.session.findUniqueOrThrow({
      where: {
        tenantId_projectId_agentSessionId: { tenantId: ids.tenant, projectId: ids.project, agentSessionId: `claude-${s}` },
      },
    });
    assert.equal(byAgentId.id, ids.session);
  });

  await t.test('HookEvent (enum values keep the hook spelling)', async () => {
    const data = {
      id: ids.hookEvent,
      tenantId: ids.tenant,
      projectId: ids.project,
      sessionId: ids.session,
      event: 'pre_tool_use' as const,
      sequence: 7,
      idempotencyKey: `toolu_${s}:pre-tool-use`,
      keyId: ids.apiKey,
      toolName: 'Bash',
      toolUseId: `toolu_${s}`,
      payload: { session_id: `claude-${s}`, tool_input: { command: 'npm test' }, nested: [1, 'two', null, true] },
      originalBytes: 123_456,
      truncated: true,
      receivedAt: at(13),
      occurredAt: at(3),
      processedAt: at(1013),
      requestId: `req-${s}`,
    };
    await prisma.hookEvent.create({ data });
    assertRoundTrip('HookEvent', await prisma.hookEvent.findUniqueOrThrow({ where: { id: ids.hookEvent } }), data);
    const rows = await prisma.$queryRaw<{ event: string }[]>`SELECT event::text AS event FROM hook_events WHERE id = ${ids.hookEvent}::uuid`;
    assert.equal(rows[0]?.event, 'pre-tool-use');
  });

  await t.test('Observation', async () => {
    const data = {
      id: ids.observation,
      tenantId: ids.tenant,
      projectId: ids.project,
      sessionId: ids.session,
      kind: 'tool' as const,
      sequence: 7,
      toolName: 'Bash',
      toolUseId: `toolu_${s}`,
      title: 'Ran the test suite',
      text: 'npm test: 12 passed, 0 failed',
      tokenCount: 11,
      sourceEventIds: [ids.hookEvent, randomUUID()],
      ruleLike: true,
      createdAt: at(14),
    };
    await prisma.observation.create({ data });
    assertRoundTrip('Observation', await prisma.observation.findUniqueOrThrow({ where: { id: ids.observation } }), data);
  });

  await t.test('Prompt', async () => {
    const data = {
      id: ids.prompt,
      tenantId: ids.tenant,
      projectId: ids.project,
      sessionId: ids.session,
      ordinal: 1,
      text: 'Make the flaky websocket test pass',
      tokenCount: 8,
      sourceEventId: randomUUID(),
      createdAt: at(15),
    };
    await prisma.prompt.create({ data });
    assertRoundTrip('Prompt', await prisma.prompt.findUniqueOrThrow({ where: { id: ids.prompt } }), data);
  });

  await t.test('Summary', async () => {
    const data = {
      id: ids.summary,
      tenantId: ids.tenant,
      projectId: ids.project,
      sessionId: ids.session,
      kind: 'batch' as const,
      title: 'Stabilized the websocket reconnect test',
      request: 'Fix the flaky test',
      investigated: 'Reconnect timing',
      learned: 'The backoff used wall-clock time',
      completed: 'Injected a fake clock',
      nextSteps: 'Apply the same to the poller',
      text: 'The flaky test came from real timers; a fake clock fixed it.',
      tokenCount: 14,
      model: 'claude-sonnet-4-5',
      tokensIn: 1200,
      tokensOut: 300,
      cacheReadTokens: 800,
      cacheWriteTokens: 400,
      costUsd: new Prisma.Decimal('0.012345'),
      offline: false,
      fromSequence: 1,
      toSequence: 7,
      observationCount: 5,
      createdAt: at(16),
      gitBranch: 'feature/reconnect',
      gitCommit: 'a'.repeat(40),
      citations: [{ path: 'src/ws.ts', startLine: 10, endLine: 14, hash: '0123456789abcdef', lines: ['00000000000001'] }],
      derivationId: ids.derivation,
    };
    await prisma.summary.create({ data });
    assertRoundTrip('Summary', await prisma.summary.findUniqueOrThrow({ where: { id: ids.summary } }), data);
  });

  await t.test('Derivation', async () => {
    const data = {
      id: ids.derivation,
      tenantId: ids.tenant,
      projectId: ids.project,
      summarizer: 'claude',
      model: 'claude-sonnet-4-6',
      promptVersion: '2026-11-26',
      status: 'active' as const,
      dryRun: false,
      workflowId: `rederive/${ids.tenant}/${ids.derivation}`,
      cutoff: at(17),
      sessionsTotal: 1,
      sessionsDone: 1,
      estimateTokens: 2300n,
      estimateCostUsd: new Prisma.Decimal('0.0123'),
      tokensIn: 900n,
      tokensOut: 250n,
      cacheReadTokens: 1000n,
      cacheWriteTokens: 120n,
      costUsd: new Prisma.Decimal('0.0119'),
      pausedUntil: at(18),
      error: 'none',
      changes: { sessions: 1, summariesReplaced: 1 },
      createdAt: at(17),
      updatedAt: at(19),
      completedAt: at(19),
    };
    await prisma.derivation.create({ data });
    assertRoundTrip('Derivation', await prisma.derivation.findUniqueOrThrow({ where: { id: ids.derivation } }), data);
  });

  await t.test('DerivedSession', async () => {
    const data = {
      derivationId: ids.derivation,
      sessionId: ids.session,
      summary: { id: ids.summary, title: 'Stabilized the websocket reconnect test' },
      learnings: [{ fingerprint: 'f'.repeat(64), kind: 'fix', title: 'Fake clocks for reconnect tests' }],
      tokensIn: 900,
      tokensOut: 250,
      cacheReadTokens: 1000,
      cacheWriteTokens: 120,
      costUsd: new Prisma.Decimal('0.0119'),
      retired: [{ id: ids.summary, title: 'Old title' }],
      createdAt: at(18),
    };
    await prisma.derivedSession.create({ data });
    assertRoundTrip('DerivedSession', await prisma.derivedSession.findUniqueOrThrow({ where: { derivationId_sessionId: { derivationId: ids.derivation, sessionId: ids.session } } }), data);
  });

  await t.test('Learning (with the supersededBy self-relation)', async () => {
    const newer = {
      id: ids.newerLearning,
      tenantId: ids.tenant,
      projectId: ids.project,
      kind: 'pattern' as const,
      title: 'Inject clocks into timing code',
      body: 'Pass a clock to anything with backoff so tests can control time.',
      confidence: 0.75,
      status: 'active' as const,
      fingerprint: 'b'.repeat(52) + s,
      strength: 1,
      lastStatedAt: at(17),
      tokenCount: 15,
      validFrom: at(18),
      validTo: null,
      supersededById: null,
      createdAt: at(19),
      updatedAt: at(20),
    };
    const data = {
      id: ids.learning,
      tenantId: ids.tenant,
      projectId: ids.project,
      kind: 'gotcha' as const,
      title: 'Websocket tests use real timers',
      body: 'Reconnect backoff reads Date.now(); tests must wait for real.',
      confidence: 0.875,
      status: 'superseded' as const,
      fingerprint: 'c'.repeat(52) + s,
      strength: 3,
      lastStatedAt: at(21),
      tokenCount: 12,
      validFrom: at(22),
      validTo: at(23),
      supersededById: ids.newerLearning,
      origin: 'user',
      tags: ['timers', 'tests'],
      scope: ['Date.now', 'reconnect', 'backoff'],
      anchors: ['id:reconnect', 'w:backoff'],
      appliesWhen: ['websocket tests hang after a reconnect', 'fake timers never fire the backoff'],
      reviewedBy: 'key:0123456789',
      reviewedAt: at(27),
      editedBy: 'Rita Reviewer <rita@example.com>',
      gitBranch: 'feature/reconnect',
      gitCommit: 'a'.repeat(40),
      citations: [{ path: 'src/ws.ts', startLine: 10, endLine: 14, hash: '0123456789abcdef', lines: ['00000000000001'], removed: ['00000000000002'] }],
      outcome: 'confirmed',
      flags: ['hidden_unicode'],
      staleCount: 2,
      checkedAt: at(26),
      onDefaultBranch: true,
      createdAt: at(24),
      updatedAt: at(25),
    };
    await prisma.learning.create({ data: newer });
    await prisma.learning.create({ data });
    assertRoundTrip('Learning', await prisma.learning.findUniqueOrThrow({ where: { id: ids.learning } }), data);
    const withRelations = await prisma.learning.findUniqueOrThrow({
      where: { id: ids.newerLearning },
      include: { supersedes: true },
    });
    assert.deepEqual(withRelations.supersedes.map((l) => l.id), [ids.learning]);
  });

  await t.test('LearningSource', async () => {
    const data = {
      id: ids.learningSource,
      learningId: ids.learning,
      observationId: ids.observation,
      summaryId: ids.summary,
      evidence: 'The backoff used wall-clock time',
      createdAt: at(26),
    };
    await prisma.learningSource.create({ data });
    assertRoundTrip(
      'LearningSource',
      await prisma.learningSource.findUniqueOrThrow({ where: { id: ids.learningSource } }),
      data,
    );
  });

  await t.test('LearningRevision', async () => {
    const data = {
      id: ids.learningRevision,
      learningId: ids.learning,
      revision: 2,
      kind: 'gotcha' as const,
      title: 'Websocket tests use real timers',
      body: 'Reconnect backoff reads Date.now().',
      confidence: 0.5,
      status: 'superseded' as const,
      strength: 3,
      reason: 'superseded',
      changedBy: `session/${ids.session}`,
      note: 'the reconnect loop now uses the SDK clock',
      createdAt: at(27),
    };
    await prisma.learningRevision.create({ data });
    assertRoundTrip(
      'LearningRevision',
      await prisma.learningRevision.findUniqueOrThrow({ where: { id: ids.learningRevision } }),
      data,
    );
  });

  await t.test('CaptureLedger (one row per session and hook client)', async () => {
    const data = {
      sessionId: ids.session,
      clientId: randomUUID(),
      tenantId: ids.tenant,
      counter: 7n,
      counts: { seen: 42, delivered: 40, late: 2, duplicates: 1, refused: { payload_too_large: 1 }, dropped: {}, pending: 0, held: {}, lost: 0 },
      serverEvents: 40,
      reportedAt: at(27),
    };
    await prisma.captureLedger.create({ data });
    assertRoundTrip(
      'CaptureLedger',
      await prisma.captureLedger.findUniqueOrThrow({ where: { sessionId_clientId: { sessionId: ids.session, clientId: data.clientId } } }),
      data,
    );
  });

  await t.test('VectorSyncState', async () => {
    const data = {
      id: ids.vectorSync,
      tenantId: ids.tenant,
      projectId: ids.project,
      recordType: 'learning' as const,
      recordId: ids.learning,
      provider: 'local',
      model: 'hash-384',
      dimension: 384,
      contentHash: 'd'.repeat(52) + s,
      weaviateId: randomUUID(),
      status: 'failed' as const,
      attempts: 3,
      error: 'weaviate unavailable',
      syncedAt: at(28),
      createdAt: at(29),
      updatedAt: at(30),
    };
    await prisma.vectorSyncState.create({ data });
    assertRoundTrip(
      'VectorSyncState',
      await prisma.vectorSyncState.findUniqueOrThrow({ where: { id: ids.vectorSync } }),
      data,
    );
  });

  await t.test('TokenUsage', async () => {
    const data = {
      id: ids.tokenUsage,
      tenantId: ids.tenant,
      day: new Date('2026-01-15T00:00:00.000Z'),
      tokensIn: 9_007_199_254_740_993n, // beyond Number.MAX_SAFE_INTEGER
      tokensOut: 2n,
      cacheReadTokens: 3n,
      cacheWriteTokens: 4n,
      costUsd: new Prisma.Decimal('12345678.123456'),
      requests: 5,
      updatedAt: at(31),
    };
    await prisma.tokenUsage.create({ data });
    assertRoundTrip('TokenUsage', await prisma.tokenUsage.findUniqueOrThrow({ where: { id: ids.tokenUsage } }), data);
    // The daily ledger is upserted by (tenant, day).
    await prisma.tokenUsage.update({
      where: { tenantId_day: { tenantId: ids.tenant, day: data.day } },
      data: { tokensOut: { increment: 10n }, requests: { increment: 1 } },
    });
    const bumped = await prisma.tokenUsage.findUniqueOrThrow({ where: { id: ids.tokenUsage } });
    assert.equal(bumped.tokensOut, 12n);
    assert.equal(bumped.requests, 6);
  });

  await t.test('RetentionPolicy', async () => {
    const data = {
      id: ids.retention,
      tenantId: ids.tenant,
      projectId: ids.project,
      rawEventMaxAgeDays: 30,
      observationMaxAgeDays: 365,
      maxBytes: 10_000_000_000n,
      keepSummaries: false,
      keepLearnings: false,
      createdAt: at(32),
      updatedAt: at(33),
    };
    await prisma.retentionPolicy.create({ data });
    assertRoundTrip(
      'RetentionPolicy',
      await prisma.retentionPolicy.findUniqueOrThrow({ where: { id: ids.retention } }),
      data,
    );
  });

  await t.test('Backup', async () => {
    const data = {
      id: ids.backup,
      scope: 'tenant' as const,
      tenantId: ids.tenant,
      status: 'completed' as const,
      path: `/var/backups/memflow/${ids.backup}`,
      manifest: { tables: { observations: 10 }, files: [{ name: 'observations.ndjson', sha256: 'e'.repeat(64) }] },
      checksum: 'f'.repeat(64),
      sizeBytes: 8_000_000_000n,
      workflowId: `backup/${ids.backup}`,
      error: null,
      createdAt: at(34),
      completedAt: at(35),
    };
    await prisma.backup.create({ data });
    assertRoundTrip('Backup', await prisma.backup.findUniqueOrThrow({ where: { id: ids.backup } }), data);
  });

  await t.test('ErasureTombstone', async () => {
    const data = {
      id: ids.tombstone,
      tenantId: ids.tenant,
      projectName: `old-repo-${s}`,
      projectId: randomUUID(),
      jobId: `erase/${ids.tombstone}`,
      requestedAt: at(36),
      erasedAt: at(37),
      error: 'weaviate retried twice',
    };
    await prisma.erasureTombstone.create({ data });
    assertRoundTrip(
      'ErasureTombstone',
      await prisma.erasureTombstone.findUniqueOrThrow({ where: { id: ids.tombstone } }),
      data,
    );
  });

  await t.test('AuditLog', async () => {
    const data = {
      id: ids.audit,
      tenantId: ids.tenant,
      actorKeyId: ids.apiKey,
      action: 'project.erase',
      target: `project:old-repo-${s}`,
      outcome: 'success' as const,
      details: { jobId: `erase/${ids.tombstone}`, dryRun: false },
      requestId: `req-${s}`,
      createdAt: at(38),
    };
    await prisma.auditLog.create({ data });
    assertRoundTrip('AuditLog', await prisma.auditLog.findUniqueOrThrow({ where: { id: ids.audit } }), data);
  });

  await t.test('deletes, children first', async () => {
    await prisma.auditLog.delete({ where: { id: ids.audit } });
    await prisma.erasureTombstone.delete({ where: { id: ids.tombstone } });
    await prisma.backup.delete({ where: { id: ids.backup } });
    await prisma.retentionPolicy.delete({ where: { id: ids.retention } });
    await prisma.tokenUsage.delete({ where: { id: ids.tokenUsage } });
    await prisma.vectorSyncState.delete({ where: { id: ids.vectorSync } });
    await prisma.learningRevision.delete({ where: { id: ids.learningRevision } });
    await prisma.learningSource.delete({ where: { id: ids.learningSource } });
    await prisma.learning.delete({ where: { id: ids.learning } });
    await prisma.learning.delete({ where: { id: ids.newerLearning } });
    await prisma.summary.delete({ where: { id: ids.summary } });
    await prisma.derivedSession.delete({ where: { derivationId_sessionId: { derivationId: ids.derivation, sessionId: ids.session } } });
    await prisma.derivation.delete({ where: { id: ids.derivation } });
    await prisma.prompt.delete({ where: { id: ids.prompt } });
    await prisma.observation.delete({ where: { id: ids.observation } });
    await prisma.hookEvent.delete({ where: { id: ids.hookEvent } });
    await prisma.session.delete({ where: { id: ids.session } });
    await prisma.project.delete({ where: { id: ids.project } });
    await prisma.apiKey.delete({ where: { id: ids.apiKey } });
    await prisma.tenant.delete({ where: { id: ids.tenant } });
    assert.equal(await prisma.tenant.findUnique({ where: { id: ids.tenant } }), null);
  });
});

// ---------------------------------------------------------------------------------------------
// Database-side behaviour Prisma cannot express
// ---------------------------------------------------------------------------------------------

/** A tenant with one project and session, for the tests below. */
async function seedSession() {
  const tenant = await createTenant();
  const project = await prisma.project.create({ data: { tenantId: tenant.id, name: `repo-${suffix()}` } });
  const session = await prisma.session.create({
    data: { tenantId: tenant.id, projectId: project.id, agentSessionId: `claude-${suffix()}` },
  });
  const ref = { tenantId: tenant.id, projectId: project.id, sessionId: session.id };
  return { tenant, project, session, ref };
}

test('search_vector columns are generated, weighted and GIN-indexed', async () => {
  const generated = await prisma.$queryRaw<{ table: string; generated: string }[]>`
    SELECT c.relname AS table, a.attgenerated::text AS generated
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE a.attname = 'search_vector' AND c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace
     ORDER BY c.relname`;
  assert.deepEqual(generated, [
    { table: 'learnings', generated: 's' },
    { table: 'observations', generated: 's' },
    { table: 'summaries', generated: 's' },
  ]);
  // The names of the indexes whose definition holds `using`, e.g. 'USING gin (search_vector)'.
  const indexesUsing = async (using: string) =>
    (
      await prisma.$queryRaw<{ indexname: string }[]>`
        SELECT indexname FROM pg_indexes
         WHERE schemaname = current_schema() AND indexdef ILIKE ${`%${using}%`} ORDER BY indexname`
    ).map((i) => i.indexname);
  // observations_rule_like_search_vector_idx: the rule-like prompts only, for the per-prompt push's quotes.
  assert.deepEqual(await indexesUsing('USING gin (search_vector)'), ['learnings_search_vector_idx', 'observations_rule_like_search_vector_idx', 'observations_search_vector_idx', 'summaries_search_vector_idx']);
  // And per project: each row's lexemes prefixed with its project (the keyword leg in one project).
  assert.deepEqual(await indexesUsing('USING gin (project_lexemes(project_id, search_vector))'), [
    'learnings_project_lexemes_idx',
    'observations_project_lexemes_idx',
    'summaries_project_lexemes_idx',
  ]);

  const { tenant, ref } = await seedSession();
  const word = `zq${suffix().replace(/[0-9]/g, 'x')}`; // a token no other row contains
  const inTitle = await prisma.observation.create({
    data: { ...ref, kind: 'tool', sequence: 1, title: `Fixed ${word} handling`, text: 'Changed the parser.', tokenCount: 5 },
  });
  const inText = await prisma.observation.create({
    data: { ...ref, kind: 'tool', sequence: 2, title: 'Changed the parser', text: `The ${word} case broke it.`, tokenCount: 6 },
  });
  const ranked = await prisma.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM observations
     WHERE tenant_id = ${tenant.id}::uuid AND search_vector @@ websearch_to_tsquery('english', ${word})
     ORDER BY ts_rank(search_vector, websearch_to_tsquery('english', ${word})) DESC`;
  assert.deepEqual(ranked.map((r) => r.id), [inTitle.id, inText.id], 'a title hit (A) outranks a text hit (B)');

  // Summaries also index their structured fields; learnings index title and body.
  const summary = await prisma.summary.create({
    data: { ...ref, kind: 'final', title: 'Session wrap-up', text: 'Done.', learned: `Learned about ${word} handling`, fromSequence: 1, toSequence: 2 },
  });
  const learning = await prisma.learning.create({
    data: { tenantId: ref.tenantId, projectId: ref.projectId, kind: 'fix', title: 'Parser fix', body: `Escape ${word} tokens`, fingerprint: suffix() },
  });
  const hits = await prisma.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM summaries WHERE tenant_id = ${tenant.id}::uuid AND search_vector @@ to_tsquery('english', ${word})
    UNION ALL
    SELECT id::text AS id FROM learnings WHERE tenant_id = ${tenant.id}::uuid AND search_vector @@ to_tsquery('english', ${word})`;
  assert.deepEqual(hits.map((h) => h.id).sort(), [summary.id, learning.id].sort());

  // Very large text is capped before to_tsvector instead of failing the write.
  await prisma.observation.create({
    data: { ...ref, kind: 'tool', sequence: 3, title: 'Huge output', text: Array.from({ length: 400_000 }, (_, i) => `w${i}`).join(' '), tokenCount: 1 },
  });

  await prisma.tenant.delete({ where: { id: tenant.id } });
});

test('deleting a project cascades to everything under it; deleting a tenant keeps the audit log', async () => {
  const { tenant, project, session, ref } = await seedSession();
  const other = await prisma.project.create({ data: { tenantId: tenant.id, name: `keep-${suffix()}` } });
  const key = await prisma.apiKey.create({
    data: { tenantId: tenant.id, keyHash: randomBytes(32).toString('hex'), prefix: 'mf_test' },
  });
  const event = await prisma.hookEvent.create({
    data: { ...ref, event: 'post_tool_use', sequence: 1, idempotencyKey: suffix(), payload: {}, originalBytes: 2 },
  });
  const observation = await prisma.observation.create({
    data: { ...ref, kind: 'tool', sequence: 1, title: 't', text: 'x', tokenCount: 1, sourceEventIds: [event.id] },
  });
  await prisma.prompt.create({ data: { ...ref, ordinal: 1, text: 'p', tokenCount: 1 } });
  const summary = await prisma.summary.create({
    data: { ...ref, kind: 'batch', title: 's', text: 's', fromSequence: 1, toSequence: 1 },
  });
  const learning = await prisma.learning.create({
    data: {
      tenantId: tenant.id,
      projectId: project.id,
      kind: 'decision',
      title: 'l',
      body: 'b',
      fingerprint: suffix(),
      sources: { create: [{ observationId: observation.id, summaryId: summary.id, evidence: 'e' }] },
      revisions: { create: [{ revision: 1, kind: 'decision', title: 'l', body: 'b', confidence: 0.5, status: 'active', strength: 1, reason: 'created' }] },
    },
  });
  await prisma.vectorSyncState.create({
    data: { tenantId: tenant.id, projectId: project.id, recordType: 'learning', recordId: learning.id, provider: 'local', dimension: 8, contentHash: 'a'.repeat(64) },
  });
  await prisma.retentionPolicy.create({ data: { tenantId: tenant.id, projectId: project.id, rawEventMaxAgeDays: 7 } });
  await prisma.retentionPolicy.create({ data: { tenantId: tenant.id, rawEventMaxAgeDays: 90 } }); // tenant default
  await prisma.erasureTombstone.create({ data: { tenantId: tenant.id, projectName: project.name, projectId: project.id, jobId: `erase/${suffix()}` } });

  // Retention deleting an observation keeps the learning's evidence (SET NULL).
  await prisma.observation.delete({ where: { id: observation.id } });
  const source = await prisma.learningSource.findFirstOrThrow({ where: { learningId: learning.id } });
  assert.equal(source.observationId, null);
  assert.equal(source.evidence, 'e');

  // Erasing a project is one DELETE.
  await prisma.project.delete({ where: { id: project.id } });
  const counts = await Promise.all([
    prisma.session.count({ where: { id: session.id } }),
    prisma.hookEvent.count({ where: { projectId: project.id } }),
    prisma.observation.count({ where: { projectId: project.id } }),
    prisma.prompt.count({ where: { projectId: project.id } }),
    prisma.summary.count({ where: { projectId: project.id } }),
    prisma.learning.count({ where: { projectId: project.id } }),
    prisma.learningSource.count({ where: { learningId: learning.id } }),
    prisma.learningRevision.count({ where: { learningId: learning.id } }),
    prisma.vectorSyncState.count({ where: { projectId: project.id } }),
    prisma.retentionPolicy.count({ where: { projectId: project.id } }),
  ]);
  assert.deepEqual(counts, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  // What belongs to the tenant, not the project, stays, and so does the tombstone.
  assert.equal(await prisma.project.count({ where: { id: other.id } }), 1);
  assert.equal(await prisma.retentionPolicy.count({ where: { tenantId: tenant.id, projectId: null } }), 1);
  assert.equal(await prisma.erasureTombstone.count({ where: { tenantId: tenant.id, projectName: project.name } }), 1);

  const audit = await prisma.auditLog.create({
    data: { tenantId: tenant.id, actorKeyId: key.id, action: 'tenant.delete', outcome: 'success' },
  });
  await prisma.tenant.delete({ where: { id: tenant.id } });
  assert.equal(await prisma.apiKey.count({ where: { tenantId: tenant.id } }), 0);
  assert.equal(await prisma.erasureTombstone.count({ where: { tenantId: tenant.id } }), 0);
  const kept = await prisma.auditLog.findUniqueOrThrow({ where: { id: audit.id } });
  assert.equal(kept.tenantId, tenant.id, 'the audit trail outlives the tenant');
  await prisma.auditLog.delete({ where: { id: audit.id } });
});

test('unique constraints back the idempotency keys and classify as unique violations', async () => {
  const { tenant, project, ref } = await seedSession();
  const key = `sha256:${suffix()}`;
  await prisma.hookEvent.create({
    data: { ...ref, event: 'stop', sequence: 1, idempotencyKey: key, payload: {}, originalBytes: 2 },
  });

  const expectUnique = async (what: string, fn: () => Promise<unknown>) => {
    const err = await fn().then(
      () => assert.fail(`${what}: expected a unique violation`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof Prisma.PrismaClientKnownRequestError, `${what}: ${String(err)}`);
    assert.equal(err.code, 'P2002', what);
    assert.equal(isUniqueViolation(err), true, what);
    assert.equal(isRetryableDbError(err), false, what);
  };

  await expectUnique('repeated delivery (tenant, idempotency key)', () =>
    prisma.hookEvent.create({ data: { ...ref, event: 'stop', sequence: 2, idempotencyKey: key, payload: {}, originalBytes: 2 } }),
  );
  await expectUnique('two events in one sequence slot', () =>
    prisma.hookEvent.create({ data: { ...ref, event: 'stop', sequence: 1, idempotencyKey: suffix(), payload: {}, originalBytes: 2 } }),
  );
  await expectUnique('project name per tenant', () =>
    prisma.project.create({ data: { tenantId: tenant.id, name: project.name } }),
  );
  await expectUnique('agent session per project', async () => {
    const s = await prisma.session.findUniqueOrThrow({ where: { id: ref.sessionId } });
    return prisma.session.create({ data: { tenantId: tenant.id, projectId: project.id, agentSessionId: s.agentSessionId } });
  });

  // Exactly once per tool call; observations without a tool_use_id never collide.
  await prisma.observation.create({ data: { ...ref, kind: 'tool', sequence: 1, toolUseId: 'toolu_1', title: 't', text: 'x', tokenCount: 1 } });
  await expectUnique('observation per (session, tool_use_id)', () =>
    prisma.observation.create({ data: { ...ref, kind: 'tool', sequence: 2, toolUseId: 'toolu_1', title: 't', text: 'x', tokenCount: 1 } }),
  );
  await prisma.observation.create({ data: { ...ref, kind: 'prompt', sequence: 3, title: 'p', text: 'x', tokenCount: 1 } });
  await prisma.observation.create({ data: { ...ref, kind: 'prompt', sequence: 4, title: 'p', text: 'x', tokenCount: 1 } });
  await expectUnique('observation per (session, sequence) of its opening event', () =>
    prisma.observation.create({ data: { ...ref, kind: 'stop', sequence: 4, title: 's', text: 'x', tokenCount: 1 } }),
  );

  // The same idempotency key under another tenant is a different event.
  const { ref: otherRef, tenant: otherTenant } = await seedSession();
  await prisma.hookEvent.create({
    data: { ...otherRef, event: 'stop', sequence: 1, idempotencyKey: key, payload: {}, originalBytes: 2 },
  });

  await prisma.tenant.delete({ where: { id: tenant.id } });
  await prisma.tenant.delete({ where: { id: otherTenant.id } });
});

test('database errors are classified for retries', async () => {
  // Connection refused: nothing listens on port 1.
  const unreachable = createPrisma('postgresql://postgres@127.0.0.1:1/memflow_nowhere', { connectionTimeoutMs: 2000 });
  try {
    const err = await unreachable.$queryRaw`SELECT 1`.then(
      () => assert.fail('expected a connection error'),
      (e: unknown) => e,
    );
    assert.equal(classifyDbError(err), 'transient', String(err));
  } finally {
    await unreachable.$disconnect();
  }

  // Administrator shutdown (57P01): the backend is terminated mid-query.
  const victim = createPrisma(DATABASE_URL, { maxConnections: 1 });
  try {
    const sleeping = victim.$queryRaw`SELECT pg_sleep(10)`.then(
      () => assert.fail('expected the query to be terminated'),
      (e: unknown) => e,
    );
    let terminated = 0;
    for (let i = 0; i < 100 && terminated === 0; i++) {
      terminated = await prisma.$executeRaw`
        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE query = 'SELECT pg_sleep(10)' AND state = 'active' AND pid <> pg_backend_pid()`;
      if (terminated === 0) await new Promise((r) => setTimeout(r, 50)); // the query is not running yet
    }
    assert.ok(terminated > 0, 'found the sleeping backend');
    const err = await sleeping;
    assert.equal(classifyDbError(err), 'transient', String(err));
    assert.equal(isRetryableDbError(err), true);
  } finally {
    await victim.$disconnect();
  }

  // Shapes that cannot be provoked cheaply here: raw pg errors and Prisma codes.
  assert.equal(classifyDbError({ code: '53300', message: 'sorry, too many clients already' }), 'overloaded');
  assert.equal(isDbOverloaded({ code: 'P2037' }), true);
  assert.equal(isRetryableDbError({ code: '53300' }), false, 'pool exhaustion is not retried blindly');
  assert.equal(classifyDbError(new Error('timeout exceeded when trying to connect')), 'overloaded');
  assert.equal(classifyDbError({ code: '08006' }), 'transient');
  assert.equal(classifyDbError({ code: '40001' }), 'transient');
  assert.equal(classifyDbError({ code: '23505' }), 'unique_violation');
  assert.equal(classifyDbError({ code: '23503' }), 'permanent');
  assert.equal(classifyDbError({ code: 'P2025' }), 'permanent');
  assert.equal(classifyDbError(new Error('Connection terminated unexpectedly')), 'transient');
  assert.equal(classifyDbError(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })])), 'transient');
  assert.equal(classifyDbError('boom'), 'permanent');
});

// ---------------------------------------------------------------------------------------------
// The migration applier and _prisma_migrations
// ---------------------------------------------------------------------------------------------

test("_prisma_migrations has Prisma's definition and records every migration", async () => {
  const columns = await withPg(DATABASE_URL, (c) =>
    c.query<{ name: string; type: string; nullable: string; default: string | null }>(`
      SELECT column_name AS name, format_type(a.atttypid, a.atttypmod) AS type,
             is_nullable AS nullable, column_default AS default
        FROM information_schema.columns i
        JOIN pg_attribute a ON a.attrelid = '_prisma_migrations'::regclass AND a.attname = i.column_name
       WHERE i.table_name = '_prisma_migrations' AND i.table_schema = current_schema()
       ORDER BY i.ordinal_position`),
  );
  // As created by prisma-engines' PostgreSQL connector (create_migrations_table).
  assert.deepEqual(columns.rows, [
    { name: 'id', type: 'character varying(36)', nullable: 'NO', default: null },
    { name: 'checksum', type: 'character varying(64)', nullable: 'NO', default: null },
    { name: 'finished_at', type: 'timestamp with time zone', nullable: 'YES', default: null },
    { name: 'migration_name', type: 'character varying(255)', nullable: 'NO', default: null },
    { name: 'logs', type: 'text', nullable: 'YES', default: null },
    { name: 'rolled_back_at', type: 'timestamp with time zone', nullable: 'YES', default: null },
    { name: 'started_at', type: 'timestamp with time zone', nullable: 'NO', default: 'now()' },
    { name: 'applied_steps_count', type: 'integer', nullable: 'NO', default: '0' },
  ]);
  const pk = await withPg(DATABASE_URL, (c) =>
    c.query<{ def: string }>(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint
                               WHERE conrelid = '_prisma_migrations'::regclass AND contype = 'p'`),
  );
  assert.deepEqual(pk.rows, [{ def: 'PRIMARY KEY (id)' }]);

  const migrations = await readMigrations();
  assert.ok(migrations.length > 0);
  const rows = await withPg(DATABASE_URL, (c) =>
    c.query<{ migration_name: string; checksum: string; applied_steps_count: number }>(`
      SELECT migration_name, checksum, applied_steps_count FROM _prisma_migrations
       WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY started_at`),
  );
  assert.deepEqual(
    rows.rows,
    migrations.map((m) => ({ migration_name: m.name, checksum: m.checksum, applied_steps_count: 1 })),
  );
});

test('applying migrations twice is a no-op', async () => {
  const names = (await readMigrations()).map((m) => m.name);
  const count = () => withPg(DATABASE_URL, async (c) => (await c.query('SELECT count(*)::int AS n FROM _prisma_migrations')).rows[0].n as number);
  await applyMigrations(DATABASE_URL);
  const before = await count();
  const second = await applyMigrations(DATABASE_URL);
  assert.deepEqual(second, { applied: [], skipped: names });
  assert.equal(await count(), before);
});

test('the applier creates the database, serializes concurrent runs and refuses bad history', async () => {
  const database = `memflow_scratch_schema_${suffix()}`;
  const url = databaseUrlFor(database);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'memflow-migrations-'));
  try {
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    const names = (await readMigrations(dir)).map((m) => m.name);
    const init = names[0] as string;

    // Two concurrent runs on a database that does not exist yet: one creates and applies, the
    // other waits for the advisory lock and finds everything applied.
    const results = await Promise.all([applyMigrations(url, { migrationsDir: dir }), applyMigrations(url, { migrationsDir: dir })]);
    assert.deepEqual(results.flatMap((r) => r.applied).sort(), [...names].sort());
    assert.deepEqual(results.flatMap((r) => r.skipped).sort(), [...names].sort());
    const rowCount = await withPg(url, async (c) => (await c.query('SELECT count(*)::int AS n FROM _prisma_migrations')).rows[0].n as number);
    assert.equal(rowCount, names.length);

    // Line endings changed by git (LF -> CRLF) still match, as in Prisma.
    const initFile = path.join(dir, init, 'migration.sql');
    const original = await readFile(initFile, 'utf8');
    await writeFile(initFile, original.replace(/\n/g, '\r\n'));
    assert.deepEqual((await applyMigrations(url, { migrationsDir: dir })).applied, []);

    // An edited migration is refused, naming it.
    await writeFile(initFile, `${original}\n-- an innocent-looking edit\n`);
    await assert.rejects(applyMigrations(url, { migrationsDir: dir }), (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.equal(err.code, 'CHECKSUM_MISMATCH');
      assert.equal(err.migration, init);
      assert.match(err.message, new RegExp(`migration ${init} was modified after it was applied`));
      return true;
    });
    await writeFile(initFile, original);

    // A failing migration is rolled back as a whole and recorded; fixed, it applies on the next run.
    const broken = '29991231235959_broken';
    await mkdir(path.join(dir, broken));
    await writeFile(
      path.join(dir, broken, 'migration.sql'),
      'CREATE TABLE "scratch_half_done" ("id" INTEGER);\nSELECT * FROM "no_such_table";\n',
    );
    await assert.rejects(applyMigrations(url, { migrationsDir: dir }), (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.equal(err.code, 'P3018');
      assert.equal(err.migration, broken);
      assert.match(err.message, /no_such_table/);
      return true;
    });
    await withPg(url, async (c) => {
      assert.equal((await c.query(`SELECT to_regclass('scratch_half_done') AS t`)).rows[0].t, null, 'nothing half-applied');
      const { rows } = await c.query(
        `SELECT finished_at, rolled_back_at, logs, applied_steps_count FROM _prisma_migrations WHERE migration_name = $1`,
        [broken],
      );
      assert.equal(rows.length, 1);
      assert.equal(rows[0].finished_at, null);
      assert.ok(rows[0].rolled_back_at instanceof Date);
      assert.match(rows[0].logs, /no_such_table/);
      assert.equal(rows[0].applied_steps_count, 0);
    });
    await writeFile(path.join(dir, broken, 'migration.sql'), 'CREATE TABLE "scratch_fixed" ("id" INTEGER);\n');
    assert.deepEqual((await applyMigrations(url, { migrationsDir: dir })).applied, [broken]);

    // A failure Prisma left unresolved (finished_at and rolled_back_at null) blocks, like P3009.
    await withPg(url, (c) =>
      c.query(
        `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs) VALUES ($1, $2, '29991231235960_crashed', 'it broke')`,
        [randomUUID(), 'e'.repeat(64)],
      ),
    );
    await assert.rejects(applyMigrations(url, { migrationsDir: dir }), (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.equal(err.code, 'P3009');
      assert.match(err.message, /29991231235960_crashed failed earlier and is not resolved/);
      assert.match(err.details ?? '', /it broke/);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
    await adminQuery(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  }
});

test('the applier refuses a non-empty database without history (P3005)', async () => {
  const database = `memflow_scratch_schema_${suffix()}`;
  const url = databaseUrlFor(database);
  await adminQuery(`CREATE DATABASE "${database}"`);
  try {
    await withPg(url, (c) => c.query('CREATE TABLE someone_elses (id INTEGER)'));
    await assert.rejects(applyMigrations(url), (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.equal(err.code, 'P3005');
      return true;
    });
  } finally {
    await adminQuery(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  }
});
