/**
 * Time named in a question: "what did we change in core.py 3 days ago", "yesterday", "last week",
 * "on 2026-11-14", "on November 14", "in October". Such a question asks about the records of that
 * time: the search service runs its keyword leg once more inside the window and ranks those matches
 * first (search-service.ts). It is a soft preference, not a filter: a question whose time is wrong
 * by a day still gets the rest of the ranking after the window's records. Explicit since/until
 * parameters win over anything read from the words.
 */
const DAY_MS = 86_400_000;

export interface TimeWindow {
  since: Date;
  until: Date;
  /** What the question asked, the time words taken out. */
  rest: string;
}

const NUMBER_WORDS: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12, fourteen: 14, twenty: 20, thirty: 30 };
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const MONTH_RE = `(${MONTHS.join('|')}|${MONTHS.map((m) => m.slice(0, 3)).join('|')})`;

const num = (s: string) => NUMBER_WORDS[s.toLowerCase()] ?? Number(s);
const monthOf = (s: string) => MONTHS.findIndex((m) => m.startsWith(s.toLowerCase().slice(0, 3)));

/** The window of days [from, to] back from `now` (from > to: days ago), half a day of slack each side. */
function daysBack(now: number, from: number, to: number): { since: Date; until: Date } {
  return { since: new Date(now - from * DAY_MS - DAY_MS / 2), until: new Date(now - to * DAY_MS + DAY_MS / 2) };
}

/** A calendar day or month in the year of `now` (last year if that would be in the future). */
function calendar(now: number, month: number, day?: number): { since: Date; until: Date } {
  const year = new Date(now).getUTCFullYear();
  let start = Date.UTC(year, month, day ?? 1);
  if (start > now) start = Date.UTC(year - 1, month, day ?? 1);
  const end = day === undefined ? Date.UTC(new Date(start).getUTCFullYear(), month + 1, 1) : start + DAY_MS;
  return { since: new Date(start - DAY_MS / 2), until: new Date(end + DAY_MS / 2) };
}

const RULES: { re: RegExp; window: (m: RegExpExecArray, now: number) => { since: Date; until: Date } | undefined }[] = [
  { re: /\b(\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|twenty|thirty)\s+days?\s+ago\b/i, window: (m, now) => daysBack(now, num(m[1]!) + 1, num(m[1]!)) },
  { re: /\b(\d{1,2}|an?|one|two|three|four|five|six)\s+weeks?\s+ago\b/i, window: (m, now) => daysBack(now, 7 * num(m[1]!) + 7, 7 * num(m[1]!) - 7) },
  { re: /\byesterday\b/i, window: (_m, now) => daysBack(now, 2, 0) },
  { re: /\btoday\b/i, window: (_m, now) => daysBack(now, 1, 0) },
  { re: /\blast\s+week\b/i, window: (_m, now) => daysBack(now, 14, 6) },
  { re: /\bthis\s+week\b/i, window: (_m, now) => daysBack(now, 7, 0) },
  { re: /\blast\s+month\b/i, window: (_m, now) => daysBack(now, 62, 28) },
  { re: /\b(\d{4})-(\d{2})-(\d{2})\b/, window: (m) => ({ since: new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!) - DAY_MS / 2), until: new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!) + DAY_MS * 1.5) }) },
  { re: new RegExp(`\\b(?:on\\s+)?${MONTH_RE}\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b`, 'i'), window: (m, now) => (+m[2]! <= 31 ? calendar(now, monthOf(m[1]!), +m[2]!) : undefined) },
  { re: new RegExp(`\\b(?:on\\s+)?(?:the\\s+)?(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_RE}\\b`, 'i'), window: (m, now) => (+m[1]! <= 31 ? calendar(now, monthOf(m[2]!), +m[1]!) : undefined) },
  { re: new RegExp(`\\bin\\s+${MONTH_RE}\\b`, 'i'), window: (m, now) => calendar(now, monthOf(m[1]!)) },
];

/** The time a question names, if any (the first rule that matches). */
export function timeWindowOf(query: string, now = Date.now()): TimeWindow | undefined {
  for (const rule of RULES) {
    const m = rule.re.exec(query);
    if (!m) continue;
    const w = rule.window(m, now);
    if (!w || Number.isNaN(w.since.getTime()) || Number.isNaN(w.until.getTime())) continue;
    return { ...w, rest: `${query.slice(0, m.index)} ${query.slice(m.index + m[0].length)}`.replace(/\s+/g, ' ').trim() };
  }
  return undefined;
}
