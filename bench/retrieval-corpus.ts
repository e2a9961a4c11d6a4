/**
 * The corpus of `npm run bench:retrieval`: multi-session coding work with known evidence.
 *
 * Work happens in episodes: one problem (a topic of corpus.ts: its symptoms, commands, outputs,
 * causes and fixes) in one component ("ledger-sync", "quill-gateway", ...). A session holds 1 to 6
 * episodes — the longer ones read like a long conversation that moves from problem to problem —
 * each with the user's prompt, tool calls, and a batch summary; the session ends with a final
 * summary of its last episode. About one episode in four leaves a learning (linked to its summary).
 * Every component appears in about ten episodes on different topics and every topic in hundreds,
 * so neither the component's name (the keyword signal) nor the paraphrased problem (the semantic
 * signal) picks one episode alone; together they do.
 *
 * Questions are asked about episodes whose (component, topic) pair is unique, in other words than
 * the stored text (the topic's `asks`, which share few words with its symptoms), of three kinds:
 * - observation: what went wrong in X — evidence: the episode's prompt (and its summaries);
 * - summary: why it happened in X — the cause is written only in the summaries (tools never show it);
 * - learning: what we settled on for X — evidence: the learning only.
 * Everything comes from a seeded PRNG: the same sizes give the same corpus.
 */
import crypto from 'node:crypto';
import type { PrismaClient } from '../common/server/db.js';
import type { PgPool } from '../common/server/pg.js';
import { insertMemories, insertRows, memoryColumns, PROJECTS, TOPICS, type Rng, type Topic } from './corpus.js';

export type EvidenceType = 'observation' | 'summary' | 'learning';

export interface Question {
  text: string;
  type: EvidenceType;
  /** The agent session id holding the evidence. */
  sessionId: string;
  /** Record ids that answer it. */
  evidence: string[];
}

const SYLLABLES_A = ['ledger', 'quill', 'orbit', 'harbor', 'maple', 'cobalt', 'falcon', 'juniper', 'lumen', 'nimbus', 'quartz', 'saffron', 'tundra', 'vertex', 'willow', 'zephyr', 'amber', 'basalt', 'cinder', 'delta'];
const SYLLABLES_B = ['sync', 'gateway', 'relay', 'ingest', 'vault', 'beacon', 'ledger', 'forge', 'courier', 'atlas', 'pulse', 'bridge', 'keeper', 'loom', 'spark'];

/** Component names: a-b and a-b-N once the pairs run out. */
function componentNames(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const a = SYLLABLES_A[i % SYLLABLES_A.length]!;
    const b = SYLLABLES_B[Math.floor(i / SYLLABLES_A.length) % SYLLABLES_B.length]!;
    const round = Math.floor(i / (SYLLABLES_A.length * SYLLABLES_B.length));
    if (a !== b) out.push(round === 0 ? `${a}-${b}` : `${a}-${b}${round + 1}`);
  }
  return out;
}

interface Episode {
  topic: Topic;
  component: string;
  symptom: string;
  cause: string;
  fix: string;
  /** Row positions in the column arrays, for the evidence ids after insertion. */
  promptRow: number;
  summaryRows: number[];
  learningRow?: number;
}

const DAY_MS = 86_400_000;
const cap = (s: string) => `${s[0]!.toUpperCase()}${s.slice(1)}`;

export interface RetrievalCorpus {
  questions: Question[];
  records: number;
  /** The (component, topic) pairs asked about: later additions leave them out, so each answer stays unique. */
  asked: Set<string>;
}

export interface CorpusOptions {
  /** Records to add (about). */
  count: number;
  /** Questions to ask about what is added (0: distractors only). */
  questions: number;
  /** Components in play: later additions name more of them (the first ones included). */
  components: number;
  /** (component, topic) pairs never to generate. */
  avoid?: Set<string>;
}

/**
 * Generates about `count` records (observations, summaries, learnings) for the tenant, adds them
 * to the database and answers the questions over them (`questionCount`, a third of each kind).
 */
