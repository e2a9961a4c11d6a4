/**
 * The handover path without servers, for benches and unit tests that judge many sessions in
 * seconds: hook deliveries -> timeline items (the capture path's own renderEvent; a tool call's
 * events are one item) -> the final summary and learnings (the offline summarizer, or a scripted
 * model answer) through the same checks the summarize activity applies (activities/summarize/summary-store.ts) -> the
 * start context's candidates -> assembleContext. The real-stack tests (tests/poisoning.test.ts,
 * tests/summaries-truth.test.ts) prove the same through the API, Temporal and PostgreSQL.
 */
import { offlineFinal } from '../activities/summarize/offline.js';
import { checkedFields, checkedLearnings, lookedAtOnly, teachesNothing } from '../activities/summarize/summary-store.js';
import { summaryText, type FinalAnswer } from '../activities/summarize/summary-prompt.js';
import { assembleContext, type Candidate } from '../api/context/start-context.js';
import type { ObservationLine } from '../common/rules/check-outcomes.js';
import { renderEvent } from '../common/rules/observation.js';
import { poisonFlags } from '../common/rules/poison.js';
import { redactText } from '../common/rules/redact.js';
import type { Delivery } from '../tests/fixtures/claude-sessions.js';
import { statedLearnings, withStatedRules } from '../activities/summarize/stated-learnings.js';

export interface Timeline {
  items: (ObservationLine & { toolName: string | null; agent: string | null; tokenCount: number })[];
  agent: string;
}

/** The timeline a session's deliveries leave (as the capture path stores it). */
export function timelineOf(deliveries: Delivery[]): Timeline {
  const items: Timeline['items'] = [];
  const byCall = new Map<string, Timeline['items'][number]>();
  const host = (deliveries[0]?.body.memflowAgent as { host?: string } | undefined)?.host;
  const agent = host && host !== 'claude' ? host : 'claude-code';
  for (const d of deliveries) {
    const r = renderEvent(d.event, d.body);
    if (!r) continue;
    const row = { sequence: items.length + 1, kind: r.kind, toolName: r.toolName ?? null, title: redactText(r.title).text, text: redactText(r.text).text, agent, tokenCount: 0 };
    if (r.toolUseId && byCall.has(r.toolUseId)) {
      Object.assign(byCall.get(r.toolUseId)!, { title: row.title, text: row.text });
      continue;
    }
    items.push(row);
    if (r.toolUseId) byCall.set(r.toolUseId, row);
  }
  return { items, agent };
}

/** A model's answer (or none: the offline summarizer) after the checks every final summary passes. */
export function finalOf(t: Timeline, model?: (t: Timeline) => FinalAnswer): FinalAnswer {
  const answer = model ? model(t) : offlineFinal(t.items, t.agent);
  // As the final summary does (activities/summarize/session-summary.ts): the rules a person stated
  // join the checked learnings, in their words, whichever summarizer ran.
  // A person's notes (words that settle nothing for certain) are pushed only at their code, never in a summary's learnings.
  const stated = statedLearnings(t.items.map((o) => ({ sequence: o.sequence, kind: o.kind, text: o.text, title: o.title, toolName: o.toolName }))).filter((s) => s.kind !== 'note');
  const learnings = withStatedRules(checkedLearnings(answer.learnings, t.items), stated).flatMap((l) => (l.kind === 'note' ? [] : [{ ...l, kind: l.kind }]));
  return { ...checkedFields(teachesNothing(t.items, learnings) ? lookedAtOnly(answer) : answer), learnings };
}

/** A session as the start context's candidates: its final summary, learnings, prompts, tool calls and failures. */
export function candidatesOf(id: string, t: Timeline, final: FinalAnswer, at: Date, project: string): Candidate[] {
  const base = { relevance: 0, project_name: project, confidence: null, strength: null, tool_name: null, at } as const;
  const out: Candidate[] = [];
  const summaryText_ = summaryText(final);
  const rest = [final.learned, final.completed, final.nextSteps].filter((s) => s.trim()).join(' ');
  out.push({ ...base, type: 'summary', id: `${id}:summary`, kind: 'final', title: final.title, text: (rest || summaryText_).slice(0, 1200) });
  final.learnings.forEach((l, i) =>
    out.push({
      ...base,
      type: 'learning',
      id: `${id}:l${i}`,
      kind: l.kind,
      title: l.title,
      text: l.body.slice(0, 600),
      confidence: l.confidence,
      strength: 1,
      outcome: l.outcome ?? 'unverified',
      origin: 'extracted',
      flags: poisonFlags(l.title, l.body),
    }),
  );
  for (const o of t.items) {
    const obsAt = new Date(at.getTime() + o.sequence * 1000);
    if (o.kind === 'prompt') out.push({ ...base, type: 'observation', id: `${id}:o${o.sequence}`, kind: 'prompt', title: o.title, text: o.text.slice(0, 300), at: obsAt });
    if (o.kind !== 'tool') continue;
    if (o.title.startsWith('FAILED ')) {
      const later = t.items.filter((x) => x.sequence > o.sequence && (x.kind === 'tool' || x.kind === 'stop')).slice(0, 40);
      out.push({ ...base, type: 'observation', id: `${id}:f${o.sequence}`, kind: 'failure', title: o.title, text: o.text.slice(0, 4000), tool_name: o.toolName ?? null, at: obsAt, sequence: o.sequence, later });
    } else out.push({ ...base, type: 'observation', id: `${id}:o${o.sequence}`, kind: 'tool', title: o.title, text: o.text.slice(0, 300), tool_name: o.toolName ?? null, at: obsAt });
  }
  return out;
}

/** The start context a project's sessions leave (newest last in `sessions`). */
export function contextOf(project: string, candidates: Candidate[], budget: number, now: number) {
  return assembleContext(project, candidates, budget, { now });
}
