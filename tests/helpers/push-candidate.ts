/** A push candidate for the push's pure tests (tests/unit/prompt-push.test.ts, file-push.test.ts): a person's rule dated 2026-08-03 unless `extra` says otherwise. */
import type { PushCandidate } from '../../api/context/prompt-push.js';

let n = 0;
export const learning = (kind: string, title: string, body: string, extra: Partial<PushCandidate> = {}): PushCandidate => ({
  id: `00000000-0000-0000-0000-${String(++n).padStart(12, '0')}`,
  kind,
  title,
  body,
  origin: 'user',
  outcome: 'unverified',
  at: new Date('2026-08-03T10:00:00Z'),
  replaced_at: null,
  pushed_before: false,
  ...extra,
});
