/**
 * One hook posted to a relay on this machine as a hook command does (POST /hook/{event}, JSON), over
 * the caller's keep-alive agent: the answer's status and text, and the round trip (ms). The benches
 * that fire hooks at a relay in process (bench:file-touch, bench:decisions' probe) share it.
 */
import http from 'node:http';

/** `relayMs`: the relay's own clock for the answer (its Server-Timing `relay;dur=`), NaN when it sent none. */
export function postHook(agent: http.Agent, port: number, event: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; text: string; ms: number; relayMs: number }> {
  const text = JSON.stringify(body);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: `/hook/${event}`, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const timing = /relay;dur=([\d.]+)/.exec(String(res.headers['server-timing'] ?? ''));
      res.on('end', () => resolve({ status: res.statusCode ?? 500, text: Buffer.concat(chunks).toString(), ms: performance.now() - t0, relayMs: timing ? Number(timing[1]) : NaN }));
    });
    req.on('error', reject);
    req.end(text);
  });
}