export async function generateRetrievalCorpus(pool: PgPool, prisma: PrismaClient, tenantId: string, opts: CorpusOptions, rng: Rng): Promise<RetrievalCorpus> {
  const { count, questions: questionCount, avoid = new Set<string>() } = opts;
  const projectIds = new Map<string, string>();
  for (const name of PROJECTS) {
    const p = await prisma.project.upsert({ where: { tenantId_name: { tenantId, name } }, create: { tenantId, name }, update: {} });
    projectIds.set(name, p.id);
  }
  // ~6 tools + prompt + summary per episode, 0.25 learnings: ~8.3 records an episode.
  const episodeCount = Math.max(30, Math.round(count / 8.3));
  const components = componentNames(opts.components);
  const now = Date.now();
  const { obs, prompts, sums } = memoryColumns();
  const learnings: { project: string; title: string; body: string; at: Date; summaryRow: number }[] = [];
  const sessions: { agentSessionId: string; project: string; startedAt: Date; episodes: Episode[] }[] = [];
  let episodes = 0;
  while (episodes < episodeCount) {
    const n = Math.min(episodeCount - episodes, rng.next() < 0.3 ? 3 + rng.int(4) : 1 + rng.int(2));
    sessions.push({ agentSessionId: crypto.randomUUID(), project: rng.pick(PROJECTS), startedAt: new Date(now - rng.next() * 365 * DAY_MS), episodes: [] });
    episodes += n;
    for (let k = 0; k < n; k++) {
      let topic = rng.pick(TOPICS);
      const component = rng.pick(components);
      while (avoid.has(`${component}|${topic.area}`)) topic = rng.pick(TOPICS);
      sessions.at(-1)!.episodes.push({ topic, component, symptom: rng.pick(topic.symptoms), cause: rng.pick(topic.causes), fix: rng.pick(topic.fixes), promptRow: -1, summaryRows: [] });
    }
  }
  const sessionIds = await insertRows(
    pool,
    `insert into sessions (tenant_id, project_id, agent_session_id, status, started_at, ended_at, event_count, updated_at)
     select '${tenantId}'::uuid, p, a, 'completed', s, s + interval '2 hours', 40, now()
     from unnest($1::uuid[], $2::text[], $3::timestamptz[]) as x(p, a, s) returning id`,
    [sessions.map((s) => projectIds.get(s.project)), sessions.map((s) => s.agentSessionId), sessions.map((s) => s.startedAt)],
  );
  sessions.forEach((s, i) => {
    const projectId = projectIds.get(s.project)!;
    const sessionId = sessionIds[i]!;
    let seq = 1;
    let ordinal = 0;
    let minute = 0;
    const addObs = (kind: 'prompt' | 'tool', toolName: string | null, title: string, text: string) => {
      const at = new Date(s.startedAt.getTime() + minute++ * 60_000);
      obs.project.push(projectId);
      obs.session.push(sessionId);
      obs.kind.push(kind);
      obs.seq.push(++seq);
      obs.tool.push(toolName);
      obs.toolUse.push(kind === 'tool' ? `toolu_${i}_${seq}` : null);
      obs.title.push(title.slice(0, 120));
      obs.text.push(text);
      obs.at.push(at);
      if (kind === 'prompt') {
        prompts.project.push(projectId);
        prompts.session.push(sessionId);
        prompts.ordinal.push(++ordinal);
        prompts.text.push(text);
        prompts.at.push(at);
      }
      return obs.title.length - 1;
    };
    const addSummary = (e: Episode, final: boolean, from: number) => {
      const request = `The user asked to look into ${e.component}: ${e.symptom}.`;
      const investigated = `Ran ${rng.pick(e.topic.commands)} and saw ${rng.pick(e.topic.outputs)}; read ${rng.pick(e.topic.files)}.`;
      const learned = `The cause in ${e.component}: ${e.cause}.`;
      const completed = `Applied the fix: ${e.fix}; tests pass.`;
      const next = rng.pick(['Add a regression test.', 'Monitor after deploy.', 'Document it in the README.', 'None.']);
      sums.project.push(projectId);
      sums.session.push(sessionId);
      sums.kind.push(final ? 'final' : 'batch');
      sums.title.push(`${rng.pick(['Fixed', 'Resolved', 'Done'])}: ${e.symptom} in ${e.component}`);
      sums.request.push(request);
      sums.investigated.push(investigated);
      sums.learned.push(learned);
      sums.completed.push(completed);
      sums.next.push(next);
      sums.text.push(`${request} ${investigated} ${learned} ${completed} Next: ${next}`);
      sums.from.push(from);
      sums.to.push(seq);
      sums.at.push(new Date(s.startedAt.getTime() + minute++ * 60_000));
      e.summaryRows.push(sums.title.length - 1);
    };
    s.episodes.forEach((e, k) => {
      const from = seq + 1;
      const where = rng.pick(e.topic.files);
      e.promptRow = addObs(
        'prompt',
        null,
        '',
        `${rng.pick(['Fix:', 'Investigate why', 'Please look into it:', 'Can you check why'])} in ${e.component} ${e.symptom} (${where}). ${rng.pick(['It started after the last deploy.', 'Customers reported it twice today.', 'Happens mostly in CI.', 'Only in production.'])}`,
      );
      obs.title[e.promptRow] = obs.text[e.promptRow]!.slice(0, 120);
      const tools = 3 + rng.int(6);
      for (let t = 0; t < tools; t++) {
        const file = rng.pick(e.topic.files);
        switch (rng.int(3)) {
          case 0: {
            const title = `Bash: ${rng.pick(e.topic.commands)}`;
            addObs('tool', 'Bash', title, `${title}\n${rng.pick(e.topic.outputs)} (run ${rng.int(1000)})`);
            break;
          }
          case 1:
            addObs('tool', 'Read', `Read: ${file}`, `Read: ${file}\nexport function handle${rng.int(500)}(input) { /* ${e.component} */ }`);
            break;
          default:
            addObs('tool', 'Edit', `Edit: ${file}`, `Edit: ${file}\n${e.fix} (line ${rng.int(400)})`);
        }
      }
      // Long conversations: a few more prompts of the user's about the same work.
      if (s.episodes.length > 2) addObs('prompt', null, 'ok, go on', `ok, go on with ${rng.pick(['the tests', 'the review', 'that', 'the next step'])}`);
      addSummary(e, k === s.episodes.length - 1, from);
      if (rng.next() < 0.25) {
        e.learningRow = learnings.length;
        learnings.push({ project: projectId, title: `${cap(e.fix)} in ${e.component}`, body: `In ${e.component}, when ${e.symptom}, the cause was that ${e.cause}. ${cap(e.fix)}.`, at: sums.at.at(-1)!, summaryRow: e.summaryRows[0]! });
      }
    });
  });
  const { observations, summaries } = await insertMemories(pool, tenantId, { obs, prompts, sums });
  const learningIds = await insertRows(
    pool,
    `insert into learnings (tenant_id, project_id, kind, title, body, confidence, strength, status, fingerprint, last_stated_at, valid_from, created_at, updated_at, token_count)
     select '${tenantId}'::uuid, p, 'fix', ti, b, 0.8, 2, 'active', md5(random()::text) || md5(random()::text), a, a, a, now(), length(b) / 4
     from unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) as x(p, ti, b, a) returning id`,
    [learnings.map((l) => l.project), learnings.map((l) => l.title), learnings.map((l) => l.body), learnings.map((l) => l.at)],
  );
  await insertRows(
    pool,
    `insert into learning_sources (learning_id, summary_id) select l, s from unnest($1::uuid[], $2::uuid[]) as x(l, s) returning id`,
    [learningIds, learnings.map((l) => summaries[l.summaryRow])],
  );
  await pool.query('vacuum analyze observations, summaries, learnings, learning_sources, prompts, sessions');

  // Questions about episodes whose (component, topic) pair is unique in the corpus.
  const pairs = new Map<string, number>();
  const all = sessions.flatMap((s) => s.episodes.map((e) => ({ s, e })));
  for (const { e } of all) pairs.set(`${e.component}|${e.topic.area}`, (pairs.get(`${e.component}|${e.topic.area}`) ?? 0) + 1);
  const unique = all.filter(({ e }) => pairs.get(`${e.component}|${e.topic.area}`) === 1);
  const questions: (Question & { pair: string })[] = [];
  const per = Math.ceil(questionCount / 3);
  const shuffled = unique.map((x) => ({ x, k: rng.next() })).sort((a, b) => a.k - b.k).map((y) => y.x);
  const ask = (e: Episode) => e.topic.asks[e.topic.symptoms.indexOf(e.symptom) % e.topic.asks.length]!;
  for (const { s, e } of shuffled) {
    if (questions.length >= questionCount) break;
    const pair = `${e.component}|${e.topic.area}`;
    const n = (type: EvidenceType) => questions.filter((q) => q.type === type).length;
    const summaryIds = e.summaryRows.map((r) => summaries[r]!);
    if (e.learningRow !== undefined && n('learning') < per) {
      questions.push({ type: 'learning', text: `what did we settle on for ${ask(e)} in ${e.component}`, pair, sessionId: s.agentSessionId, evidence: [learningIds[e.learningRow]!] });
    } else if (n('summary') < per && rng.next() < 0.5) {
      questions.push({ type: 'summary', text: `why was there ${ask(e)} with ${e.component}`, pair, sessionId: s.agentSessionId, evidence: summaryIds });
    } else if (n('observation') < per) {
      questions.push({ type: 'observation', text: `${e.component} ${ask(e)}`, pair, sessionId: s.agentSessionId, evidence: [observations[e.promptRow]!, ...summaryIds] });
    }
  }
  const asked = new Set(questions.map((q) => q.pair));
  return { questions: questions.map(({ pair: _pair, ...q }) => q), records: observations.length + summaries.length + learningIds.length, asked };
}
