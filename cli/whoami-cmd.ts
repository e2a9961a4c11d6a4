/** `memflow whoami`: who MEMFLOW_API_KEY is (GET /v1/me): the tenant, the person, the roles, the projects. */
import { withApi, type ApiOptions } from './api-client.js';

export async function whoami(opts: ApiOptions & { json?: boolean }, out: (line: string) => void): Promise<void> {
  const me = await withApi(opts, (api) => api.me());
  if (opts.json) return out(JSON.stringify(me));
  out(`${me.person ? `${me.person.name} (person ${me.person.id})` : 'a key of its own (no person)'} in tenant '${me.tenant}', key ${me.keyId}`);
  out(`role: ${me.role}${me.projects ? `; limited to ${me.projects.join(', ')}` : ''}${me.expiresAt ? `; expires ${me.expiresAt}` : ''}`);
  for (const [project, role] of Object.entries(me.projectRoles)) out(`  ${project}: ${role}`);
}
