/**
 * The relay's answer to a file tool's hook — PreToolUse on a file tool (Edit, Write, MultiEdit,
 * NotebookEdit, and Read for the hosts and older installs that hook it), and in Claude Code the
 * PostToolUse of a Read (memflow installs no PreToolUse on Read there: relay-server.ts) — what
 * the project decided or learned about the file (api/context/file-push.ts), once per file and session,
 * or nothing. A PreToolUse is not spooled: PostToolUse carries the same call with its result. A Read of
 * a large file the relay has not parsed yet is answered without waiting for the parse, its push handed
 * with the session's next hook (later-push.ts). The push is read at once (GET /v1/context?for=file; its receipt is written once the relay
 * says it handed the push over: prompt-answer.ts handedContext) within the
 * prompt's hard budget (MEMFLOW_PROMPT_BUDGET_MS); when api-budget.ts says not to ask, the agent gets
 * `{}` at once (and the file is asked about at its next touch), and past the budget too: in Claude Code,
 * whose later hooks reach the model, the ask goes on behind the answer and its push is handed with the
 * session's next hook (later-push.ts), as a large file's is. A file already asked about in the session is
 * answered `{}` without asking: the session holds what it was given. A file no memory of the project can be about is answered
 * `{}` without asking too: the relay holds, per project, the names every such file's name is in (GET
 * /v1/context/files, read behind the hook when missing or older than a minute; FileNames below), so
 * that a Read of a file memflow knows nothing of costs the agent no round trip to the API.
 *
 * The push at the code: the same answer also holds the identifiers the project's rules are anchored to
 * (functions, constants, classes, config keys the conversations named). The relay reads the touched
 * file here, parses it (code-anchors.ts) and asks with the identifiers it defines or imports
 * (`anchors`) and those of them this session named or imported before (`focus`); a file whose path is
 * ruled out and that defines or imports no anchored identifier is answered `{}` without asking. An API
 * that does not send identifiers is asked by the path alone, as before.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiPaths } from '../../clients/api-paths.js';
import { projectOfHook } from '../capture/ingress.js';
import { apiBudget } from './api-budget.js';
import { handedContext, readApiJson, type PromptAnswerDeps } from './prompt-answer.js';
import { keyFingerprint } from '../capture/deliver.js';
import { fileMayHaveMemory } from '../../common/rules/file-names.js';
import type { TargetState } from './delivery-targets.js';
import { anchorsOf, localFilesOf, type CodeIndex, type FileCode, type SessionFocus } from './code-anchors.js';
import { DEFAULT_PARSE_INLINE_BYTES, type AskedPush, type LaterPushes } from './later-push.js';

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

  /** Forgets that the session touched `file` (its push, held for PostToolUse, was never handed): the next touch asks again. */
  forget(session: string, file: string): void {
    this.bySession.get(session)?.delete(file);
  }
}

/** How long a project's names are used after they were read: memory written since reaches a file touch at most this late. */
export const FILE_NAMES_MAX_AGE_MS = 60_000;
/**
 * How long a project's anchored identifiers are used to find a file's anchors while a fresher list is
 * read behind the answer (an hour): the first touch after a quiet spell still asks with the file's anchors
 * (only ruling a file out needs the list of the last minute).
 */
export const ANCHORS_MAX_AGE_MS = 3_600_000;
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
/** What a project's file names answer gave: the names, and the anchored identifiers when the API sends them. */
export interface ProjectIndex {
  names: readonly string[];
  /** Lower-case identifiers any rule of the project is anchored to; undefined from an API that does not send them. */
  identifiers: ReadonlySet<string> | undefined;
}

export class FileNames {
  private readonly byProject = new Map<string, { index: ProjectIndex | undefined; at: number }>();
  private readonly reading = new Map<string, Promise<void>>();
  /** Touches answered without asking, and lists read (health, tests). */
  ruledOut = 0;
  reads = 0;

  constructor(private readonly maxAgeMs = FILE_NAMES_MAX_AGE_MS) {}

  /** The project's index when it was read within `maxAgeMs` (default: the names' age) and was complete; undefined when unsure. */
  indexOf(project: string, now = Date.now(), maxAgeMs = this.maxAgeMs): ProjectIndex | undefined {
    const held = this.byProject.get(project);
    return held?.index && now - held.at <= maxAgeMs ? held.index : undefined;
  }

  /** True when no memory of the project can be about `file` by its path (names read within maxAgeMs); false when unsure. */
  ruledOutFor(project: string, file: string, now = Date.now()): boolean {
    const index = this.indexOf(project, now);
    if (!index || fileMayHaveMemory(index.names, file)) return false;
    this.ruledOut++;
    return true;
  }

