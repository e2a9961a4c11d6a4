/**
 * `memflow doctor`: is this machine's memflow set up to capture what Claude Code does? Checks the API
 * (reachable, ready), the key (accepted), the spool (events waiting, for this API and key or for
 * others), the hooks (installed, portable, `memflow` on PATH) and the MCP entry, and says for each
 * problem what to do. Exits 1 when something is broken, so scripts can check it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { entryBelongsTo, keyFingerprint } from './deliver.js';
import { parseClientConfig } from '../common/client-config.js';
import { apiBaseUrl } from './env.js';
import { createHttpClient } from './http.js';
import { isMemflowHandler, settingsFile } from './install.js';
import { Spool } from './spool.js';

type Level = 'ok' | 'warn' | 'fail';
export interface Finding {
  level: Level;
  what: string;
  fix?: string;
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** memflow's command handlers in a settings file. */
function ourCommands(settings: Record<string, unknown> | undefined): string[] {
  const hooks = settings?.hooks;
  if (!hooks || typeof hooks !== 'object') return [];
  return Object.values(hooks as Record<string, unknown>)
    .flatMap((groups) => (Array.isArray(groups) ? groups : []))
    .flatMap((g: { hooks?: unknown }) => (Array.isArray(g?.hooks) ? g.hooks : []))
    .filter(isMemflowHandler)
    .map((h: { command?: string; url?: string }) => h.command ?? h.url ?? '');
}

const onPath = (command: string) => (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && fs.existsSync(path.join(dir, command)));

export async function diagnose(opts: { url?: string; dir?: string }): Promise<Finding[]> {
  const out: Finding[] = [];
  const base = apiBaseUrl(opts.url);
  const key = parseClientConfig().MEMFLOW_API_KEY;
  const client = createHttpClient();
  try {
    const health = await client.request({ method: 'GET', url: `${base}/ready`, timeoutMs: 3000 });
    if (health.kind === 'network') out.push({ level: 'fail', what: `API at ${base} does not answer (${health.code})`, fix: 'start it (`npm run up` in the memflow checkout) or set MEMFLOW_URL' });
    else if (health.status === 200) out.push({ level: 'ok', what: `API at ${base} is up and ready` });
    else out.push({ level: 'warn', what: `API at ${base} answers but is not ready (${health.status}): ${health.body.slice(0, 200)}`, fix: 'see GET /ready for the dependency that is down' });

    if (!key) out.push({ level: 'fail', what: 'MEMFLOW_API_KEY is not set: hooks spool everything', fix: 'export the key `npm run up` printed (or mint one: memflow keys create --tenant <name>)' });
    else if (out[0]!.level !== 'fail') {
      const r = await client.request({ method: 'GET', url: `${base}/v1/sessions?limit=1`, headers: { authorization: `Bearer ${key}` }, timeoutMs: 3000 });
      if (r.kind === 'response' && r.status === 200) out.push({ level: 'ok', what: `the API accepts MEMFLOW_API_KEY (key ${keyFingerprint(key).slice(0, 8)}…)` });
      else out.push({ level: 'fail', what: `the API refuses MEMFLOW_API_KEY (${r.kind === 'response' ? r.status : r.code})`, fix: 'the key is unknown or revoked: mint a new one (memflow keys create --tenant <name>)' });
    }
  } finally {
    client.close();
  }

  const spool = new Spool(parseClientConfig().MEMFLOW_SPOOL_DIR);
  const names = (await spool.waiting()).slice(0, 5000);
  let mine = 0;
  let others = 0;
  for (const name of names) {
    try {
      const entry = JSON.parse(fs.readFileSync(path.join(spool.dir, name), 'utf8')) as Parameters<typeof entryBelongsTo>[0];
      if (key && entryBelongsTo(entry, { baseUrl: base, apiKey: key }, true)) mine++;
      else others++;
    } catch {
      others++;
    }
  }
  if (names.length === 0) out.push({ level: 'ok', what: `the spool (${spool.dir}) is empty` });
  else {
    out.push({
      level: names.length >= 20 ? 'warn' : 'ok',
      what: `${names.length} event(s) wait in ${spool.dir}: ${mine} for this API and key, ${others} for another API or key`,
      ...(mine ? { fix: 'memflow spool flush delivers them now' } : {}),
    });
  }

  const files = [settingsFile({ dir: opts.dir }), settingsFile({ dir: opts.dir, shared: true }), settingsFile({ global: true })];
  const installed = files.map((f) => ({ file: f, commands: ourCommands(readJson(f)) })).filter((x) => x.commands.length > 0);
  if (installed.length === 0) out.push({ level: 'fail', what: 'no memflow hooks in .claude/settings.local.json, .claude/settings.json or ~/.claude/settings.json', fix: 'memflow install (in the project)' });
  for (const { file, commands } of installed) {
    out.push({ level: 'ok', what: `${commands.length} memflow hook(s) in ${file}` });
    const pinned = commands.filter((c) => /^\S*\/(node|memflow\.js)\b|\s\/\S*memflow\.js\b/.test(c));
    if (pinned.length) out.push({ level: 'warn', what: `${file} has hooks with machine paths (${pinned[0]})`, fix: 'memflow install again writes portable ones' });
    if (commands.some((c) => /hook pre-tool-use\b/.test(c))) out.push({ level: 'warn', what: `${file} still has the old PreToolUse hook (a process per tool call)`, fix: 'memflow install again removes it' });
  }
  if (installed.some((x) => x.commands.some((c) => /^memflow\s/.test(c))) && !onPath('memflow')) {
    out.push({ level: 'fail', what: 'the hooks run `memflow`, which is not on PATH', fix: 'run `npm link` in the memflow checkout' });
  }
  const mcp = readJson(path.join(path.resolve(opts.dir ?? process.cwd()), '.mcp.json'));
  const servers = mcp?.mcpServers as Record<string, unknown> | undefined;
  out.push(servers && 'memflow' in servers ? { level: 'ok', what: 'MCP server "memflow" in .mcp.json' } : { level: 'warn', what: 'no MCP server "memflow" in .mcp.json: agents cannot search memory mid-session', fix: 'memflow install' });
  return out;
}

export async function doctor(opts: { url?: string; json?: boolean }, outLine: (line: string) => void): Promise<void> {
  const findings = await diagnose(opts);
  if (opts.json) outLine(JSON.stringify({ findings }));
  else for (const f of findings) outLine(`${f.level.padEnd(4)}  ${f.what}${f.fix ? `\n      → ${f.fix}` : ''}`);
  if (findings.some((f) => f.level === 'fail')) process.exitCode = 1;
}
