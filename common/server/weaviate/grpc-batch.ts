/**
 * Batch upserts through Weaviate's gRPC API (weaviate.v1.Weaviate/BatchObjects), each vector sent
 * as packed little-endian float32 bytes and the answer holding only the refused objects.
 *
 * Why not the alternatives (measured here, weaviate-client 3.12.0, Weaviate 1.38.11):
 * - the client's insertMany serialises one object per timer tick and polls for the result every
 *   500 ms, so any batch of 2 or more objects took 507-538 ms;
 * - POST /v1/batch/objects sends every vector as JSON text and answers with every object, vector
 *   included: decoding and encoding that JSON was a quarter of Weaviate's CPU while filling one
 *   tenant from 100k to 300k objects (pprof), besides the stringify and parse on our side.
 *
 * The definitions are Weaviate's own .proto files (proto/README.md), loaded once per process.
 */
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { VectorObjectProperties } from './schema.js';
import { sourceDir } from '../../source-path.js';

/** One object as written: the record's id, its properties and its vector. */
export interface VectorObject {
  id: string;
  properties: VectorObjectProperties;
  vector: number[];
}

/** What a batch write answers: Weaviate's error for each object it refused, by the object's position. */
export interface InsertResult {
  hasErrors: boolean;
  errors: Record<number, { message: string }>;
}

/** Weaviate refused a whole batch write; `code` is the gRPC status, `details` Weaviate's words. */
export class WeaviateBatchError extends Error {
  constructor(
    message: string,
    readonly code: grpc.status,
    readonly details: string,
  ) {
    super(message);
    this.name = 'WeaviateBatchError';
  }

  /**
   * Weaviate refused our credentials: retrying will not help. A key it does not know comes back
   * as UNKNOWN "extract auth: unauthorized: invalid api key" (Weaviate 1.38's batch handler wraps
   * the error without a status); a key without the permission as PERMISSION_DENIED.
   */
  get credentialsRefused(): boolean {
    return this.code === grpc.status.UNAUTHENTICATED || this.code === grpc.status.PERMISSION_DENIED || /^extract auth:/.test(this.details);
  }
}

/** Where Weaviate's gRPC API is and how to authenticate there. */
export interface GrpcTarget {
  host: string;
  port: number;
  secure: boolean;
  apiKey?: string;
}

/** What one batch names besides its objects. */
export interface BatchScope {
  collection: string;
  /** Weaviate tenant name. */
  tenant: string;
  vectorName: string;
  consistency: 'ONE' | 'QUORUM' | 'ALL';
}

export interface BatchWriter {
  write(scope: BatchScope, objects: VectorObject[]): Promise<InsertResult>;
  close(): void;
}

/**
 * Longest a batch write may take: 10 s, plus 40 ms an object (a full batch of 250 into a big index on
 * a busy machine: 20 s). A write that outlives it is stuck (a node lost while it coordinated the
 * write, a connection to a dead node not yet noticed) and is tried again on a new connection.
 */
export const batchDeadlineMs = (objects: number) => Math.min(90_000, 10_000 + 40 * objects);

/** gRPC codes of a write that never reached a working node, or whose node stopped answering: worth a new connection. */
const RECONNECT_CODES = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.CANCELLED, grpc.status.INTERNAL]);

if (os.endianness() !== 'LE') throw new Error('memflow sends vectors to Weaviate as little-endian float32 bytes; this machine is big-endian');

type UnaryCall = (request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, reply?: BatchReply) => void) => void;
type WeaviateServiceClient = grpc.Client & { BatchObjects: UnaryCall };

interface BatchReply {
  errors?: { index?: number; error?: string }[];
}

let service: grpc.ServiceClientConstructor | undefined;

