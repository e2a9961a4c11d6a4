/**
 * `memflow doctor`: is this machine's memflow set up to capture what the agents do? Run anywhere in
 * a repository, it checks the API (reachable, ready), the key (accepted), which project this
 * repository is (as the hooks, the MCP tools and the CLI all name it), the local relay (running, this
 * user's own, delivering, or stuck), the spool (events waiting, and any stuck for another API or
 * key), and for every agent set up here (the host model, cli/hosts/install-hosts.ts) its hooks
 * (installed, portable, every command they run on PATH) and its MCP entry, and says for each problem
 * what to do. Exits 1 when something is broken — stuck events, or a hook command that does not
 * resolve, included — so scripts can check it.
 */
import fs from 'node:fs';
import { readJson } from './json-file.js';
import path from 'node:path';
import { entryBelongsTo, keyFingerprint } from './capture/deliver.js';
import { parseClientConfig } from '../common/workspace/client-config.js';
import { apiBaseUrl } from './env.js';
import { ApiError, createApiClient, type ApiClient } from '../clients/api.js';
import { apiPaths } from '../clients/api-paths.js';
import { createHttpClient, httpTransport } from './node-http.js';
import os from 'node:os';
import { hostStates } from './hosts/install-hosts.js';
import { unresolved } from './hosts/install-shared.js';
import { HOST_LABELS } from './hosts/shared.js';
import { claudeHandlers } from './hosts/install-claude.js';
import { isMemflowHandler } from './claude-hook-handlers.js';
import { Spool } from './capture/spool.js';
import { workTreeRootOf } from '../common/workspace/project-naming.js';
import { repositoryProject } from './repository.js';
import { otherUsersRelay, relayHealth, relaySettings } from './relay/lifecycle.js';
import { defaultRelayPort } from './relay/relay-port.js';
import { reviewFinding } from './review-finding.js';
import { chooseModel, MODEL_SETTINGS, type ModelSetting } from '../common/server/model-choice.js';

type Level = 'ok' | 'warn' | 'fail';
export interface Finding {
  level: Level;
  what: string;
  fix?: string;
}


/**
 * Where to get a key, said to the person reading it: an operator (the database at hand) mints one; a
 * teammate, whose client cannot (keys are minted where the server runs), asks for one.
 */
const KEY_FIX = process.env.DATABASE_URL
  ? 'mint one where the server runs: memflow keys create --tenant <name>'
  : "ask whoever runs your team's memflow server for an API key (keys are minted where the server runs), then export it as MEMFLOW_API_KEY";

export async function diagnose(opts: { url?: string; dir?: string }): Promise<Finding[]> {
  const out: Finding[] = [];
  opts = { ...opts, dir: opts.dir ?? workTreeRootOf(process.cwd()) ?? process.cwd() };
  const base = apiBaseUrl(opts.url);
  const key = parseClientConfig().MEMFLOW_API_KEY;
  const client = createHttpClient();
  try {
    const health = await client.request({ method: 'GET', url: `${base}${apiPaths.ready()}`, timeoutMs: 3000 });
    if (health.kind === 'network') out.push({ level: 'fail', what: `API at ${base} does not answer (${health.code})`, fix: 'start it (`npm run up` in the memflow checkout) or set MEMFLOW_URL' });
    else if (health.status === 200) out.push({ level: 'ok', what: `API at ${base} is up and ready` });
    else out.push({ level: 'warn', what: `API at ${base} answers but is not ready (${health.status}): ${health.body.slice(0, 200)}`, fix: 'see GET /ready for the dependency that is down' });

    // The API with the key, each call bounded like the readiness check; `headers`: the repository's key.
    const apiWith = (k: string, headers: Record<string, string> = {}): ApiClient => createApiClient({ transport: httpTransport(client, base, 3000), key: k, describe: base, headers });
    if (!key) out.push({ level: 'fail', what: 'MEMFLOW_API_KEY is not set: hooks spool everything', fix: process.env.DATABASE_URL ? 'export the key `npm run up` printed (or mint one: memflow keys create --tenant <name>)' : KEY_FIX });
    else if (out[0]!.level !== 'fail') {
      const refused = await apiWith(key)
        .sessions({ limit: 1 })
        .then(() => undefined, failureOf);
      if (refused === undefined) out.push({ level: 'ok', what: `the API accepts MEMFLOW_API_KEY (key ${keyFingerprint(key).slice(0, 8)}…)` });
      else out.push({ level: 'fail', what: `the API refuses MEMFLOW_API_KEY (${refused})`, fix: `the key is unknown or revoked: ${KEY_FIX}` });
    }
    if (key && out[0]!.level !== 'fail') out.push(await projectFinding(apiWith, key, opts.dir!));
    const review = key && out[0]!.level !== 'fail' ? await reviewFinding(apiWith(key)) : undefined;
    if (review) out.push(review);
  } finally {
    client.close();
  }
  out.push(await relayFinding());

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
      level: others > 0 ? 'fail' : names.length >= 20 ? 'warn' : 'ok',
      what: `${names.length} event(s) wait in ${spool.dir}: ${mine} for this API and key, ${others} stuck for another API or key (or none)`,
      ...(others ? { fix: 'if they were captured under a wrong MEMFLOW_URL or key, fix the setting, then `memflow spool retarget` sends them to the current one' } : mine ? { fix: 'the relay delivers them as the API takes them; `memflow spool flush` does it now' } : {}),
    });
  }

  out.push(...hostFindings(opts.dir!));
  out.push(modelFinding());
  return out;
}

