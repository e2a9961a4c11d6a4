/**
 * A small HTTP client on node:http(s): no fetch (undici takes tens of milliseconds to load, which a
 * hook pays on every tool call), one keep-alive agent per client so a spool flush reuses its
 * connection, and a hard deadline that covers connect, request and the whole response.
 * It never throws: every failure is a value the caller classifies.
 */
import http from 'node:http';
import https from 'node:https';
import type { Transport } from '../clients/core.js';

export type HttpOutcome =
  | { kind: 'response'; status: number; headers: http.IncomingHttpHeaders; body: string }
  /** No answer: refused, reset, DNS, TLS, timed out (`code` 'ETIMEDOUT'), or the answer was cut. */
  | { kind: 'network'; code: string; message: string };

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** Sent as is with content-type application/json. */
  body?: string;
  timeoutMs: number;
}

export interface HttpClient {
  request(req: HttpRequest): Promise<HttpOutcome>;
  /** Closes kept-alive sockets so the process can exit at once. */
  close(): void;
}

/** Largest answer read; memflow's answers are small, so more means something is wrong. */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export function createHttpClient(): HttpClient {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 4 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 4 }),
  };

  function request(req: HttpRequest): Promise<HttpOutcome> {
    return new Promise<HttpOutcome>((resolve) => {
      let settled = false;
      const done = (outcome: HttpOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      let url: URL;
      try {
        url = new URL(req.url);
      } catch {
        resolve({ kind: 'network', code: 'EINVALIDURL', message: `not a URL: ${req.url}` });
        return;
      }
      const isHttps = url.protocol === 'https:';
      if (!isHttps && url.protocol !== 'http:') {
        resolve({ kind: 'network', code: 'EINVALIDURL', message: `not an http(s) URL: ${req.url}` });
        return;
      }
      const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
      if (req.body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(req.body));
      }
      const timer = setTimeout(() => {
        done({ kind: 'network', code: 'ETIMEDOUT', message: `no answer within ${req.timeoutMs} ms` });
        r.destroy();
      }, Math.max(1, req.timeoutMs));

      const r = (isHttps ? https : http).request(
        url,
        { method: req.method, headers, agent: isHttps ? agents['https:'] : agents['http:'] },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              done({ kind: 'network', code: 'ETOOBIG', message: `answer larger than ${MAX_RESPONSE_BYTES} bytes` });
              res.destroy();
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () =>
            done({ kind: 'response', status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', (err: NodeJS.ErrnoException) => done({ kind: 'network', code: err.code ?? 'ECONNRESET', message: err.message }));
          res.on('aborted', () => done({ kind: 'network', code: 'ECONNRESET', message: 'the answer was cut off' }));
        },
      );
      r.on('error', (err: NodeJS.ErrnoException) => {
        const code = err.code ?? (err instanceof AggregateError ? aggregateCode(err) : undefined) ?? 'ENETWORK';
        done({ kind: 'network', code, message: err.message || code });
      });
      if (req.body !== undefined) r.end(req.body);
      else r.end();
    });
  }

  return {
    request,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

/** Node reports a refused dual-stack connect (localhost) as an AggregateError of per-address errors. */
function aggregateCode(err: AggregateError): string | undefined {
  for (const inner of err.errors as NodeJS.ErrnoException[]) if (inner?.code) return inner.code;
  return undefined;
}

/** The typed API client's transport (clients/api.ts) over this client: requests to `base`, each within `timeoutMs`. */
export function httpTransport(client: HttpClient, base: string, timeoutMs: number): Transport {
  return async (req) => {
    const outcome = await client.request({ method: req.method, url: `${base}${req.path}`, headers: req.headers, ...(req.body !== undefined ? { body: req.body } : {}), timeoutMs });
    if (outcome.kind === 'network') throw Object.assign(new Error(outcome.message), { code: outcome.code });
    const { headers } = outcome;
    return { status: outcome.status, text: outcome.body, headers: { get: (name) => [headers[name.toLowerCase()] ?? []].flat()[0] ?? null } };
  };
}
