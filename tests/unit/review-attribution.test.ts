/**
 * The review inbox's marks on what agents are handed, without a stack (issue 51): a learning edited
 * in review says who edited it on every line that carries it (start context, per-prompt push, the
 * MCP lines and records), and a pending or rejected learning is withheld from agents even by id;
 * who stated, approved, corrected, forgot or rejected a learning, as every edge words it
 * (clients/attribution.ts) and the MCP lines and records show it.
 * tests/review.test.ts checks the same end to end on the real stack.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assemblePush, type PushCandidate } from '../../api/context/prompt-push.js';
import { renderItem } from '../../api/context/context-render.js';
import type { Candidate } from '../../api/context/context-candidates.js';
import { attributionOf, attributionText, hitAttribution } from '../../clients/attribution.js';
import { learningLine, recordBlock, searchLine, withheldFromAgents } from '../../mcp/tools/tool-kit.js';
import type { LearningRecord } from '../../messages/api-v1.js';

const RITA = 'Rita Reviewer <rita@example.com>';
const at = '2026-11-27T10:00:00Z';

const record = (over: Partial<LearningRecord> = {}): LearningRecord => ({
  ...{ id: '1b2c3d4e-0000-4000-8000-000000000000', type: 'learning', title: 'Parser returns the last token at EOF', body: 'The parser must return the last token at EOF.', createdAt: at, kind: 'fix', status: 'active' },
  ...{ project: 'shop', origin: 'extracted', tags: [], confidence: 0.6, strength: 1, lastStatedAt: at, validFrom: at, validTo: null, supersededBy: null, tokenCount: 9, updatedAt: at },
  ...{ trust: 'extracted', outcome: 'unverified', flags: [], staleCount: 0, checkedAt: null, gitBranch: null, gitCommit: null, onDefaultBranch: null, citations: [], sources: [], history: [] },
  ...over,
});

test('the start context names the editor of a learning edited in review, and only of that one', () => {
  const c: Candidate = {
    type: 'learning',
    id: 'l1',
    kind: 'fix',
    title: 'Parser returns the last token at EOF',
    text: 'The parser must return the last token at EOF.',
    tool_name: null,
    confidence: 0.6,
    strength: 1,
    at: new Date(at),
    relevance: 0,
    project_name: 'shop',
    origin: 'extracted',
    edited_by: RITA,
  };
  assert.match(renderItem(c, 200), /^- \[fix\] Parser returns the last token at EOF \(edited by Rita Reviewer <rita@example\.com>\): The parser must/);
  assert.doesNotMatch(renderItem({ ...c, edited_by: null }, 200), /edited by/);
});

test('the per-prompt push says "edited by" in place of "extracted from a session"', () => {
  const c: PushCandidate = {
    id: '00000000-0000-0000-0000-000000000001',
    kind: 'fix',
    title: 'Parser returns the last token at EOF',
    body: 'The parser must return the last token at EOF.',
    origin: 'extracted',
    outcome: 'unverified',
    at: new Date(at),
    replaced_at: null,
    pushed_before: false,
    edited_by: RITA,
  };
  const pushed = assemblePush('shop', 'the parser loses the last token at EOF, fix the parser', [c]);
  assert.match(pushed.context, /\[fix, 2026-11-27, edited by Rita Reviewer <rita@example\.com>\] Parser returns the last token at EOF/);
  assert.doesNotMatch(pushed.context, /extracted from a session/);
});

test('MCP lines and records carry the editor; a pending or rejected learning is withheld', () => {
  const edited = record({ editedBy: RITA });
  assert.match(learningLine(edited), /\[fix, trust: extracted, edited by Rita Reviewer <rita@example\.com>\]/);
  assert.match(recordBlock(edited), /edited by Rita Reviewer/);
  assert.doesNotMatch(learningLine(record()), /edited by/);
  const hit = { id: edited.id, type: 'learning' as const, title: edited.title, snippet: edited.body, score: 1, sessionId: null, createdAt: at };
  assert.match(searchLine({ ...hit, editedBy: RITA }), /Parser returns the last token at EOF \(edited by Rita Reviewer <rita@example\.com>\)/);
  assert.doesNotMatch(searchLine(hit), /edited by/);
  assert.equal(withheldFromAgents(record({ status: 'pending' })), 'waits for review');
  assert.equal(withheldFromAgents(record({ status: 'rejected' })), 'was rejected in review');
  assert.equal(withheldFromAgents(record({ status: 'superseded' })), undefined, 'history stays readable by id');
  assert.equal(withheldFromAgents(record()), undefined);
});

const MAX = 'Max Member';
const rev = (revision: number, reason: string, by: string | null, status = 'active') =>
  ({ revision, kind: 'fix', title: 't', body: 'b', confidence: 0.6, status, strength: 1, reason, note: null, changedBy: by ? 'key:x' : 'session-workflow', by, createdAt: at }) as LearningRecord['history'][number];

test('who is behind a learning, in order: stated, edited (its own approval, said once), approved with its time, and who took it out of service', () => {
  assert.deepEqual(attributionOf(record()), [], 'extracted and never reviewed: no one');
  assert.equal(attributionText(attributionOf(record({ approvedBy: RITA, approvedAt: '2026-11-27T16:40:12.345Z' }))), `approved by ${RITA} 2026-11-27 16:40`);
  assert.equal(attributionText(attributionOf(record({ editedBy: RITA, approvedBy: RITA, approvedAt: at }))), `edited by ${RITA} 2026-11-27 10:00`, 'an edit approves: one part');
  assert.equal(attributionText(attributionOf(record({ editedBy: 'Rita', approvedBy: RITA }))), `edited by Rita; approved by ${RITA}`, 'a renamed editor: both');
  const corrected = record({ origin: 'user', statedBy: MAX, status: 'superseded', supersededBy: 'x', history: [rev(1, 'created', MAX), rev(2, 'superseded', MAX, 'superseded')] });
  assert.equal(attributionText(attributionOf(corrected)), 'stated by Max Member; corrected by Max Member');
  for (const [reason, verb] of [['forgotten', 'forgotten'], ['wrong', 'marked wrong'], ['rejected', 'rejected'], ['code changed', 'reported stale']]) {
    const ended = record({ status: reason === 'rejected' ? 'rejected' : 'superseded', history: [rev(1, 'created', null), rev(2, reason!, RITA, 'superseded')] });
    assert.equal(attributionText(attributionOf(ended)), `${verb} by ${RITA}`, reason);
  }
  const bySummarizer = record({ status: 'superseded', history: [rev(1, 'created', null), rev(2, 'superseded', null, 'superseded')] });
  assert.deepEqual(attributionOf(bySummarizer), [], 'the summarizer superseding it names no one');
  assert.deepEqual(attributionOf(record({ history: [rev(1, 'created', null), rev(2, 'forgotten', RITA)] })), [], 'an active learning was ended by no one');
});

test('MCP: an index line says who approved; get says everyone, and who made each revision', () => {
  const approved = record({ approvedBy: RITA, approvedAt: at, history: [rev(1, 'created', null, 'pending'), rev(2, 'approved', RITA)] });
  assert.match(learningLine(approved), /\[fix, trust: extracted, approved by Rita Reviewer <rita@example\.com>\]/);
  const block = recordBlock(approved);
  assert.match(block, /approved by Rita Reviewer <rita@example\.com> 2026-11-27 10:00\]/);
  assert.match(block, /history: r2 approved by Rita Reviewer <rita@example\.com> /);
  const hit = { id: approved.id, type: 'learning' as const, title: approved.title, snippet: approved.body, score: 1, sessionId: null, createdAt: at };
  assert.match(searchLine({ ...hit, approvedBy: RITA }), /\(approved by Rita Reviewer <rita@example\.com>\)/);
  assert.match(searchLine({ ...hit, approvedBy: RITA, editedBy: RITA }), /\(edited by Rita Reviewer <rita@example\.com>\)$/, 'an edit is said, not the approval with it');
  assert.equal(hitAttribution({}), undefined);
});
