/**
 * bench:agent's `--rules <n>`: a project that holds n stated rules, and task prompts that meet them, so
 * that the prompt's push (api/context/prompt-push.ts) does its real work in the measured sessions: it reads
 * and scores every rule of the project and pushes the one a prompt names (with an empty project, or with
 * prompts that name nothing, the push answers at once and the hook's wait says nothing about it).
 *
 * The rules are made from topics and rule shapes (n distinct texts, each with an identifier of its own),
 * stated with `memflow remember --kind decision` as a person would. Prompt i reports a bug about topic
 * i mod n in the words of its rule's shape, so a memflow session is pushed one rule or a few.
 */

const TOPICS = [
  'payout', 'invoice', 'refund', 'webhook', 'upload', 'report', 'export', 'coupon', 'inventory', 'shipment',
  'notification', 'audit', 'backup', 'migration', 'search', 'cache', 'queue', 'login', 'billing', 'ticket',
];

interface Shape {
  rule(topic: string, id: string): string;
  prompt(topic: string, id: string): string;
}

const SHAPES: Shape[] = [
  {
    rule: (t, id) => `We decided ${t} retries are capped at 7 attempts (${id}_MAX_ATTEMPTS); never raise the cap, back off instead.`,
    prompt: (t, id) => `The ${t} worker keeps retrying for ages when the partner is down; can we bump ${id}_MAX_ATTEMPTS to 20?`,
  },
  {
    rule: (t, id) => `${cap(t)} amounts are stored as integer cents in ${id}_amount_cents, never as floats.`,
    prompt: (t, id) => `The ${t} totals show 19.989999999 EUR in the admin and ${id}_amount_cents looks off by a cent.`,
  },
  {
    rule: (t, id) => `${cap(t)} timestamps are stored in UTC (${id}_at) and converted to the user's time zone only when shown.`,
    prompt: (t, id) => `The ${t} list shows times one hour early since the pods moved regions; ${id}_at looks wrong.`,
  },
  {
    rule: (t, id) => `Every change to ${t} data writes an audit row through ${id}_audit(); never update the table directly.`,
    prompt: (t, id) => `Support wants to fix a wrong ${t} row by hand in SQL; ${id}_audit() is slow, can we skip it?`,
  },
  {
    rule: (t, id) => `${cap(t)} jobs run idempotently keyed by ${id}_key, so a retried job never runs twice.`,
    prompt: (t, id) => `Some ${t} jobs ran twice after the deploy last night; the ${id}_key values look duplicated.`,
  },
];

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

function pair(i: number): { topic: string; id: string; shape: Shape } {
  const topic = TOPICS[i % TOPICS.length]!;
  const round = Math.floor(i / TOPICS.length);
  const shape = SHAPES[round % SHAPES.length]!;
  // Beyond 100 rules the same topic and shape come back with another identifier.
  const id = `${topic.toUpperCase()}${round >= SHAPES.length ? `_${Math.floor(round / SHAPES.length) + 1}` : ''}`;
  return { topic, id, shape };
}

/** The n rules a person states (distinct texts). */
export function benchRules(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const { topic, id, shape } = pair(i);
    return shape.rule(topic, id);
  });
}

/** The task prompt of session k when the project holds n rules (it names rule k mod n's topic). */
export function benchTask(k: number, n: number): string {
  const { topic, id, shape } = pair(k % n);
  return shape.prompt(topic, id);
}

/**
 * States the n rules in a project with `remember` (one `memflow remember --kind decision <rule> --json` run in
 * the project's repository), then reads what one task prompt is pushed (GET /v1/context?for=prompt): a line
 * saying the push has work to do in the measured sessions.
 */
