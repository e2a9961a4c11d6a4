/**
 * What `npm test` provisions before any test starts (tests/run.ts), besides the stack and the agent
 * CLIs: Debian's Chromium for the browser tests, and helm, kubeconform and the pinned Kubernetes and
 * compose-spec schemas for the deployment checks. Tests only look these up (`provisionedChromium`,
 * `provisionedDeployTools`); they never install or build anything themselves.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { haproxyBinary } from './cluster/haproxy.js';
import { composeSpecSchemaFile, KUBERNETES_OPENAPI, kubernetesSchemaDir } from './deploy/schemas.js';
import { cachedBinaryPath, ensureGoBinary } from './go-binary.js';
import { cacheDir } from './profile.js';
import { HELM, KUBECONFORM, OIDC_PROVIDER } from './versions.js';

type Log = (line: string) => void;

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
const NOT_PROVISIONED = 'run the suite with `npm test`, which provisions it first (tests/run.ts)';

/** The Chromium the browser tests drive: MEMFLOW_CHROMIUM, else Debian's package; undefined when absent. */
export function provisionedChromium(): string | undefined {
  const named = process.env.MEMFLOW_CHROMIUM;
  if (named) {
    if (!fs.existsSync(named)) throw new Error(`MEMFLOW_CHROMIUM=${named} does not exist`);
    return named;
  }
  return CHROMIUM_CANDIDATES.find((p) => fs.existsSync(p));
}

/** Debian packages the suite runs: Chromium (the browser tests) and HAProxy (the cluster profile's balancer). */
const DEBIAN_PACKAGES: { name: string; present: () => boolean; otherwise: string }[] = [
  { name: 'chromium', present: () => provisionedChromium() !== undefined, otherwise: 'or set MEMFLOW_CHROMIUM; the browser tests will fail' },
  {
    name: 'haproxy',
    present: () => {
      try {
        haproxyBinary();
        return true;
      } catch {
        return false;
      }
    },
    otherwise: 'or set MEMFLOW_HAPROXY_BIN; the balancer test will fail',
  },
];

/** Installs the missing Debian packages with one apt-get (one dpkg lock) when this process may (root). */
async function ensureDebianPackages(log: Log): Promise<void> {
  const missing = DEBIAN_PACKAGES.filter((p) => !p.present());
  if (missing.length === 0) return;
  const names = missing.map((p) => p.name).join(' ');
  if (process.getuid?.() !== 0) {
    for (const p of missing) log(`${p.name} is missing and this user cannot install it: \`sudo apt-get install -y ${p.name}\` (${p.otherwise})`);
    return;
  }
  log(`missing: apt-get install -y ${names}`);
  await promisify(execFile)('apt-get', ['install', '-y', '--no-install-recommends', ...missing.map((p) => p.name)], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 64 * 1024 * 1024 });
  log(`${names} installed`);
}

const schemaDir = () => path.join(cacheDir(), 'k8s-schemas', `${KUBERNETES_OPENAPI.version}-standalone-strict`);

/** helm, kubeconform and the Kubernetes schemas, as `provisionTestTools` left them; throws when absent. */
export function provisionedDeployTools(): { helm: string; kubeconform: string; schemas: string } {
  const helm = process.env[HELM.overrideEnv] ?? cachedBinaryPath(HELM);
  const kubeconform = process.env[KUBECONFORM.overrideEnv] ?? cachedBinaryPath(KUBECONFORM);
  for (const [name, file] of [['helm', helm], ['kubeconform', kubeconform], ['the Kubernetes schemas', path.join(schemaDir(), '.complete')]] as const) {
    if (!fs.existsSync(file)) throw new Error(`${name} is not provisioned (${file}): ${NOT_PROVISIONED}`);
  }
  return { helm, kubeconform, schemas: schemaDir() };
}

/**
 * Provisions every tool the suite needs that is not a server; a tool that cannot be provisioned is
 * logged, and the tests that need it say so. Some steps block (generating the schemas), so tests/run.ts
 * runs this in a child process of its own (`tsx infra/test-tools.ts`).
 */
export async function provisionTestTools(log: Log): Promise<void> {
  const tasks: [string, () => unknown][] = [
    ['debian packages', () => ensureDebianPackages(log)],
    ['helm', () => ensureGoBinary(HELM, log)],
    ['kubeconform', () => ensureGoBinary(KUBECONFORM, log)],
    ['the OpenID provider', () => ensureGoBinary(OIDC_PROVIDER, log)],
    ['kubernetes schemas', () => kubernetesSchemaDir(log)],
    ['compose-spec schema', () => composeSpecSchemaFile()],
  ];
  await Promise.all(
    tasks.map(async ([name, task]) => {
      try {
        await task();
      } catch (err) {
        log(`${name} could not be provisioned: ${(err as Error).message.split('\n')[0]}`);
      }
    }),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await provisionTestTools((line) => console.log(`[stack] tools: ${line}`));
}
