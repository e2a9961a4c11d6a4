/** A session's timeline as text: one item (a prompt, a stop, a tool call with its result), with matches marked. */
import type { ComponentChildren } from 'preact';
import type { LiveItem, TimelineItem } from '../api.js';
import { editDiff, plainText, plainValue, toolParts, wordRanges } from '../../../clients/readable.js';
import { fmtTime } from './view-format.js';

/**
 * The text with every occurrence of `needle` marked, or every word starting like one of `needles`
 * (a query's words). As text nodes: nothing is ever parsed as HTML.
 */
export function Highlight({ text, needle, needles }: { text: string; needle?: string | undefined; needles?: readonly string[] }) {
  const ranges: [number, number][] = [];
  if (needle) {
    const lower = text.toLowerCase();
    const n = needle.toLowerCase();
    for (let i = lower.indexOf(n); i >= 0; i = lower.indexOf(n, i + n.length)) ranges.push([i, i + n.length]);
  } else if (needles?.length) ranges.push(...wordRanges(text, needles));
  if (ranges.length === 0) return <>{text}</>;
  const parts: ComponentChildren[] = [];
  let at = 0;
  for (const [i, j] of ranges) {
    parts.push(text.slice(at, i), <mark key={i}>{text.slice(i, j)}</mark>);
    at = j;
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}

/**
 * An item's title and text as one text, each said once: a title that ends with the gist of the text
 * ("Agent stopped: <first words of the answer>") is said as its label and the whole text.
 */
export function itemText(i: LiveItem): string {
  if (!i.text) return i.title;
  if (i.text.startsWith(i.title)) return i.text;
  const m = i.title.match(/^([^:]{1,60}):\s+(.+?)…?$/s);
  const flat = i.text.replace(/\s+/g, ' ').trim();
  if (m && flat.startsWith(m[2]!.replace(/\s+/g, ' ').trim())) return `${m[1]}: ${i.text}`;
  return `${i.title}\n${i.text}`;
}

/** One timeline item: prompts and stops as text, a tool call folded with its result. */
export function Item({ item, needle }: { item: TimelineItem; needle?: string | undefined }) {
  const [head, ...rest] = item.text.split('\n');
  if (item.kind === 'tool') {
    return (
      <li class="item kind-tool">
        <details open={Boolean(needle)}>
          <summary>
            <span class="kind">{item.toolName ?? 'tool'}</span> <Highlight text={head ?? ''} needle={needle} />
          </summary>
          <ToolBody toolName={item.toolName} body={rest.join('\n')} toolUseId={item.toolUseId} needle={needle} />
        </details>
        <time dateTime={item.createdAt}>{fmtTime(item.createdAt)}</time>
      </li>
    );
  }
  return (
    <li class={`item kind-${item.kind}`}>
      <span class="kind">{item.kind}</span>{' '}
      <span class="text">
        <Highlight text={item.text} needle={needle} />
      </span>
      <time dateTime={item.createdAt}>{fmtTime(item.createdAt)}</time>
    </li>
  );
}

/** A tool call's input and result as a person reads them: an edit as a diff, other inputs as `key: value` lines. */
export function ToolBody({ toolName, body, toolUseId, needle }: { toolName: string | null; body: string; toolUseId: string | null; needle?: string | undefined }) {
  const { input, inputText, resultText } = toolParts(body);
  const diff = editDiff(toolName, input);
  const result = resultText ? plainText(resultText) : '';
  return (
    <div class="tool-body">
      {diff ? (
        <div class="diff" role="group" aria-label={`changes to ${diff.path || 'the file'}`}>
          {diff.path ? <div class="diff-path"><code>{diff.path}</code></div> : null}
          {diff.hunks.map((h, i) => (
            <pre key={i} class="diff-hunk">
              {h.map((l, j) => (
                <span key={j} class={l.sign === '-' ? 'del' : l.sign === '+' ? 'add' : 'ctx'}>
                  <span class="sign" aria-hidden="true">{l.sign}</span>
                  <span class="visually-hidden">{l.sign === '-' ? 'removed: ' : 'added: '}</span>
                  <Highlight text={l.text} needle={needle} />
                  {'\n'}
                </span>
              ))}
            </pre>
          ))}
        </div>
      ) : (
        <pre class="tool-input">
          <Highlight text={input ? plainValue(input).replace(/^\n/, '') : inputText.replace(/\\n/g, '\n')} needle={needle} />
        </pre>
      )}
      {result ? (
        <pre class="tool-result">
          <Highlight text={result} needle={needle} />
        </pre>
      ) : null}
      {toolUseId ? <p class="muted tool-id">tool use {toolUseId}</p> : null}
    </div>
  );
}
