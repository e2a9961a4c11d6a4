/**
 * The relay's answer to PreToolUse on a file tool (Read, Edit, Write, MultiEdit, NotebookEdit): what
 * the project decided or learned about the file the agent is about to touch (api/context/file-push.ts),
 * once per file and session, or nothing. Nothing is spooled: PostToolUse carries the same call with
 * its result. The push is read at once (GET /v1/context?for=file, which writes its receipt) within the
 * prompt's hard budget (MEMFLOW_PROMPT_BUDGET_MS); past it, or when api-budget.ts says not to ask,
 * the agent gets `{}` at once. A file already asked about in the session is answered `{}` without
 * asking: the session holds what it was given.
 */
import path from 'node:path';
import { fileTouchOutput } from '../../messages/hooks-v1.js';
import { apiPaths } from '../../clients/api-paths.js';
import { projectOfHook } from '../capture/ingress.js';
import { apiBudget } from './api-budget.js';
import { readContextAnswer, type PromptAnswerDeps } from './prompt-answer.js';

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

export interface FileTouch {
  body: Record<string, unknown>;
  key: string | undefined;
  url: string;
  /** X-Memflow-Project / -Key, when the hook names the project. */
  project?: [string, string | undefined];
  projectDir?: string | undefined;
}

/** The hook output PreToolUse answers with (JSON text); `{}` whenever there is nothing, or not in time. */
export async function fileAnswer(deps: PromptAnswerDeps & { touches: FileTouches }, ev: FileTouch): Promise<string> {
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
  if (typeof ev.body.tool_use_id === 'string') headers['idempotency-key'] = `file:${ev.body.tool_use_id.slice(0, 150)}`;
  const url = `${ev.url}${apiPaths.context({ for: 'file', path: asked, project, channel: 'file_touch', session })}`;
  return readContextAnswer(deps, api.target, url, headers, api.budgetMs, fileTouchOutput);
}
