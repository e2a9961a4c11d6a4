/**
 * Uptake: did the agent use an item memflow handed it? Judged after the session from what the agent
 * did (its tool calls, as stored observations) and what it said last (its stops' final answers):
 *
 * - it repeated a recorded dead end (ran the failing command again) — not used, and said so;
 * - it opened or edited a file the item cites (a learning's citations, or a path in its text);
 * - it ran a command the item names (`npm test -- x`, or the command of a tool-call item);
 * - it touched a symbol the item names in backticks (in an edit, a search, a command);
 * - it quoted the item in a final answer (its id, or six words of its text in a row).
 *
 * Pure: the uptake activity and the benchmark feed it rows; tests feed it literals.
 */
import { commandOf, inputJson, inputOf, isFailedTitle, subject, type ObservationLine } from './check-outcomes.js';
import { isSelfActivity } from './self-activity.js';

/** An item as a receipt handed it over (joined with its record). */
export interface ReceivedItem {
  id: string;
  type: string;
  kind: string;
  title: string;
  text: string;
  citations?: { path: string }[] | null;
  toolName?: string | null;
}

export interface UptakeVerdict {
  used: boolean;
  evidence: string;
}

/** What a session did, reduced to what uptake compares against. */
export interface SessionWork {
  /** Files read or edited (as the tools named them). */
  read: Set<string>;
  edited: Set<string>;
  /** Commands run, normalized (spacing), each with whether it failed. */
  commands: { command: string; failed: boolean }[];
  /** All tool inputs, lower-cased: where symbols are looked for. */
  inputs: string;
  /** The agent's final answers (stops), lower-cased. */
  answers: string;
}

