/**
 * Temporal dynamic configuration memflow's stacks run with: the dev server (`--dynamic-config-value`)
 * and the cluster profile (its dynamicconfig.yaml) take the same values from here.
 */

/** Each key with its value (JSON) and the reason it is set. */
export const TEMPORAL_DYNAMIC_CONFIG: readonly { key: string; value: boolean | number; why: string }[] = [
  {
    key: 'limit.maxIDLength',
    value: 255,
    why: "memflow's workflow ids are uuids with prefixes; Temporal's development default",
  },
  {
    key: 'system.enableActivityEagerExecution',
    value: true,
    why:
      'an activity a workflow task schedules goes back to the worker in the answer to that task (the SDK asks for it by ' +
      'default), instead of through the matching service and the task queue: one hop and its persistence less per ' +
      "activity, and no wait in the queue behind other sessions' work on a busy machine (off in Temporal by default)",
  },
];

/** The dev server's flags: `--dynamic-config-value key=value` for each. */
export function dynamicConfigArgs(): string[] {
  return TEMPORAL_DYNAMIC_CONFIG.flatMap(({ key, value }) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]);
}

/** The server's dynamicconfig.yaml. */
export function dynamicConfigYaml(): string {
  return TEMPORAL_DYNAMIC_CONFIG.map(({ key, value, why }) => `# ${why}\n${key}:\n  - value: ${JSON.stringify(value)}\n    constraints: {}\n`).join('');
}
