/** The plain controls every view is built of: an error note, tables, "load more", a select, a form and a text field. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Paged } from '../hooks.js';

export function ErrorNote({ error }: { error: string | undefined }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

/** "Load more" under a cursor-paginated list. */
export function More({ list }: { list: Paged<unknown> }) {
  if (!list.next) return null;
  return (
    <button type="button" class="more" disabled={list.busy} onClick={list.more}>
      {list.busy ? 'Loading…' : 'Load more'}
    </button>
  );
}

/**
 * A table with one header row; the rows are the children. It scrolls sideways in a focusable region
 * (keyboard users can scroll it), and says so when its columns are wider than the screen.
 */
export function Table({ head, children, label }: { head: string[]; children: ComponentChildren; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [overflow, setOverflow] = useState(false);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const check = () => setOverflow(el.scrollWidth > el.clientWidth + 1);
    check();
    const ro = new ResizeObserver(check);
    ro.observe(el);
    if (el.firstElementChild) ro.observe(el.firstElementChild);
    return () => ro.disconnect();
  }, []);
  return (
    <>
      {overflow ? (
        <p class="scroll-hint" aria-hidden="true">
          {label}: scroll sideways for more columns →
        </p>
      ) : null}
      <div ref={box} class={`table-scroll${overflow ? ' overflows' : ''}`} tabIndex={0} role="region" aria-label={`${label} (table${overflow ? ', scrolls sideways' : ''})`}>
        <table class="list">
          <thead>
            <tr>
              {head.map((h) => (
                <th key={h} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>{children}</tbody>
        </table>
      </div>
    </>
  );
}

/** A table row of plain cells. */
export function Row({ cells }: { cells: ComponentChildren[] }) {
  return (
    <tr>
      {cells.map((c, i) => (
        <td key={i}>{c}</td>
      ))}
    </tr>
  );
}

/** A labelled select of fixed choices (value, or [value, label]). */
export function Choice({ label, value, options, onChange }: { label: string; value: string; options: readonly (string | readonly [string, string])[]; onChange: (v: string) => void }) {
  return (
    <label>
      {label}{' '}
      <select value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {options.map((o) => {
          const [v, text] = typeof o === 'string' ? [o, o] : o;
          return (
            <option key={v} value={v}>
              {text}
            </option>
          );
        })}
      </select>
    </label>
  );
}

/** A form that calls `onSubmit` instead of navigating. */
export function Form({ onSubmit, class: cls = 'filters', role, children }: { onSubmit: () => void; class?: string; role?: 'search'; children: ComponentChildren }) {
  return (
    <form
      class={cls}
      role={role}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      {children}
    </form>
  );
}

/** A labelled text input bound to a string state. */
export function Field({ label, value, onInput, required, placeholder }: { label: string; value: string; onInput: (v: string) => void; required?: boolean; placeholder?: string }) {
  return (
    <label>
      {label} <input value={value} required={required} placeholder={placeholder} onInput={(e) => onInput(e.currentTarget.value)} />
    </label>
  );
}
