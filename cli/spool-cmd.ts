/** `memflow spool status` and `memflow spool flush`: look at and deliver the hook spool on demand. */
import { flushSpool } from './deliver.js';
import { apiTarget } from './api-client.js';
import { parseClientConfig } from '../common/client-config.js';
import { createHttpClient } from './http.js';
import { CliError } from './output.js';
import { Spool } from './spool.js';

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
  const client = createHttpClient();
  let report;
  try {
    report = await flushSpool(spool, client, { baseUrl, apiKey: key }, {
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
