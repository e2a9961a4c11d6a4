/**
 * What redaction would remove from a text, as findings (rule, span in the input, length), for
 * `memflow redact --check`. Redaction replaces spans by markers and keeps everything else, so the
 * findings come from aligning the redacted text with the input: each literal run between markers is
 * found again in the input, and what lies between two runs is what a marker replaced. Adjacent
 * replacements merge into one finding; the first marker's rule names it.
 */
import { redactText } from './redact.js';
import type { CompiledRule } from './redact-tenant-rules.js';

export interface RedactionFinding {
  rule: string;
  /** Span in the input (UTF-16 offsets, end exclusive). */
  start: number;
  end: number;
}

const MARKER = /\[redacted:([\w.-]{1,64})\]|\[private\]/g;

export function explainRedaction(input: string, extra: readonly CompiledRule[] = []): { text: string; findings: RedactionFinding[] } {
  const { text } = redactText(input, extra);
  const findings: RedactionFinding[] = [];
  let inPos = 0;
  let outPos = 0;
  const markers = [...text.matchAll(MARKER)];
  for (let i = 0; i < markers.length; i++) {
    const m = markers[i]!;
    const literal = text.slice(outPos, m.index);
    inPos += literal.length; // the literal before a marker is kept as it is
    const afterMarker = m.index + m[0].length;
    const next = markers[i + 1];
    const following = text.slice(afterMarker, next ? next.index : text.length);
    // The replaced span ends where the following literal starts again (for the last marker: at the
    // position that leaves exactly the trailing literal).
    let end: number;
    if (!next) end = input.length - following.length;
    else if (following.length === 0) end = inPos; // two markers touch: the next one carries the span
    else {
      const found = input.indexOf(following, inPos + 1);
      end = found === -1 ? input.length : found;
    }
    if (end > inPos) findings.push({ rule: m[1] ?? 'private', start: inPos, end });
    inPos = Math.max(inPos, end);
    outPos = afterMarker;
  }
  return { text, findings };
}

/** A secret shown on the user's own terminal: first and last character and its length, never the rest. */
export function maskSecret(s: string): string {
  const oneLine = s.replace(/\s+/g, ' ');
  if (oneLine.length <= 6) return `${'*'.repeat(oneLine.length)} (${s.length} chars)`;
  return `${oneLine[0]}${'*'.repeat(Math.min(oneLine.length - 2, 12))}${oneLine.at(-1)} (${s.length} chars)`;
}
