/**
 * Realistic Claude Code hook traffic for the load benchmarks: endless agent sessions as the installed
 * hook client delivers them (SessionStart, then turns of UserPromptSubmit, tool results as
 * PostToolUse or PostToolUseFailure, Stop; SessionEnd when told to finish), with tool outputs of
 * realistic sizes, an occasional secret for the redactor, and payload fields as the hooks reference
 * gives them. Deterministic per session (seeded), so runs are comparable.
 */
import type { HookEventName } from '../messages/hooks-v1.js';

export interface HookDelivery {
  event: HookEventName;
  body: Record<string, unknown>;
}

/** mulberry32: a tiny seeded generator (benchmarks want repeatable streams, not crypto). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FILES = ['src/auth/login.ts', 'src/auth/session.ts', 'src/api/routes.ts', 'src/db/migrations.ts', 'tests/login.test.ts', 'src/ui/form.tsx', 'README.md', 'package.json'];
const PROMPTS = [
  'Fix the failing login test and explain what broke.',
  'Add pagination to the sessions endpoint, with a test.',
  'Why does the migration fail on a fresh database?',
  'Refactor the token refresh so it retries once on 401.',
  'Update the README with the new environment variables.',
];
const LINE = 'at Object.<anonymous> (src/auth/login.ts:42:17) expected 200 but got 401 in POST /v1/login';

export class HookSessionStream {
  readonly sessionId: string;
  private readonly rnd: () => number;
  private readonly common: Record<string, unknown>;
  private queue: HookDelivery[] = [];
  private calls = 0;
  private finished = false;

  constructor(sessionId: string, cwd: string, seed: number) {
    this.sessionId = sessionId;
    this.rnd = seeded(seed);
    this.common = { session_id: sessionId, transcript_path: `/home/dev/.claude/projects/bench/${sessionId}.jsonl`, cwd, permission_mode: 'default' };
    this.push('session-start', 'SessionStart', { source: 'startup', model: 'claude-sonnet-4-5' });
  }

  /** The next delivery; after finish() the stream ends with Stop and SessionEnd, then undefined. */
  next(): HookDelivery | undefined {
    if (this.queue.length === 0 && !this.finished) this.turn();
    return this.queue.shift();
  }

  /** The SessionEnd delivery of this session. */
  end(): HookDelivery {
    return { event: 'session-end', body: { ...this.common, hook_event_name: 'SessionEnd', reason: 'prompt_input_exit' } };
  }

  /** Ends the session after the current turn's Stop. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (!this.queue.some((d) => d.event === 'stop')) this.push('stop', 'Stop', { stop_hook_active: false, last_assistant_message: 'Done for now.' });
    this.push('session-end', 'SessionEnd', { reason: 'prompt_input_exit' });
  }

  private push(event: HookEventName, hookEventName: string, extra: Record<string, unknown>): void {
    this.queue.push({ event, body: { ...this.common, hook_event_name: hookEventName, ...extra } });
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)]!;
  }

  private text(lines: number): string {
    return Array.from({ length: lines }, (_, i) => `${i + 1}  ${LINE.slice(0, 30 + Math.floor(this.rnd() * 60))}`).join('\n');
  }

  private turn(): void {
    const secret = this.rnd() < 0.05 ? ' my token is ghp_16C7e42F292c6912E7710c838347Ae178B4a' : '';
    this.push('user-prompt-submit', 'UserPromptSubmit', { prompt: `${this.pick(PROMPTS)}${secret}` });
    const tools = 4 + Math.floor(this.rnd() * 12);
    for (let i = 0; i < tools; i++) this.tool();
    this.push('stop', 'Stop', { stop_hook_active: false, last_assistant_message: 'The test passes now: the session cookie was read before it was set.' });
  }

  private tool(): void {
    const id = `toolu_${this.sessionId.slice(0, 8)}_${String(this.calls++).padStart(5, '0')}`;
    const r = this.rnd();
    const file = `/repo/${this.pick(FILES)}`;
    if (r < 0.35) {
      const command = this.pick(['npm test -- tests/login.test.ts', 'npx tsc --noEmit', 'git diff --stat', 'npm run lint']);
      if (this.rnd() < 0.3) {
        this.push('post-tool-use-failure', 'PostToolUseFailure', {
          tool_name: 'Bash',
          tool_input: { command, description: 'Run the checks' },
          tool_use_id: id,
          error: `Command exited with non-zero status code 1\n${this.text(6 + Math.floor(this.rnd() * 20))}`,
          is_interrupt: false,
          duration_ms: Math.floor(this.rnd() * 9000),
        });
        return;
      }
      this.push('post-tool-use', 'PostToolUse', {
        tool_name: 'Bash',
        tool_input: { command, description: 'Run the checks' },
        tool_use_id: id,
        tool_response: { stdout: this.text(5 + Math.floor(this.rnd() * 40)), stderr: '', interrupted: false, isImage: false },
      });
    } else if (r < 0.65) {
      this.push('post-tool-use', 'PostToolUse', {
        tool_name: 'Read',
        tool_input: { file_path: file },
        tool_use_id: id,
        tool_response: { type: 'text', file: { filePath: file, content: this.text(10 + Math.floor(this.rnd() * 50)), numLines: 60, startLine: 1, totalLines: 200 } },
      });
    } else if (r < 0.85) {
      this.push('post-tool-use', 'PostToolUse', {
        tool_name: 'Edit',
        tool_input: { file_path: file, old_string: 'return token', new_string: 'return token ?? null', replace_all: false },
        tool_use_id: id,
        tool_response: { filePath: file, oldString: 'return token', newString: 'return token ?? null', structuredPatch: [{ oldStart: 40, oldLines: 3, newStart: 40, newLines: 3, lines: ['-  return token', '+  return token ?? null'] }] },
      });
    } else {
      this.push('post-tool-use', 'PostToolUse', {
        tool_name: 'Grep',
        tool_input: { pattern: 'refreshToken', path: '/repo/src', output_mode: 'content' },
        tool_use_id: id,
        tool_response: { mode: 'content', numFiles: 3, filenames: [], content: this.text(3 + Math.floor(this.rnd() * 15)), numLines: 12 },
      });
    }
  }
}
