/**
 * Tool output is data, never an instruction. Whatever memflow hands over that quotes what a tool
 * printed (a failed command's decisive error line, a page or file it read, a summary's "still
 * failing …") quotes it fenced and attributed:
 *
 *     output of `npm install`: «npm ERR! LicenseError: license check failed. [instruction-shaped text removed]»
 *
 * The guillemets mark where the quote starts and ends (a guillemet inside the quote becomes a plain
 * quote mark, so the quote cannot close itself early); the words before it say which tool printed it.
 * Sentences shaped like instructions to the reader (addressed to AI agents or assistants, "in all
 * future sessions", fake system notes, fake authorizations by the user, hidden HTML comments, a
 * download piped into a shell; common/rules/poison.ts) are never passed on: each is replaced by
 * INSTRUCTION_REMOVED, whichever summarizer wrote the line.
 */
import { instructionShaped } from './poison.js';

export const INSTRUCTION_REMOVED = '[instruction-shaped text removed]';

/** Hidden HTML comments (a page, a README, a template) carry nothing a reader is meant to see. */
const HTML_COMMENT = /<!--[\s\S]*?(-->|$)/g;

/** Sentences: after . ! ? ; followed by a space, or at a line break. Dots in paths and URLs do not split. */
const SENTENCES = /(?<=[.!?;])\s+|\n+/;

/**
 * The text without its instruction-shaped sentences (each replaced by INSTRUCTION_REMOVED, one marker
 * for a run of them) and without HTML comments. Lines are kept as lines.
 */
export function neutralise(text: string): string {
  if (!text) return text;
  const uncommented = text.replace(HTML_COMMENT, ' ');
  const lines = uncommented.split('\n').map((line) => {
    const parts = line.split(/(?<=[.!?;])\s+/);
    const kept: string[] = [];
    for (const p of parts) {
      if (instructionShaped(p)) {
        if (kept.at(-1) !== INSTRUCTION_REMOVED) kept.push(INSTRUCTION_REMOVED);
      } else kept.push(p);
    }
    return kept.join(' ');
  });
  return lines.join('\n');
}

/** Whether the text has anything neutralise() would remove. */
export function hasInstructionShape(text: string): boolean {
  if (!text) return false;
  if (/<!--/.test(text)) return true;
  return text.split(SENTENCES).some((s) => instructionShaped(s));
}

/** Where a quote came from, as its attribution says it: a command, a file read, a page fetched. */
export function quoteSource(tool: string | null | undefined, subject: string): string {
  const what = subject.replace(/\s+/g, ' ').trim().slice(0, 100);
  if (tool === 'Bash' || !tool) return what ? `output of \`${what}\`` : 'tool output';
  if (tool === 'WebFetch' || tool === 'WebSearch') return `page ${what}`;
  if (tool === 'Read') return `file ${what}`;
  return `${tool} output${what ? ` (${what})` : ''}`;
}

/** A quote of tool output: attributed, fenced, neutralised, on one line, at most `max` characters inside. */
export function fenceToolOutput(source: string, text: string, max = 240): string {
  const flat = neutralise(text).replace(/[«»]/g, '"').replace(/\s+/g, ' ').trim();
  const clipped = flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
  return `${source}: «${clipped}»`;
}

/** Whether a line's text is already a fenced quote (it is not fenced twice). */
export const isFenced = (text: string) => /«[^«»]*»/.test(text);
