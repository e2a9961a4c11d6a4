/** An HTTP server of a test on 127.0.0.1 at a free port: started, its URL known, stopped with its connections. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export abstract class LocalServer {
  url = '';
  private server: http.Server | undefined;

  protected abstract handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
