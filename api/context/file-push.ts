/**
 * The memory pushed when an agent first touches a file (Claude Code's PreToolUse on Read, Edit,
 * Write, MultiEdit, NotebookEdit, and each other host's pre-tool hook: its additionalContext; GET
 * /v1/context?for=file shows the same with its reasons): what people said and the project learned
 * about THAT code — and nothing when nothing is.
 *
 * A learning is about the file when:
 *   - it is anchored to an identifier the file defines or imports (`anchors`: the relay parsed the file
 *     on the developer's machine and sends the names of it that the project's anchors hold; the file's
 *     content never leaves the machine). The agent opens the failing test and the module; the
 *     conversation that settled the rule named that code (a constant, the function that misbehaves, the
 *     exception it raises) far more often than its path. `focus`: the names among them that the session
 *     already met — its prompts named them or a file it touched before imports them (the failing test
 *     imports exactly the functions under test) — come first;
 *   - or one of its citations (common/rules/citations.ts: path and lines) or its scope (the paths its
 *     conversation named or the session read and changed around it) is that file — the same path, or one
 *     ends with the other at a folder boundary (the hook sends the path relative to the agent's working
 *     folder) — or its words name the path (a rule a person stated with `memflow remember`).
 * Order: what the session met first (focus), then rules (decision, convention, fact) before fixes, dead
 * ends and patterns, and notes (a person's words that settle nothing for certain) last; among equals, the
 * more identifiers matched (a plain word that names a function counts less, and only when few of the
 * project's memories use it), then the newest. What a prompt's push or an earlier touch handed this
 * session is not pushed again; a rule of the start context is, once, at the file it is about.
 *
 * On the agent's critical path for the first touch of each file (the relay asks only when a path or an
 * anchor matched): one statement over the project's active learnings, through two GIN indexes.
 */
import type { PgPool } from '../../common/server/pg.js';
import { countTokens } from '../../common/rules/tokens.js';
import { normalizedPath as normalizePath } from '../../common/rules/file-names.js';
import type { ServedItem } from './start-context.js';
import { fittedLine, pushedTo, REPLACED_AT, type BuiltPush, type PushCandidate } from './prompt-push.js';
import { ANCHOR_ID, ANCHOR_WORD, WORD_ANCHOR_MAX_USES } from '../../common/rules/anchors.js';
import { laterVersions, type StatedVersion } from '../../common/rules/rule-scope.js';

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
  /** Names the file defines or imports that the project's anchors hold (lower-cased; the relay's parse). */
  anchors?: readonly string[];
  /** Those of them the session met before (its prompts named them, a file it touched imports them). */
  focus?: readonly string[];
}

/** Anchor names a request may carry at most (a module defines hundreds; the relay sends those with memory). */
export const MAX_ANCHORS = 64;

/** Rules first, then what went wrong with the file and how it was fixed, then the rest; a person's notes last. */
const KIND_ORDER = ['decision', 'convention', 'fact', 'dead_end', 'fix', 'gotcha', 'pattern', 'note'];

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
  l.id in (select item_id from pushed) as pushed_before,
  l.path_keys && $6::text[] as path_hit,
  array(select a from unnest(l.anchors) a where a = any($7::text[])) as matched
from learnings l
where l.tenant_id = $1 and l.project_id = $2 and l.status = 'active' and cardinality(l.flags) = 0
  and (l.path_keys && $6::text[]
    or l.anchors && $7::text[]
    or (length($3) >= 6 and l.search_vector @@ phraseto_tsquery('english', $3) and strpos(lower(left(l.title || ' ' || l.body, 20000)), lower($3)) > 0))
