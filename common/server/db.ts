/**
 * The database handle and the one place where database errors are classified.
 *
 * Prisma Client (generated into generated/prisma by `npm run generate`) talks to PostgreSQL
 * through the node-postgres driver adapter, so no native query engine is needed.
 *
 * Error classes, which activities map to Temporal failures:
 * - `unique_violation` (Prisma P2002, SQLSTATE 23505): permanent. The row already exists; an
 *   idempotent writer treats it as "already done", anything else as a conflict.
 * - `transient`: the connection failed or was cut (refused, reset, closed, timed out, SQLSTATE
 *   class 08, 57P01..03 shutdowns), or the transaction lost a race (40001 serialization, 40P01
 *   deadlock, 55P03 lock timeout). Retrying the same call is expected to succeed.
 * - `overloaded`: the server or pool is out of capacity (53300 too many connections, class 53,
 *   pool acquire timeouts). Do not retry blindly: back off hard, since more attempts add load.
 * - `permanent`: everything else (bad input, other constraints, missing tables): never retried.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../../generated/prisma/client.js';

export { PrismaClient };
export type { Prisma } from '../../generated/prisma/client.js';
import type { Prisma } from '../../generated/prisma/client.js';

/** The client an interactive transaction hands its callback (`prisma.$transaction(async (tx) => …)`). */
export type Tx = Prisma.TransactionClient;

export interface CreatePrismaOptions {
  /** Pool size per process (node-postgres default: 10). */
  maxConnections?: number;
  /** How long to wait for a free pooled connection before failing (ms; DEFAULT_CONNECTION_TIMEOUT_MS). */
  connectionTimeoutMs?: number;
  /** Called on errors of idle pooled connections (e.g. the server restarted); default: ignore. */
  onPoolError?: (err: Error) => void;
}

/**
 * Splits Prisma's `?schema=` URL parameter off: node-postgres does not know it, while the adapter
 * takes it as an option. Other parameters (sslmode, ...) are left for node-postgres.
 */
export function splitSchemaParam(databaseUrl: string): { connectionString: string; schema?: string } {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error('DATABASE_URL is not a valid URL');
  }
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  return schema ? { connectionString: url.toString(), schema } : { connectionString: url.toString() };
}

/**
 * Options of memflow's interactive transactions (`prisma.$transaction(fn, TRANSACTION_OPTIONS)`).
 * Prisma's defaults (2 s to get a connection, 5 s for the whole transaction) were outlived on a
 * loaded machine (P2028, `timeTaken` 5.4-5.8 s, in summarizeSession during a soak), where a niced
 * worker waits for the CPU between two statements. Transactions hold only their writes (reads and
 * waits for a lock happen before them, see tryLockProjectLearnings), so the timeout is margin for a
 * starved process, not room for more work.
 */
export const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 30_000 } as const;

/**
 * node-postgres' Client, always listening for its connection's errors. A pool listens only while a
 * client is idle: a server restart that cut a checked-out connection (PostgreSQL's 57P01,
 * "terminating connection due to administrator command") was an unhandled 'error' event and killed
 * both workers of a soak. The broken client still fails its next query, and the pool drops it.
 */
export class ResilientClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => {});
  }
}

/** How long a query waits for a free pooled connection by default before it fails (ms). */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;

/** A PrismaClient on its own pg pool. Call `$disconnect()` when done (closes the pool). */
export function createPrisma(databaseUrl: string, opts: CreatePrismaOptions = {}): PrismaClient {
  const { connectionString, schema } = splitSchemaParam(databaseUrl);
  const adapter = new PrismaPg(
    {
      Client: ResilientClient,
      connectionString,
      ...(opts.maxConnections !== undefined ? { max: opts.maxConnections } : {}),
      // Never wait forever for a pooled connection (node-postgres' default): a starved pool, or a
      // client the driver adapter failed to hand back (prisma/orm#29719), then hung an activity
      // until its start-to-close timeout (4 minutes for summaries) instead of failing it for a retry.
      connectionTimeoutMillis: opts.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    },
    {
      ...(schema ? { schema } : {}),
      // An idle connection dropped by the server must not crash the process; the pool replaces it.
      onPoolError: opts.onPoolError ?? (() => {}),
      onConnectionError: opts.onPoolError ?? (() => {}),
    },
  );
  return new PrismaClient({ adapter });
}

// ---------------------------------------------------------------------------------------------
// Error classification
// ---------------------------------------------------------------------------------------------

export type DbErrorClass = 'unique_violation' | 'transient' | 'overloaded' | 'permanent';

