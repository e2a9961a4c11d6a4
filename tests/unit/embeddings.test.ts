/**
 * Embedding providers. The offline `local` embedder is deterministic, normalised, and puts
 * paraphrases of real engineering notes closer than unrelated ones; the OpenAI-compatible and
 * Voyage providers speak their real protocols to a local fake server: request shape, bearer key,
 * batching, input_type, answer order, and which failures are retryable.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { parseConfig } from '../../common/server/config.js';
import { EmbeddingError, createEmbeddingProvider, createLocalProvider, createOpenAIProvider, createVoyageProvider, type EmbeddingProvider } from '../../common/server/embeddings/providers.js';
import { stem, tokenize } from '../../common/server/embeddings/local.js';
import { toActivityFailure } from '../../activities/failures.js';
import { startFakeEmbeddings, type FakeEmbeddingsServer } from '../helpers/fake-embeddings.js';

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: number[]) => Math.sqrt(cosine(a, a));

/** Pairs of notes an agent could write about the same thing in different words. */
const PARAPHRASES: [string, string][] = [
  ['Fixed the flaky login test: the auth token expired before the assertion ran', 'Authentication spec was failing intermittently because the JWT credential timed out'],
  ['Postgres connection pool exhausted under load, queries hang waiting for a client', 'Database requests stuck: too many SQL connections open and the pool ran out'],
  ['Deploy to production failed in the CI pipeline because the Docker image build broke', 'Release job crashed while building the container image for prod'],
  ['The API endpoint is slow; p99 latency went up after adding an N+1 query', 'Request handler performance regressed: responses take seconds because of extra lookups'],
  ['Moved settings into environment variables and documented them in the README', 'Configuration is now read from env vars; docs list each option'],
  ['Memory leak in the worker: heap grows until the process is OOM-killed', 'Worker process runs out of RAM over time because garbage is never collected'],
  ['Renamed helper functions and split the large module into smaller files', 'Cleanup: restructured the code and extracted utilities into separate modules'],
];

describe('local provider', () => {
  const local = createLocalProvider();

  test('is the default, 512-dimensional, and its dimension is configurable', () => {
    const p = createEmbeddingProvider(parseConfig({ DATABASE_URL: 'postgresql://x/y' }));
    assert.deepEqual([p.name, p.model, p.dimension], ['local', 'memflow-lexical-v1', 512]);
    assert.equal(createEmbeddingProvider(parseConfig({ DATABASE_URL: 'postgresql://x/y', MEMFLOW_EMBEDDINGS_DIMENSION: '256' })).dimension, 256);
  });

  test('is deterministic and L2-normalised, also for empty text', async () => {
    const texts = ['Fixed the flaky login test', '', 'the of and', 'x'.repeat(50_000)];
    const [a, b] = [await local.embed(texts, 'document'), await createLocalProvider().embed(texts, 'query')];
    assert.deepEqual(a, b);
    for (const v of a) {
      assert.equal(v.length, 512);
      assert.ok(Math.abs(norm(v) - 1) < 1e-9, `norm ${norm(v)}`);
      assert.ok(v.every(Number.isFinite));
    }
  });

  test('splits identifiers, drops function words and merges inflections', () => {
    assert.deepEqual(tokenize('getUserById in src/api/user_routes.ts'), ['get', 'user', 'id', 'src', 'api', 'user', 'routes', 'ts']);
    assert.equal(stem('renamed'), stem('rename'));
    assert.equal(stem('failing'), stem('fails'));
    assert.equal(stem('running'), 'run');
  });

  test('puts each paraphrase closer than every unrelated note', async () => {
    const a = await local.embed(PARAPHRASES.map((p) => p[0]), 'document');
    const b = await local.embed(PARAPHRASES.map((p) => p[1]), 'document');
    const margins: number[] = [];
    PARAPHRASES.forEach((_, i) => {
      const own = cosine(a[i]!, b[i]!);
      const others = b.filter((_, j) => j !== i).map((v) => cosine(a[i]!, v));
      assert.ok(own > Math.max(...others), `pair ${i}: ${own.toFixed(3)} vs best unrelated ${Math.max(...others).toFixed(3)}`);
      margins.push(own - Math.max(...others));
    });
    const mean = margins.reduce((s, m) => s + m, 0) / margins.length;
    assert.ok(mean > 0.15, `mean margin ${mean.toFixed(3)}`);
  });

  test('answers a question with the note that means it', async () => {
    const docs = PARAPHRASES.flat();
    const vectors = await local.embed(docs, 'document');
    const questions: [string, number][] = [
      ['why did the database time out?', 1],
      ['how do we configure the app with env variables', 4],
      ['OOM crash in background worker', 5],
    ];
    for (const [q, pair] of questions) {
      const [qv] = await local.embed([q], 'query');
      const ranked = docs.map((_, i) => i).sort((x, y) => cosine(qv!, vectors[y]!) - cosine(qv!, vectors[x]!));
      assert.ok([2 * pair, 2 * pair + 1].includes(ranked[0]!), `'${q}' found '${docs[ranked[0]!]}'`);
    }
  });

  test('embeds a large batch, one vector per note in input order (its speed is bench:search\'s fill rate)', async () => {
    const texts = Array.from({ length: 2000 }, (_, i) => `${PARAPHRASES[i % 7]![0]} #${i} `.repeat(4));
    const vectors = await local.embed(texts, 'document');
    assert.equal(vectors.length, texts.length);
    const [one] = await local.embed([texts[1234]!], 'document');
    assert.deepEqual(vectors[1234], one);
  });
});

