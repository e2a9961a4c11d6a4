/**
 * The environment of memflow's clients: the CLI, the hook client and the stdio MCP server. Parsed
 * here, beside the server's schema (common/server/config.ts re-exports it), but without zod: the hook client
 * runs on every tool call of the agent from a bundle (cli/hook-fast.js), and a cold `import('zod')`
 * costs about 55 ms on this machine, so its configuration must not be what pulls zod in (today zod
 * still reaches the bundle through common/rules/redact-tenant-rules.ts). A client never needs DATABASE_URL
 * (operator commands excepted); it talks to the API at MEMFLOW_URL with MEMFLOW_API_KEY. Hooks must
 * never fail on their environment, so a malformed number reads as its default; an invalid URL is said
 * in one line where it is used.
 */
import os from 'node:os';
import path from 'node:path';
import { storedLogin } from './login-store.js';

/** The API's default port (the server's MEMFLOW_PORT default; not 37777, claude-mem's). */
export const DEFAULT_API_PORT = 7711;

export interface ClientConfig {
  /** The API's base URL without a trailing slash: MEMFLOW_URL, else http://127.0.0.1:${MEMFLOW_PORT}. */
  MEMFLOW_URL: string;
  MEMFLOW_API_KEY: string | undefined;
  /**
   * The `memflow login` whose personal key MEMFLOW_API_KEY is (not set when the key comes from the
   * environment), or, with no key, the one kept for this API that has ended (`expired`): the
   * commands then say to run `memflow login` again instead of asking for a key.
   */
  MEMFLOW_LOGIN: { person: string; expiresAt: string; expired: boolean } | undefined;
  /** The project the commands and tools default to (else the working directory's). */
  MEMFLOW_PROJECT: string | undefined;
  /** Where the hook client keeps events the API did not take (default ~/.memflow/spool). */
  MEMFLOW_SPOOL_DIR: string;
  MEMFLOW_SPOOL_MAX_EVENTS: number;
  /** The client's cache: the hook bundle, outage marks, staleness checks (default ~/.cache/memflow). */
  MEMFLOW_CACHE_DIR: string;
  /** How long a hook waits for the API. */
  MEMFLOW_HOOK_TIMEOUT_MS: number;
  /** How long an API that did not answer is taken for down (hooks spool at once meanwhile). */
  MEMFLOW_HOOK_OUTAGE_MS: number;
  MEMFLOW_MCP_MAX_TOKENS: number;
  /** MEMFLOW_GIT=0: hooks send no git branch and commit. */
  MEMFLOW_GIT: boolean;
  /** MEMFLOW_STALENESS_CHECK=0: context is not checked against the working tree. */
  MEMFLOW_STALENESS_CHECK: boolean;
  /** Set by Claude Code for its hooks: the project's directory. */
  CLAUDE_PROJECT_DIR: string | undefined;
  /** Where local stacks keep their state (operator commands read the dev stack's settings there). */
  MEMFLOW_STATE_DIR: string | undefined;
  /** Operator commands only: PostgreSQL, else the local dev stack's (validated by operatorEnvSchema). */
  DATABASE_URL: string | undefined;
  /** MEMFLOW_DEBUG=1: errors print their stack. */
  MEMFLOW_DEBUG: boolean;
}

/** Empty strings count as unset, as shells commonly export `VAR=`. */
function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** A positive integer, or `fallback` when unset or malformed. */
function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = Number(value(env, name));
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export function parseClientConfig(env: NodeJS.ProcessEnv = process.env): ClientConfig {
  // Without a key in the environment, the personal key of `memflow login` (for the API it came from).
  const envKey = value(env, 'MEMFLOW_API_KEY');
  const stored = envKey ? undefined : storedLogin(env);
  const url = (value(env, 'MEMFLOW_URL') ?? stored?.login.url ?? `http://127.0.0.1:${value(env, 'MEMFLOW_PORT') ?? DEFAULT_API_PORT}`).replace(/\/+$/, '');
  const login = stored && stored.login.url.replace(/\/+$/, '') === url ? stored : undefined;
  return {
    MEMFLOW_URL: url,
    MEMFLOW_API_KEY: envKey ?? (login && !login.expired ? login.login.key : undefined),
    MEMFLOW_LOGIN: login ? { person: login.login.person.name, expiresAt: login.login.expiresAt, expired: login.expired } : undefined,
    MEMFLOW_PROJECT: value(env, 'MEMFLOW_PROJECT'),
    MEMFLOW_SPOOL_DIR: value(env, 'MEMFLOW_SPOOL_DIR') ?? path.join(os.homedir(), '.memflow', 'spool'),
    MEMFLOW_SPOOL_MAX_EVENTS: positive(env, 'MEMFLOW_SPOOL_MAX_EVENTS', 10_000),
    MEMFLOW_CACHE_DIR: value(env, 'MEMFLOW_CACHE_DIR') ?? path.join(os.homedir(), '.cache', 'memflow'),
    MEMFLOW_HOOK_TIMEOUT_MS: positive(env, 'MEMFLOW_HOOK_TIMEOUT_MS', 2000),
    MEMFLOW_HOOK_OUTAGE_MS: positive(env, 'MEMFLOW_HOOK_OUTAGE_MS', 15_000),
    MEMFLOW_MCP_MAX_TOKENS: positive(env, 'MEMFLOW_MCP_MAX_TOKENS', 2000),
    MEMFLOW_GIT: value(env, 'MEMFLOW_GIT') !== '0',
    MEMFLOW_STALENESS_CHECK: value(env, 'MEMFLOW_STALENESS_CHECK') !== '0',
    CLAUDE_PROJECT_DIR: value(env, 'CLAUDE_PROJECT_DIR'),
    MEMFLOW_STATE_DIR: value(env, 'MEMFLOW_STATE_DIR'),
    DATABASE_URL: value(env, 'DATABASE_URL'),
    MEMFLOW_DEBUG: value(env, 'MEMFLOW_DEBUG') === '1',
  };
}
