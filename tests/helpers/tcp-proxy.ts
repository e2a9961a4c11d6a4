/**
 * A TCP proxy in front of a real server, for outage tests: `cut()` refuses new connections and
 * severs open ones (as a crashed or unreachable server would), `restore()` listens again on the
 * same port. It lets a test take PostgreSQL away from the API and worker without stopping the
 * machine's shared server. In front of an HTTP server it has two more faults: `blackhole()` takes
 * connections and never answers (until `restore()`), and `loseNextAnswer(prefix)` lets the next
 * request whose first line starts with `prefix` through but drops its 200 answer (the server did
 * the work; the client never hears of it).
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
  blackhole(): void;
  loseNextAnswer(requestLinePrefix: string): void;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  let blackholed = false;
  let lose: string | undefined;
  const makeServer = () =>
    net.createServer((client) => {
      track(client);
      if (blackholed) return; // taken, never answered
      const upstream = net.connect(target);
      track(upstream);
      let lastMatched = false;
      client.on('data', (chunk: Buffer) => {
        if (lose !== undefined && /^[A-Z]+ \//.test(chunk.subarray(0, 16).toString('latin1'))) lastMatched = chunk.subarray(0, lose.length).toString('latin1') === lose;
      });
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        if (lose !== undefined && lastMatched && chunk.subarray(0, 12).toString('latin1') === 'HTTP/1.1 200') {
          lose = undefined;
          client.destroy();
          upstream.destroy();
          return;
        }
        if (!client.write(chunk)) upstream.pause();
      });
      client.on('drain', () => upstream.resume());
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
  let server = makeServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  let listening = true;

  const cut = async () => {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return {
    port,
    cut,
    blackhole() {
      blackholed = true;
      for (const s of sockets) s.destroy();
    },
    loseNextAnswer(requestLinePrefix: string) {
      lose = requestLinePrefix;
    },
    async restore() {
      if (blackholed) {
        blackholed = false;
        for (const s of sockets) s.destroy();
      }
      if (listening) return;
      server = makeServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', resolve);
      });
      listening = true;
    },
    close: cut,
  };
}

/** The same database URL, reached through the proxy. */
export function viaProxy(databaseUrl: string, proxy: TcpProxy): string {
  const u = new URL(databaseUrl);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}
