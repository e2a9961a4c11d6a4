/**
 * What the summarizer must answer, as one zod schema: it validates the model's tool input and, turned
 * into JSON Schema, is the tool's `input_schema`, so the two cannot drift. The offline summarizer
 * produces the same shape.
 */
import { z } from 'zod';

export const LEARNING_KINDS = ['fix', 'decision', 'pattern', 'gotcha', 'convention', 'dead_end'] as const;
export const OUTCOMES = ['confirmed', 'refuted', 'unverified'] as const;
export type Outcome = (typeof OUTCOMES)[number];

const line = (max: number) => z.string().trim().min(1).max(max);
const section = z.string().trim().max(4000);

export const learningCandidateSchema = z.object({
  kind: z.enum(LEARNING_KINDS).describe('fix: a problem and what solved it; decision: a choice and its reason; pattern: how this codebase does something; gotcha: a trap to avoid; convention: a rule the team follows; dead_end: something tried that did not work, and why (never advice)'),
  title: line(200).describe('One line naming the learning so it can be recognised when restated, e.g. "Vitest hangs when the DB pool is not closed"'),
  body: z.string().trim().min(1).max(2000).describe('The cause and the remedy, or the choice and the reason; concrete (files, commands, errors).'),
  confidence: z.number().min(0).max(1).describe('How sure the evidence makes it: 0.9 when an error was seen and a fix verified, 0.5 when only stated.'),
  sources: z.array(z.number().int().positive()).min(1).max(20).describe('Observation numbers (the #N of each item) that are the evidence.'),
  outcome: z
    .enum(OUTCOMES)
    .optional()
    .describe('Evidence of outcome: confirmed (tests passed after, the change was kept), refuted (reverted, failed, contradicted later), unverified (nothing showed either).'),
  /** Merging with what the project already knows (ids from the "known learnings" list). */
  restates: z.string().max(100).optional().describe('Id of a known learning this says again (same point), if any.'),
  supersedes: z.string().max(100).optional().describe('Id of a known learning this contradicts or replaces, if any.'),
});
export type LearningCandidate = z.infer<typeof learningCandidateSchema>;

export const summaryFieldsSchema = z.object({
  title: line(200).describe('One line: what this part of the session was about.'),
  request: section.describe('What the user asked for.'),
  investigated: section.describe('What was looked at: files, commands, errors.'),
  learned: section.describe('What was found out about the code or the problem.'),
  completed: section.describe('What was done and verified.'),
  nextSteps: section.describe('What remains, or empty if nothing.'),
});
export type SummaryFields = z.infer<typeof summaryFieldsSchema>;

export const batchAnswerSchema = summaryFieldsSchema;

export const finalAnswerSchema = summaryFieldsSchema.extend({
  learnings: z.array(learningCandidateSchema).max(12).describe('Reusable knowledge worth keeping for future sessions; empty when there is none. Never invent.'),
});
export type FinalAnswer = z.infer<typeof finalAnswerSchema>;

/** The prose form of a summary: what is stored in `text`, embedded and shown. */
export function summaryText(s: SummaryFields): string {
  const parts: [string, string][] = [
    ['Request', s.request],
    ['Investigated', s.investigated],
    ['Learned', s.learned],
    ['Completed', s.completed],
    ['Next steps', s.nextSteps],
  ];
  return [s.title, ...parts.filter(([, v]) => v.trim()).map(([k, v]) => `${k}: ${v.trim()}`)].join('\n');
}
