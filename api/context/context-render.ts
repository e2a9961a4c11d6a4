/**
 * How the start context reads: one compact line per item (the body cut first, so titles survive tight
 * budgets), paths relative to the project, items under their section's heading, tokens counted with a
 * cache (the same items are rendered at every session start of a project).
 */
import { cleanTitle } from '../../common/rules/observation.js';
import { trustTier } from '../../common/rules/poison.js';
import { neutralise } from '../../common/rules/tool-output-fence.js';
import { countTokens } from '../../common/rules/tokens.js';
import type { RecordType } from '../search/search-types.js';
import type { Candidate } from './context-candidates.js';

/**
 * tiktoken costs ~0.1 ms per short string here (WebAssembly) and ~1-3 ms for a whole context, and
 * the same items are rendered again and again (every session start of a project sees mostly the
 * same memories): counts are cached, per line and for a few recent whole contexts.
 */
function tokenCounter(size: number): (text: string) => number {
  const cache = new Map<string, number>();
  return (text) => {
    let n = cache.get(text);
    if (n === undefined) {
      n = countTokens(text);
      if (cache.size >= size) cache.delete(cache.keys().next().value!);
      cache.set(text, n);
    }
    return n;
  };
}
export const tokensOf = tokenCounter(20_000);
export const contextTokens = tokenCounter(256);

const oneLine = (s: string, max: number) => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
};
const day = (d: Date) => d.toISOString().slice(0, 10);

/** One compact line per item; the body is cut first, so titles survive tight budgets. */
/** How far a learning can be trusted, said where it is low: an agent's note, or extracted and never confirmed. */
function trustLabel(c: Candidate): string {
  const tier = trustTier(c.origin ?? 'extracted', c.outcome ?? 'unverified');
  if (tier === 'agent') return ' (agent note, unverified)';
  if (c.kind === 'dead_end') return '';
  if (tier === 'extracted' && c.outcome === 'refuted') return ' (refuted)';
  return '';
}

/**
 * An item's text without what its title already says: a summary's text starts with its title (and
 * an offline one may state the first prompt again as its request), a learning's body may be its title.
 */
export function bodyBeyondTitle(title: string, text: string): string {
  const t = cleanTitle(title).replace(/^\[offline\]\s*/i, '').toLowerCase();
  let body = cleanTitle(text);
  for (let changed = true; changed; ) {
    const before = body;
    body = body.replace(/^\[offline\]\s*/i, '').replace(/^[\s:.,;—-]+/, '');
    if (t && body.toLowerCase().startsWith(t)) body = body.slice(t.length);
    if (t && /^request:\s*/i.test(body) && body.replace(/^request:\s*/i, '').toLowerCase().startsWith(t)) body = body.replace(/^request:\s*/i, '').slice(t.length);
    changed = body !== before;
  }
  return body.trim();
}

/** Tools whose calls only looked at something: a line of them in the context teaches nothing. */
const LOOKING_TOOLS = new Set(['Read', 'Grep', 'Glob', 'LS', 'NotebookRead', 'TodoWrite', 'ToolSearch', 'WebSearch', 'Task', 'read_file', 'list_directory', 'glob', 'search_file_content']);
/** Shell commands that only inspect (the repository's history and state, a file's text, a listing). */
const INSPECTING = /^Bash:\s*(git\s+(log|status|diff|show|branch|remote|rev-parse|blame|ls-files)\b|ls\b|cat\b|head\b|tail\b|pwd\b|echo\b|wc\b|find\b|tree\b|which\b|file\b|stat\b|grep\b|rg\b|sed -n\b|less\b|more\b|du\b|df\b|env\b|printenv\b|whoami\b|date\b|uname\b)/;

/**
 * Whether an item has nothing to teach the next session and earns no line in its context:
 * - a tool call that only looked at something ("Read: payclient/retry.py (×2)", "Bash: git log …"):
 *   the new session can look again, and the line says nothing about what was found;
 * - a summary of a session with nothing to teach (no change, no failure, no rule stated, a short
 *   answer; activities/summarize/summary-store.ts keeps only what it looked at, so its candidate text
 *   is its prose, which starts with its title).
 */
export function teachesNothing(c: Candidate): boolean {
  if (c.type === 'observation' && c.kind === 'tool') return LOOKING_TOOLS.has(c.tool_name ?? '') || INSPECTING.test(cleanTitle(c.title));
  if (c.type === 'summary') {
    const text = c.text.trim();
    if (!text) return true;
    const title = c.title.trim();
    return text.startsWith(title) && !/\n(Learned|Completed|Next steps): /.test(text);
  }
  return false;
}

/**
 * The candidates without those that teach nothing (teachesNothing), nor the prompts of sessions that
 * taught nothing (a prompt its trivial summary names: "Show the git log" asked and shown).
 */
