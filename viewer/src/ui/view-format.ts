/** How every view shows times, numbers and ids, and the User Timing marks the viewer's benchmark reads. */

// One formatter each: toLocaleString builds a new one per call, which thousands of items feel.
const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const numFormat = new Intl.NumberFormat('en-US');
export const fmtTime = (iso: string | null | undefined) => (iso ? timeFormat.format(new Date(iso)) : '—');
export const fmtNum = (n: number) => numFormat.format(n);

/**
 * A User Timing mark, once per page load: when a view first showed what matters (effects run after
 * the browser painted). bench/viewer.ts reads them; they cost nothing otherwise.
 */
export function markOnce(name: string): void {
  if (performance.getEntriesByName(name, 'mark').length === 0) performance.mark(name);
}
export const shortId = (id: string) => id.slice(0, 8);
