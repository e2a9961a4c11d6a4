/** Small hooks: the hash route, and loading an answer with its error. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { call, type Page } from './api.js';

export function useHashRoute(): string[] {
  const read = () => (location.hash.replace(/^#\/?/, '') || 'live').split('?')[0]!.split('/').map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

/**
 * The view's state in the URL (`#/view?key=value`): what a person sees can be shared and survives a
 * reload. Each change replaces the history entry (typing must not fill the back button); `push`
 * adds one (a submitted query is a step back can return to).
 */
export function setHashParams(values: Record<string, string | undefined>, push = false): void {
  const [path = '', query = ''] = location.hash.split('?');
  const params = new URLSearchParams(query);
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined || v === '') params.delete(k);
    else params.set(k, v);
  }
  const qs = params.toString();
  const next = `${path || '#/'}${qs ? `?${qs}` : ''}`;
  if (next === location.hash) return;
  if (push) history.pushState(null, '', next);
  else history.replaceState(null, '', next);
}

/** A string state kept in the URL under `key` (absent when equal to `initial`). */
export function useUrlState(key: string, initial = ''): [string, (v: string) => void] {
  const [value, setValue] = useState(() => hashParams().get(key) ?? initial);
  useEffect(() => {
    const on = () => setValue(hashParams().get(key) ?? initial);
    addEventListener('popstate', on);
    return () => removeEventListener('popstate', on);
  }, [key]);
  const set = useCallback(
    (v: string) => {
      setValue(v);
      setHashParams({ [key]: v === initial ? undefined : v });
    },
    [key, initial],
  );
  return [value, set];
}

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [n, setN] = useState(0);
  const reload = useCallback(() => setN((x) => x + 1), []);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load().then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (err: Error) => {
        if (!live) return;
        setError(err.message);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, n]);
  return { data, error, loading, reload };
}

/** The `?a=b` part of the hash route. */
export const hashParams = () => new URLSearchParams(location.hash.split('?')[1] ?? '');

export interface Paged<T> {
  items: T[];
  next: string | null;
  busy: boolean;
  error: string | undefined;
  /** Reads the first page again (after a filter changed). */
  reload: () => void;
  /** Appends the next page. */
  more: () => void;
}

/** A cursor-paginated list of the API ({items, nextCursor}); `url` builds a page's URL from a cursor. */
export function usePaged<T>(url: (cursor: string | null) => string): Paged<T> {
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  // Each first page asked for supersedes every answer still on its way (an earlier filter's first
  // page, a "more" of the previous list): answers can come back in any order, and a late one must
  // not replace the list the newest question got.
  const asked = useRef(0);
  const load = async (cursor: string | null) => {
    const mine = cursor ? asked.current : ++asked.current;
    setBusy(true);
    try {
      const page = await call<Page<T>>('GET', url(cursor));
      if (mine !== asked.current) return;
      setItems((prev) => (cursor ? [...prev, ...page.items] : page.items));
      setNext(page.nextCursor);
      setError(undefined);
    } catch (err) {
      if (mine !== asked.current) return;
      setError((err as Error).message);
      // A refused first page (a bad filter) shows its error, not the answer to the previous filter.
      if (!cursor) {
        setItems([]);
        setNext(null);
      }
    } finally {
      if (mine === asked.current) setBusy(false);
    }
  };
  return { items, next, busy, error, reload: () => void load(null), more: () => void load(next) };
}

/** The time now, refreshed every `everyMs` (for "quiet for N min"). */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
