/**
 * bench:ingest's side of the HTTP exchange: POST and GET over a shared keep-alive agent, timed on
 * the client and read for the server's own timing, and hook deliveries retried as the hook client's
 * spool would retry them.
 */
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { serverPhases } from './lib.js';

export interface Ack {
  clientMs: number;
  serverMs: number | undefined;
  /** The server's phases (Server-Timing, ms): auth, redact, db, context… */
  phases: Record<string, number>;
  duplicate: boolean;
}

/** Total and phases from one parse of the Server-Timing header. */
function timingOf(header: string | string[] | undefined): Pick<Ack, 'serverMs' | 'phases'> {
  const { total, ...phases } = serverPhases(header);
  return { serverMs: total, phases };
}

/** One POST over the shared keep-alive agent; resolves with the status, timing and body. */
export function post(agent: http.Agent, base: URL, path: string, key: string, body: unknown, extra: Record<string, string> = {}): Promise<{ status: number; ack: Ack; text: string }> {
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: base.hostname, port: base.port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': payload.length, authorization: `Bearer ${key}`, ...extra } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            ack: { clientMs: performance.now() - t0, ...timingOf(res.headers['server-timing']), duplicate: res.headers['x-memflow-duplicate'] === 'true' },
            text: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export function get(agent: http.Agent, base: URL, path: string, key: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: base.hostname, port: base.port, path, method: 'GET', headers: { authorization: `Bearer ${key}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Posts hooks until each is answered 200, counting the answers that were not (a run's "retried answers"). */
export class HookPoster {
  errors = 0;
  firstError: string | undefined;
  constructor(
    private readonly agent: http.Agent,
    private readonly base: URL,
    private readonly headers: Record<string, string> = {},
  ) {}

  async deliver(key: string, d: { event: string; body: unknown }): Promise<Ack> {
    for (let attempt = 0; ; attempt++) {
      const r = await post(this.agent, this.base, `/v1/hooks/${d.event}`, key, d.body, this.headers);
      if (r.status === 200) return r.ack;
      this.errors++;
      this.firstError ??= `${d.event} answered ${r.status}: ${r.text.slice(0, 200)}`;
      if (attempt >= 20) throw new Error(this.firstError);
      await sleep(100 * (attempt + 1)); // as the hook client's spool would, later
    }
  }
}
