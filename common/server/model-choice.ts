/**
 * Which model writes summaries and learnings (MEMFLOW_MODEL), and why: the one decision the worker
 * acts on and `memflow doctor` shows, so the two never disagree.
 *
 * - `anthropic`: the Messages API with ANTHROPIC_API_KEY.
 * - `claude-cli`, `codex-cli`, `gemini-cli`: the user's own signed-in agent CLI, run headless
 *   (activities/summarize/cli-model.ts). It spends the user's plan, so `auto` takes one only where the
 *   user agreed: MEMFLOW_MODEL_CLI_CONSENT=yes, or the answer `memflow install` stored
 *   (~/.memflow/model-consent.json). Naming a CLI in MEMFLOW_MODEL is consent enough.
 * - `offline`: the heuristic summarizer.
 * - `auto` (the default): the API key when one is set, else the first agreed CLI found signed in
 *   (Claude Code, then Codex, then Gemini CLI), else offline.
 *
 * "Signed in" is judged from what each CLI keeps on disk or in the environment, without running it;
 * a CLI that turns out signed out at run time makes that session summarize offline (none is lost).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const MODEL_SETTINGS = ['auto', 'anthropic', 'claude-cli', 'codex-cli', 'gemini-cli', 'offline'] as const;
export type ModelSetting = (typeof MODEL_SETTINGS)[number];
export type ModelPathName = Exclude<ModelSetting, 'auto'>;
export type CliPathName = Extract<ModelPathName, `${string}-cli`>;
export const CLI_PATHS: readonly CliPathName[] = ['claude-cli', 'codex-cli', 'gemini-cli'];

/** The command each CLI is found as on PATH, and the variable that names its executable instead. */
export const CLI_COMMANDS: Record<CliPathName, { command: string; env: string; label: string }> = {
  'claude-cli': { command: 'claude', env: 'MEMFLOW_CLAUDE_CLI', label: 'Claude Code' },
  'codex-cli': { command: 'codex', env: 'MEMFLOW_CODEX_CLI', label: 'Codex' },
  'gemini-cli': { command: 'gemini', env: 'MEMFLOW_GEMINI_CLI', label: 'Gemini CLI' },
};

export interface ModelChoice {
  path: ModelPathName;
  /** One sentence a person reads in `memflow doctor` and the worker's log. */
  why: string;
  /** For a CLI path: its executable. */
  executable?: string;
}

export interface ModelChoiceInput {
  setting: ModelSetting;
  apiKey?: string | undefined;
  /** MEMFLOW_MODEL_CLI_CONSENT: yes/no; undefined = ask the stored install answer. */
  consent?: boolean | undefined;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/** Where `memflow install` keeps the user's answer to "may memflow summarize with your agent CLI?". */
export const consentFile = (home = os.homedir()) => path.join(home, '.memflow', 'model-consent.json');

/** The stored answer: true (agreed), false (refused) or undefined (never asked). */
export function storedConsent(home = os.homedir()): boolean | undefined {
  try {
    const v = (JSON.parse(fs.readFileSync(consentFile(home), 'utf8')) as { agreed?: unknown }).agreed;
    return typeof v === 'boolean' ? v : undefined;
  } catch {
    return undefined;
  }
}

export function writeConsent(agreed: boolean, home = os.homedir()): string {
  const file = consentFile(home);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, `${JSON.stringify({ agreed, at: new Date().toISOString() })}\n`, { mode: 0o600 });
  return file;
}

