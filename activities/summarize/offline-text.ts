/** Text helpers of the offline summarizer: one-line gists and short lists. */
export const oneLine = (s: string, max = 160) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
};

export const unique = <T>(xs: T[]) => [...new Set(xs)];

/** Up to `max` items joined with "; ", and how many more there were. */
export function list(items: string[], max: number): string {
  const shown = items.slice(0, max);
  const rest = items.length - shown.length;
  return shown.join('; ') + (rest > 0 ? `; and ${rest} more` : '');
}
