// What a bundle of the CLI cannot carry, for both bundles of cli/main.ts: the client package's
// (cli/package/build.ts) and the one the bin runs from in a checkout (cli/cli-fast.js). Plain JS:
// the bin reads it before any TypeScript loader.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** Packages of the server the client must never carry (a bundle importing one fails the build). */
export const SERVER_ONLY = [
  '@prisma/client', '@prisma/adapter-pg', 'prisma', 'pg', '@temporalio/', 'weaviate-client', 'fastify', '@fastify/',
  '@grpc/', 'tiktoken', 'pino', 'prom-client', '@anthropic-ai/sdk', '@huggingface/transformers', 'tsx',
];

/** Whether an import specifier names one of SERVER_ONLY (a package, or a file in it). */
export const isServerOnly = (spec) => SERVER_ONLY.some((p) => (p.endsWith('/') ? spec.startsWith(p) : spec === p || spec.startsWith(`${p}/`)));

/**
 * Modules of the checkout a bundle replaces by a stub (the operator commands, `memflow tenants` and
 * `memflow keys`, which write the database through Prisma), with what the client's stub says instead.
 */
export const OPERATOR_ONLY = {
  [path.join(cli, 'operator.ts')]: 'memflow tenants and memflow keys write the database directly: run them where the server runs (its checkout, with DATABASE_URL)',
};

/** The path an operator-only module is imported by (`./operator.js` from `resolveDir`), or undefined. */
export function operatorOnly(spec, resolveDir, modules = OPERATOR_ONLY) {
  const file = path.resolve(resolveDir, spec).replace(/\.js$/, '.ts');
  return file in modules ? file : undefined;
}

/** The functions a module exports (`export [async] function name`): what its stub must export too. */
export const exportedFunctions = (source) => [...source.matchAll(/^export (?:async )?function (\w+)/gm)].map((m) => m[1]);

/** CommonJS packages inside an ESM bundle still call require() for Node's built-ins. */
export const REQUIRE_BANNER = "import { createRequire as __memflowRequire } from 'node:module'; const require = __memflowRequire(import.meta.url);";

/** esbuild's options both bundles of cli/main.ts share: ESM for Node 20, split so lazy imports stay lazy, packages inside. */
export const BUNDLE_OPTIONS = {
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  banner: { js: REQUIRE_BANNER },
};
