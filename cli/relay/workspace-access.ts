/**
 * Whether a hook may make the relay read its user's working tree. The relay listens on 127.0.0.1,
 * where every user of the machine can connect, and SessionStart, Stop and SessionEnd make it read
 * the directory the hook names (X-Memflow-Project-Dir, else the payload's cwd): its git state, and at
 * the start the files the context cites (the staleness check), reported to the API the hook names
 * (X-Memflow-Url). Another user must not get that. So such a hook is served when
 *   - it brings the relay's token (relay-token.ts: memflow-hook, the OpenCode plugin), or
 *   - it is a later event of a session whose start was vouched for, about one of the directories
 *     that start named (Claude Code's own http hooks for Stop and SessionEnd, which carry no token), or
 *   - the kernel's socket table says the caller is the relay's user (peer-user.ts: Linux only, and
 *     a walk of the whole table, so only when the two cheaper answers are missing).
 * Other events read nothing of the tree and are not checked.
 */
import type http from 'node:http';
import { checkPeer } from './peer-user.js';
import { isRelayToken, RELAY_TOKEN_HEADER } from './relay-token.js';
import { header } from './request.js';

/** Sessions whose start the relay's user vouched for, with the directories it named (the newest kept). */
export class VouchedSessions {
  private readonly sessions = new Map<string, Set<string>>();

  constructor(private readonly max = 2000) {}

  vouch(session: string, dirs: string[]): void {
    const known = this.sessions.get(session) ?? new Set<string>();
    for (const d of dirs) known.add(d);
    this.sessions.delete(session);
    this.sessions.set(session, known);
    if (this.sessions.size > this.max) this.sessions.delete(this.sessions.keys().next().value!);
  }

  covers(session: string, dir: string): boolean {
    return this.sessions.get(session)?.has(dir) ?? false;
  }
}

export interface TreeRequest {
  event: string;
  session?: string;
  /** X-Memflow-Project-Dir. */
  projectDir?: string;
  /** The payload's cwd. */
  cwd?: string;
}

/** Why the relay must not read the working tree for this hook, or undefined when it may. */
export function treeRefusal(req: http.IncomingMessage, hook: TreeRequest, token: string | undefined, vouched: VouchedSessions): string | undefined {
  const dir = hook.projectDir ?? hook.cwd;
  const named = [hook.projectDir, hook.cwd].filter((d): d is string => d !== undefined);
  const vouch = () => {
    if (hook.event === 'session-start' && hook.session) vouched.vouch(hook.session, named);
    return undefined;
  };
  if (isRelayToken(token, header(req, RELAY_TOKEN_HEADER))) return vouch();
  if (hook.event !== 'session-start' && hook.session && dir !== undefined && vouched.covers(hook.session, dir)) return undefined;
  const peer = checkPeer(req.socket);
  return peer.ok ? vouch() : peer.reason;
}
