/**
 * The real coding-agent CLIs that the capture tests and bench:agent drive, at pinned versions from
 * npm. Each is installed once per machine into its own prefix under the cache
 * (~/.cache/memflow/agents/<name>-<version>, MEMFLOW_CACHE_DIR overrides), outside the project's
 * own dependencies: they are large, platform-specific and not part of memflow. A warm call is a stat.
 *
 * `npm test` provisions them in setup (tests/run.ts), never inside a test.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { cacheDir } from './profile.js';

const run = promisify(execFile);

export interface AgentCliSpec {
  /** Our name for it. */
  name: string;
  /** The npm package and its pinned version. */
  pkg: string;
  version: string;
  /** The executable, relative to the install prefix. */
  executable: string;
}

/** The Rust target triple under which Codex's platform package keeps its binary. */
const CODEX_TRIPLE = `${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-${process.platform === 'darwin' ? 'apple-darwin' : 'unknown-linux-musl'}`;

/**
 * How each is run (checked on the pinned versions, Node 20 here):
 * - Claude Code: the npm package is a thin launcher for a native binary shipped in a per-platform
 *   optional dependency; the launcher wants Node 22, so we run the native binary directly.
 * - Codex (`engines.node >=16`): `bin/codex.js` only picks the native binary of the platform
 *   package (installed under the alias `@openai/codex-<platform>-<arch>`); we run that binary.
 * - Gemini CLI (`engines.node >=20`): a Node program (`bundle/gemini.js`, with a node shebang).
 * - OpenCode (no `engines`): a native (Bun-compiled) binary in `opencode-<platform>-<arch>`.
 * - GitHub Copilot CLI (no `engines`): `npm-loader.js` spawns the native binary of
 *   `@github/copilot-<platform>-<arch>`; we run that binary.
 */
export const AGENT_CLIS = {
  claude: {
    name: 'claude',
    pkg: '@anthropic-ai/claude-code',
    version: '2.1.328',
    executable: `node_modules/@anthropic-ai/claude-code-${process.platform}-${process.arch}/claude`,
  },
  codex: {
    name: 'codex',
    pkg: '@openai/codex',
    version: '0.169.0',
    executable: `node_modules/@openai/codex-${process.platform}-${process.arch}/vendor/${CODEX_TRIPLE}/bin/codex`,
  },
  gemini: {
    name: 'gemini',
    pkg: '@google/gemini-cli',
    version: '0.61.0',
    executable: 'node_modules/@google/gemini-cli/bundle/gemini.js',
  },
  opencode: {
    name: 'opencode',
    pkg: 'opencode-ai',
    version: '1.18.33',
    executable: `node_modules/opencode-${process.platform}-${process.arch}/bin/opencode`,
  },
  copilot: {
    name: 'copilot',
    pkg: '@github/copilot',
    version: '1.0.102',
    executable: `node_modules/@github/copilot-${process.platform}-${process.arch}/copilot`,
  },
} as const satisfies Record<string, AgentCliSpec>;

export type AgentCliName = keyof typeof AGENT_CLIS;

export function agentCliPrefix(spec: AgentCliSpec): string {
  return path.join(cacheDir(), 'agents', `${spec.name}-${spec.version}`);
}

/** The executable's path when it is installed, else undefined (no install attempted). */
export function installedAgentCli(name: AgentCliName): string | undefined {
  const spec: AgentCliSpec = AGENT_CLIS[name];
  const exe = path.join(agentCliPrefix(spec), spec.executable);
  return fs.existsSync(exe) ? exe : undefined;
}

/** The executable's path, installing the pinned version first when it is missing. */
export async function ensureAgentCli(name: AgentCliName, log: (line: string) => void = () => {}): Promise<string> {
  const spec: AgentCliSpec = AGENT_CLIS[name];
  const have = installedAgentCli(name);
  if (have) return have;
  const prefix = agentCliPrefix(spec);
  const staging = `${prefix}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  log(`installing ${spec.pkg}@${spec.version} (once per machine) into ${prefix}`);
  const t = Date.now();
  try {
    await run('npm', ['install', '--prefix', staging, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `${spec.pkg}@${spec.version}`], {
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    const e = err as { stderr?: string; message: string };
    throw new Error(`could not install ${spec.pkg}@${spec.version}: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' | ')}`);
  }
  const exe = path.join(staging, spec.executable);
  if (!fs.existsSync(exe)) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new Error(`${spec.pkg}@${spec.version} installed, but ${spec.executable} is not there (platform ${process.platform}-${process.arch} unsupported?)`);
  }
  // Another process may have finished the same install meanwhile: keep theirs.
  try {
    fs.renameSync(staging, prefix);
  } catch {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  log(`${spec.pkg}@${spec.version} installed in ${((Date.now() - t) / 1000).toFixed(1)}s`);
  return path.join(prefix, spec.executable);
}

/** Installs every pinned agent CLI (setup of `npm test` and of bench:agent). */
export async function ensureAgentClis(log: (line: string) => void = () => {}): Promise<Record<AgentCliName, string>> {
  const out = {} as Record<AgentCliName, string>;
  for (const name of Object.keys(AGENT_CLIS) as AgentCliName[]) out[name] = await ensureAgentCli(name, log);
  return out;
}