  /** Whether the project's names are to be read: never read or read more than maxAgeMs ago, and none being read. */
  due(project: string, now = Date.now(), maxAgeMs = this.maxAgeMs): boolean {
    const held = this.byProject.get(project);
    return !this.reading.has(project) && (!held || now - held.at > maxAgeMs);
  }

  /** Reads the project's names with `read` (undefined or a failure: none held, read again after maxAgeMs), one read at a time. */
  refresh(project: string, read: () => Promise<{ names: string[]; complete: boolean; identifiers?: string[] } | undefined>): Promise<void> {
    const running = this.reading.get(project);
    if (running) return running;
    const at = Date.now();
    const hold = (index: ProjectIndex | undefined) => {
      for (const [k, v] of this.byProject) if (at - v.at > Math.max(this.maxAgeMs, ANCHORS_MAX_AGE_MS)) this.byProject.delete(k);
      this.byProject.delete(project);
      if (this.byProject.size >= MAX_PROJECTS) this.byProject.delete(this.byProject.keys().next().value!);
      this.byProject.set(project, { index, at });
    };
    const p = read()
      .then((answer) => {
        if (answer) this.reads++;
        hold(answer?.complete ? { names: answer.names, identifiers: answer.identifiers ? new Set(answer.identifiers) : undefined } : undefined);
      })
      .catch(() => hold(undefined))
      .finally(() => this.reading.delete(project));
    this.reading.set(project, p);
    return p;
  }
}

/** Identifiers held per project at most (a project with more is asked about every file it may define one of). */
const MAX_IDENTIFIERS = 100_000;

/** GET /v1/context/files: the project's names (and anchored identifiers, when the API sends them), or undefined when the API did not give them. */
async function readNames(deps: Pick<PromptAnswerDeps, 'client' | 'lanes'>, target: TargetState, url: string, headers: Record<string, string>): Promise<{ names: string[]; complete: boolean; identifiers?: string[] } | undefined> {
  const answer = await readApiJson(deps, target, url, headers, FILE_NAMES_TIMEOUT_MS);
  if (!Array.isArray(answer?.names) || typeof answer.complete !== 'boolean') return undefined;
  const names = answer.names.filter((n): n is string => typeof n === 'string');
  if (!Array.isArray(answer.identifiers)) return { names, complete: answer.complete };
  const identifiers = answer.identifiers.filter((n): n is string => typeof n === 'string').map((n) => n.toLowerCase());
  // Too many to hold: not complete (every file is asked about, as an API without identifiers would be).
  return identifiers.length > MAX_IDENTIFIERS ? { names, complete: false } : { names, complete: answer.complete, identifiers };
}

export interface FileTouch {
  body: Record<string, unknown>;
  key: string | undefined;
  url: string;
  /** X-Memflow-Project / -Key, when the hook names the project. */
  project?: [string, string | undefined];
  projectDir?: string | undefined;
  /** The host hands the answers of the session's later hooks to the model (Claude Code): a push not ready in time may go there. */
  afterTool?: boolean;
}

export interface FileAnswerDeps extends PromptAnswerDeps {
  touches: FileTouches;
  names: FileNames;
  /** The relay's parses of touched files (code-anchors.ts). */
  code: CodeIndex;
  /** What each session's prompts named and its files imported (the touch's `focus`). */
  focus: SessionFocus;
  /** Pushes held for the session's next hook (later-push.ts); none: every touch waits for its parse. */
  later?: LaterPushes;
  /** The largest file a Read parses while the agent waits; a larger one's push is held for the session's next hook (bytes). */
  parseInlineBytes?: number;
}

/** The file on this machine: a path relative to the agent's working folder resolved against it. */
function localPath(file: string, cwd: string | undefined): string | undefined {
  if (path.isAbsolute(file)) return file;
  return cwd && path.isAbsolute(cwd) ? path.join(cwd, file) : undefined;
}

/**
 * The files a tool call touches: its `file_path` (or a notebook's), and for a call that reads several
 * (a host's shell command, Gemini's read_many_files: cli/hosts/) its `file_paths`; at most 4.
 */
export function filesOfToolCall(body: Record<string, unknown>): string[] {
  const first = fileOfToolCall(body);
  if (!first) return [];
  const more = (body.tool_input as Record<string, unknown>).file_paths;
  const all = [first, ...(Array.isArray(more) ? more.filter((f): f is string => typeof f === 'string' && f.length > 0 && f.length <= 1000) : [])];
  return [...new Set(all)].slice(0, 4);
}

/**
 * What the project decided or learned about the files a tool call touches, first touches of the session
 * only (the context text; '' when there is nothing, or not in time). PreToolUse asks it, and in Claude Code
 * PostToolUse of a Read (which has no PreToolUse hook there: relay-server.ts).
 */
