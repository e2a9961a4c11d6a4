/**
 * The API keys the relay holds, by fingerprint: a spooled entry records only its key's fingerprint,
 * and is delivered once a hook has brought that key. Kept in a file (0600) so that entries spooled
 * before a restart do not wait for the next hook.
 */
import fs from 'node:fs';
import path from 'node:path';
import { keyFingerprint } from '../capture/deliver.js';

export class RelayKeys {
  private readonly keys = new Map<string, string>(); // fingerprint -> key

  constructor(
    private readonly file: string | undefined,
    private readonly log: (line: string) => void,
  ) {
    this.load();
  }

  /** The key a fingerprint stands for, if a hook brought it. */
  get(fingerprint: string): string | undefined {
    return this.keys.get(fingerprint);
  }

  /** Remembers a key a hook brought, so entries spooled under it can be delivered (also later). */
  learn(key: string): void {
    const fp = keyFingerprint(key);
    if (this.keys.get(fp) === key) return;
    this.keys.set(fp, key);
    this.save();
  }

  private load(): void {
    if (!this.file) return;
    try {
      const saved = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, string>;
      for (const key of Object.values(saved)) if (typeof key === 'string' && key) this.keys.set(keyFingerprint(key), key);
    } catch {
      // none saved yet
    }
  }

  private save(): void {
    if (!this.file) return;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const tmp = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.keys)), { mode: 0o600 });
      fs.renameSync(tmp, this.file);
    } catch (err) {
      this.log(`could not save the keys file (${(err as Error).message}); spooled events wait for the next hook after a restart`);
    }
  }
}