/** Prisma error codes (https://pris.ly/d/error-codes) by class. */
const PRISMA_CODES: Record<string, DbErrorClass> = {
  P2002: 'unique_violation',
  P1001: 'transient', // can't reach database server
  P1002: 'transient', // server reached but timed out
  P1008: 'transient', // operations timed out (socket timeout)
  P1017: 'transient', // server closed the connection
  P2034: 'transient', // write conflict or deadlock: retry the transaction
  P2028: 'transient', // transaction API error (e.g. the interactive transaction expired)
  P1018: 'transient', // transaction already closed
  P2024: 'overloaded', // timed out fetching a connection from the pool
  P2037: 'overloaded', // too many database connections
};

/** Node socket errors that mean "the connection failed or broke", not "the request was bad". */
const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** Driver adapter error kinds (@prisma/driver-adapter-utils) by class. */
const ADAPTER_KINDS: Record<string, DbErrorClass> = {
  UniqueConstraintViolation: 'unique_violation',
  DatabaseNotReachable: 'transient',
  ConnectionClosed: 'transient',
  SocketTimeout: 'transient',
  TransactionWriteConflict: 'transient',
  TransactionAlreadyClosed: 'transient',
  TooManyConnections: 'overloaded',
};

function classifySqlState(code: string): DbErrorClass | undefined {
  if (!/^[0-9A-Z]{5}$/.test(code)) return undefined;
  if (code === '23505') return 'unique_violation';
  if (code.startsWith('08')) return 'transient'; // connection exception
  if (code === '57P01' || code === '57P02' || code === '57P03') return 'transient'; // shutdown / starting up
  if (code === '40001' || code === '40P01' || code === '55P03') return 'transient';
  if (code.startsWith('53')) return 'overloaded'; // insufficient resources, incl. 53300
  return 'permanent';
}

function classifyMessage(message: string): DbErrorClass | undefined {
  // node-postgres raises these as plain Errors without a code.
  if (/timeout exceeded when trying to connect/i.test(message)) return 'overloaded'; // pool exhausted
  if (/Connection terminated|connection timeout|Client has encountered a connection error/i.test(message)) {
    return 'transient';
  }
  return undefined;
}

/**
 * Looks through an error and what it wraps (Prisma's meta.driverAdapterError, `cause`, the
 * errors of an AggregateError) for the first thing that identifies its class.
 */
function classifyInner(err: unknown, depth: number): DbErrorClass | undefined {
  if (depth > 6 || err === null || typeof err !== 'object') return undefined;
  const e = err as {
    code?: unknown;
    errorCode?: unknown;
    kind?: unknown;
    originalCode?: unknown;
    meta?: { driverAdapterError?: unknown };
    cause?: unknown;
    errors?: unknown;
    message?: unknown;
  };

  // Driver adapter errors carry the SQLSTATE, which is more precise than the Prisma code.
  const adapterCause = e.meta?.driverAdapterError;
  const fromAdapter = adapterCause !== undefined ? classifyInner(adapterCause, depth + 1) : undefined;
  if (fromAdapter) return fromAdapter;

  for (const code of [e.code, e.errorCode]) {
    if (typeof code !== 'string') continue;
    // Prisma's own codes (P1xxx..P6xxx; PL/pgSQL's SQLSTATEs are P0001..P0004). An unlisted one
    // says nothing about retrying, so keep looking at what it wraps.
    if (/^P[1-9]\d{3}$/.test(code)) {
      const prisma = PRISMA_CODES[code];
      if (prisma) return prisma;
      continue;
    }
    if (TRANSIENT_NODE_CODES.has(code)) return 'transient';
    const sql = classifySqlState(code);
    if (sql) return sql;
  }
  if (typeof e.originalCode === 'string') {
    const sql = classifySqlState(e.originalCode);
    if (sql) return sql;
  }
  if (typeof e.kind === 'string' && ADAPTER_KINDS[e.kind]) return ADAPTER_KINDS[e.kind];

  const fromCause = classifyInner(e.cause, depth + 1);
  if (fromCause) return fromCause;
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const c = classifyInner(inner, depth + 1);
      if (c) return c;
    }
  }
  if (typeof e.message === 'string') return classifyMessage(e.message);
  return undefined;
}

/** The class of a database error; anything unrecognized is `permanent`. */
export function classifyDbError(err: unknown): DbErrorClass {
  return classifyInner(err, 0) ?? 'permanent';
}

/** The class of an error that identifies itself as a database error, else undefined. */
export function dbErrorClassOf(err: unknown): DbErrorClass | undefined {
  return classifyInner(err, 0);
}

/** Unique constraint violated (Prisma P2002, PostgreSQL 23505). */
export function isUniqueViolation(err: unknown): boolean {
  return classifyDbError(err) === 'unique_violation';
}

/** Safe to retry as is: the connection broke or the transaction lost a race. */
export function isRetryableDbError(err: unknown): boolean {
  return classifyDbError(err) === 'transient';
}

/** The database or pool is out of capacity: retry only with long backoff, never in a tight loop. */
export function isDbOverloaded(err: unknown): boolean {
  return classifyDbError(err) === 'overloaded';
}