export async function fileContext(deps: FileAnswerDeps, ev: FileTouch): Promise<string> {
  if (deps.promptBudgetMs <= 0) return '';
  const session = typeof ev.body.session_id === 'string' ? ev.body.session_id : undefined;
  if (!session) return '';
  const cwd = typeof ev.body.cwd === 'string' ? ev.body.cwd : undefined;
  const files = filesOfToolCall(ev.body)
    .map((file) => ({ file, asked: askedPath(file, cwd) }))
    .filter((f) => deps.touches.first(session, f.asked));
  if (files.length === 0) return '';
  const api = apiBudget(deps.lanes, ev, deps.promptBudgetMs);
  if (!api.ask) {
    // Not asked (the API away, quiet after a read that went unanswered, no key): the files' next touch asks again.
    for (const f of files) deps.touches.forget(session, f.asked);
    return '';
  }
  const [project, projectKey] = ev.project ?? projectOfHook(ev.body, ev.projectDir);
  if (!project) return '';
  const headers: Record<string, string> = { authorization: `Bearer ${api.key}`, 'user-agent': 'memflow-relay', 'x-memflow-project': project };
  if (projectKey) headers['x-memflow-project-key'] = projectKey;
  const held = namesKey(ev.url, api.key, project, projectKey);
  const index = deps.names.indexOf(held, Date.now(), ANCHORS_MAX_AGE_MS);
  // The modules the touched files import, parsed once this answer is out.
  const warm: [string, FileCode, ReadonlySet<string>][] = [];
  const toolUseId = typeof ev.body.tool_use_id === 'string' ? ev.body.tool_use_id.slice(0, 150) : undefined;
  const startedAt = Date.now();
  // The touch of one file: its code's anchors, then the API asked (the answer not yet handed).
  const ask = async ({ asked }: { asked: string }, i: number, code: FileCode | undefined, timeoutMs: number): Promise<AskedPush | undefined> => {
    // The code's anchors: what the file defines or imports among the identifiers the project's rules are anchored to.
    const local = files[i] ? localPath(files[i]!.file, cwd) : undefined;
    // A module is outside the working tree when it resolves to none of its files (a relative one never is).
    const outside = (m: string) => !m.startsWith('.') && (!code || !local || localFilesOf(m, code.language, local, cwd).length === 0);
    const anchors = anchorsOf(code, index?.identifiers ?? new Set(), (n) => deps.focus.has(session, n), outside);
    // The focus: what the file defines that the session met (the function under test, imported by the failing test), and
    // what the session's prompts named. A name the file only imports and an earlier file imported too is no focus: the
    // test and the module both import `datetime`.
    const defined = new Set(code?.names.defines ?? []);
    const focus = deps.focus.focusOf(session, anchors.filter((a) => defined.has(a) || deps.focus.named(session, a)));
    if (code) deps.focus.noteImports(session, code.names.imports);
    if (anchors.length === 0 && deps.names.ruledOutFor(held, asked)) return undefined;
    const url = `${ev.url}${apiPaths.context({ for: 'file', path: asked, project, channel: 'file_touch', session, ...(anchors.length ? { anchors: anchors.join(',') } : {}), ...(focus.length ? { focus: focus.join(',') } : {}) })}`;
    const idempotency: Record<string, string> = toolUseId ? { 'idempotency-key': `file:${toolUseId}${i ? `:${i}` : ''}` } : {};
    const asking = { ...headers, ...idempotency, 'x-memflow-receipt': 'on-delivery' };
    return { url, headers: asking, answer: await readApiJson(deps, api.target, url, asking, timeoutMs) };
  };
  const budgetLeft = () => Math.max(1, api.budgetMs - (Date.now() - startedAt));
  // A host whose later hooks reach the model (ev.afterTool): a push not ready within the budget is held for them, not lost.
  const later = ev.afterTool ? deps.later : undefined;
  let answered = false;
  const contexts = await Promise.all(
    files.map(async (f, i) => {
      const local = index?.identifiers ? localPath(f.file, cwd) : undefined;
      const ids = index?.identifiers;
      // The modules the file imports are warmed once the answer is out.
      const noteWarm = (code: FileCode | undefined) => {
        if (code && local && ids) {
          if (answered) deps.code.warm(local, code, cwd, ids);
          else warm.push([local, code, ids]);
        }
        return code;
      };
      // A Read of a file the relay has not parsed, too large to parse while the agent waits: with a host whose later hooks
      // reach the model (ev.afterTool), it is read and parsed behind this answer and its push handed with the session's next
      // hook (later-push.ts). Not a change (Edit, Write): its rule is asked for before the change is made.
      const behind = later && ev.body.tool_name === 'Read' && local && ids && deps.code.unparsedSize(local) > (deps.parseInlineBytes ?? DEFAULT_PARSE_INLINE_BYTES);
      const reading = local && ids ? (behind ? new Promise<void>((r) => setImmediate(r)) : Promise.resolve()).then(() => deps.code.read(local, ids, Boolean(behind))).catch(() => undefined) : Promise.resolve(undefined);
      const asking = reading.then((code) => ask(f, i, noteWarm(code), later ? LATER_ASK_TIMEOUT_MS : budgetLeft()));
      if (!later) {
        const asked = await asking;
        return asked ? handedContext(deps, asked.url, asked.headers, asked.answer) : '';
      }
      const inTime = behind ? undefined : await Promise.race([asking.then((value) => ({ value })), sleep(budgetLeft(), undefined, { ref: false })]);
      if (inTime) return inTime.value ? handedContext(deps, inTime.value.url, inTime.value.headers, inTime.value.answer) : '';
      // (The relay goes quiet only when the API leaves the ask unanswered for its whole 5 s, not at the budget: the budget
      // may have gone on the parse, which says nothing of the API. A hanging API costs the hooks of those 5 s the budget.)
      // A large file parsed behind the answer, or a parse or API slower than the budget (a busy machine): the agent is
      // answered now and the push goes with the session's next hook.
      later.hold(session, asking, () => deps.touches.forget(session, f.asked));
      return '';
    }),
  );
  answered = true;
  // The project's names, read behind the answer (never beside it on the agent's critical path).
  refreshNames(deps, api.target, { url: ev.url, key: api.key, project, projectKey });
  for (const [local, code, ids] of warm) deps.code.warm(local, code, cwd, ids);
  return contexts.filter(Boolean).join('\n\n');
}

