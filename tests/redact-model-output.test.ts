/**
 * What the model writes passes the redaction filter before storage (docs/redaction.md): the
 * fake Messages API answers with a summary and learnings that restate secrets (a password in a
 * sentence, a provider key, a key=value pair); the stored summary and learnings keep the prose and
 * lose the secrets. Real PostgreSQL, the real Anthropic SDK, the activities as the worker runs them.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createSummarizeActivities, type SummaryOutcome } from '../activities/summarize/summarize-activities.js';
import { newTenant, testConfig, testPrisma, uniqueName } from './helpers/env.js';
import { FakeAnthropic } from './helpers/fake-anthropic.js';

const fake = new FakeAnthropic();
const prisma = testPrisma();

const PASSWORD = 'hunter2!Stg';
const ANTHROPIC = 'sk-ant-api03-Zq8vR2mT8kLp4WzN7yB1cD5fG6hJ0aQsE3uI-_oPlKjHgFdSaZxCvBnM12345678abcdEFGH-AA';
const DB_URL_PASSWORD = 'Pgx9Lm2Qp7Zr';

before(async () => {
  await fake.start();
});

after(async () => {
  await fake.stop();
  await prisma.$disconnect();
});

async function seed() {
  const t = await newTenant(prisma);
  const project = await prisma.project.create({ data: { tenantId: t.tenantId, name: uniqueName('proj') } });
  const session = await prisma.session.create({ data: { tenantId: t.tenantId, projectId: project.id, agentSessionId: uniqueName('s') } });
  await prisma.observation.createMany({
    data: Array.from({ length: 3 }, (_, i) => ({
      tenantId: t.tenantId,
      projectId: project.id,
      sessionId: session.id,
      kind: i === 0 ? ('prompt' as const) : ('tool' as const),
      sequence: i + 1,
      title: i === 0 ? 'Connect the staging database' : `Bash: psql staging ${i}`,
      text: 'connected, ran the migration '.repeat(5),
      tokenCount: 40,
    })),
  });
  return { tenantId: t.tenantId, projectId: project.id, sessionId: session.id };
}

const config = () =>
  testConfig({
    ANTHROPIC_API_KEY: 'sk-ant-test-key',
    ANTHROPIC_BASE_URL: fake.url,
    MEMFLOW_SUMMARY_MODEL: 'claude-haiku-4-5',
    MEMFLOW_FINAL_SUMMARY_MODEL: 'claude-sonnet-4-5',
  });

const restating = {
  title: 'Connected the staging database',
  request: `The user said: use the password ${PASSWORD} for the staging db.`,
  investigated: `psql postgresql://app:${DB_URL_PASSWORD}@db.staging:5432/app and the Anthropic key ${ANTHROPIC}`,
  learned: `ANTHROPIC_API_KEY=${ANTHROPIC} is read from .env`,
  completed: 'The migration ran against staging.',
  nextSteps: '',
};

function assertClean(text: string | null): void {
  for (const secret of [PASSWORD, ANTHROPIC, DB_URL_PASSWORD]) assert.ok(!(text ?? '').includes(secret), `a secret survived in ${JSON.stringify(text)}`);
}

test('a batch summary that restates secrets is stored without them, prose kept', async () => {
  fake.reset();
  fake.enqueue({ kind: 'tool-input', input: restating });
  const ids = await seed();
  const acts = createSummarizeActivities({ prisma, config: config() });
  const outcome: SummaryOutcome = await new MockActivityEnvironment().run(acts.summarizeBatch, { ...ids, afterSequence: 0, flush: true });
  assert.equal(outcome.status, 'done');
  assert.equal(fake.requests.length, 1, 'the answer came from the model');
  const row = await prisma.summary.findFirstOrThrow({ where: { sessionId: ids.sessionId, kind: 'batch' } });
  assert.equal(row.offline, false);
  for (const v of [row.title, row.request, row.investigated, row.learned, row.completed, row.text]) assertClean(v);
  assert.match(row.request ?? '', /use the password \[redacted:secret-prose\] for the staging db/);
  assert.match(row.text, /\[redacted:anthropic-key\]/);
  assert.match(row.completed ?? '', /The migration ran against staging\./);
});

test('final-summary learnings that restate secrets are stored without them', async () => {
  fake.reset();
  const ids = await seed();
  const acts = createSummarizeActivities({ prisma, config: config() });
  fake.enqueue({ kind: 'tool-input', input: restating });
  const batch: SummaryOutcome = await new MockActivityEnvironment().run(acts.summarizeBatch, { ...ids, afterSequence: 0, flush: true });
  assert.equal(batch.status, 'done');
  fake.enqueue({
    kind: 'tool-input',
    input: {
      ...restating,
      learnings: [
        {
          kind: 'convention',
          title: `Staging db password is ${PASSWORD}`,
          body: `Connect with postgresql://app:${DB_URL_PASSWORD}@db.staging:5432/app; the token to use is ${ANTHROPIC}.`,
          confidence: 0.8,
          sources: [1],
        },
      ],
    },
  });
  const outcome: SummaryOutcome = await new MockActivityEnvironment().run(acts.summarizeSession, { ...ids, kind: 'final' as const });
  assert.equal(outcome.status, 'done');
  const learnings = await prisma.learning.findMany({ where: { projectId: ids.projectId } });
  assert.equal(learnings.length, 1);
  for (const l of learnings) {
    assertClean(l.title);
    assertClean(l.body);
  }
  const final = await prisma.summary.findFirstOrThrow({ where: { sessionId: ids.sessionId, kind: 'final' } });
  assertClean(final.text);
  const evidence = await prisma.learningSource.findMany({ where: { learningId: learnings[0]?.id } });
  for (const e of evidence) assertClean(e.evidence);
});
