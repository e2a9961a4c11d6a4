/**
 * The deployment artefacts validate: the Helm chart (infra/helm/memflow) passes `helm lint --strict`
 * and its rendered manifests pass kubeconform -strict against the Kubernetes schemas of a pinned
 * version; infra/compose.yaml passes the compose-spec JSON schema. helm and kubeconform (built by
 * infra/go-binary.ts, cached like the servers) and the schemas (from pinned Go modules,
 * infra/deploy/schemas.ts) are provisioned by `npm test` before any test starts (infra/test-tools.ts).
 * Each check also proves it can fail: a manifest or compose file with an unknown field is rejected.
 * Needs no stack. Skips, saying why, only when a tool could not be provisioned.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import YAML from 'yaml';
import { composeSpecSchemaFile, KUBERNETES_OPENAPI } from '../infra/deploy/schemas.js';
import { getProfile, repoRoot, TEST_PORT_SHIFTS } from '../infra/profile.js';
import { provisionedDeployTools } from '../infra/test-tools.js';

const chart = path.join(repoRoot, 'infra', 'helm', 'memflow');
const kubeVersion = KUBERNETES_OPENAPI.version.replace(/^v/, '');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-deploy-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let tools: { helm: string; kubeconform: string; schemas: string } | undefined;
let unavailable = '';

before(() => {
  try {
    tools = provisionedDeployTools();
  } catch (err) {
    unavailable = (err as Error).message;
  }
});

function run(cmd: string, args: string[], input?: string) {
  const res = spawnSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
  return { code: res.status, out: `${res.stdout}${res.stderr}`, stdout: res.stdout };
}

function render(t: { skip(msg: string): void }, ...set: string[]): string | undefined {
  if (!tools) return void t.skip(unavailable);
  const args = ['template', 'memflow', chart, '--namespace', 'memflow', '--kube-version', kubeVersion, ...set.flatMap((s) => ['--set', s])];
  const res = run(tools.helm, args);
  assert.equal(res.code, 0, res.out);
  return res.stdout;
}

function kubeconform(manifests: string) {
  const location = `${tools!.schemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
  return run(tools!.kubeconform, ['-strict', '-summary', '-output', 'json', '-schema-location', location, '-'], manifests);
}

test('helm lint --strict passes', (t) => {
  if (!tools) return t.skip(unavailable);
  const res = run(tools.helm, ['lint', '--strict', chart, '--kube-version', kubeVersion]);
  assert.equal(res.code, 0, res.out);
  assert.match(res.out, /1 chart\(s\) linted, 0 chart\(s\) failed/);
});

test(`helm template | kubeconform -strict (Kubernetes ${kubeVersion} schemas) is valid, and a bad field is not`, (t) => {
  const manifests = render(t);
  if (manifests === undefined) return;
  const res = kubeconform(manifests);
  assert.equal(res.code, 0, res.out);
  const summary = (JSON.parse(res.stdout) as { summary: { valid: number; invalid: number; errors: number; skipped: number } }).summary;
  assert.deepEqual({ invalid: summary.invalid, errors: summary.errors, skipped: summary.skipped }, { invalid: 0, errors: 0, skipped: 0 });

  const docs = YAML.parseAllDocuments(manifests).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec?: Record<string, unknown> }).filter(Boolean);
  const kinds = docs.map((d) => d.kind).sort();
  assert.deepEqual(kinds, ['ConfigMap', 'Deployment', 'Deployment', 'HorizontalPodAutoscaler', 'HorizontalPodAutoscaler', 'Job', 'PodDisruptionBudget', 'PodDisruptionBudget', 'Service']);
  assert.equal(summary.valid, docs.length);

  // Probes on /health and /ready; credentials only by reference to Secrets.
  const api = docs.find((d) => d.kind === 'Deployment' && d.metadata.name.endsWith('-api'))!;
  const container = (api.spec as { template: { spec: { containers: Record<string, { httpGet?: { path: string } }>[] } } }).template.spec.containers[0]!;
  assert.equal(container.livenessProbe?.httpGet?.path, '/health');
  assert.equal(container.readinessProbe?.httpGet?.path, '/ready');
  assert.match(manifests, /secretKeyRef:\s+name: memflow-database\s+key: DATABASE_URL/);
  assert.doesNotMatch(manifests, /postgresql:\/\//, 'no connection string in the manifests');
  const workerHpa = docs.find((d) => d.kind === 'HorizontalPodAutoscaler' && d.metadata.name.endsWith('-worker'))!;
  assert.match(JSON.stringify(workerHpa.spec), /"type":"External".*temporal_approximate_backlog_count.*"taskqueue":"memflow"/);

  // The negative control: the same schemas reject a field Kubernetes does not have.
  const bad = manifests.replace('terminationGracePeriodSeconds: 35', 'terminationGracePeriodSeconds: 35\n      restartPolicyy: Always');
  const rejected = kubeconform(bad);
  assert.notEqual(rejected.code, 0);
  assert.match(rejected.stdout, /additional properties 'restartPolicyy' not allowed/);
});

test('the chart and the container image run the built server with plain node: no tsx, no TypeScript entry', (t) => {
  const manifests = render(t);
  if (manifests === undefined) return;
  const docs = YAML.parseAllDocuments(manifests).map((d) => d.toJS() as { kind: string; spec?: Record<string, unknown> }).filter(Boolean);
  type Pod = { containers: { name: string; command?: string[]; args?: string[]; env?: { name: string; value?: string }[] }[] };
  const pods = docs.flatMap((d) => {
    const spec = d.spec as { template?: { spec: Pod } } | undefined;
    return spec?.template ? [spec.template.spec] : [];
  });
  const commands = Object.fromEntries(pods.flatMap((p) => p.containers.map((c) => [c.name, [...(c.command ?? []), ...(c.args ?? [])]])));
  assert.deepEqual(commands, {
    api: ['node', '--enable-source-maps', 'dist/server/api/main.js'],
    worker: ['node', '--enable-source-maps', 'dist/server/workers/main.js'],
    migrate: ['node', '--enable-source-maps', 'dist/server/prisma/migrate.js'],
  });
  assert.doesNotMatch(manifests, /tsx|\.ts"/, 'nothing in the rendered chart loads TypeScript');
  const worker = pods.flatMap((p) => p.containers).find((c) => c.name === 'worker')!;
  assert.equal(worker.env?.find((e) => e.name === 'MEMFLOW_WORKFLOW_BUNDLE')?.value, 'dist/workflow-bundle.js');
  // The image builds that output and its default command is the API's.
  const containerfile = fs.readFileSync(path.join(repoRoot, 'infra', 'deploy', 'Containerfile'), 'utf8');
  assert.match(containerfile, /^RUN npm run build\b/m);
  assert.match(containerfile, /^CMD \["node", "--enable-source-maps", "dist\/server\/api\/main\.js"\]$/m);
  assert.doesNotMatch(containerfile.replace(/^#.*$/gm, ''), /tsx/);
});

test('without autoscaling the chart sets replicas, and rate limits are the budget divided over the APIs', (t) => {
  const manifests = render(t, 'api.autoscaling.enabled=false', 'worker.autoscaling.enabled=false', 'api.replicas=3', 'secrets.weaviate.name=', 'secrets.anthropic.name=memflow-anthropic');
  if (manifests === undefined) return;
  const res = kubeconform(manifests);
  assert.equal(res.code, 0, res.out);
  assert.doesNotMatch(manifests, /kind: HorizontalPodAutoscaler/);
  assert.match(manifests, /replicas: 3/);
  assert.match(manifests, /MEMFLOW_RATE_LIMIT_PER_MINUTE: "200"/);
  assert.match(manifests, /MEMFLOW_RATE_LIMIT_HOOKS_PER_MINUTE: "2000"/);
  assert.doesNotMatch(manifests, /WEAVIATE_API_KEY/);
  assert.match(manifests, /name: memflow-anthropic\s+key: ANTHROPIC_API_KEY/);
});

test('infra/compose.yaml is valid against the compose-spec schema, and a misspelt key is not', (t) => {
  let schemaFile: string;
  try {
    schemaFile = composeSpecSchemaFile();
  } catch (err) {
    return t.skip(`the compose-spec schema could not be provisioned: ${(err as Error).message.split('\n')[0]}`);
  }
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as object);
  const compose = YAML.parse(fs.readFileSync(path.join(repoRoot, 'infra', 'compose.yaml'), 'utf8')) as { services: Record<string, Record<string, unknown>> };
  assert.equal(validate(compose), true, JSON.stringify(validate.errors, null, 2));
  assert.deepEqual(Object.keys(compose.services).sort(), ['postgres', 'temporal', 'weaviate']);
  for (const [name, service] of Object.entries(compose.services)) {
    for (const port of (service.ports as string[] | undefined) ?? []) assert.match(port, /^127\.0\.0\.1:/, `${name} publishes ${port} on 127.0.0.1 only`);
  }
  const bad = structuredClone(compose);
  bad.services.weaviate!.healthchek = bad.services.weaviate!.healthcheck;
  assert.equal(validate(bad), false);
  assert.ok(
    validate.errors?.some((e) => e.instancePath === '/services/weaviate' && Object.values(e.params as Record<string, unknown>).includes('healthchek')),
    JSON.stringify(validate.errors),
  );
});

test('the cluster profile uses ports of its own: none of the dev or test blocks, none twice', () => {
  const portsOf = (p: ReturnType<typeof getProfile>) => {
    const t = p.temporal;
    const w = p.weaviate;
    const base = [t.port, t.uiPort, t.httpPort, t.metricsPort, w.httpPort, w.grpcPort, w.gossipPort, w.dataPort, w.raftPort, w.raftRpcPort, p.api.port].filter((x) => x > 0);
    const c = p.cluster;
    if (!c) return base;
    const m = c.temporal.membershipPorts;
    return [
      t.port, t.httpPort, t.metricsPort, c.temporal.historyPort, c.temporal.matchingPort, c.temporal.workerPort, m.frontend, m.history, m.matching, m.worker,
      ...c.weaviateNodes.flatMap((n) => [n.httpPort, n.grpcPort, n.gossipPort, n.dataPort, n.raftPort, n.raftRpcPort]),
      p.api.port, c.lb.statsPort, c.lb.weaviateHttpPort, c.lb.weaviateGrpcPort, ...c.apiPorts, ...c.workerMetricsPorts,
    ];
  };
  const cluster = portsOf(getProfile('cluster'));
  assert.equal(new Set(cluster).size, cluster.length, 'no port twice');
  const others = new Set([...portsOf(getProfile('dev')), 9464, ...TEST_PORT_SHIFTS.flatMap((s) => portsOf(getProfile('test', s)))]);
  assert.deepEqual(cluster.filter((p) => others.has(p)), []);
  assert.ok(cluster.every((p) => p > 1024 && p < 65536));
});