/** How long the API may take to answer a push nobody waits for (one held for the session's next hook: later-push.ts). */
const LATER_ASK_TIMEOUT_MS = 5_000;

/** The key a project's names are held under: the API, the caller's key, the project (and its repository key). */
export function namesKey(url: string, key: string, project: string, projectKey: string | undefined): string {
  return `${url}\0${keyFingerprint(key)}\0${project}\0${projectKey ?? ''}`;
}

/**
 * Reads the project's names and identifiers behind a hook's answer when they are due (at most once a
 * minute per project; a file touch, and a prompt — so the session's first touch finds them fresh), and
 * loads the grammars once the project has identifiers, while nobody waits.
 */
export function refreshNames(deps: Pick<FileAnswerDeps, 'names' | 'code' | 'client' | 'lanes'>, target: TargetState, at: { url: string; key: string; project: string; projectKey: string | undefined }, then?: () => void, maxAgeMs?: number): void {
  const held = namesKey(at.url, at.key, at.project, at.projectKey);
  if (!deps.names.due(held, Date.now(), maxAgeMs)) return;
  const headers: Record<string, string> = { authorization: `Bearer ${at.key}`, 'user-agent': 'memflow-relay', 'x-memflow-project': at.project };
  if (at.projectKey) headers['x-memflow-project-key'] = at.projectKey;
  void deps.names.refresh(held, () => readNames(deps, target, `${at.url}${apiPaths.contextFiles({ project: at.project })}`, headers)).then(() => {
    if (deps.names.indexOf(held)?.identifiers?.size) void deps.code.reader.loadAll().catch(() => undefined);
    then?.();
  });
}

/**
 * A prompt, for the file touches that follow it: its words become the session's focus, and the project's
 * names and identifiers are read behind it when due (the session's first touch then finds them fresh).
 * Asks nothing when the API is not to be asked now (api-budget.ts).
 */
export function noteSessionPrompt(deps: Pick<FileAnswerDeps, 'names' | 'code' | 'focus' | 'client' | 'lanes'>, ev: { key: string | undefined; url: string; session: string | undefined; prompt: unknown; project: string | undefined; projectKey: string | undefined; cwd?: string | undefined }): void {
  if (ev.session && typeof ev.prompt === 'string') deps.focus.notePrompt(ev.session, ev.prompt);
  if (!ev.project) return;
  const api = apiBudget(deps.lanes, ev, 1);
  if (!api.ask) return;
  const at = { url: ev.url, key: api.key, project: ev.project, projectKey: ev.projectKey };
  // While the agent thinks about the prompt, the files of its working tree that name an anchored identifier are parsed.
  const prewarm = () => {
    const ids = deps.names.indexOf(namesKey(at.url, at.key, at.project, at.projectKey), Date.now(), ANCHORS_MAX_AGE_MS)?.identifiers;
    if (ids) deps.code.prewarm(ev.cwd, ids);
  };
  prewarm();
  // A prompt reads the index when it is more than PROMPT_FRESH_MS old (a file touch: once a minute): a rule stored since the
  // last read — a session summarized a moment ago — is then known before the agent's first file touch, seconds later.
  refreshNames(deps, api.target, at, prewarm, PROMPT_FRESH_MS);
}

/** How old the project's index may be when a prompt arrives before it is read again behind the answer. */
const PROMPT_FRESH_MS = 10_000;
