/** What the relay reads from an incoming request (one header, the body up to a size), and how it answers. */
import type http from 'node:http';

/** A header's first value, trimmed; undefined when absent or blank. */
export function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s || undefined;
}

/** The API key a request carries as `Authorization: Bearer <key>`, or undefined. */
export function bearerKey(req: http.IncomingMessage): string | undefined {
  return header(req, 'authorization')?.replace(/^Bearer\s+/i, '').trim() || undefined;
}

/** The body as text, or undefined when it is larger than `maxBytes` (the request is then cut off) or broken off. */
export function readBody(req: http.IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        resolve(undefined);
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(undefined));
  });
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

/** A host's own hook output, as it expects it on stdout. */
export function sendText(res: http.ServerResponse, text: string): void {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}
