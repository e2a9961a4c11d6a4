/**
 * What tells two projects apart when their folders have the same name: a short key of the
 * repository, computed where the working tree is (the hook client). It is the repository's `origin`
 * remote, normalized (so every clone and worktree of one repository, on any machine, has the same
 * key), or, for a repository without a remote, its path on this machine. Read from the repository's
 * own files, no `git` process: this runs on every hook.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { MAX_PROJECT_NAME_LENGTH, repositoryDirOf } from './project-naming.js';

/** `git@github.com:Acme/Shop.git`, `https://user@github.com/Acme/Shop` → `github.com/acme/shop`. */
export function normalizeRemote(url: string): string {
  let u = url.trim();
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.+)$/.exec(u);
  if (scp) u = `${scp[1]}/${scp[2]}`;
  else u = u.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/^[^@/]*@/, '');
  return u.replace(/\.git\/?$/, '').replace(/\/+$/, '').replace(/:\d+\//, '/').toLowerCase();
}

/** The `origin` (else the first) remote URL in a git config file's text. */
export function remoteUrl(configText: string): string | undefined {
  let section: string | undefined;
  const urls = new Map<string, string>();
  for (const line of configText.split(/\r?\n/)) {
    const head = /^\s*\[\s*remote\s+"([^"]+)"\s*\]/.exec(line);
    if (head) section = head[1];
    else if (/^\s*\[/.test(line)) section = undefined;
    else if (section !== undefined) {
      const url = /^\s*url\s*=\s*(.+?)\s*$/.exec(line)?.[1];
      if (url && !urls.has(section)) urls.set(section, url);
    }
  }
  return urls.get('origin') ?? urls.values().next().value;
}

/** 16 hex digits naming the repository of `cwd`, or undefined outside any repository. */
export function projectKeyOf(cwd: string): string | undefined {
  return projectIdentityOf(cwd)?.key;
}

/** The key, and whether it comes from a remote (the same on every clone) or from this machine's path. */
export function projectIdentityOf(cwd: string): { key: string; fromRemote: boolean } | undefined {
  const repo = repositoryDirOf(cwd);
  if (!repo) return undefined;
  let config: string | undefined;
  try {
    config = fs.readFileSync(`${repo}/config`, 'utf8');
  } catch {
    config = undefined;
  }
  const remote = config === undefined ? undefined : remoteUrl(config);
  let basis: string;
  if (remote) basis = `remote:${normalizeRemote(remote)}`;
  else {
    try {
      basis = `path:${fs.realpathSync(repo)}`;
    } catch {
      basis = `path:${repo}`;
    }
  }
  return { key: crypto.createHash('sha256').update(basis).digest('hex').slice(0, 16), fromRemote: Boolean(remote) };
}

/** A project key as the API takes it (X-Memflow-Project-Key): the 16 hex digits projectKeyOf gives. */
export const PROJECT_KEY = /^[0-9a-f]{16}$/;

/** The name a repository gets when another repository already holds its folder's name: `shop-1a2b3c`. */
export const keyedProjectName = (name: string, key: string) => `${name.slice(0, MAX_PROJECT_NAME_LENGTH - 7)}-${key.slice(0, 6)}`;
