/**
 * The schemas the deployment checks (tests/deploy.test.ts) validate against, from pinned Go modules
 * of the module proxy (kubeconform would otherwise download its schemas from the internet):
 *   - Kubernetes: the OpenAPI document api/openapi-spec/swagger.json of k8s.io/kubernetes, turned
 *     here into kubeconform's "standalone strict" JSON schemas (one file per kind and version, every
 *     reference inlined under `definitions`, `additionalProperties: false` on every object that lists
 *     its properties, int-or-string and quantities as either), as kubernetes-json-schema's
 *     openapi2jsonschema does; cached under ~/.cache/memflow/k8s-schemas/<version>-standalone-strict;
 *   - Compose: the compose-spec JSON schema (draft 2020-12) that docker compose itself validates with,
 *     schema/compose-spec.json of github.com/compose-spec/compose-go/v2.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from '../profile.js';

export const KUBERNETES_OPENAPI = { module: 'k8s.io/kubernetes', version: 'v1.34.3', file: 'api/openapi-spec/swagger.json' } as const;
export const COMPOSE_SPEC = { module: 'github.com/compose-spec/compose-go/v2', version: 'v2.16.2', file: 'schema/compose-spec.json' } as const;

/** The folder of module@version in the Go module cache, downloaded from the proxy when missing. */
export function goModuleDir(module: string, version: string): string {
  const ref = `${module}@${version}`;
  const res = spawnSync('go', ['mod', 'download', '-json', ref], { encoding: 'utf8', timeout: 600_000 });
  if (res.error) throw new Error(`go mod download ${ref}: ${res.error.message} (the Go toolchain is needed once per machine)`);
  const out = (() => {
    try {
      return JSON.parse(res.stdout) as { Dir?: string; Error?: string };
    } catch {
      return { Error: res.stderr || res.stdout };
    }
  })();
  if (res.status !== 0 || !out.Dir) throw new Error(`go mod download ${ref} failed: ${out.Error ?? res.stderr}`);
  return out.Dir;
}

export function composeSpecSchemaFile(): string {
  return path.join(goModuleDir(COMPOSE_SPEC.module, COMPOSE_SPEC.version), COMPOSE_SPEC.file);
}

type Schema = Record<string, unknown>;
const REF = '#/definitions/';

/** openapi2jsonschema's changes, recursively: strict objects. */
function strictify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictify);
  if (!node || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node as Schema)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as Schema).map(([pk, pv]) => [pk, strictify(pv)])) : strictify(v);
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

const SPECIAL: Record<string, Schema> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { oneOf: [{ type: 'string' }, { type: 'integer' }] },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { oneOf: [{ type: 'string' }, { type: 'number' }] },
};

function refsOf(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) return node.forEach((n) => refsOf(n, into));
  if (!node || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node as Schema)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith(REF)) into.add(v.slice(REF.length));
    else refsOf(v, into);
  }
}

/** kubeconform's file name for a kind: <kind>[-<group's first label>]-<version>.json */
export function kindFileName(kind: string, group: string, version: string): string {
  return `${kind.toLowerCase()}${group ? `-${group.split('.')[0]!.toLowerCase()}` : ''}-${version.toLowerCase()}.json`;
}

/**
 * The folder of strict standalone schemas for the pinned Kubernetes version (generated once; a
 * `.complete` marker says the folder is whole). Use with kubeconform's
 * `-schema-location '<dir>/{{ .ResourceKind }}{{ .KindSuffix }}.json'`.
 */
export function kubernetesSchemaDir(progress: (line: string) => void = () => undefined): string {
  const dir = path.join(cacheDir(), 'k8s-schemas', `${KUBERNETES_OPENAPI.version}-standalone-strict`);
  if (fs.existsSync(path.join(dir, '.complete'))) return dir;
  const t0 = Date.now();
  const swaggerFile = path.join(goModuleDir(KUBERNETES_OPENAPI.module, KUBERNETES_OPENAPI.version), KUBERNETES_OPENAPI.file);
  const swagger = JSON.parse(fs.readFileSync(swaggerFile, 'utf8')) as { definitions: Record<string, Schema> };
  const defs: Record<string, Schema> = {};
  for (const [name, def] of Object.entries(swagger.definitions)) defs[name] = SPECIAL[name] ?? (strictify(def) as Schema);
  const staging = `${dir}.building-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  let files = 0;
  for (const [name, def] of Object.entries(defs)) {
    const gvks = swagger.definitions[name]?.['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string }[] | undefined;
    if (!gvks) continue;
    // Every definition reachable from this one, inlined beside it.
    const needed = new Set<string>();
    const queue = [name];
    while (queue.length) {
      const found = new Set<string>();
      refsOf(defs[queue.pop()!], found);
      for (const f of found) {
        if (needed.has(f)) continue;
        needed.add(f);
        queue.push(f);
      }
    }
    const definitions = Object.fromEntries([...needed].sort().map((n) => [n, defs[n]]));
    for (const gvk of gvks) {
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      const props = { ...((def.properties as Schema | undefined) ?? {}) };
      // As openapi2jsonschema: apiVersion and kind must be this kind's.
      props.apiVersion = { type: 'string', enum: [apiVersion] };
      props.kind = { type: 'string', enum: [gvk.kind] };
      const schema = { $schema: 'http://json-schema.org/schema#', ...def, properties: props, definitions };
      fs.writeFileSync(path.join(staging, kindFileName(gvk.kind, gvk.group, gvk.version)), JSON.stringify(schema));
      files++;
    }
  }
  fs.writeFileSync(path.join(staging, '.complete'), `${KUBERNETES_OPENAPI.module}@${KUBERNETES_OPENAPI.version} ${files} schemas\n`);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(staging, dir);
  progress(`kubernetes schemas: ${files} kinds of ${KUBERNETES_OPENAPI.module}@${KUBERNETES_OPENAPI.version} in ${((Date.now() - t0) / 1000).toFixed(1)}s -> ${dir}`);
  return dir;
}
