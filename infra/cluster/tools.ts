/**
 * `npm run build:tools -- [server|deploy|all]`: builds (once per machine, cached under
 * ~/.cache/memflow/bin like the other servers) what the cluster profile and the deployment checks
 * need: the Temporal server and its SQL tool, helm and kubeconform. Each line says how long it took.
 */
import { ensureGoBinary } from '../go-binary.js';
import { HELM, KUBECONFORM, TEMPORAL_SERVER, TEMPORAL_SQL_TOOL, type GoBinarySpec } from '../versions.js';

export const SERVER_TOOLS: GoBinarySpec[] = [TEMPORAL_SERVER, TEMPORAL_SQL_TOOL];
export const DEPLOY_TOOLS: GoBinarySpec[] = [HELM, KUBECONFORM];

async function main(): Promise<void> {
  const which = process.argv[2] ?? 'all';
  const groups: GoBinarySpec[][] =
    which === 'server' ? [SERVER_TOOLS] : which === 'deploy' ? [DEPLOY_TOOLS] : [SERVER_TOOLS, DEPLOY_TOOLS];
  // Within a group one after the other (the SQL tool reuses the server's compiled packages); groups in parallel.
  await Promise.all(
    groups.map(async (specs) => {
      for (const spec of specs) {
        const started = Date.now();
        const bin = await ensureGoBinary(spec, (line) => console.log(line));
        console.log(`${spec.name} ${spec.version}: ${bin} (${Math.round((Date.now() - started) / 1000)}s)`);
      }
    }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