order by array_position($5::text[], l.kind::text), (l.outcome = 'confirmed') desc, l.strength desc, l.last_stated_at desc
limit ${MAX_READ * 3}`;

/** How many of the project's active memories use each word anchor asked about (a word used by many names no one thing). */
const WORD_USES_SQL = `
select a, count(*)::int as n from learnings l, unnest(l.anchors) a
where l.tenant_id = $1 and l.project_id = $2 and l.status = 'active' and l.anchors && $3::text[] and a = any($3::text[])
group by a`;

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

/** A learning about the file, with how it was found: its path, and the anchors of the file's names it holds. */
export type FileCandidate = PushCandidate & { path_hit: boolean; matched: string[] };

/** The anchors a request's names are found by: each as an identifier and as a word. */
export function anchorKeysOf(names: readonly string[] | undefined): string[] {
  const keys: string[] = [];
  for (const n of (names ?? []).slice(0, MAX_ANCHORS)) {
    const name = n.trim().toLowerCase();
    if (name && name.length <= 100) keys.push(ANCHOR_ID + name, ANCHOR_WORD + name);
  }
  return keys;
}

export async function readFileCandidates(pool: PgPool, req: FilePushRequest): Promise<FileCandidate[]> {
  const path = normalizedPath(req.path);
  if (!path) return [];
  const anchors = anchorKeysOf(req.anchors);
  const { rows } = await pool.query<FileCandidate>({ name: 'file-push-candidates', text: READ_SQL, values: [req.tenantId, req.projectId, path, req.agentSessionId ?? null, KIND_ORDER, pathKeysOf(path), anchors] });
  const words = [...new Set(rows.flatMap((r) => r.matched.filter((a) => a.startsWith(ANCHOR_WORD))))];
  if (words.length === 0) return rows;
  // A word anchor that many memories use names no one thing: it finds nothing by itself.
  const { rows: uses } = await pool.query<{ a: string; n: number }>({ name: 'file-push-word-uses', text: WORD_USES_SQL, values: [req.tenantId, req.projectId, words] });
  const common = new Set(uses.filter((u) => u.n > WORD_ANCHOR_MAX_USES).map((u) => u.a));
  return rows
    .map((r) => ({ ...r, matched: r.matched.filter((a) => !common.has(a)) }))
    .filter((r) => r.path_hit || r.matched.length > 0 || !anchors.length || textNamesPath(r, path));
}

/** Whether a learning's words hold the path (the third way READ_SQL finds one). */
const textNamesPath = (r: PushCandidate, path: string) => path.length >= 6 && `${r.title} ${r.body}`.toLowerCase().includes(path.toLowerCase());

/**
 * Orders the learnings about a file (pure): what the session met first (focus), then by kind (KIND_ORDER),
 * then by identifiers matched (an identifier 1, a word 0.5), then found by its path, then as read (strength,
 * newest). Identifiers the prompt named are in focus too (the relay adds them).
 */
export function rankFileCandidates(rows: FileCandidate[], focus: readonly string[] = []): FileCandidate[] {
  const inFocus = new Set(focus.map((f) => f.toLowerCase()));
  const key = (r: FileCandidate) => {
    const names = r.matched.map((a) => a.slice(a.indexOf(':') + 1));
    const focused = names.some((n) => inFocus.has(n)) ? 1 : 0;
    const kind = KIND_ORDER.indexOf(r.kind);
    const weight = r.matched.reduce((w, a) => w + (a.startsWith(ANCHOR_ID) ? 1 : 0.5), 0);
    return { focused, kind: kind < 0 ? KIND_ORDER.length : kind, weight, path: r.path_hit ? 1 : 0 };
  };
  const keys = new Map(rows.map((r) => [r, key(r)]));
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      const x = keys.get(a.r)!;
      const y = keys.get(b.r)!;
      // …and of two alike, the newer: a person's later words about the same code come before their earlier ones.
      return y.focused - x.focused || x.kind - y.kind || y.weight - x.weight || y.path - x.path || new Date(b.r.at).getTime() - new Date(a.r.at).getTime() || a.i - b.i;
    })
    .map((x) => x.r);
}

const HEADER = (project: string, path: string) => `# memflow: what ${project} decided or learned about ${path} and the code it defines or uses (people's own words, labelled; current rules only)`;

/** Why an item was pushed at the file, as explain says it. */
function reasonOf(c: PushCandidate, path: string): string {
  const names = namesOf(c);
  if (names.length > 0) return `${c.kind} anchored to ${names.slice(0, 5).join(', ')}, which ${normalizedPath(path)} defines or imports`;
  return `${c.kind} about ${normalizedPath(path)} (it cites the file or its conversation named it)`;
}

/** The names of the file a candidate was found by (its matched anchors, bare). */
const namesOf = (c: PushCandidate): string[] => ('matched' in c && Array.isArray(c.matched) ? (c.matched as string[]).map((a) => a.slice(a.indexOf(':') + 1)) : []);

/** What a person stated: the kinds a later statement about the same code can change. */
const STATED_KINDS: ReadonlySet<string> = new Set(['decision', 'convention', 'fact', 'note']);