export function withoutNothingToTeach(candidates: Candidate[]): Candidate[] {
  const trivial = candidates.filter((c) => c.type === 'summary' && teachesNothing(c)).map((c) => cleanTitle(`${c.title} ${c.text}`).toLowerCase());
  return candidates.filter((c) => {
    if (teachesNothing(c)) return false;
    if (c.type !== 'observation' || c.kind !== 'prompt' || trivial.length === 0) return true;
    const asked = cleanTitle(c.text || c.title).toLowerCase().slice(0, 140);
    return !(asked && trivial.some((t) => t.includes(asked)));
  });
}

/** Who edited a learning in review (issue 51): the edited text is pushed attributed to them. */
const editedBy = (c: Candidate) => (c.type === 'learning' && c.edited_by ? ` (edited by ${oneLine(c.edited_by, 120)})` : '');

/** A summary's title without the offline summarizer's "[offline]" (the summary's metadata says it). */
const withoutOfflineMark = (title: string) => title.replace(/^\[offline\]\s*/i, '');

export function renderItem(c: Candidate, maxBody: number, repeats = 1): string {
  // Titles read without redaction markers, also those stored before titles were cleaned; an item
  // stored before tool output was fenced loses its instruction-shaped sentences here.
  const title = neutralise(withoutOfflineMark(cleanTitle(c.title)));
  c = c.type === 'learning' && c.origin === 'user' ? c : { ...c, text: neutralise(c.text) };
  if (c.type === 'learning') {
    const kind = c.kind === 'dead_end' ? 'dead end — do not repeat' : c.kind;
    const body = bodyBeyondTitle(title, c.text);
    return `- [${kind}] ${oneLine(title, 160)}${trustLabel(c)}${editedBy(c)}${maxBody > 0 && body ? `: ${oneLine(body, maxBody)}` : ''}`;
  }
  if (c.type === 'summary') {
    const body = bodyBeyondTitle(title, c.text);
    return `- ${day(c.at)} ${oneLine(title, 160)}${maxBody > 0 && body ? `: ${oneLine(body, maxBody * 2)}` : ''}`;
  }
  // A failure with what followed it: "FAILED Bash: npm test: failed: exit 1 → passed on a later run → Claude: …"
  // (or "→ Codex: …": the agent whose account it is).
  if (c.kind === 'failure') return `- ${day(c.at)} ${oneLine(title, 160)}${maxBody > 0 ? `: ${oneLine(c.text, maxBody * 2)}` : ''}`;
  // A tool call's title already names the tool ("Bash: npm test").
  const what = c.kind === 'prompt' ? `asked: ${cleanTitle(c.text) || title}` : title;
  return `- ${day(c.at)} ${oneLine(what, Math.max(60, maxBody))}${repeats > 1 ? ` (×${repeats})` : ''}`;
}

/**
 * Paths under the directories the project's sessions ran in, relative to them: an absolute path of
 * another worktree or another machine means nothing to the new session. The shortest root first, so
 * a session that ran in a subfolder does not cut a path below the repository's root.
 */
export function projectRelative(line: string, roots: readonly string[]): string {
  let out = line;
  for (const root of [...roots].sort((a, b) => a.length - b.length)) {
    const dir = root.replace(/\/+$/, '');
    if (!dir) continue;
    out = out.replaceAll(`${dir}/`, '').replace(new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=[\\s"'),:;]|$)`, 'g'), '.');
  }
  return out;
}

export type SectionKey = RecordType | 'failure';
export const SECTIONS: { key: SectionKey; heading: string }[] = [
  { key: 'learning', heading: '## Learnings' },
  { key: 'summary', heading: '## Recent sessions' },
  { key: 'failure', heading: '## What failed, and what fixed it' },
  { key: 'observation', heading: '## Recent activity' },
];
export const sectionOf = (c: Candidate): SectionKey => (c.type === 'observation' && c.kind === 'failure' ? 'failure' : c.type);

export interface Chosen {
  c: Candidate;
  line: string;
  score: number;
  /** Why it was chosen (its receipt's reason). */
  reason?: string;
}

/**
 * A failure story's closing "→ <agent>: <answer>" when a line above already says that answer (the
 * session's summary under "Recent sessions"): the same final answer is never said twice.
 */
export function withoutRepeatedAnswer(line: string, earlier: string[]): string {
  const m = line.match(/ → (Claude|Codex|Gemini CLI|OpenCode|Copilot CLI): (.+)$/);
  if (!m) return line;
  const said = m[2]!.replace(/…$/, '').slice(0, 60).trim();
  return said.length >= 12 && earlier.some((l) => l.includes(said)) ? line.slice(0, m.index) : line;
}

export function render(header: string, chosen: Chosen[]): string {
  const parts = [header];
  for (const { key, heading } of SECTIONS) {
    let lines = chosen.filter((x) => sectionOf(x.c) === key).map((x) => x.line);
    if (key === 'failure') lines = lines.map((l) => withoutRepeatedAnswer(l, parts));
    if (lines.length > 0) parts.push(heading, ...lines);
  }
  return parts.join('\n');
}