/** The generated client class of weaviate.v1.Weaviate (loaded on first use). */
function serviceClient(): grpc.ServiceClientConstructor {
  if (!service) {
    const definition = protoLoader.loadSync('v1/batch_service.proto', {
      includeDirs: [path.join(sourceDir(import.meta.url), 'proto')],
      enums: String,
      longs: Number,
      defaults: false,
    });
    const v1 = (grpc.loadPackageDefinition(definition).weaviate as grpc.GrpcObject).v1 as grpc.GrpcObject;
    service = v1.Weaviate as grpc.ServiceClientConstructor;
  }
  return service;
}

/** A property value as google.protobuf.Value (our properties are flat: text, number, date). */
function protoValue(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (value === null) return { nullValue: 'NULL_VALUE' };
  if (value instanceof Date) return { stringValue: value.toISOString() };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return { stringValue: String(value) };
}

function protoStruct(properties: object): { fields: Record<string, unknown> } {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) {
    const v = protoValue(value);
    if (v) fields[key] = v;
  }
  return { fields };
}

const vectorBytes = (vector: number[]) => Buffer.from(Float32Array.from(vector).buffer);

/**
 * A writer on its own gRPC channel to `target` (connected on first write). A write that fails for a
 * connection's reason (refused, cut, timed out) is sent once more on a new channel: through a load
 * balancer (the cluster profile's HAProxy) that is a new connection to a node that is up, so a lost
 * node costs one retry, not a stuck activity. Writes are upserts (object uuid = record id), so
 * sending one twice is harmless.
 */
export function createBatchWriter(target: GrpcTarget): BatchWriter {
  const Client = serviceClient();
  const credentials = () => (target.secure ? grpc.credentials.createSsl() : grpc.credentials.createInsecure());
  // A channel of its own (no subchannel shared with another client), so a new one is a new connection.
  const connect = () => new Client(`${target.host}:${target.port}`, credentials(), { 'grpc.use_local_subchannel_pool': 1 }) as unknown as WeaviateServiceClient;
  let client = connect();
  const metadata = new grpc.Metadata();
  if (target.apiKey) metadata.set('authorization', `Bearer ${target.apiKey}`);

  function send(on: WeaviateServiceClient, request: unknown, objects: VectorObject[]): Promise<InsertResult> {
    return new Promise<InsertResult>((resolve, reject) => {
      on.BatchObjects(request, metadata, { deadline: Date.now() + batchDeadlineMs(objects.length) }, (err, reply) => {
        // The message keeps Weaviate's words, so isNotFound still recognises a missing tenant or collection.
        if (err) {
          const details = err.details || err.message;
          return reject(new WeaviateBatchError(`Weaviate refused a batch of ${objects.length} objects (gRPC ${grpc.status[err.code] ?? err.code}): ${details}`, err.code, details));
        }
        const errors: Record<number, { message: string }> = {};
        for (const e of reply?.errors ?? []) {
          const i = e.index ?? 0;
          errors[i] = { message: errors[i] ? `${errors[i].message}; ${e.error ?? 'failed'}` : (e.error ?? 'failed') };
        }
        resolve({ hasErrors: Object.keys(errors).length > 0, errors });
      });
    });
  }

  return {
    async write(scope, objects) {
      const request = {
        consistencyLevel: `CONSISTENCY_LEVEL_${scope.consistency}`,
        objects: objects.map((o) => ({
          uuid: o.id,
          collection: scope.collection,
          tenant: scope.tenant,
          properties: { nonRefProperties: protoStruct(o.properties) },
          vectors: [{ name: scope.vectorName, vectorBytes: vectorBytes(o.vector), type: 'VECTOR_TYPE_SINGLE_FP32' }],
        })),
      };
      const used = client;
      try {
        return await send(used, request, objects);
      } catch (err) {
        if (!(err instanceof WeaviateBatchError) || err.credentialsRefused || !RECONNECT_CODES.has(err.code)) throw err;
        // Another write may have replaced the channel already; replace it only once.
        if (client === used) {
          client = connect();
          used.close();
        }
        return send(client, request, objects);
      }
    },
    close: () => client.close(),
  };
}
