/**
 * The memory pushed when an agent first touches a file (Claude Code's PreToolUse on Read, Edit,
 * Write, MultiEdit, NotebookEdit: its additionalContext; GET /v1/context?for=file shows the same with
 * its reasons): what the project decided or learned about THAT file — the rules whose conversation
 * named it, the fixes, dead ends and gotchas that cite it — and nothing when nothing does. The prompt's
 * push (prompt-push.ts) finds what bears on the task by its words; this one by the file, at the moment
 * the agent is about to read or change it.
 *
 * A learning is about a file when one of its citations (common/rules/citations.ts: path and lines)
 * or its scope (the paths its conversation named, rule-scope.ts) is that file — the same path, or one
 * ends with the other at a folder boundary (the hook sends the path relative to the agent's working
 * folder, which may be the repository's root or a folder inside it) — or when its words name the
 * path (a rule a person stated with `memflow remember`: "never touch billing/rates.json by hand").
 * What a prompt's push or an earlier touch handed this session is not pushed again; a rule of the
 * start context is, once, at the file it is about (the start context is far behind by then and may be
 * compacted away), as the prompt's push does.
 *
 * On the agent's critical path for the first touch of each file (the relay asks once per file and
 * session): one statement over the project's active learnings, a few milliseconds.
 */
import type { PgPool } from '../../common/server/pg.js';
import { countTokens } from '../../common/rules/tokens.js';
import { normalizedPath as normalizePath } from '../../common/rules/file-names.js';
import type { ServedItem } from './start-context.js';
import { fittedLine, pushedTo, REPLACED_AT, type BuiltPush, type PushCandidate } from './prompt-push.js';

/** Tokens one file's push may take at most: a few lines beside a file the agent is about to read. */
export const FILE_PUSH_TOKENS = 400;
/** Items pushed for one file at most. */
const MAX_ITEMS = 3;
/** Learnings about one file read at most (best first). */
const MAX_READ = 20;
/** Longest path considered (a path is a few hundred characters at most). */
export const MAX_FILE_PATH = 1000;

export interface FilePushRequest {
  tenantId: string;
  projectId: string;
  projectName?: string;
  /** The file, relative to the agent's working folder (or absolute when outside it). */
  path: string;
  /** The asking session (the agent's session id): what it holds already is not pushed again. */
  agentSessionId?: string | undefined;
  budget?: number;
}

/** Rules first, then what went wrong with the file and how it was fixed, then the rest. */
const KIND_ORDER = ['decision', 'convention', 'fact', 'dead_end', 'fix', 'gotcha', 'pattern'];

/**
 * A path names the file when the two are equal or one ends with the other after a `/`. Scope entries
 * are only paths when they look like one (a folder or an extension): `MAX_ATTEMPTS` names no file.
 * The learnings' `path_keys` (generated from citations and scope, GIN-indexed: migration
 * 20261128020000_learning_path_keys) hold each such path as `=path` and each of its proper suffixes
 * after a `/` as `~suffix`, so the file's keys (`pathKeysOf`) find them by one overlap. A path named in
 * the words is found through the full-text index (the parser keeps `billing/rates.json` one token),
 * then checked as a substring.
 */
const READ_SQL = `
with ${pushedTo(4)}
select l.id, l.kind::text as kind, l.title, l.body, l.origin, l.outcome, l.created_at as at, l.scope, l.edited_by,
  ${REPLACED_AT},
  l.id in (select item_id from pushed) as pushed_before
from learnings l
where l.tenant_id = $1 and l.project_id = $2 and l.status = 'active' and cardinality(l.flags) = 0
  and (l.path_keys && $6::text[]
    or (length($3) >= 6 and l.search_vector @@ phraseto_tsquery('english', $3) and strpos(lower(left(l.title || ' ' || l.body, 20000)), lower($3)) > 0))
order by array_position($5::text[], l.kind::text), (l.outcome = 'confirmed') desc, l.strength desc, l.last_stated_at desc
limit ${MAX_READ}`;

/** A path as the statement compares it: forward slashes, no `./`, no trailing slash (the relay compares the same way). */
export const normalizedPath = (p: string): string => normalizePath(p, MAX_FILE_PATH);

/**
 * The keys a file is found by in `path_keys`: the file itself (`=path`: a learning cites it as
 * written; `~path`: a learning cites a longer path that ends with it) and each of its proper suffixes
 * after a `/` (`=suffix`: a learning cites the file by a shorter path).
 */
export function pathKeysOf(path: string): string[] {
  const keys = [`=${path}`, `~${path}`];
  for (let i = path.indexOf('/'); i >= 0 && i < path.length - 1; i = path.indexOf('/', i + 1)) keys.push(`=${path.slice(i + 1)}`);
  return keys;
}

export async function readFileCandidates(pool: PgPool, req: FilePushRequest): Promise<PushCandidate[]> {
  const path = normalizedPath(req.path);
  if (!path) return [];
  const { rows } = await pool.query<PushCandidate>({ name: 'file-push-candidates', text: READ_SQL, values: [req.tenantId, req.projectId, path, req.agentSessionId ?? null, KIND_ORDER, pathKeysOf(path)] });
  return rows;
}