export async function stateBenchRules(
  n: number,
  remember: (args: string[]) => Promise<{ code: number | null; stdout: string; stderr: string }>,
  api: { url: string; key: string },
): Promise<string> {
  const t0 = Date.now();
  let project = '';
  for (const [i, rule] of benchRules(n).entries()) {
    const r = await remember(['remember', '--kind', 'decision', '--json', rule]);
    if (r.code !== 0) throw new Error(`memflow remember (rule ${i + 1} of ${n}) failed: ${r.stderr}`);
    project = (JSON.parse(r.stdout) as { project: string }).project;
  }
  const q = new URLSearchParams({ for: 'prompt', q: benchTask(0, n), project, channel: 'api' });
  const res = await fetch(`${api.url}/v1/context?${q}`, { headers: { authorization: `Bearer ${api.key}` } });
  const pushed = res.ok ? ((await res.json()) as { items: unknown[]; tokens: number }) : undefined;
  return `${n} rules stated in ${((Date.now() - t0) / 1000).toFixed(0)} s; a task prompt is pushed ${pushed ? `${pushed.items.length} item(s), ${pushed.tokens} tokens` : `(not read: HTTP ${res.status})`}`;
}

/**
 * The source file a repository holds for rule i (`--reads`): a Python module under src/ named by the
 * rule's topic that defines the identifiers the rule names, so a tool call that reads it touches code
 * the project's rules are anchored to (the push at the code: the relay parses it and asks the API).
 */
export function benchSourceFile(i: number): { path: string; text: string } {
  const { topic, id } = pair(i);
  const lower = id.toLowerCase();
  return {
    path: `src/${topic}${id.includes('_') ? id.slice(id.indexOf('_')) : ''}.py`,
    text: `${id}_MAX_ATTEMPTS = 7\n\n\ndef ${lower}_audit(row):\n    """Write the audit row of a ${topic} change."""\n    return {"${lower}_amount_cents": row["${lower}_amount_cents"], "${lower}_at": row["${lower}_at"], "${lower}_key": row["${lower}_key"]}\n`,
  };
}

/** What a person says in a prompt that states rule i as a standing instruction naming its code (benchSourceFile). */
export function statedRulePrompt(i: number): string {
  const { topic, id } = pair(i);
  return `From now on ${id}_MAX_ATTEMPTS in ${benchSourceFile(i).path} stays at 7: never raise the ${topic} retry cap, back off instead; ${id.toLowerCase()}_audit() writes every change.`;
}

/**
 * States the n rules the way the push at the code gets them (`--stated`): each said in a prompt of a session
 * of its own, delivered through the installed hook (`hook`: runs `memflow-hook <event> --host <host>` with
 * the body), so the API takes each as a stated rule anchored to the identifiers it names; then waits
 * until the project's index (GET /v1/context/files) lists them. A line saying what the index holds.
 */
export async function stateRulesInPrompts(
  n: number,
  hook: (event: string, body: Record<string, unknown>) => Promise<void>,
  at: { cwd: string; project: string; url: string; key: string },
): Promise<string> {
  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    const common = { session_id: `bench-rule-${i}-${Date.now()}`, cwd: at.cwd };
    await hook('SessionStart', { ...common, hook_event_name: 'SessionStart', source: 'startup' });
    await hook('UserPromptSubmit', { ...common, hook_event_name: 'UserPromptSubmit', prompt: statedRulePrompt(i) });
    await hook('Stop', { ...common, hook_event_name: 'Stop', last_assistant_message: 'Understood: the cap stays at 7.' });
    await hook('SessionEnd', { ...common, hook_event_name: 'SessionEnd', reason: 'exit' });
  }
  let index: { identifiers?: string[]; names?: string[] } = {};
  for (let tries = 0; tries < 60; tries++) {
    const res = await fetch(`${at.url}/v1/context/files?${new URLSearchParams({ project: at.project })}`, { headers: { authorization: `Bearer ${at.key}` } });
    index = res.ok ? ((await res.json()) as typeof index) : {};
    if ((index.identifiers?.length ?? 0) >= n) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return `${n} rules stated in prompts in ${((Date.now() - t0) / 1000).toFixed(0)} s; the project's index: ${index.identifiers?.length ?? 0} anchored identifiers, ${index.names?.length ?? 0} names`;
}
