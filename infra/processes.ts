/**
 * memflow's own processes (API and worker) run in the background by `npm run up`: the built
 * JavaScript (infra/build.ts) with plain `node`, the worker with the prebuilt workflow bundle.
 */
import path from 'node:path';
import { builtAt, nodeArgs, workflowBundleFile } from './build.js';
import { backgroundNice, processStartMs, runningPid, startDaemon, stopDaemon } from './daemon.js';
import { repoRoot, type StackProfile } from './profile.js';
import { waitUntil } from './wait-until.js';

export const APP_PROCESSES = [
  { name: 'worker', entry: 'workers/main.ts' },
  { name: 'api', entry: 'api/main.ts' },
] as const;
export type AppProcess = (typeof APP_PROCESSES)[number]['name'];

const files = (p: StackProfile, name: AppProcess) => ({
  pidFile: path.join(p.runDir, `${name}.pid`),
  logFile: path.join(p.logDir, `${name}.log`),
});

const entryOf = (name: AppProcess) => APP_PROCESSES.find((a) => a.name === name)!.entry;

/**
 * What a running app's command line contains: its entry without the extension, so that a process
 * started from the build (dist/server/api/main.js) and one started from the sources by an earlier
 * version (api/main.ts through tsx) are both recognized as the app.
 */
export const appMarker = (entry: string): string => entry.replace(/\.ts$/, '.');

/** Whether the running process `pid` started before the build it would run now was made (infra/build.ts). */
export function runsOlderBuild(pid: number, kind: 'api' | 'worker'): boolean {
  const started = processStartMs(pid);
  return started !== undefined && started < builtAt(kind);
}

/**
 * Starts the process unless it runs already, from the current build: one that started before the
 * build was made is stopped and started again (`restarted`). Returns its pid and whether it was
 * started now.
 */
export async function startApp(p: StackProfile, name: AppProcess, env: NodeJS.ProcessEnv): Promise<{ pid: number; started: boolean; restarted: boolean; logFile: string }> {
  const { pidFile, logFile } = files(p, name);
  const running = runningPid(pidFile, appMarker(entryOf(name)));
  const restarted = running !== undefined && runsOlderBuild(running, name);
  if (restarted) await stopApp(p, name);
  else if (running !== undefined) return { pid: running, started: false, restarted, logFile };
  const pid = startDaemon({
    name,
    command: process.execPath,
    args: nodeArgs(entryOf(name)),
    cwd: repoRoot,
    env: name === 'worker' ? { ...env, MEMFLOW_WORKFLOW_BUNDLE: env.MEMFLOW_WORKFLOW_BUNDLE || workflowBundleFile } : env,
    logFile,
    pidFile,
    // The worker's summaries and vector sync yield the CPU to the agent and to the API's hook answers: niced, and so is
    // its scheduling group (a session of its own: under Linux's autogroup its threads' niceness alone counted for nothing
    // against the agent's or the API's session).
    ...(name === 'worker' ? { nice: backgroundNice(env), niceGroup: true } : {}),
  });
  return { pid, started: true, restarted, logFile };
}

export async function stopApp(p: StackProfile, name: AppProcess): Promise<boolean> {
  return stopDaemon(files(p, name).pidFile, appMarker(entryOf(name)), 30_000);
}

/**
 * One look at a memflow API's `/ready`: ready, with at least one worker polling its task queue.
 * `answer` is the body as sent, for the error when waiting for it times out.
 */
export async function apiReady(url: string): Promise<{ ok: boolean; answer: string }> {
  const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(3000) });
  const body = (await res.json()) as { ready: boolean; dependencies: { temporal?: { workerPollers?: number } } };
  return { ok: body.ready && (body.dependencies.temporal?.workerPollers ?? 0) > 0, answer: JSON.stringify(body) };
}

/**
 * Waits until the API at `url` is ready (`apiReady`) and `also`, when given, holds; fails naming the
 * last answer (with what `also` noted) and where the logs are.
 */
export async function waitApiReady(url: string, opts: { what: string; timeoutMs: number; intervalMs: number; logDir: string; also?: () => Promise<{ ok: boolean; note: string }> }): Promise<void> {
  let last = '';
  try {
    await waitUntil(
      async () => {
        const { ok, answer } = await apiReady(url);
        last = answer;
        if (!ok || !opts.also) return ok;
        const more = await opts.also();
        last += ` ${more.note}`;
        return more.ok;
      },
      { what: opts.what, timeoutMs: opts.timeoutMs, intervalMs: opts.intervalMs },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\nlast /ready answer: ${last || '(none)'}\nlogs: ${opts.logDir}`);
  }
}