/** Providers and the fake server they talk to, per flavour. */
function remote(flavour: 'openai' | 'voyage') {
  const key = `sk-test-${flavour}`;
  let server: FakeEmbeddingsServer;
  let provider: EmbeddingProvider;
  const make = (opts: { apiKey?: string; dimension?: number; maxBatch?: number; model?: string } = {}) => {
    const o = { apiKey: opts.apiKey ?? key, baseURL: server.baseURL, maxBatch: opts.maxBatch ?? 3, ...(opts.dimension ? { dimension: opts.dimension } : {}), ...(opts.model ? { model: opts.model } : {}) };
    return flavour === 'openai' ? createOpenAIProvider(o) : createVoyageProvider(o);
  };
  return {
    key,
    get server() {
      return server;
    },
    get provider() {
      return provider;
    },
    make,
    async start() {
      server = await startFakeEmbeddings({ apiKey: key, flavour, dimension: flavour === 'openai' ? 1536 : 1024 });
      provider = make();
    },
  };
}

for (const flavour of ['openai', 'voyage'] as const) {
  describe(`${flavour} provider against a fake ${flavour} server`, () => {
    const r = remote(flavour);
    before(() => r.start());
    after(() => r.server.close());

    test('is chosen by configuration, and without its key the configuration fails with one line', () => {
      const keyVar = flavour === 'openai' ? 'OPENAI_API_KEY' : 'VOYAGE_API_KEY';
      assert.throws(() => parseConfig({ DATABASE_URL: 'postgresql://x/y', MEMFLOW_EMBEDDINGS: flavour }), new RegExp(`^ConfigError: ${keyVar} is required but not set$`));
      const p = createEmbeddingProvider(parseConfig({ DATABASE_URL: 'postgresql://x/y', MEMFLOW_EMBEDDINGS: flavour, [keyVar]: r.key, MEMFLOW_EMBEDDINGS_URL: r.server.baseURL }));
      assert.deepEqual([p.name, p.model, p.dimension], flavour === 'openai' ? ['openai', 'text-embedding-3-small', 1536] : ['voyage', 'voyage-3.5', 1024]);
    });

    test('sends the protocol request in batches and returns vectors in input order', async () => {
      r.server.requests.length = 0;
      const texts = ['alpha failure', 'beta database', 'gamma deploy', 'delta test', 'epsilon auth', 'zeta latency', 'eta config'];
      const vectors = await r.provider.embed(texts, 'document');
      assert.equal(vectors.length, 7);
      // maxBatch 3: three calls of 3, 3 and 1 texts, in order.
      assert.deepEqual(r.server.requests.map((q) => (q.body.input as string[]).length), [3, 3, 1]);
      for (const q of r.server.requests) {
        assert.equal(q.path, '/v1/embeddings');
        assert.equal(q.authorization, `Bearer ${r.key}`);
        assert.equal(q.body.model, r.provider.model);
        if (flavour === 'voyage') assert.equal(q.body.input_type, 'document');
        else assert.equal(q.body.input_type, undefined);
      }
      // The fake reverses `data`; the provider must put each vector back by `index`.
      const expected = await r.make({ maxBatch: 100 }).embed(texts, 'document');
      assert.deepEqual(vectors, expected);
      assert.ok(vectors.every((v) => v.length === r.provider.dimension));
    });

    test(flavour === 'voyage' ? 'sends input_type query for queries' : 'embeds queries like documents', async () => {
      r.server.requests.length = 0;
      const [q] = await r.provider.embed(['database timeout'], 'query');
      const [d] = await r.provider.embed(['database timeout'], 'document');
      if (flavour === 'voyage') {
        assert.deepEqual(r.server.requests.map((x) => x.body.input_type), ['query', 'document']);
        assert.notDeepEqual(q, d);
      } else {
        assert.deepEqual(q, d);
      }
    });

    test('asks for a shorter vector when a dimension is configured', async () => {
      r.server.requests.length = 0;
      const [v] = await r.make({ dimension: 256 }).embed(['short vectors'], 'document');
      assert.equal(v!.length, 256);
      const field = flavour === 'openai' ? 'dimensions' : 'output_dimension';
      assert.equal(r.server.requests[0]!.body[field], 256);
    });

    test('400 and 401 are non-retryable, 429 and 500 retryable, each naming provider and status', async () => {
      const cases: [number, boolean][] = [
        [400, false],
        [401, false],
        [429, true],
        [500, true],
      ];
      for (const [status, retryable] of cases) {
        const provider = status === 401 ? r.make({ apiKey: 'sk-wrong' }) : r.provider;
        if (status !== 401) r.server.failNext(status);
        const err = await provider.embed(['x'], 'document').then(
          () => assert.fail(`status ${status} did not fail`),
          (e: unknown) => e,
        );
        assert.ok(err instanceof EmbeddingError, String(err));
        assert.equal(err.status, status);
        assert.equal(err.retryable, retryable, `status ${status}`);
        assert.match(err.message, new RegExp(`^${flavour} embeddings API answered ${status}: `));
        if (status === 429) assert.equal(err.retryAfterMs, 2000);
        // As an activity failure: rejected requests are not retried by Temporal.
        const failure = (() => {
          try {
            toActivityFailure(err);
          } catch (f) {
            return f;
          }
        })();
        assert.ok(failure instanceof ApplicationFailure);
        assert.equal(failure.nonRetryable, !retryable);
        assert.equal(failure.type, retryable ? 'EmbeddingUnavailable' : 'EmbeddingRejected');
      }
    });

    test('an unreachable server and a wrong vector size are clear errors', async () => {
      const down = (flavour === 'openai' ? createOpenAIProvider : createVoyageProvider)({ apiKey: r.key, baseURL: 'http://127.0.0.1:9/v1', timeoutMs: 2000 });
      await assert.rejects(down.embed(['x'], 'document'), (e: unknown) => e instanceof EmbeddingError && e.retryable && e.message.startsWith(`${flavour} embeddings request to http://127.0.0.1:9/v1/embeddings failed`));
      // The model claims 1024/1536 dimensions but the server returns another size: never store it.
      const mismatched = r.make({ model: flavour === 'openai' ? 'text-embedding-3-large' : 'voyage-3-lite' });
      await assert.rejects(mismatched.embed(['x'], 'document'), (e: unknown) => e instanceof EmbeddingError && !e.retryable && /returned vectors of \d+ dimensions, configured \d+/.test(e.message));
    });
  });
}
