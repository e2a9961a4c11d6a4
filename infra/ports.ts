/**
 * Ports of the local stack: who listens on a port (read from /proc, naming the holder), whether
 * anything answers on one, and a free one for a test or a bench.
 */
import fs from 'node:fs';
import net from 'node:net';

/** Who listens on a TCP port: the pids found, and whether a listening socket has no owner we can see. */
export interface PortHolders {
  pids: number[];
  unknownOwner: boolean;
}

/**
 * The processes listening on each of `ports` (TCP, any local address; ports nobody listens on are
 * absent), read from /proc/net/tcp{,6} and the processes' open file descriptors. Unlike a connect
 * probe it cannot mistake a slow answer on a loaded machine for a taken port, and it names the
 * holder. Undefined where /proc has no socket tables (not Linux): callers fall back to portIsFree.
 */
export function portHolders(ports: number[]): Map<number, PortHolders> | undefined {
  const wanted = new Set(ports);
  const portOfInode = new Map<string, number>();
  let tables = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(table, 'utf8');
      tables++;
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A: LISTEN
      const local = f[1]!;
      const port = parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
      if (wanted.has(port) && f[9] !== '0') portOfInode.set(f[9]!, port);
    }
  }
  if (tables === 0) return undefined;
  const ownersOf = new Map<string, Set<number>>([...portOfInode.keys()].map((inode) => [inode, new Set<number>()]));
  if (portOfInode.size > 0) {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let fds: string[];
      try {
        fds = fs.readdirSync(`/proc/${entry}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        let link: string;
        try {
          link = fs.readlinkSync(`/proc/${entry}/fd/${fd}`);
        } catch {
          continue;
        }
        ownersOf.get(/^socket:\[(\d+)\]$/.exec(link)?.[1] ?? '')?.add(Number(entry));
      }
    }
  }
  const out = new Map<number, PortHolders>();
  for (const [inode, port] of portOfInode) {
    const holders = out.get(port) ?? { pids: [], unknownOwner: false };
    const owners = ownersOf.get(inode)!;
    if (owners.size === 0) holders.unknownOwner = true;
    for (const pid of owners) if (!holders.pids.includes(pid)) holders.pids.push(pid);
    out.set(port, holders);
  }
  return out;
}

/** A port nothing listens on (bound on 127.0.0.1, then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** True when nothing accepts connections on host:port. */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}
