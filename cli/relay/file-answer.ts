/**
 * The relay's answer to PreToolUse on a file tool (Read, Edit, Write, MultiEdit, NotebookEdit): what
 * the project decided or learned about the file the agent is about to touch (api/context/file-push.ts),
 * once per file and session, or nothing. Nothing is spooled: PostToolUse carries the same call with
 * its result. The push is read at once (GET /v1/context?for=file, which writes its receipt) within the
 * prompt's hard budget (MEMFLOW_PROMPT_BUDGET_MS); past it, or when api-budget.ts says not to ask,
 * the agent gets `{}` at once. A file already asked about in the session is answered `{}` without
 * asking: the session holds what it was given. A file no memory of the project can be about is answered
 * `{}` without asking too: the relay holds, per project, the names every such file's name is in (GET
 * /v1/context/files, read behind the hook when missing or older than a minute; FileNames below), so
 * that a Read of a file memflow knows nothing of costs the agent no round trip to the API.
 */
import path from 'node:path';
import { fileTouchOutput } from '../../messages/hooks-v1.js';
import { apiPaths } from '../../clients/api-paths.js';
import { projectOfHook } from '../capture/ingress.js';
import { apiBudget } from './api-budget.js';
import { readApiJson, readContextAnswer, type PromptAnswerDeps } from './prompt-answer.js';
import { keyFingerprint } from '../capture/deliver.js';
import { fileMayHaveMemory } from '../../common/rules/file-names.js';
import type { TargetState } from './delivery-targets.js';

const NOTHING = '{}';

/** The tools whose input names one file the agent is about to read or change. */
export const FILE_TOOLS: ReadonlySet<string> = new Set(['Read', 'Edit', 'Write', 'MultiEdit', 'NotebookEdit']);

/** The file a tool call names (`file_path`, or a notebook's `notebook_path`), if any. */
export function fileOfToolCall(body: Record<string, unknown>): string | undefined {
  if (typeof body.tool_name !== 'string' || !FILE_TOOLS.has(body.tool_name)) return undefined;
  const input = body.tool_input;
  if (!input || typeof input !== 'object') return undefined;
  const o = input as Record<string, unknown>;
  const file = typeof o.file_path === 'string' ? o.file_path : typeof o.notebook_path === 'string' ? o.notebook_path : undefined;
  return file && file.length <= 1000 ? file : undefined;
}

