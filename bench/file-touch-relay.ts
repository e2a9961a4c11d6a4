/**
 * bench:file-touch's relay, in a process of its own as the relay daemon runs beside an agent: the real relay
 * (startRelay) with the bench's budgets, its API the bench's stand-in. Prints its port as one JSON line; stops
 * when its stdin closes (the bench's end, or the bench gone). `bare` instead: a plain Node HTTP server that
 * reads the JSON and answers `{}` with its own clock — what any server costs on this machine (a process woken
 * after the model's turn is slow to answer here even when it does nothing).
 *
 *   tsx bench/file-touch-relay.ts <spool-dir> <api-url>
 *   tsx bench/file-touch-relay.ts bare
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startRelay } from '../cli/relay/relay-server.js';

const [spoolDir, apiUrl] = process.argv.slice(2);
let port: number;
let close: () => Promise<void>;
if (spoolDir === 'bare') {
  const server = http.createServer((req, res) => {
    const t0 = performance.now();
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      JSON.parse(body);
      res.writeHead(200, { 'content-type': 'application/json', 'server-timing': `relay;dur=${(performance.now() - t0).toFixed(2)}` }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  close = () => new Promise((r) => server.close(() => r()));
} else {
  if (!spoolDir || !apiUrl) {
    console.error('usage: file-touch-relay.ts <spool-dir> <api-url> | bare');
    process.exit(2);
  }
  const relay = await startRelay({ port: 0, spoolDir, defaultUrl: apiUrl, startBudgetMs: 200, promptBudgetMs: 300 });
  port = relay.port;
  close = () => relay.close();
}
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void close().then(() => process.exit(0)));