/**
 * Which model writes this machine's summaries and learnings, and why (common/server/model-choice.ts:
 * the same choice a worker started here with this environment makes). Offline is no fault: a warning
 * when a model could be used with one step more.
 */
export function modelFinding(env: NodeJS.ProcessEnv = process.env): Finding {
  const raw = env.MEMFLOW_MODEL ?? 'auto';
  if (!(MODEL_SETTINGS as readonly string[]).includes(raw)) return { level: 'fail', what: `MEMFLOW_MODEL=${raw} is not one of ${MODEL_SETTINGS.join(', ')}`, fix: 'set MEMFLOW_MODEL to one of them (docs/summaries.md)' };
  const consent = env.MEMFLOW_MODEL_CLI_CONSENT;
  const choice = chooseModel({ setting: raw as ModelSetting, apiKey: env.ANTHROPIC_API_KEY, consent: consent === undefined ? undefined : ['yes', 'true', '1'].includes(consent), env });
  const what = `summaries and learnings (a worker on this machine, this environment): ${choice.path} — ${choice.why}`;
  if (choice.path !== 'offline') return { level: 'ok', what };
  const couldAgree = /not agreed yet/.test(choice.why);
  return { level: couldAgree || raw !== 'auto' ? 'warn' : 'ok', what, fix: couldAgree ? 'memflow install --summarize-with-agent (it spends your plan: docs/summaries.md says what is sent where)' : 'docs/summaries.md: how to choose a model' };
}

/** Which project this repository is, as the API maps it for the hooks, the MCP tools and the CLI. */
/** What a failed call says in a finding: the HTTP status, or the system's code when there was no answer. */
const failureOf = (err: unknown): string => (err instanceof ApiError ? (err.unreachable ? err.code : String(err.status)) : (err as Error).message);

async function projectFinding(apiWith: (key: string, headers?: Record<string, string>) => ApiClient, key: string, dir: string): Promise<Finding> {
  const p = repositoryProject(dir);
  const from = p.source === 'MEMFLOW_PROJECT' ? 'MEMFLOW_PROJECT' : `the repository at ${dir}${p.key ? ` (key ${p.key})` : ''}`;
  let a: { project: string; exists: boolean; keyed: boolean };
  try {
    a = await apiWith(key, p.key ? { 'x-memflow-project-key': p.key } : {}).projectIdentity(p.name);
  } catch (err) {
    return { level: 'warn', what: `project: "${p.name}" from ${from}; the API did not say how it maps it (${failureOf(err)})` };
  }
  const what = a.exists
    ? `project: "${a.project}" (from ${from}); hooks, MCP tools and CLI commands here all use it`
    : `project: "${a.project}" (from ${from}); nothing stored yet — the first session creates it`;
  return { level: 'ok', what };
}

/** The local relay the hooks hand their events to. */
async function relayFinding(): Promise<Finding> {
  const { port } = relaySettings();
  const h = await relayHealth(port, 1000);
  if (h === undefined) return { level: 'warn', what: `the relay is not running on 127.0.0.1:${port}`, fix: 'the next hook starts it; `memflow relay start` starts it now' };
  if (h === 'foreign') return { level: 'fail', what: `127.0.0.1:${port} is used by another program, so hooks cannot reach the relay`, fix: 'set MEMFLOW_RELAY_PORT to a free port where claude runs' };
  const other = otherUsersRelay(h);
  if (other !== undefined) {
    return {
      level: 'fail',
      what: `127.0.0.1:${port} is another user's relay (uid ${other}, pid ${h.pid}), not yours: it refuses your hooks' events and holds another spool`,
      fix: port === defaultRelayPort() ? `stop that relay, or set MEMFLOW_RELAY_PORT to a free port` : `unset MEMFLOW_RELAY_PORT: your own relay's port is ${defaultRelayPort()}`,
    };
  }
  const problems = (h.spool?.targets ?? []).filter((t) => t.problem);
  const stuck = h.spool?.stuck ?? 0;
  if (stuck > 0 || problems.some((t) => t.refused)) {
    return { level: 'fail', what: `the relay (pid ${h.pid}) has events it cannot deliver: ${problems.map((t) => `${t.url}: ${t.problem}`).join('; ') || `${stuck} session(s) waiting for a key it does not have`}`, fix: 'fix MEMFLOW_URL / MEMFLOW_API_KEY, then `memflow spool retarget`' };
  }
  if (problems.length > 0) return { level: 'warn', what: `the relay (pid ${h.pid}) is waiting for the API: ${problems.map((t) => `${t.url}: ${t.problem}`).join('; ')}`, fix: 'events are kept and delivered when the API answers' };
  return { level: 'ok', what: `your relay (pid ${h.pid}${typeof h.uid === 'number' ? `, uid ${h.uid}` : ''}) on 127.0.0.1:${port} has delivered ${h.spool?.delivered ?? 0} event(s) since it started; ${h.spool?.waiting ?? 0} waiting` };
}