/** The path the API is asked about: relative to the agent's working folder when the file is inside it. */
export function askedPath(file: string, cwd: string | undefined): string {
  if (!cwd || !path.isAbsolute(file)) return file;
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** Files asked about per session (bounded: the oldest sessions are forgotten first). */
export class FileTouches {
  private readonly bySession = new Map<string, Set<string>>();
  constructor(
    private readonly maxSessions = 500,
    private readonly maxFilesPerSession = 5000,
  ) {}

  /** True the first time a session touches a file (and notes it); false after. */
  first(session: string, file: string): boolean {
    let files = this.bySession.get(session);
    if (!files) {
      if (this.bySession.size >= this.maxSessions) this.bySession.delete(this.bySession.keys().next().value!);
      files = new Set();
      this.bySession.set(session, files);
    }
    if (files.has(file)) return false;
    if (files.size < this.maxFilesPerSession) files.add(file);
    return true;
  }
}

/** How long a project's names are used after they were read: memory written since reaches a file touch at most this late. */
export const FILE_NAMES_MAX_AGE_MS = 60_000;
const FILE_NAMES_TIMEOUT_MS = 5_000;
/** Projects whose names are held at most (a list older than FILE_NAMES_MAX_AGE_MS is of no use and goes first). */
const MAX_PROJECTS = 20;

/**
 * Per project (API, key, project): the names GET /v1/context/files answered, and when. `ruledOutFor` says
 * whether a file certainly has no memory (then the API is not asked); a project not read yet, read more
 * than FILE_NAMES_MAX_AGE_MS ago, whose list is not complete or whose read failed is asked about every file.
 * A project's names are read at most once per FILE_NAMES_MAX_AGE_MS, one read at a time, whatever the
 * answer: an API without the route, or a project with too many names, costs one read a minute, not one a touch.
 */
export class FileNames {
  private readonly byProject = new Map<string, { names: readonly string[] | undefined; at: number }>();
  private readonly reading = new Map<string, Promise<void>>();
  /** Touches answered without asking, and lists read (health, tests). */
  ruledOut = 0;
  reads = 0;

  constructor(private readonly maxAgeMs = FILE_NAMES_MAX_AGE_MS) {}

  /** True when no memory of the project can be about `file` (by names read within maxAgeMs); false when unsure. */
  ruledOutFor(project: string, file: string, now = Date.now()): boolean {
    const held = this.byProject.get(project);
    if (!held?.names || now - held.at > this.maxAgeMs || fileMayHaveMemory(held.names, file)) return false;
    this.ruledOut++;
    return true;
  }

  /** Whether the project's names are to be read: never read or read more than maxAgeMs ago, and none being read. */
  due(project: string, now = Date.now()): boolean {
    const held = this.byProject.get(project);
    return !this.reading.has(project) && (!held || now - held.at > this.maxAgeMs);
  }

  /** Reads the project's names with `read` (undefined or a failure: none held, read again after maxAgeMs), one read at a time. */
  refresh(project: string, read: () => Promise<{ names: string[]; complete: boolean } | undefined>): Promise<void> {
    const running = this.reading.get(project);
    if (running) return running;
    const at = Date.now();
    const hold = (names: readonly string[] | undefined) => {
      for (const [k, v] of this.byProject) if (at - v.at > this.maxAgeMs) this.byProject.delete(k);
      this.byProject.delete(project);
      if (this.byProject.size >= MAX_PROJECTS) this.byProject.delete(this.byProject.keys().next().value!);
      this.byProject.set(project, { names, at });
    };
    const p = read()
      .then((answer) => {
        if (answer) this.reads++;
        hold(answer?.complete ? answer.names : undefined);
      })
      .catch(() => hold(undefined))
      .finally(() => this.reading.delete(project));
    this.reading.set(project, p);
    return p;
  }
}

/** GET /v1/context/files: the project's names, or undefined when the API did not give them. */
async function readNames(deps: PromptAnswerDeps, target: TargetState, url: string, headers: Record<string, string>): Promise<{ names: string[]; complete: boolean } | undefined> {
  const answer = await readApiJson(deps, target, url, headers, FILE_NAMES_TIMEOUT_MS);
  if (!Array.isArray(answer?.names) || typeof answer.complete !== 'boolean') return undefined;
  return { names: answer.names.filter((n): n is string => typeof n === 'string'), complete: answer.complete };
}

export interface FileTouch {
  body: Record<string, unknown>;
  key: string | undefined;
  url: string;
  /** X-Memflow-Project / -Key, when the hook names the project. */
  project?: [string, string | undefined];
  projectDir?: string | undefined;
}

/** The hook output PreToolUse answers with (JSON text); `{}` whenever there is nothing, or not in time. */
export async function fileAnswer(deps: PromptAnswerDeps & { touches: FileTouches; names: FileNames }, ev: FileTouch): Promise<string> {
  if (deps.promptBudgetMs <= 0) return NOTHING;
  const file = fileOfToolCall(ev.body);
  const session = typeof ev.body.session_id === 'string' ? ev.body.session_id : undefined;
  if (!file || !session) return NOTHING;
  const cwd = typeof ev.body.cwd === 'string' ? ev.body.cwd : undefined;
  const asked = askedPath(file, cwd);
  if (!deps.touches.first(session, asked)) return NOTHING;
  const api = apiBudget(deps.lanes, ev, deps.promptBudgetMs);
  if (!api.ask) return NOTHING;
  const [project, projectKey] = ev.project ?? projectOfHook(ev.body, ev.projectDir);
  if (!project) return NOTHING;
  const headers: Record<string, string> = { authorization: `Bearer ${api.key}`, 'user-agent': 'memflow-relay', 'x-memflow-project': project };
  if (projectKey) headers['x-memflow-project-key'] = projectKey;
  const held = `${ev.url}\0${keyFingerprint(api.key)}\0${project}\0${projectKey ?? ''}`;
  if (deps.names.ruledOutFor(held, asked)) return NOTHING;
  const url = `${ev.url}${apiPaths.context({ for: 'file', path: asked, project, channel: 'file_touch', session })}`;
  const idempotency: Record<string, string> = typeof ev.body.tool_use_id === 'string' ? { 'idempotency-key': `file:${ev.body.tool_use_id.slice(0, 150)}` } : {};
  const answer = await readContextAnswer(deps, api.target, url, { ...headers, ...idempotency }, api.budgetMs, fileTouchOutput);
  // The project's names, read behind the answer (never beside it on the agent's critical path).
  if (deps.names.due(held)) void deps.names.refresh(held, () => readNames(deps, api.target, `${ev.url}${apiPaths.contextFiles({ project })}`, headers));
  return answer;
}
