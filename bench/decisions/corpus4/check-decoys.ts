// Checks bench/decisions/corpus4/decoys.json: the shape of every conversation, unique ids, dates in
// range, a boolean `settles` on every user turn (none on assistant turns), a source address per
// conversation, no held-out source, and prints the counts the README reports.
// Run: /work/main/node_modules/.bin/tsx bench/decisions/corpus4/check-decoys.ts
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PROJECTS = ["feedhop", "stockroom", "logshed"] as const;
const KINDS = ["question", "bug-report", "plan", "tangent", "work", "discussion"] as const;
const AGENTS = ["claude-code", "codex", "gemini", "opencode", "copilot"] as const;
const FROM = Date.parse("2026-06-01T00:00:00Z");
const TO = Date.parse("2026-10-31T23:59:59Z");
const MIN_CONVERSATIONS = 120;
const MIN_PER_PROJECT = 35;
// held-out material the decoys must not come from
const FORBIDDEN = [/boltons/i, /locomo/i, /longmemeval/i, /agent-memory-benchmark/i, /sde-bench/i, /vectorize-io/i];

const file = join(dirname(fileURLToPath(import.meta.url)), "decoys.json");
const data: unknown = JSON.parse(readFileSync(file, "utf8"));
const errors: string[] = [];
const fail = (where: string, what: string): void => {
  errors.push(`${where}: ${what}`);
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const tally = (map: Map<string, number>, key: string): void => {
  map.set(key, (map.get(key) ?? 0) + 1);
};

const ids = new Set<string>();
const sources = new Map<string, number>();
const byProject = new Map<string, number>();
const byKind = new Map<string, number>();
const byAgent = new Map<string, number>();
let userTurns = 0;
let settlesTrue = 0;
let assistantTurns = 0;
let conversations: unknown[] = [];

if (!isObject(data)) fail("file", "not a JSON object");
else {
  if (data.version !== 4) fail("file", `version is ${String(data.version)}, expected 4`);
  if (!Array.isArray(data.conversations)) fail("file", "conversations is not an array");
  else conversations = data.conversations;
}

for (const [index, raw] of conversations.entries()) {
  const where = `conversation #${index}`;
  if (!isObject(raw)) {
    fail(where, "not an object");
    continue;
  }
  const allowed = new Set(["id", "project", "kind", "at", "agent", "source", "turns"]);
  for (const key of Object.keys(raw)) if (!allowed.has(key)) fail(where, `unexpected field ${key}`);
  const id = raw.id;
  if (typeof id !== "string" || !/^y\d{3}$/.test(id)) fail(where, `id ${String(id)} is not y<3 digits>`);
  else if (ids.has(id)) fail(where, `duplicate id ${id}`);
  else ids.add(id);
  const at = `${where} (${String(id)})`;
  if (!PROJECTS.includes(raw.project as (typeof PROJECTS)[number])) fail(at, `project ${String(raw.project)}`);
  else tally(byProject, raw.project as string);
  if (!KINDS.includes(raw.kind as (typeof KINDS)[number])) fail(at, `kind ${String(raw.kind)}`);
  else tally(byKind, raw.kind as string);
  if (!AGENTS.includes(raw.agent as (typeof AGENTS)[number])) fail(at, `agent ${String(raw.agent)}`);
  else tally(byAgent, raw.agent as string);
  const when = typeof raw.at === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(raw.at) ? Date.parse(raw.at) : NaN;
  if (Number.isNaN(when)) fail(at, `at ${String(raw.at)} is not an ISO UTC timestamp`);
  else if (when < FROM || when > TO) fail(at, `at ${String(raw.at)} is outside 2026-06-01..2026-10-31`);
  if (typeof raw.source !== "string" || !/^https:\/\/github\.com\/[^/]+\/[^/]+\/(issues|pull)\/\d+$/.test(raw.source)) {
    fail(at, `source ${String(raw.source)} is not a GitHub issue or pull-request address`);
  } else {
    tally(sources, raw.source);
    if (FORBIDDEN.some((re) => re.test(raw.source as string))) fail(at, `source ${raw.source} is held out`);
  }
  if (!Array.isArray(raw.turns) || raw.turns.length < 3 || raw.turns.length > 10) {
    fail(at, "turns must be an array of 3-10 turns");
    continue;
  }
  const first = raw.turns[0] as unknown;
  if (!isObject(first) || first.speaker !== "user") fail(at, "the first turn must be the user's");
  for (const [n, turn] of raw.turns.entries()) {
    const tw = `${at} turn ${n}`;
    if (!isObject(turn)) {
      fail(tw, "not an object");
      continue;
    }
    if (typeof turn.text !== "string" || turn.text.trim().length < 2) fail(tw, "text missing or empty");
    else if (FORBIDDEN.some((re) => re.test(turn.text as string))) fail(tw, "mentions held-out material");
    if (turn.speaker === "user") {
      userTurns += 1;
      if (typeof turn.settles !== "boolean") fail(tw, "user turn without a boolean settles");
      else if (turn.settles) settlesTrue += 1;
      for (const key of Object.keys(turn)) if (!["speaker", "text", "settles"].includes(key)) fail(tw, `unexpected field ${key}`);
    } else if (turn.speaker === "assistant") {
      assistantTurns += 1;
      if ("settles" in turn) fail(tw, "assistant turns carry no settles");
      for (const key of Object.keys(turn)) if (!["speaker", "text"].includes(key)) fail(tw, `unexpected field ${key}`);
    } else fail(tw, `speaker ${String(turn.speaker)}`);
  }
}

for (const [source, n] of sources) if (n > 1) fail("sources", `${source} is used by ${n} conversations`);
if (conversations.length < MIN_CONVERSATIONS) fail("file", `${conversations.length} conversations, expected at least ${MIN_CONVERSATIONS}`);
for (const p of PROJECTS) if ((byProject.get(p) ?? 0) < MIN_PER_PROJECT) fail("file", `${p} has ${byProject.get(p) ?? 0} conversations, expected at least ${MIN_PER_PROJECT}`);
for (const k of KINDS) if (!byKind.has(k)) fail("file", `no conversation of kind ${k}`);
if (settlesTrue === 0 || settlesTrue > userTurns / 4) fail("file", `${settlesTrue} of ${userTurns} user turns settle: expected some, and at most a quarter`);

const show = (m: Map<string, number>): string => [...m.entries()].sort().map(([k, v]) => `${k} ${v}`).join(", ");
const repos = new Set([...sources.keys()].map((s) => s.split("/").slice(3, 5).join("/")));
console.log(`conversations: ${conversations.length} (ids unique: ${ids.size})`);
console.log(`by project: ${show(byProject)}`);
console.log(`by kind: ${show(byKind)}`);
console.log(`by agent: ${show(byAgent)}`);
console.log(`turns: ${userTurns + assistantTurns} (user ${userTurns}, assistant ${assistantTurns})`);
console.log(`user turns settling: true ${settlesTrue}, false ${userTurns - settlesTrue}`);
console.log(`sources: ${sources.size} threads from ${repos.size} repositories`);
if (errors.length > 0) {
  for (const e of errors) console.error(`FAIL ${e}`);
  console.error(`${errors.length} problem(s)`);
  process.exit(1);
}
console.log("OK");
