/** The host adapters by name (Claude Code needs none: memflow's hook body is its own). */
import { codex } from './codex.js';
import { copilot } from './copilot.js';
import { gemini } from './gemini.js';
import { opencode } from './opencode.js';
import type { HostAdapter, HostName } from './shared.js';

export const ADAPTERS: Record<Exclude<HostName, 'claude'>, HostAdapter> = { codex, gemini, opencode, copilot };

export function adapterOf(host: string): HostAdapter | undefined {
  return (ADAPTERS as Record<string, HostAdapter>)[host];
}
