/**
 * Whether a project's memory can be about a file, told from the list of names GET /v1/context/files
 * answers (api/context/file-push.ts `readFileNames`), without asking: the relay answers a file touch
 * `{}` at once when no learning can name the file, and asks the API (a round trip on the agent's
 * critical path) only when one may. Both sides compare paths the same way (`normalizedPath`).
 */

/** A path as the file push compares it: forward slashes, no `./`, no trailing slash. */
export function normalizedPath(p: string, max = 1000): string {
  return p.replaceAll('\\', '/').replace(/^(?:\.\/)+/, '').replace(/\/+$/, '').slice(0, max);
}

/** A file name with an extension: a dot between two other characters. */
const EXTENSION = /[^.\s]\.[^.\s]/;

/**
 * False only when no learning behind `names` can be about `file`: every learning the push finds holds the
 * file's last path segment inside one of the names (see readFileNames). A file whose name has no
 * extension and whose path has no folder (`Makefile`), or a path with a space, is never ruled out: its
 * name may sit in words the list does not keep; nor one with a letter beyond ASCII.
 */
export function fileMayHaveMemory(names: readonly string[], file: string): boolean {
  const path = normalizedPath(file).toLowerCase();
  // Letters beyond ASCII may be lower-cased otherwise by PostgreSQL (which made the names) than here.
  if (!path || /\s|[^\x00-\x7f]/.test(path)) return true;
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (!name || (!EXTENSION.test(name) && !path.includes('/'))) return true;
  return names.some((n) => n.includes(name));
}
