/**
 * The decisions corpora's conversations (bench/decisions/<corpus>/) read as labelled prompts: every
 * user turn is an item, with the agent's turn before it as its context. A turn holding a decisive
 * quote (decisions.json) or a genuine rule a decoy lists (decoys.json `rules`) is positive, with that
 * quote as its `rule`; every other user turn is negative. Conversations are where the detector meets
 * long turns full of background, so a corpus of them is the realistic check of its precision.
 *
 * Splits: `<corpus>:<split of the task that depends on it>` for decision and amendment
 * conversations, `<corpus>:decoy` for decoys.
 */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../infra/profile.js';

export interface LabelledPrompt {
  id: string;
  split: string;
  lang: string;
  label: string;
  text: string;
  context?: string;
  rule?: string;
}

interface Turn {
  speaker: 'user' | 'assistant';
  text: string;
}
interface Quote {
  turn: number;
  quote: string;
}
interface Conversation {
  id: string;
  turns: Turn[];
  decisive?: Quote[];
  rules?: Quote[];
}

export function conversationItems(corpus: string): LabelledPrompt[] {
  const dir = path.join(repoRoot, 'bench/decisions', corpus);
  const decisions = JSON.parse(fs.readFileSync(path.join(dir, 'decisions.json'), 'utf8')) as { conversations: Conversation[]; tasks: { split: string; decision: string; current: string }[] };
  const decoys = JSON.parse(fs.readFileSync(path.join(dir, 'decoys.json'), 'utf8')) as { conversations: Conversation[] };
  const splitOf = new Map<string, string>();
  for (const t of decisions.tasks) for (const c of [t.decision, t.current]) splitOf.set(c, t.split);
  const out: LabelledPrompt[] = [];
  const read = (c: Conversation, split: string, truth: Quote[]) => {
    c.turns.forEach((turn, i) => {
      if (turn.speaker !== 'user') return;
      const quotes = truth.filter((q) => q.turn === i).map((q) => q.quote);
      const before = c.turns[i - 1];
      out.push({
        id: `${corpus}:${c.id}:${i}`,
        split: `${corpus}:${split}`,
        lang: 'any',
        label: quotes.length > 0 ? 'rule' : 'other',
        text: turn.text,
        ...(before?.speaker === 'assistant' ? { context: before.text } : {}),
        ...(quotes.length > 0 ? { rule: quotes.join(' … ') } : {}),
      });
    });
  };
  for (const c of decisions.conversations) read(c, splitOf.get(c.id) ?? 'unsplit', c.decisive ?? []);
  for (const c of decoys.conversations) read(c, 'decoy', c.rules ?? []);
  return out;
}
