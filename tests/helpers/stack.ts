/**
 * One fixture for the test files that drive the real stack: `withTestStack()` registers the file's
 * before/after hooks, starts the API (unless told not to) and, unless told not to, a worker on the
 * file's own task queue, a Temporal client and a Weaviate client, and closes all of them, awaited,
 * after the last test. The returned object is filled in before the first test runs. Node 20 starts a
 * file's top-level `before` hooks together, so a hook of the file that needs the API, Temporal or
 * Weaviate awaits `stack.ready` first.
 */
import { after, before } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../../common/server/config.js';
import type { PrismaClient } from '../../common/server/db.js';
import { temporalConnectionOptions } from '../../common/server/temporal-connection.js';
import { connectWeaviate } from '../../common/server/weaviate/client.js';
import type { WeaviateClient } from '../../common/server/weaviate/schema.js';
import { startTestApi, startTestWorker, type TestApi, type TestWorker } from './app.js';
import { testConfig, testPrisma, uniqueName } from './env.js';
import type { ApiClient } from '../../clients/api.js';
import { apiClient, callApi, type ApiAnswer } from './http.js';

export interface TestStack {
  config: Config;
  prisma: PrismaClient;
  /** Absent with `{ api: false }`. */
  api: TestApi;
  /** Absent with `{ worker: false }`. */
  worker?: TestWorker;
  /** A client of the stack's Temporal (absent with `{ worker: false }`). */
  temporal: Client;
  /** Absent with `{ worker: false }`. */
  weaviate: WeaviateClient;
  /** Settles when the API, worker and clients are up (a file's own `before` hooks await it). */
  ready: Promise<void>;
  /** One authenticated request to this stack's API (tests/helpers/http.ts). */
  call(key: string, method: string, url: string, body?: unknown): Promise<ApiAnswer>;
  /** The typed API client (clients/api.ts) of this stack's API with `key`. */
  client(key: string): ApiClient;
  /**
   * Runs `stop` when the file's tests are over, before the API, worker and clients stop (a browser
   * whose pages still call the API, say): a file's own `after` hooks run after the stack's.
   */
  beforeStop(stop: () => Promise<void>): void;
}

export interface TestStackOptions {
  /** Environment overrides (TEMPORAL_TASK_QUEUE is the file's own unless given). */
  env?: Record<string, string>;
  /** Settings the config cannot carry (an unset ANTHROPIC_API_KEY: the offline summarizer). */
  config?: (config: Config) => Config;
  /** The API's test options, or false for no API (files that drive workflows and activities only). */
  api?: Parameters<typeof startTestApi>[2] | false;
  /** Start a worker and the Temporal and Weaviate clients (default true). */
  worker?: boolean;
}

export function withTestStack(name: string, opts: TestStackOptions = {}): TestStack {
  const parsed = testConfig({ TEMPORAL_TASK_QUEUE: uniqueName(name), ...opts.env });
  const config = opts.config ? opts.config(parsed) : parsed;
  const prisma = testPrisma();
  let connection: Connection | undefined;
  const firstStops: (() => Promise<void>)[] = [];
  const stack = {
    config,
    prisma,
    call: (key: string, method: string, url: string, body?: unknown) => callApi(stack.api.url, key, method, url, body),
    client: (key: string) => apiClient(stack.api.url, key),
    beforeStop: (stop: () => Promise<void>) => void firstStops.push(stop),
  } as TestStack;

  async function start(): Promise<void> {
    if (opts.api !== false) stack.api = await startTestApi(config, prisma, opts.api);
    if (opts.worker === false) return;
    stack.worker = await startTestWorker(config, prisma);
    connection = await Connection.connect(temporalConnectionOptions(config));
    stack.temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    stack.weaviate = await connectWeaviate(config);
  }
  let started: (err?: unknown) => void = () => undefined;
  stack.ready = new Promise<void>((resolve, reject) => (started = (err) => (err === undefined ? resolve() : reject(err as Error))));
  stack.ready.catch(() => undefined); // the failing hook reports it; a file that never awaits ready must not see it unhandled

  before(async () => {
    try {
      await start();
      started();
    } catch (err) {
      started(err ?? new Error('the test stack did not start'));
      throw err;
    }
  });

  after(async () => {
    for (const stop of firstStops) await stop();
    await stack.api?.close();
    await stack.worker?.stop();
    await connection?.close();
    await stack.weaviate?.close();
    await prisma.$disconnect();
  });

  return stack;
}
