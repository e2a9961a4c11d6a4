/**
 * Connecting to Weaviate, for the API and the workers: the client, connected lazily (a process
 * starts while Weaviate is down, and a failed connection is forgotten so the next use tries again),
 * the replication settings of this process, and how Weaviate says "that does not exist".
 */
import weaviate, { ApiKey, type WeaviateClient } from 'weaviate-client';
import type { Config } from '../config.js';
import { createBatchWriter, type BatchWriter, type GrpcTarget } from './grpc-batch.js';

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

const batchWriters = new WeakMap<WeaviateClient, BatchWriter>();

/** The gRPC batch writer of a client made by connectWeaviate (undefined for another client; see grpc-batch.ts). */
export const batchWriterOf = (client: WeaviateClient): BatchWriter | undefined => batchWriters.get(client);

/** Weaviate's gRPC API for this config: WEAVIATE_URL's host on WEAVIATE_GRPC_PORT, TLS when the URL is https, the API key. */
export function grpcTargetOf(config: Pick<Config, 'WEAVIATE_URL' | 'WEAVIATE_GRPC_PORT' | 'WEAVIATE_API_KEY'>): GrpcTarget {
  const url = new URL(config.WEAVIATE_URL);
  return { host: url.hostname, port: config.WEAVIATE_GRPC_PORT, secure: url.protocol === 'https:', ...(config.WEAVIATE_API_KEY ? { apiKey: config.WEAVIATE_API_KEY } : {}) };
}

/** A client for WEAVIATE_URL (REST) and the same host on WEAVIATE_GRPC_PORT, with the API key. */
export async function connectWeaviate(config: Config): Promise<WeaviateClient> {
  configureVectorReplication(config);
  const url = new URL(config.WEAVIATE_URL);
  const secure = url.protocol === 'https:';
  const grpc = grpcTargetOf(config);
  const client = await weaviate.connectToCustom({
    httpHost: url.hostname,
    httpPort: url.port ? Number(url.port) : secure ? 443 : 80,
    httpSecure: secure,
    ...(url.pathname !== '/' ? { httpPath: url.pathname.replace(/\/+$/, '') } : {}),
    grpcHost: grpc.host,
    grpcPort: grpc.port,
    grpcSecure: grpc.secure,
    ...(config.WEAVIATE_API_KEY ? { authCredentials: new ApiKey(config.WEAVIATE_API_KEY) } : {}),
    // Seconds. No REST call of ours (schema, tenants, deletes, queries) should take longer; batch
    // writes go over gRPC with their own deadline (grpc-batch.ts).
    timeout: { init: 5, query: 30, insert: 30 },
  });
  const writer = createBatchWriter(grpc);
  // The same client, whose close() also closes the batch writer's channel.
  const connected: WeaviateClient = {
    ...client,
    close: async () => {
      writer.close();
      await client.close();
    },
  };
  batchWriters.set(connected, writer);
  return connected;
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