/**
 * Every agent set up in this repository (the host model): its hooks, each command they run (a command
 * that does not resolve on PATH fails every hook, silently for the agent), and its MCP entry.
 */
export function hostFindings(dir: string, home = os.homedir(), envPath = process.env.PATH ?? ''): Finding[] {
  const out: Finding[] = [];
  const states = hostStates({ dir, home });
  const installed = states.filter((s) => s.installed);
  if (installed.length === 0) {
    out.push({ level: 'fail', what: `no agent has memflow's hooks in this repository (${dir})`, fix: 'memflow install --host auto (every agent on PATH), or --host <name>' });
    return out;
  }
  const shown = (f: string) => (f.startsWith(dir + path.sep) ? path.relative(dir, f) : f.replace(home, '~'));
  for (const s of installed) {
    const label = HOST_LABELS[s.host];
    out.push({ level: 'ok', what: `${label}: memflow's hooks in ${s.files.map(shown).join(', ')}` });
    for (const c of unresolved(s.commands, envPath)) {
      out.push({ level: 'fail', what: `${label}'s hooks run \`${c}\`, which is not on PATH: every such hook fails and the agent gets no context`, fix: 'install the memflow client (npm install -g memflow-client, or `npm link` in the memflow checkout), or put its folder on PATH' });
    }
    if (s.mcp) out.push({ level: 'ok', what: `${label}: MCP server "memflow" in ${shown(s.mcp)}` });
    else if (s.host !== 'copilot') out.push({ level: 'warn', what: `${label}: no MCP server "memflow" for this repository: the agent cannot search memory mid-session`, fix: `memflow install --host ${s.host}` });
  }
  const claude = states.find((s) => s.host === 'claude' && s.installed);
  for (const file of claude?.files ?? []) {
    const handlers = claudeHandlers(readJson(file));
    const commands = handlers.flatMap((h) => (h.command ? [h.command] : []));
    const pinned = commands.filter((c) => /^\S*\/(node|memflow\.js)\b|\s\/\S*memflow\.js\b/.test(c));
    if (pinned.length) out.push({ level: 'warn', what: `${file} has hooks with machine paths (${pinned[0]})`, fix: 'memflow install again writes portable ones' });
    if (preToolUseOnEveryTool(readJson(file))) out.push({ level: 'warn', what: `${file} runs memflow's PreToolUse hook on every tool call (the old hook; now only on the file tools)`, fix: 'memflow install again narrows it' });
    const port = relaySettings().port;
    const elsewhere = handlers.map((h) => /^http:\/\/127\.0\.0\.1:(\d+)\/hook\//.exec(h.url ?? '')?.[1]).find((p) => p !== undefined && Number(p) !== port);
    if (elsewhere) out.push({ level: 'fail', what: `${file} posts Claude Code's events to port ${elsewhere}, but your relay listens on ${port}`, fix: 'memflow install again writes your port' });
  }
  return out;
}

/** Whether memflow's PreToolUse handler sits in a group that matches every tool (an install from before the file push). */
function preToolUseOnEveryTool(settings: Record<string, unknown> | undefined): boolean {
  const groups = (settings?.hooks as Record<string, unknown> | undefined)?.PreToolUse;
  if (!Array.isArray(groups)) return false;
  return groups.some((g: { matcher?: unknown; hooks?: unknown }) => (g?.matcher === undefined || g.matcher === '' || g.matcher === '*') && Array.isArray(g?.hooks) && g.hooks.some(isMemflowHandler));
}

export async function doctor(opts: { url?: string; json?: boolean }, outLine: (line: string) => void): Promise<void> {
  const findings = await diagnose(opts);
  if (opts.json) outLine(JSON.stringify({ findings }));
  else for (const f of findings) outLine(`${f.level.padEnd(4)}  ${f.what}${f.fix ? `\n      → ${f.fix}` : ''}`);
  if (findings.some((f) => f.level === 'fail')) process.exitCode = 1;
}