/** The CLI's executable: the variable naming it, else the command on PATH; undefined when neither exists. */
export function findCli(cli: CliPathName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { command, env: name } = CLI_COMMANDS[cli];
  const named = env[name];
  if (named) return fs.existsSync(named) ? named : undefined;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * What says the CLI can answer without a person: its stored sign-in, or a key or provider it reads
 * from the environment or its config. undefined when none is seen.
 */
export function signInOf(cli: CliPathName, env: NodeJS.ProcessEnv = process.env, home = env.HOME ?? os.homedir()): string | undefined {
  const exists = (f: string) => (fs.existsSync(f) ? f : undefined);
  switch (cli) {
    case 'claude-cli':
      if (env.ANTHROPIC_API_KEY || env.ANTHROPIC_AUTH_TOKEN || env.CLAUDE_CODE_OAUTH_TOKEN) return 'a key in the environment';
      // macOS keeps the sign-in in the keychain, which cannot be read without asking.
      return exists(path.join(env.CLAUDE_CONFIG_DIR ?? path.join(home, '.claude'), '.credentials.json')) ?? (process.platform === 'darwin' ? 'the macOS keychain (not checked)' : undefined);
    case 'codex-cli': {
      const dir = env.CODEX_HOME ?? path.join(home, '.codex');
      if (env.OPENAI_API_KEY || env.CODEX_API_KEY) return 'a key in the environment';
      const config = path.join(dir, 'config.toml');
      const provider = fs.existsSync(config) && /^\s*model_provider\s*=/m.test(fs.readFileSync(config, 'utf8')) ? `the model provider in ${config}` : undefined;
      return exists(path.join(dir, 'auth.json')) ?? provider;
    }
    case 'gemini-cli':
      if (env.GEMINI_API_KEY || env.GOOGLE_API_KEY || env.GOOGLE_GENAI_USE_VERTEXAI) return 'a key in the environment';
      return exists(path.join(home, '.gemini', 'oauth_creds.json'));
  }
}

export function chooseModel(input: ModelChoiceInput): ModelChoice {
  const env = input.env ?? process.env;
  const home = input.home ?? env.HOME ?? os.homedir();
  const setting = input.setting;
  if (setting === 'offline') return { path: 'offline', why: 'MEMFLOW_MODEL=offline' };
  if (setting === 'anthropic') {
    return input.apiKey ? { path: 'anthropic', why: 'MEMFLOW_MODEL=anthropic, with ANTHROPIC_API_KEY' } : { path: 'offline', why: 'MEMFLOW_MODEL=anthropic but ANTHROPIC_API_KEY is not set' };
  }
  if (setting !== 'auto') {
    const exe = findCli(setting, env);
    const { command, env: name } = CLI_COMMANDS[setting];
    return exe ? { path: setting, why: `MEMFLOW_MODEL=${setting} (${exe})`, executable: exe } : { path: 'offline', why: `MEMFLOW_MODEL=${setting} but no \`${command}\` was found (PATH, or ${name})` };
  }
  if (input.apiKey) return { path: 'anthropic', why: 'auto: ANTHROPIC_API_KEY is set' };
  const consent = input.consent ?? storedConsent(home);
  const found = CLI_PATHS.map((cli) => ({ cli, exe: findCli(cli, env), signIn: signInOf(cli, env, home) }));
  const usable = found.find((f) => f.exe && f.signIn);
  if (!usable) {
    const seen = found.filter((f) => f.exe).map((f) => `${CLI_COMMANDS[f.cli].command} (not signed in)`);
    return { path: 'offline', why: `auto: no ANTHROPIC_API_KEY and no signed-in agent CLI${seen.length ? `: found ${seen.join(', ')}` : ''}` };
  }
  const label = `${CLI_COMMANDS[usable.cli].command} at ${usable.exe} (signed in: ${usable.signIn})`;
  if (consent !== true) {
    const how = consent === false ? 'you declined it at install' : 'you have not agreed yet: `memflow install --summarize-with-agent` or MEMFLOW_MODEL_CLI_CONSENT=yes';
    return { path: 'offline', why: `auto: ${label} could summarize, but it spends your plan's quota and ${how}` };
  }
  return { path: usable.cli, why: `auto: no ANTHROPIC_API_KEY; ${label}, which you agreed to`, executable: usable.exe! };
}
