/**
 * A TCP proxy in front of a real server, for outage tests: `cut()` resets new connections and
 * severs open ones (as a crashed or unreachable server would), `restore()` passes them on again.
 * The proxy keeps its port while cut: a port let go could be taken by any other process on the
 * machine (a parallel test's server, an outgoing connection), and the client would then reach that
 * process instead of an outage. It lets a test take PostgreSQL away from the API and worker without stopping the
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
  /** Connections made to the proxy so far, the ones reset while it was cut included. */
  connections(): number;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  let blackholed = false;
  let refusing = false;
  let lose: string | undefined;
  let connections = 0;
  const makeServer = () =>
    net.createServer((client) => {
      connections++;
      if (refusing) return client.resetAndDestroy(); // as a server that is not there: a reset, nothing read
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
  const server = makeServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  const cut = async () => {
    refusing = true;
    for (const s of sockets) s.destroy();
  };
  return {
    port,
    cut,
    connections: () => connections,
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
      refusing = false;
    },
    async close() {
      await cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The same database URL, reached through the proxy. */
export function viaProxy(databaseUrl: string, proxy: TcpProxy): string {
  const u = new URL(databaseUrl);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}
