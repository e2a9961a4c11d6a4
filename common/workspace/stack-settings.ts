/**
 * The local stack's settings as the stack's own commands leave them (`npm run up`, `npm test`,
 * `npm run stack -- start`): `.memflow/<profile>/settings.json` in the checkout (or under
 * MEMFLOW_STATE_DIR), what memflow's processes need to reach that stack. The CLI's operator commands
 * read the dev profile's when DATABASE_URL is not set, so `memflow keys create` works from the
 * checkout right after `npm run up` without exporting anything. The file is written for the owner
 * only (mode 0600), like the default API key beside it: DATABASE_URL may hold a password.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sourceDir } from '../source-path.js';

const checkoutRoot = path.resolve(sourceDir(import.meta.url), '..', '..');

/** What memflow's processes need to reach a stack. */
export interface StackEnv {
  DATABASE_URL: string;
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
  WEAVIATE_URL: string;
  WEAVIATE_GRPC_PORT: string;
  WEAVIATE_API_KEY?: string;
}

/** What a local stack's settings file holds: the stack's environment and where its API listens. */
export interface StackSettings extends StackEnv {
  MEMFLOW_URL: string;
}

/** Where a profile keeps its state: MEMFLOW_STATE_DIR/<profile>, else .memflow/<profile> in the checkout. */
export function stackStateDir(profile: string, stateRoot: string | undefined): string {
  return path.resolve(stateRoot ?? path.join(checkoutRoot, '.memflow'), profile);
}

const settingsFile = (stateDir: string) => path.join(stateDir, 'settings.json');

export function writeStackSettings(stateDir: string, settings: StackSettings): void {
  fs.mkdirSync(stateDir, { recursive: true });
  const file = settingsFile(stateDir);
  fs.writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/** The settings a stack left in `stateDir`, or undefined when it never started there. */
export function readStackSettings(stateDir: string): Partial<StackSettings> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(settingsFile(stateDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Partial<StackSettings>) : undefined;
  } catch {
    return undefined;
  }
}
