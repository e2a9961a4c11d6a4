/** `memflow spool status`, `flush` and `retarget`: look at, deliver and recover the hook spool on demand. */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { entryBelongsTo, flushSpool, keyFingerprint, spoolTargetOf } from './deliver.js';
import { apiTarget } from '../api-client.js';
import { parseClientConfig } from '../../common/workspace/client-config.js';
import { createHttpClient } from '../node-http.js';
import { CliError } from '../output.js';
import { Spool, type SpoolEntry } from './spool.js';
import { ClientLedger } from './client-ledger.js';

export async function spoolStatus(opts: { json?: boolean }, out: (line: string) => void): Promise<void> {
  const s = await new Spool(parseClientConfig().MEMFLOW_SPOOL_DIR).status();
  if (opts.json) return out(JSON.stringify(s));
  out(`spool      ${s.dir}`);
  out(`waiting    ${s.waiting}${s.oldest ? ` (oldest ${s.oldest}, newest ${s.newest})` : ''}`);
  out(`in flight  ${s.claimed}${s.staleClaims ? ` (${s.staleClaims} stale: their process died; the next flush retries them)` : ''}`);
  if (s.corrupt) out(`corrupt    ${s.corrupt} (unreadable *.corrupt files, kept for inspection)`);
  out(`size       ${s.bytes} bytes`);
}

export async function spoolFlush(opts: { url?: string; json?: boolean }, out: (line: string) => void, err: (line: string) => void): Promise<void> {
  const { base: baseUrl, key } = apiTarget(opts.url);
  const spool = new Spool(parseClientConfig().MEMFLOW_SPOOL_DIR);
  const ledger = new ClientLedger(spool.dir);
  const client = createHttpClient();
  let report;
  try {
    report = await flushSpool(spool, client, { baseUrl, apiKey: key, clientId: ledger.clientId() }, {
      ledger,
      until: Number.POSITIVE_INFINITY,
      maxRequestMs: parseClientConfig().MEMFLOW_HOOK_TIMEOUT_MS * 5,
      log: (line) => err(`memflow spool: ${line}`),
      rounds: 100,
      // Run by the user with their key: it also takes what was spooled here while no key was set.
      adoptUnbound: true,
    });
  } finally {
    client.close();
  }
  const left = await spool.status();
  if (opts.json) out(JSON.stringify({ ...report, waiting: left.waiting, inFlight: left.claimed }));
  else {
    out(`delivered ${report.delivered}${report.duplicates ? ` (${report.duplicates} the API already had)` : ''}, dropped ${report.dropped}, still waiting ${left.waiting}`);
    if (report.foreign) out(`${report.foreign} waiting event(s) belong to another API or key and were left for it (run this with that MEMFLOW_URL and MEMFLOW_API_KEY)`);
  }
  if (report.stoppedBy) throw new CliError(`stopped: ${report.stoppedBy}`);
}

/** Who a waiting entry was captured for, in words (never the key itself). */
function targetWords(t: SpoolEntry['target']): string {
  if (!t) return 'no recorded target (an old entry)';
  return `${t.url} with ${t.key ? `key ${t.key.slice(0, 8)}…` : 'no key set'}`;
}

/**
 * `memflow spool retarget`: events captured under a wrong MEMFLOW_URL or key (or with none) wait for
 * good, since an event is only ever delivered where it was meant to go. After the user has corrected
 * the setting, this shows what waits for which target and, once confirmed (a y at the prompt, or
 * --yes), points those events at the current MEMFLOW_URL and key and delivers them.
 */
export async function spoolRetarget(opts: { url?: string; yes?: boolean; json?: boolean }, out: (line: string) => void, err: (line: string) => void): Promise<void> {
  const { base, key } = apiTarget(opts.url);
  const spool = new Spool(parseClientConfig().MEMFLOW_SPOOL_DIR);
  const current = { baseUrl: base, apiKey: key };
  const groups = new Map<string, { words: string; names: string[]; sessions: Set<string> }>();
  for (const name of await spool.waiting()) {
    let entry: SpoolEntry;
    try {
      entry = JSON.parse(fs.readFileSync(path.join(spool.dir, name), 'utf8')) as SpoolEntry;
    } catch {
      continue;
    }
    if (entryBelongsTo(entry, current)) continue;
    const words = targetWords(entry.target);
    const g = groups.get(words) ?? { words, names: [], sessions: new Set<string>() };
    g.names.push(name);
    if (typeof entry.body.session_id === 'string') g.sessions.add(entry.body.session_id);
    groups.set(words, g);
  }
  const total = [...groups.values()].reduce((n, g) => n + g.names.length, 0);
  if (total === 0) {
    out(`nothing to retarget: every waiting event is for ${base} with this key`);
    return;
  }
  out(`${total} waiting event(s) were captured for another API or key:`);
  for (const g of groups.values()) out(`  ${String(g.names.length).padStart(5)}  from ${g.sessions.size} session(s), for ${g.words}`);
  out(`they would be sent to ${base} with key ${keyFingerprint(key).slice(0, 8)}… (this tenant keeps them)`);
  if (!opts.yes) {
    if (!process.stdin.isTTY) throw new CliError('not confirmed: run it in a terminal and answer y, or pass --yes');
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    const answer = await new Promise<string>((resolve) => rl.question('send them there? [y/N] ', resolve));
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      out('nothing changed');
      return;
    }
  }
  let moved = 0;
  for (const g of groups.values()) {
    for (const name of g.names) {
      const claim = await spool.claim(name);
      if (!claim) continue;
      await spool.add({ ...claim.entry, target: spoolTargetOf(base, key) });
      await claim.complete();
      moved++;
    }
  }
  out(`retargeted ${moved} event(s); delivering them now`);
  await spoolFlush({ ...opts }, out, err);
}