const READ_TOOLS = new Set(['Read', 'NotebookRead', 'Grep', 'Glob', 'LS', 'View']);
const EDIT_TOOLS = new Set(['Edit', 'MultiEdit', 'Write', 'NotebookEdit']);
/** A path-looking word: a/b.ts, src/x/y.py, README.md (an extension of 1-6 letters). */
const PATH_WORD = /(?:[\w@.-]+\/)*[\w@-][\w@.-]*\.[A-Za-z][\w]{0,5}\b/g;
const BACKTICKED = /`([^`\n]{2,200})`/g;
const SYMBOL = /^[A-Za-z_$][\w$]*(?:[.:#][A-Za-z_$][\w$]*)*(?:\(\))?$/;
const COMMAND_HEAD = /^(?:npm|npx|yarn|pnpm|node|tsx|git|make|cargo|go|python3?|pytest|pip|bash|sh|docker|kubectl|jest|vitest|tsc|eslint|\.\/)\b/;

const flat = (s: string) => s.replace(/\s+/g, ' ').trim();
const normPath = (p: string) => p.replace(/^\.\//, '').replace(/\/+$/, '');

/** The paths a tool call names: its file_path/path/notebook_path, and path-looking words of a command. */
function pathsOf(o: ObservationLine): string[] {
  const input = inputJson(o);
  const named = [input.file_path, input.path, input.notebook_path].filter((v): v is string => typeof v === 'string' && v.length > 0);
  // Titles are clipped and relative: the title's subject only when the input names no path.
  if (named.length === 0 && o.toolName !== 'Bash') named.push(subject(o).split(' in ')[0] ?? '');
  const words = o.toolName === 'Bash' ? (commandOf(o).match(PATH_WORD) ?? []) : [];
  return [...named, ...words].map(normPath).filter(Boolean);
}

export function sessionActivity(observations: ObservationLine[]): SessionWork {
  const read = new Set<string>();
  const edited = new Set<string>();
  const commands: SessionWork['commands'] = [];
  const inputs: string[] = [];
  const answers: string[] = [];
  for (const o of observations) {
    if (o.kind === 'stop') answers.push(o.text);
    if (o.kind !== 'tool' || isSelfActivity(o.toolName, o.text)) continue;
    inputs.push(inputOf(o));
    const tool = o.toolName ?? '';
    if (tool === 'Bash') commands.push({ command: flat(commandOf(o)), failed: isFailedTitle(o) });
    if (EDIT_TOOLS.has(tool) || READ_TOOLS.has(tool) || tool === 'Bash') for (const p of pathsOf(o)) (EDIT_TOOLS.has(tool) ? edited : read).add(p);
  }
  return { read, edited, commands, inputs: inputs.join('\n').toLowerCase(), answers: answers.join('\n').toLowerCase() };
}

/** Whether two paths name the same file (one may be absolute, or relative to another root). */
export function samePath(a: string, b: string): boolean {
  if (a === b) return true;
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  return short.includes('/') || short.includes('.') ? long.endsWith(`/${short}`) : false;
}

const touches = (set: Set<string>, path: string) => [...set].find((p) => samePath(p, path));

/** The files an item cites: its citations, and path-looking words of its title and text. */
export function citedPaths(item: ReceivedItem): string[] {
  const out = new Set<string>((item.citations ?? []).map((c) => normPath(c.path)));
  const words = `${item.title}\n${item.text}`.match(PATH_WORD) ?? [];
  // Version numbers and sentence ends are not files: a path word needs a slash or a known-looking extension.
  for (const w of words) if (w.includes('/') || /\.(?:[jt]sx?|mjs|cjs|json|md|py|go|rs|rb|java|kt|c|h|cc|cpp|hpp|cs|sh|ya?ml|toml|sql|css|html|prisma|lock)$/.test(w)) out.add(normPath(w));
  return [...out].filter((p) => p.length > 2);
}

/** The commands an item names: backticked command lines, and a tool-call item's own command. */
export function citedCommands(item: ReceivedItem): string[] {
  const out: string[] = [];
  for (const m of `${item.title}\n${item.text}`.matchAll(BACKTICKED)) {
    const t = flat(m[1] ?? '');
    if (COMMAND_HEAD.test(t)) out.push(t);
  }
  if (item.type === 'observation' && item.toolName === 'Bash') out.push(flat(item.title.replace(/^(FAILED )?Bash:\s*/, '')));
  return out.filter((c) => c.length >= 3);
}

/** The symbols an item names in backticks (identifiers, a.b, A#b, f()). */
export function citedSymbols(item: ReceivedItem): string[] {
  const out = new Set<string>();
  for (const m of `${item.title}\n${item.text}`.matchAll(BACKTICKED)) {
    const t = (m[1] ?? '').trim();
    if (SYMBOL.test(t) && t.replace(/\(\)$/, '').length >= 4 && !COMMAND_HEAD.test(t)) out.add(t.replace(/\(\)$/, ''));
  }
  return [...out];
}

/** A command run in the session that is the cited one (the same, or the cited one with more arguments). */
const sameCommand = (ran: string, cited: string) => ran === cited || ran.startsWith(`${cited} `) || cited.startsWith(`${ran} `);

/** Six words in a row of the item's text, as the final answer would quote them. */
function quoted(item: ReceivedItem, answers: string): string | undefined {
  if (!answers) return undefined;
  if (answers.includes(item.id.slice(0, 8).toLowerCase())) return `its id ${item.id.slice(0, 8)}`;
  const words = `${item.title} ${item.text}`.toLowerCase().match(/[a-z0-9_./-]+/g) ?? [];
  for (let i = 0; i + 6 <= words.length; i++) {
    const run = words.slice(i, i + 6).join(' ');
    if (run.length >= 24 && answers.replace(/[^a-z0-9_./-]+/g, ' ').includes(run)) return `"${run}"`;
  }
  return undefined;
}

/** A recorded dead end (a dead_end learning, a failure) is repeated when the session runs its command and it fails again. */
function repeatedDeadEnd(item: ReceivedItem, activity: SessionWork): string | undefined {
  const deadEnd = item.kind === 'dead_end' || item.kind === 'failure' || item.title.startsWith('FAILED ');
  if (!deadEnd) return undefined;
  for (const cited of citedCommands(item)) {
    const again = activity.commands.find((r) => r.failed && sameCommand(r.command, cited));
    if (again) return again.command;
  }
  return undefined;
}

export function judgeUptake(item: ReceivedItem, activity: SessionWork): UptakeVerdict {
  const repeated = repeatedDeadEnd(item, activity);
  if (repeated) return { used: false, evidence: `repeated the recorded dead end: ${repeated.slice(0, 160)}` };
  for (const path of citedPaths(item)) {
    const edited = touches(activity.edited, path);
    if (edited) return { used: true, evidence: `edited ${edited}` };
    const read = touches(activity.read, path);
    if (read) return { used: true, evidence: `opened ${read}` };
  }
  for (const cited of citedCommands(item)) {
    const ran = activity.commands.find((r) => sameCommand(r.command, cited));
    if (ran) return { used: true, evidence: `ran ${ran.command.slice(0, 160)}` };
  }
  for (const symbol of citedSymbols(item)) {
    if (activity.inputs.includes(symbol.toLowerCase())) return { used: true, evidence: `touched ${symbol}` };
  }
  const quote = quoted(item, activity.answers);
  if (quote) return { used: true, evidence: `quoted in the final answer: ${quote.slice(0, 160)}` };
  return { used: false, evidence: 'none of its files, commands or symbols came up, and the answer did not quote it' };
}
