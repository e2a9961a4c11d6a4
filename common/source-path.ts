/**
 * Where a module's sources are, whether it runs from them (tsx) or from `npm run build`'s output:
 * the build (infra/build.ts) writes each source file's JavaScript to the same path under
 * dist/server/, so a module that finds files beside its source (the migrations, the Weaviate
 * protos, the viewer's bundle, the checkout's state folder) maps its own location back first.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm run build` writes the server, relative to the checkout. */
export const BUILT_SERVER_DIR = path.join('dist', 'server');

const builtSegment = `${path.sep}${BUILT_SERVER_DIR}${path.sep}`;

/** The source file a module's `import.meta.url` stands for: itself, or (built) its source's path. */
export function sourcePath(moduleUrl: string): string {
  const file = fileURLToPath(moduleUrl);
  const at = file.lastIndexOf(builtSegment);
  return at < 0 ? file : path.join(file.slice(0, at), file.slice(at + builtSegment.length));
}

/** The folder of the source file a module's `import.meta.url` stands for. */
export const sourceDir = (moduleUrl: string): string => path.dirname(sourcePath(moduleUrl));
