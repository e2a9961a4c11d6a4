/**
 * The tokens of an observation's rendering for the model (renderObservation: clipped per tool),
 * remembered per worker process. summarizeBatch sizes a session's unsummarized observations at every
 * stop (a batch is due only once a turn's worth has come) and again at the end, so the same
 * renderings were tokenized several times: sizing them was most of summarizeBatch's CPU in a V8
 * profile of the worker under bench:ingest (docs/benchmarks.md, "Fewer tasks per session"). An
 * observation can change after it is stored (a tool call's result merged into it), so an entry
 * keeps what the rendering is made of and answers only while all of it is the same.
 */
import { countTokens } from '../../common/rules/tokens.js';
import { renderObservation, type PromptObservation } from './summary-prompt.js';

/** What a rendering is made of (renderObservation reads these fields only). */
type Rendered = Pick<PromptObservation, 'sequence' | 'kind' | 'toolName' | 'title' | 'text'>;

/** Observations remembered: the unsummarized tails of a few hundred sessions at once. */
const MAX_ENTRIES = 5000;

const same = (a: Rendered, b: Rendered) => a.sequence === b.sequence && a.kind === b.kind && (a.toolName ?? null) === (b.toolName ?? null) && a.title === b.title && a.text === b.text;

export class RenderedTokens {
  private readonly entries = new Map<string, { of: Rendered; tokens: number }>();

  constructor(private readonly max = MAX_ENTRIES) {}

  /** Tokens of the rendering of observation `id` as it is now (`o`). */
  of(id: string, o: PromptObservation): number {
    const known = this.entries.get(id);
    if (known && same(known.of, o)) return known.tokens;
    const tokens = countTokens(renderObservation(o));
    this.entries.delete(id); // re-inserted last: the oldest entries go first
    this.entries.set(id, { of: { sequence: o.sequence, kind: o.kind, toolName: o.toolName ?? null, title: o.title, text: o.text }, tokens });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return tokens;
  }
}
