/** `memflow relay start | status | stop` as a person runs them: one line each about the local relay. */
import { ensureRelay, relayHealth, relaySettings, stopRelay } from './lifecycle.js';

export async function relayStart(out: (line: string) => void): Promise<void> {
  const h = await ensureRelay();
  out(`relay running on 127.0.0.1:${relaySettings().port} (pid ${h.pid})`);
}

/** Whether the relay runs and what it holds; exit code 1 when it does not run. */
export async function relayStatus(opts: { json?: boolean }, out: (line: string) => void): Promise<void> {
  const { port } = relaySettings();
  const h = await relayHealth(port);
  if (h === undefined || h === 'foreign') {
    if (opts.json) out(JSON.stringify({ running: false, port, foreign: h === 'foreign' }));
    else out(h === 'foreign' ? `127.0.0.1:${port} is used by another program, not a memflow relay` : `no relay on 127.0.0.1:${port} (the next hook starts one; or \`memflow relay start\`)`);
    process.exitCode = 1;
    return;
  }
  if (opts.json) return out(JSON.stringify({ running: true, port, ...h }));
  out(`relay running on 127.0.0.1:${port} (pid ${h.pid})`);
  out(`waiting ${h.spool?.waiting ?? 0}, delivered ${h.spool?.delivered ?? 0} since it started, stuck ${h.spool?.stuck ?? 0}`);
  for (const t of h.spool?.targets ?? []) if (t.problem) out(`  ${t.url}: ${t.problem}`);
}

export async function relayStop(out: (line: string) => void): Promise<void> {
  out(await stopRelay());
}
