/**
 * Roles and what a principal may do in a project (issue 51). Roles rank reader < member <
 * maintainer < admin: a reader reads; a member also writes (agents capture, state and retract
 * memories); a maintainer also decides on the review inbox and corrects; an admin also manages the
 * tenant (keys, people, policies, backups, erasure).
 *
 * A principal's role in a project is its person's role there when one is given (ProjectRole), else
 * its role in the tenant; a key's own role is a ceiling on its person's, and a read-only key is a
 * reader whatever its role. A key limited to projects touches no other project, and nothing
 * tenant-wide.
 */
import { ROLES, type Role } from '../../messages/api-v1.js';

export type { Role };

const RANK: Readonly<Record<Role, number>> = Object.fromEntries(ROLES.map((r, i) => [r, i])) as Record<Role, number>;

export const atLeast = (role: Role, need: Role): boolean => RANK[role] >= RANK[need];
export const lowerOf = (a: Role, b: Role): Role => (RANK[a] <= RANK[b] ? a : b);
export const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);

/** What the request's key may do: its tenant, its role(s) and scope. */
export interface Principal {
  tenantId: string;
  tenantName: string;
  keyId: string;
  /** The role in the tenant (the key's, capped by its person's; reader for a read-only key). */
  role: Role;
  /** The person the key acts for; absent for a key of its own (an agent's, a CI job's). */
  person?: { id: string; name: string };
  /** The projects the key may touch; absent: every project of the tenant. */
  projects?: readonly string[];
  /** The person's roles in projects where they differ from the tenant role (capped as `role` is). */
  projectRoles?: Readonly<Record<string, Role>>;
  /** When the key stops being accepted (ms since the epoch); absent: until revoked. */
  expiresAt?: number;
}

/** The principal's role in `project` (its tenant role when no project is named). */
export function roleIn(p: Principal, project?: string): Role {
  return (project !== undefined ? p.projectRoles?.[project] : undefined) ?? p.role;
}

/** Whether the principal's rights differ from project to project (only then is the project looked up). */
export const variesByProject = (p: Principal): boolean => p.projects !== undefined || (p.projectRoles !== undefined && Object.keys(p.projectRoles).length > 0);

/**
 * Why the principal may not act with `need` on these projects (`tenant`: tenant-wide), or undefined
 * when it may. The reason names what is missing, for the 403 and the audit entry.
 */
export function denial(p: Principal, need: Role, projects: readonly string[] | 'tenant'): string | undefined {
  if (projects === 'tenant') {
    if (p.projects) return `this key is limited to the project${p.projects.length === 1 ? '' : 's'} ${p.projects.join(', ')}: name one`;
    return atLeast(p.role, need) ? undefined : `${need} key required`;
  }
  if (projects.length === 0) return atLeast(p.role, need) || Object.values(p.projectRoles ?? {}).some((r) => atLeast(r, need)) ? undefined : `${need} key required`;
  for (const project of projects) {
    if (p.projects && !p.projects.includes(project)) return `project '${project}' is outside this key's projects (${p.projects.join(', ')})`;
    if (!atLeast(roleIn(p, project), need)) return `${need} key required`;
  }
  return undefined;
}

/** The principal of a key row (api_keys joined with its person and their project roles). */
export function principalOf(row: {
  keyId: string;
  tenantId: string;
  tenantName: string;
  keyRole: Role;
  readOnly: boolean;
  projects: string[] | null;
  expiresAt: Date | null;
  person: { id: string; name: string; role: Role; projectRoles: Record<string, Role> | null } | null;
}): Principal {
  const ceiling: Role = row.readOnly ? 'reader' : row.keyRole;
  const role = row.person ? lowerOf(ceiling, row.person.role) : ceiling;
  const projectRoles = row.person?.projectRoles ? Object.fromEntries(Object.entries(row.person.projectRoles).map(([name, r]) => [name, lowerOf(ceiling, r)])) : undefined;
  return {
    tenantId: row.tenantId,
    tenantName: row.tenantName,
    keyId: row.keyId,
    role,
    ...(row.person ? { person: { id: row.person.id, name: row.person.name } } : {}),
    ...(row.projects ? { projects: row.projects } : {}),
    ...(projectRoles && Object.keys(projectRoles).length ? { projectRoles } : {}),
    ...(row.expiresAt ? { expiresAt: row.expiresAt.getTime() } : {}),
  };
}
