/** The project filter every view shares: the tenant's projects, suggested as one types. */
import { call, type ProjectItem } from '../api.js';
import { useLoad } from '../hooks.js';

/** The tenant's projects (GET /v1/projects), read once per page load and shared by every filter. */
let projectsOnce: Promise<ProjectItem[]> | undefined;
export function loadProjects(): Promise<ProjectItem[]> {
  projectsOnce ??= call<{ items: ProjectItem[] }>('GET', '/v1/projects').then(
    (a) => a.items,
    () => {
      projectsOnce = undefined;
      return [];
    },
  );
  return projectsOnce;
}

/** The projects matching what was typed: by prefix first, then by any part of the name. */
export function matchingProjects(all: readonly ProjectItem[], typed: string): ProjectItem[] {
  const t = typed.trim().toLowerCase();
  if (!t) return [...all];
  const prefix = all.filter((p) => p.name.toLowerCase().startsWith(t));
  return [...prefix, ...all.filter((p) => !prefix.includes(p) && p.name.toLowerCase().includes(t))];
}

/** A project filter that suggests the tenant's projects as one types, and says when none matches. */
export function ProjectField({ value, onInput, label = 'Project', id = 'projects' }: { value: string; onInput: (v: string) => void; label?: string; id?: string }) {
  const projects = useLoad(loadProjects, []);
  const matches = projects.data ? matchingProjects(projects.data, value) : [];
  const none = Boolean(value.trim() && projects.data && matches.length === 0);
  return (
    <label>
      {label}{' '}
      <input value={value} list={`${id}-list`} placeholder="all projects" autocomplete="off" aria-describedby={none ? `${id}-none` : undefined} onInput={(e) => onInput(e.currentTarget.value)} />
      <datalist id={`${id}-list`}>
        {matches.slice(0, 50).map((p) => (
          <option key={p.name} value={p.name}>
            {`${p.sessions} session${p.sessions === 1 ? '' : 's'}`}
          </option>
        ))}
      </datalist>
      {none ? (
        <span id={`${id}-none`} class="error" role="status">
          No project matches “{value.trim()}”{projects.data!.length ? ` (there are ${projects.data!.length}: ${projects.data!.slice(0, 3).map((p) => p.name).join(', ')}${projects.data!.length > 3 ? ', …' : ''})` : ''}
        </span>
      ) : null}
    </label>
  );
}
