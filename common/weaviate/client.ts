/**
 * Connecting to Weaviate, for the API and the workers: the client, connected lazily (a process
 * starts while Weaviate is down, and a failed connection is forgotten so the next use tries again),
 * the replication settings of this process, and how Weaviate says "that does not exist".
 */
import weaviate, { ApiKey, type WeaviateClient } from 'weaviate-client';
import type { Config } from '../config.js';

/** How the collections are replicated and read/written (MEMFLOW_WEAVIATE_REPLICATION_FACTOR / _CONSISTENCY). */
export interface VectorReplication {
  /** Replicas per collection (and so per tenant shard); fixed when the collection is created. */
  factor: number;
  /** Consistency level of reads and writes through tenantCollection. */
  consistency: 'ONE' | 'QUORUM' | 'ALL';
}

/** This process's replication settings, set from its config when it connects (schema.ts reads them). */
export const replication: VectorReplication = { factor: 1, consistency: 'QUORUM' };

/** Sets the replication of this process (connectWeaviate calls it with the config). */
export function configureVectorReplication(config: Pick<Config, 'MEMFLOW_WEAVIATE_REPLICATION_FACTOR' | 'MEMFLOW_WEAVIATE_CONSISTENCY'>): void {
  replication.factor = config.MEMFLOW_WEAVIATE_REPLICATION_FACTOR;
  replication.consistency = config.MEMFLOW_WEAVIATE_CONSISTENCY;
}

/** Where a client's REST API is and how to authenticate there (see restEndpointOf). */
export interface RestEndpoint {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:8080 */
  url: string;
  headers: Record<string, string>;
}

const restEndpoints = new WeakMap<WeaviateClient, RestEndpoint>();

/**
 * The REST endpoint of a client made by connectWeaviate (undefined for another client). Batch writes
 * go there rather than through the client's gRPC insertMany, which serialises one object per timer
 * tick and polls for the result every 500 ms: measured here, any batch of 2 or more objects took
 * 507-538 ms over gRPC against 4-31 ms for the same 10-100 objects over REST (weaviate-client
 * 3.12.0; 3.14.0 has the same code and needs Node 22).
 */
export const restEndpointOf = (client: WeaviateClient): RestEndpoint | undefined => restEndpoints.get(client);

/** A client for WEAVIATE_URL (REST) and the same host on WEAVIATE_GRPC_PORT, with the API key. */
export async function connectWeaviate(config: Config): Promise<WeaviateClient> {
  configureVectorReplication(config);
  const url = new URL(config.WEAVIATE_URL);
  const secure = url.protocol === 'https:';
  const client = await weaviate.connectToCustom({
    httpHost: url.hostname,
    httpPort: url.port ? Number(url.port) : secure ? 443 : 80,
    httpSecure: secure,
    ...(url.pathname !== '/' ? { httpPath: url.pathname.replace(/\/+$/, '') } : {}),
    grpcHost: url.hostname,
    grpcPort: config.WEAVIATE_GRPC_PORT,
    grpcSecure: secure,
    ...(config.WEAVIATE_API_KEY ? { authCredentials: new ApiKey(config.WEAVIATE_API_KEY) } : {}),
    timeout: { init: 5, query: 30, insert: 90 },
  });
  restEndpoints.set(client, {
    url: config.WEAVIATE_URL.replace(/\/+$/, ''),
    headers: config.WEAVIATE_API_KEY ? { authorization: `Bearer ${config.WEAVIATE_API_KEY}` } : {},
  });
  return client;
}

export interface LazyWeaviate {
  /** The client, connecting on first use; after a failed connection the next call tries again. */
  get(): Promise<WeaviateClient>;
  /** Closes the client if one was made (the next get() connects again). */
  close(): Promise<void>;
}

/** A client made by `connect` on first use (default: connectWeaviate(config)). */
export function lazyWeaviate(connect: () => Promise<WeaviateClient>): LazyWeaviate {
  let connecting: Promise<WeaviateClient> | undefined;
  return {
    get() {
      if (!connecting) {
        const made = connect();
        connecting = made;
        made.catch(() => {
          if (connecting === made) connecting = undefined;
        });
      }
      return connecting;
    },
    async close() {
      const pending = connecting;
      connecting = undefined;
      if (pending) await pending.then((c) => c.close()).catch(() => {});
    },
  };
}

const messageOf = (err: unknown) => String((err as Error)?.message ?? err);

/** Weaviate's answer when a tenant or collection does not exist (yet): for a reader, nothing is stored. */
export const isNothingStored = (err: unknown) =>
  /tenant not found|tenant .* (does not exist|not found)|class .* not found|could not find class|no such class|collection .* not found/i.test(messageOf(err));

/**
 * For a writer, also a collection that Weaviate's auto-schema made without multi-tenancy from a
 * write that raced a wipe (ensureVectorSchema repairs it).
 */
export const isNotFound = (err: unknown) =>
  isNothingStored(err) || /tenant (does not exist|not found)|multi-tenancy disabled/i.test(messageOf(err));
