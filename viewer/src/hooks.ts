/** Small hooks: the hash route, and loading an answer with its error. */
import { useCallback, useEffect, useState } from 'preact/hooks';
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
  const load = async (cursor: string | null) => {
    setBusy(true);
    try {
      const page = await call<Page<T>>('GET', url(cursor));
      setItems((prev) => (cursor ? [...prev, ...page.items] : page.items));
      setNext(page.nextCursor);
      setError(undefined);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return { items, next, busy, error, reload: () => void load(null), more: () => void load(next) };
}
