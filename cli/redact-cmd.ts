/**
 * `memflow redact --check`: reads text on stdin and shows what redaction would remove (rule, span,
 * the value masked), for users checking their own text or rules; nothing is sent anywhere.
 * `memflow redact rescan [--wait]`: POST /v1/admin/redaction/rescan, then GET /v1/admin/jobs/{jobId}.
 */
import { explainRedaction, maskSecret } from '../common/rules/redact-explain.js';
import { TenantRuleError, TenantRules, type CompiledRule } from '../common/rules/redact-tenant-rules.js';
import { withApi, type ApiOptions } from './api-client.js';
import { ADMIN_HINT, waitAdminJob } from './jobs.js';
import { CliError, printTable } from './output.js';

type Out = (line: string) => void;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Line and column (1-based) of an offset, for people reading the findings. */
function lineCol(text: string, at: number): string {
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return `${line}:${at - before.lastIndexOf('\n')}`;
}

export async function redactCheck(opts: { json?: boolean; show?: boolean; rules?: string; tenant?: string }, out: Out, input?: string): Promise<void> {
  let extra: CompiledRule[] = [];
  try {
    const rules = TenantRules.load(opts.rules);
    extra = opts.tenant ? rules.for({ tenantName: opts.tenant, tenantId: opts.tenant }) : rules.rules;
  } catch (err) {
    if (err instanceof TenantRuleError) throw new CliError(err.message);
    throw err;
  }
  const text = input ?? (await readStdin());
  const { text: redacted, findings } = explainRedaction(text, extra);
  if (opts.json) {
    // Spans and rules only: the values stay out of anything a script may log.
    return out(JSON.stringify({ findings: findings.map((f) => ({ ...f, length: f.end - f.start })), redacted: opts.show ? redacted : undefined }));
  }
  if (findings.length === 0) out('nothing would be redacted');
  else {
    printTable(['RULE', 'AT', 'SPAN', 'VALUE (masked)'], findings.map((f) => [f.rule, lineCol(text, f.start), `${f.start}-${f.end}`, maskSecret(text.slice(f.start, f.end))]), out);
    out(`${findings.length} redaction${findings.length === 1 ? '' : 's'}`);
  }
  if (opts.show) {
    out('');
    out(redacted);
  }
}

interface RescanResult {
  changed: Record<string, number>;
  scanned: Record<string, number>;
  rules: Record<string, number>;
  vectorsUpserted: number;
  runs: number;
}

export async function redactRescan(opts: ApiOptions & { wait?: boolean; json?: boolean }, out: Out): Promise<void> {
  const started = await withApi(opts, (api) => api.rescanRedaction(), ADMIN_HINT);
  if (!opts.wait) {
    if (opts.json) return out(JSON.stringify(started));
    return out(`redaction rescan started (job ${started.jobId}); run with --wait to follow it`);
  }
  if (!opts.json) out(`redaction rescan started (job ${started.jobId})`);
  const job = await waitAdminJob(started.jobId, opts);
  if (opts.json) out(JSON.stringify(job));
  if (job.status !== 'completed') throw new CliError(`job ${job.jobId} ${job.status}${job.error ? `: ${job.error}` : ''}`);
  if (opts.json) return;
  const r = job.result as RescanResult;
  const tables = Object.keys(r.scanned);
  printTable(['TABLE', 'SCANNED', 'CHANGED'], tables.map((t) => [t, String(r.scanned[t] ?? 0), String(r.changed[t] ?? 0)]), out);
  const rules = Object.entries(r.rules).sort((a, b) => b[1] - a[1]);
  out(rules.length === 0 ? 'no new redactions' : `new redactions by rule: ${rules.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  out(`Weaviate objects rewritten: ${r.vectorsUpserted}`);
}
