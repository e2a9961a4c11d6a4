/**
 * Who is calling the relay, when nothing cheaper tells (workspace-access.ts). On Linux the kernel's
 * socket table (/proc/net/tcp, tcp6) says which user owns the other end of a loopback connection
 * (the `uid` column of the caller's socket). Reading it walks the kernel's whole connection hash
 * table (10-20 ms on this 24 GiB machine), so it is asked once per connection and only for a hook that
 * brought neither the relay's token nor a vouched session. Elsewhere (macOS, Windows) there is no
 * such table without a program like lsof: there the check cannot be made and passes.
 */
import fs from 'node:fs';
import type net from 'node:net';

export type PeerCheck = { ok: true } | { ok: false; reason: string };

const TABLES = ['/proc/net/tcp', '/proc/net/tcp6'];

/** The port of an address as the socket table writes it ("0100007F:1E27" -> 7719). */
const portOf = (hexAddress: string) => parseInt(hexAddress.slice(hexAddress.lastIndexOf(':') + 1), 16);

/**
 * The uid owning the socket whose local port is `peerPort` and whose remote port is `ourPort`: the
 * caller's end of a loopback connection to us. Undefined when no table lists it.
 */
export function loopbackPeerUid(peerPort: number, ourPort: number, tables = TABLES): number | undefined {
  for (const table of tables) {
    let text: string;
    try {
      text = fs.readFileSync(table, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
      const f = line.trim().split(/\s+/);
      if (f.length < 8 || f[0] === 'sl') continue;
      if (portOf(f[1]!) === peerPort && portOf(f[2]!) === ourPort) return Number(f[7]);
    }
  }
  return undefined;
}

let tablesExist: boolean | undefined;
/** Whether this platform has a socket table to ask (Linux). */
export const canCheckPeers = (): boolean => (tablesExist ??= process.platform === 'linux' && typeof process.getuid === 'function' && fs.existsSync(TABLES[0]!));

const checked = new WeakMap<net.Socket, PeerCheck>();

/**
 * Whether the other end of `socket` (a connection the relay accepted) belongs to the user the relay
 * runs as. Remembered per connection (keep-alive connections are checked once).
 */
export function checkPeer(socket: net.Socket): PeerCheck {
  const known = checked.get(socket);
  if (known) return known;
  let verdict: PeerCheck;
  if (!canCheckPeers()) verdict = { ok: true };
  else {
    const uid = socket.remotePort !== undefined && socket.localPort !== undefined ? loopbackPeerUid(socket.remotePort, socket.localPort) : undefined;
    const own = process.getuid!();
    verdict =
      uid === own
        ? { ok: true }
        : { ok: false, reason: uid === undefined ? 'the caller of this connection could not be found in the socket table' : `the caller runs as uid ${uid}, the relay serves only uid ${own}, the user it runs as` };
  }
  checked.set(socket, verdict);
  return verdict;
}