const HEADER = (project: string, path: string) => `# memflow: what ${project} decided or learned about ${path} (current rules; older versions are not shown)`;

/** Chooses and renders the push for a file from the learnings about it (best first). Pure. */
export function assembleFilePush(projectName: string, path: string, candidates: PushCandidate[], budget = FILE_PUSH_TOKENS): BuiltPush {
  const served: ServedItem[] = [];
  const chosen: { c: PushCandidate; line: string; position: number }[] = [];
  const header = HEADER(projectName, normalizedPath(path));
  let used = countTokens(header);
  for (const [position, c] of candidates.entries()) {
    if (c.pushed_before) {
      served.push({ id: c.id, type: 'learning', tokens: 0, score: 0, reason: 'left out: already pushed to this session', included: false });
      continue;
    }
    if (chosen.length >= MAX_ITEMS) {
      served.push({ id: c.id, type: 'learning', tokens: 0, score: 0, reason: `left out: ${MAX_ITEMS} items pushed already`, included: false });
      continue;
    }
    const fitted = fittedLine(c, budget - used);
    if (fitted) {
      used += fitted.cost;
      chosen.push({ c, line: fitted.line, position });
    } else served.push({ id: c.id, type: 'learning', tokens: 0, score: 0, reason: `left out: the ${budget}-token budget is spent`, included: false });
  }
  // The exact count of the whole (merges across lines make the sum of parts inexact): the last goes until it fits.
  let context = [header, ...chosen.map((x) => x.line)].join('\n');
  while (chosen.length > 0 && countTokens(context) > budget) {
    const dropped = chosen.pop()!;
    served.push({ id: dropped.c.id, type: 'learning', tokens: 0, score: 0, reason: `left out: the ${budget}-token budget is spent`, included: false });
    context = [header, ...chosen.map((x) => x.line)].join('\n');
  }
  if (chosen.length === 0) return { context: '', tokens: 0, items: [], served };
  // The rank is the score: the first learning about the file scores highest.
  const scoreOf = (position: number) => 1 / (1 + position);
  return {
    context,
    tokens: countTokens(context),
    items: chosen.map((x) => x.c.id),
    served: [
      ...chosen.map((x) => ({ id: x.c.id, type: 'learning' as const, tokens: countTokens(x.line), score: scoreOf(x.position), reason: `${x.c.kind} about ${normalizedPath(path)} (it cites the file or its conversation named it)`, included: true })),
      ...served,
    ],
  };
}

/** Names a project's file list may hold at most; past it the list says it is not complete and the relay asks at every file. */
export const MAX_FILE_NAMES = 20_000;

/**
 * What the relay needs to tell, without asking, that no learning is about a file (GET /v1/context/files):
 * lower-case names such that every learning READ_SQL could find for a file holds the file's own name
 * (its last path segment) inside one of them. A learning is found by a path key, whose last segment is
 * then the file's name (equal paths, or one ending with the other after a `/`), or by its words holding the
 * path whole, so the name is inside one of the words' whitespace-separated tokens; of those, only the
 * tokens that can hold a file's name with an extension or a folder are listed (a dot between two other
 * characters, or a slash). A name with neither (`Makefile`) is asked about every time (fileMayHaveMemory).
 * The words are matched whole by one regular expression rather than split and filtered: on 5,000 learnings of
 * about 1,000 characters (a scratch table, 2026-11-29) 145 ms against 410 ms, the same 10,051 names.
 */
const NAMES_SQL = `
with l as (
  select path_keys, left(title || ' ' || body, 20000) as text from learnings
  where tenant_id = $1 and project_id = $2 and status = 'active' and cardinality(flags) = 0
)
select distinct name from (
  select lower(regexp_replace(substr(k, 2), '^.*/', '')) as name from l, unnest(l.path_keys) k
  union all
  select lower(m[1]) from l, regexp_matches(l.text, '([^[:space:]]*(?:[^.[:space:]][.][^.[:space:]]|/)[^[:space:]]*)', 'g') m
) n where name <> ''
limit ${MAX_FILE_NAMES + 1}`;

export async function readFileNames(pool: PgPool, tenantId: string, projectId: string): Promise<{ names: string[]; complete: boolean }> {
  const { rows } = await pool.query<{ name: string }>({ name: 'file-push-names', text: NAMES_SQL, values: [tenantId, projectId] });
  const complete = rows.length <= MAX_FILE_NAMES;
  return { names: complete ? rows.map((r) => r.name) : [], complete };
}

export async function buildFilePush(pool: PgPool, req: FilePushRequest): Promise<BuiltPush> {
  const rows = await readFileCandidates(pool, req);
  return assembleFilePush(req.projectName ?? 'this project', req.path, rows, req.budget ?? FILE_PUSH_TOKENS);
}