/** A learning about the file as a statement a later one may change (rule-scope.ts, laterVersions). */
const statedVersion = (c: PushCandidate): StatedVersion | undefined =>
  STATED_KINDS.has(c.kind) ? { text: `${c.title}\n${c.body}`, at: new Date(c.at).getTime(), replacedOne: c.replaced_at !== null } : undefined;

/** Chooses and renders the push for a file from the learnings about it (best first). Pure. */
export function assembleFilePush(projectName: string, path: string, candidates: PushCandidate[], budget = FILE_PUSH_TOKENS): BuiltPush {
  const served: ServedItem[] = [];
  const chosen: { c: PushCandidate; line: string; position: number }[] = [];
  const header = HEADER(projectName, normalizedPath(path));
  let used = countTokens(header);
  // Two statements about the same code, the later saying it changes the earlier: the earlier is left out.
  const newer = laterVersions(candidates, statedVersion);
  for (const [position, c] of candidates.entries()) {
    const later = newer.get(c);
    if (later) {
      served.push({ id: c.id, type: 'learning', tokens: 0, score: 0, reason: `left out: a later rule about the same code (${new Date(later.at).toISOString().slice(0, 10)}) says it changes it`, included: false });
      continue;
    }
    if (c.pushed_before) {
      served.push({ id: c.id, type: 'learning', tokens: 0, score: 0, reason: 'left out: already pushed to this session', included: false });
      continue;
    }
    if (chosen.length >= MAX_ITEMS) {
      served.push({ id: c.id, type: 'learning', tokens: 0, score: 0, reason: `left out: ${MAX_ITEMS} items pushed already`, included: false });
      continue;
    }
    const fitted = fittedLine(c, budget - used, namesOf(c));
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
      ...chosen.map((x) => ({ id: x.c.id, type: 'learning' as const, tokens: countTokens(x.line), score: scoreOf(x.position), reason: reasonOf(x.c, path), included: true })),
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

/**
 * The names the project's memories are anchored to, bare (`id:` and `w:` dropped): an identifier always, a word
 * only while few memories use it (readFileCandidates drops a word used by more: asking about it finds nothing).
 * Two-word phrases (`w:business_day`, common/rules/anchors.ts) come last and only while there is room: a project
 * whose identifiers and words fit keeps its list complete, and a phrase left out only goes unasked.
 */
const IDENTIFIERS_SQL = `
select substr(a, strpos(a, ':') + 1) as name, a like '${ANCHOR_WORD}%\\_%' as phrase from learnings l, unnest(l.anchors) a
where l.tenant_id = $1 and l.project_id = $2 and l.status = 'active' and cardinality(l.flags) = 0
group by a having a like '${ANCHOR_ID}%' or count(*) <= ${WORD_ANCHOR_MAX_USES}
order by phrase, a
limit ${MAX_FILE_NAMES + 1}`;

export async function readFileNames(pool: PgPool, tenantId: string, projectId: string): Promise<{ names: string[]; complete: boolean; identifiers: string[] }> {
  const [names, ids] = await Promise.all([
    pool.query<{ name: string }>({ name: 'file-push-names', text: NAMES_SQL, values: [tenantId, projectId] }),
    pool.query<{ name: string; phrase: boolean }>({ name: 'file-push-identifiers', text: IDENTIFIERS_SQL, values: [tenantId, projectId] }),
  ]);
  const anchored = anchoredNames(ids.rows);
  const complete = names.rows.length <= MAX_FILE_NAMES && anchored.complete;
  return { names: complete ? names.rows.map((r) => r.name) : [], complete, identifiers: complete ? anchored.identifiers : [] };
}

/**
 * The anchored names the relay is sent (IDENTIFIERS_SQL's rows, phrases last, at most `max` + 1 of them): complete
 * when every identifier and word is among the first `max`; phrases fill what room is left (one left out only goes
 * unasked). Pure: tested directly.
 */
export function anchoredNames(rows: readonly { name: string; phrase: boolean }[], max = MAX_FILE_NAMES): { complete: boolean; identifiers: string[] } {
  const complete = rows.length <= max || rows[max]!.phrase;
  return { complete, identifiers: complete ? [...new Set(rows.slice(0, max).map((r) => r.name))] : [] };
}

export async function buildFilePush(pool: PgPool, req: FilePushRequest): Promise<BuiltPush> {
  const rows = rankFileCandidates(await readFileCandidates(pool, req), req.focus);
  return assembleFilePush(req.projectName ?? 'this project', req.path, rows, req.budget ?? FILE_PUSH_TOKENS);
}
