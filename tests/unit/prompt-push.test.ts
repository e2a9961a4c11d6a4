/**
 * The memory pushed with a prompt (api/context/prompt-push.ts), the rules a person states
 * (common/rules/stated-rule.ts, activities/summarize/stated-learnings.ts) and when a later rule
 * replaces an earlier one (common/rules/rule-scope.ts): pure parts, no servers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assemblePush, PROMPT_PUSH_TOKENS, type PushCandidate } from '../../api/context/prompt-push.js';
import { statedRulesOf } from '../../common/rules/stated-rule.js';
import { replacesRule, ruleAmendedLater, ruleItAmends } from '../../common/rules/rule-scope.js';
import { ruleLikePrompts, statedLearnings, withStatedRules } from '../../activities/summarize/stated-learnings.js';
import { countTokens } from '../../common/rules/tokens.js';
import { termsOf } from '../../common/rules/push-relevance.js';
import { learning } from '../helpers/push-candidate.js';


const rules = [
  learning('decision', 'We decided retries are capped at 7 — never change MAX_ATTEMPTS', 'Stated by the user: "We decided retries are capped at 7 — never change MAX_ATTEMPTS in payclient/retry.py."'),
  learning('decision', 'Backoff between webhook retries starts at 30 seconds and doubles', 'Stated by the user: "Backoff between webhook retries starts at 30 seconds and doubles, capped at 1 hour."'),
  learning('convention', 'Prices are stored in integer cents — never floats', 'Stated by the user: "Prices are stored in integer cents (BIGINT) — never use floats for money."'),
  learning('convention', 'Commit messages follow Conventional Commits', 'Stated by the user: "Commit messages follow Conventional Commits: feat:, fix:, chore:."'),
  learning('decision', 'Maintenance only counts as downtime when announced 24 h ahead', 'Stated by the user: "Amendment after the audit: maintenance only counts when announced 24 h ahead."', { replaced_at: new Date('2026-07-01T00:00:00Z') }),
  learning('fix', 'pytest tests/test_refund.py failed with: AssertionError: refund of 10.005 rounded to 10.00', 'Fixed by changing payclient/refund.py (round_refund); pytest passed afterwards.', { origin: 'extracted', outcome: 'confirmed' }),
];
for (let i = 0; i < 30; i++) rules.push(learning('convention', `Filler rule ${i} about ${['docs', 'branches', 'reviews', 'changelogs', 'editors'][i % 5]} number ${i}`, `Stated by the user: "rule ${i} on process"`));

describe('the push with a prompt', () => {
  test('the decision that bears on a bug report is pushed, with who stated it and when, within 600 tokens', () => {
    const built = assemblePush('payclient', 'The nightly import gives up too early when the partner API is flaky; bump the retry limit to 20.', rules);
    assert.match(built.context, /capped at 7/);
    assert.match(built.context, /stated by a person/);
    assert.ok(built.tokens <= PROMPT_PUSH_TOKENS && built.tokens === countTokens(built.context));
    const why = built.served.find((s) => s.included);
    assert.match(why!.reason, /shares with the prompt: .*retry/);
  });

  test('a rule that replaced another says so, and the replaced one is never among the candidates', () => {
    const built = assemblePush('uptimer', 'The SLA report for March counts the maintenance window on the 12th as downtime.', rules);
    assert.match(built.context, /announced 24 h ahead/);
    assert.match(built.context, /replaces a rule of 2026-07-01/);
  });

  test('nothing is pushed for a prompt no memory bears on', () => {
    for (const prompt of ['Add a /healthz endpoint that returns the git SHA of the build.', 'Make the CLI print its version with --version.', 'thanks, that is all']) {
      const built = assemblePush('payclient', prompt, rules);
      assert.equal(built.context, '', `nothing for "${prompt}"`);
      assert.equal(built.tokens, 0);
    }
  });

  test('what the session was pushed already is not pushed again, and says why', () => {
    const again = rules.map((r) => (r.title.includes('capped at 7') ? { ...r, pushed_before: true } : r));
    const built = assemblePush('payclient', 'bump the retry limit to 20 for the import job', again);
    assert.doesNotMatch(built.context, /capped at 7/);
    assert.ok(built.served.some((s) => !s.included && /already pushed to this session/.test(s.reason)));
  });

  test('an amendment whose own words barely meet the prompt comes with the rule it changes, in its place', () => {
    const rule = learning('decision', 'Stock is reserved when checkout starts, held 15 minutes', 'Stated by the user: "Adding to the cart never touches stock. Stock is reserved when checkout starts, as a StockReservation held 15 minutes; payment success turns it into a decrement."', { at: new Date('2026-06-08T10:00:00Z') });
    const amendment = learning('convention', 'reservations are held 30 minutes now', 'Stated by the user: "ok, then we change it: reservations are held 30 minutes now. Still released by the same job."', { at: new Date('2026-09-15T10:00:00Z') });
    const prompt = 'Customers who approve the payment in their bank app sometimes get "item no longer available" at the last checkout step, though the stock is there and the card shows an authorization.';
    const alone = assemblePush('cartwheel', prompt, [amendment, ...rules]);
    assert.equal(alone.context, '', 'the amendment alone shares too little with the prompt');
    const built = assemblePush('cartwheel', prompt, [rule, amendment, ...rules]);
    assert.match(built.context, /held 30 minutes now/);
    assert.doesNotMatch(built.context, /15 minutes/);
    assert.match(built.served.find((s) => s.id === amendment.id)!.reason, /changes the rule of 2026-06-08 that bears on this prompt/);
    assert.match(built.served.find((s) => s.id === rule.id)!.reason, /a later rule on its topic \(2026-09-15\) says it changes it/);
  });

  test('never above the budget', () => {
    const long = rules.map((r) => ({ ...r, body: `${r.body} ${'retry limit import partner flaky '.repeat(60)}` }));
    const built = assemblePush('payclient', 'bump the retry limit for the flaky partner import', long, 120);
    assert.ok(built.tokens <= 120, `${built.tokens} tokens`);
  });
});

describe("a person's earlier words, quoted when no rule was recorded of them", () => {
  const said = (body: string, at = '2026-09-01T10:00:00Z', extra: Partial<PushCandidate> = {}) => learning('said', body.slice(0, 80), body, { at: new Date(at), ...extra });
  const prompt = 'Invoices exported to the accountant show amounts like 19.989999 — the CSV export looks broken.';
  const cents = said('ok so for the ledger: amounts in the CSV export are written from amount_cents as plain integers, formatted once by format_money. that is how accounting wants it.');

  test('a quote that bears on the prompt is pushed in the words said, labelled as said, not as a rule', () => {
    const built = assemblePush('ledgerly', prompt, [...rules, cents]);
    assert.match(built.context, /\[said by a person, 2026-09-01, in an earlier session; not recorded as a rule\] "ok so for the ledger: amounts in the CSV export/);
    const item = built.served.find((s) => s.id === cents.id)!;
    assert.ok(item.included);
    assert.equal(item.type, 'observation');
    assert.match(item.reason, /said by a person in an earlier session, score/);
  });

  test('it never takes a recorded rule\'s place: the rules first, one quote at most on top of them', () => {
    const other = said('for accounting the invoice export must take amount_cents and format_money for display, nothing else', '2026-09-02T10:00:00Z');
    const built = assemblePush('ledgerly', 'The invoices CSV export shows prices like 19.989999 instead of integer cents from amount_cents; accounting cannot reconcile.', [...rules, cents, other]);
    assert.match(built.context, /Prices are stored in integer cents/);
    assert.equal(built.context.match(/not recorded as a rule/g)?.length, 1);
    assert.ok(built.served.some((s) => s.type === 'observation' && !s.included && /1 earlier prompt quoted already|a later rule on its topic/.test(s.reason)));
    const lines = built.context.split('\n');
    assert.match(lines.at(-1)!, /not recorded as a rule/, 'the quote comes after the recorded memories');
  });

  test('a quote that is not shown (one quote at most) never hides a rule', () => {
    const rule = learning('decision', 'Retries are capped at 7 attempts (MAX_ATTEMPTS)', 'Stated by the user: "Retries are capped at 7 attempts, MAX_ATTEMPTS in payclient/retry.py."', { at: new Date('2026-06-01T10:00:00Z') });
    const shown = said('the partner import floods their API: MAX_ATTEMPTS retries in payclient/retry.py always go through the partner rate limiter, payclient/ratelimit.py, with the partner import queue', '2026-10-02T10:00:00Z');
    const changes = said('after the incident we change it: partner retries are now capped at 4 attempts, MAX_ATTEMPTS in payclient/retry.py, no longer 7.', '2026-10-01T10:00:00Z');
    const built = assemblePush('payclient', 'the partner import retries MAX_ATTEMPTS times and floods their API; look at payclient/retry.py and the partner rate limiter', [rule, shown, changes]);
    assert.match(built.context, /capped at 7 attempts/);
    assert.match(built.context, /partner rate limiter/);
    assert.ok(built.served.some((s) => s.id === changes.id && !s.included && /1 earlier prompt quoted already/.test(s.reason)));
  });

  test('nothing is quoted for a prompt it shares only common words with', () => {
    const built = assemblePush('ledgerly', 'Add a /healthz endpoint that returns the git SHA of the build.', [...rules, cents]);
    assert.equal(built.context, '');
    const near = assemblePush('ledgerly', 'the export looks broken today, plain and simple', [cents]);
    assert.doesNotMatch(near.context, /not recorded as a rule/);
  });

  test('a later request that goes against a rule is quoted, but does not hide the rule', () => {
    const rule = learning('decision', 'Posted journal entries are immutable', 'No editing at all. Posted journal entries are immutable: never UPDATE or DELETE them. A mistake is corrected with reverse_entry().', { at: new Date('2026-06-01T10:00:00Z') });
    const request = said('Support needs a way to change the amount of a wrong posting on account 4410 from the admin — can you add an edit form for journal entries? Right now they have to ask engineering every time.', '2026-10-01T10:00:00Z');
    const built = assemblePush('ledgerly', 'Support wants to edit the amount of a posted journal entry from the admin; add an edit form', [rule, request]);
    assert.match(built.context, /Posted journal entries are immutable/);
    assert.ok(!built.served.some((s) => s.id === rule.id && /says it changes it/.test(s.reason)));
  });

  test('a later quote that changes a recorded rule hides the rule; an earlier one never hides a later rule', () => {
    const rule = learning('decision', 'Retries are capped at 7 attempts (MAX_ATTEMPTS)', 'Stated by the user: "Retries are capped at 7 attempts, MAX_ATTEMPTS in payclient/retry.py."', { at: new Date('2026-06-01T10:00:00Z') });
    const later = said('after the incident we change it: retries are now capped at 4 attempts, MAX_ATTEMPTS = 4 in payclient/retry.py, no longer 7.', '2026-10-01T10:00:00Z');
    const built = assemblePush('payclient', 'the partner import retries MAX_ATTEMPTS times and floods their API; look at payclient/retry.py', [rule, later]);
    assert.match(built.context, /capped at 4 attempts/);
    assert.doesNotMatch(built.context, /capped at 7 attempts/);
    const earlier = { ...later, at: new Date('2026-05-01T10:00:00Z') };
    const again = assemblePush('payclient', 'the partner import retries MAX_ATTEMPTS times and floods their API; look at payclient/retry.py', [rule, earlier]);
    assert.match(again.context, /capped at 7 attempts/);
  });
});

describe('the prompts a later push may quote', () => {
  test('a prompt that reads like a rule no rule was taken from; never a request, a question or a prompt a rule came from', () => {
    const turns = [
      // Reads like a rule in words the markers do not know (the detector now takes "amounts … are written from amount_cents as plain integers"
      // for one, and, with its learned model, "ok so for the ledger: the CSV export takes amount_cents and format_money formats it once." and,
      // since its features are the sentence's frame, "ok so in the ledger, amount_cents goes into the CSV export and format_money formats it
      // once at the end."); in three sentences the model does not take it without a marker.
      { sequence: 1, kind: 'prompt', text: 'ok so in the ledger, amount_cents goes into the CSV export. format_money formats it once at the end. the totals row just sums the cents.' },
      { sequence: 2, kind: 'stop', text: 'Understood.' },
      { sequence: 3, kind: 'prompt', text: 'Fix the failing login test and tell me what broke. It is in tests/test_login.py.' },
      { sequence: 4, kind: 'prompt', text: 'Why does the export use floats?' },
      { sequence: 5, kind: 'prompt', text: 'We always run the linter before committing, no exceptions.' },
    ];
    const stated = statedLearnings(turns);
    // The first names code (amount_cents, format_money) and reads like a rule the detector does not take: a note, pushed only at that code.
    assert.deepEqual(stated.map((s) => [s.sources[0], s.kind]), [[1, 'note'], [5, 'convention']]);
    assert.deepEqual(stated[0]!.anchors.filter((a) => a.startsWith('id:')), ['id:amount_cents', 'id:format_money']);
    assert.deepEqual(ruleLikePrompts(turns, stated), []);
    // Without code named, the same words are a note by their rare words (pushed where a file defines `ledger` or
    // `formatter`), and are still quoted later as said (a file may never define those names).
    const plain = [{ sequence: 1, kind: 'prompt', text: 'ok so in the ledger, the amount goes into the CSV export. the money formatter formats it once at the end. the totals row just sums the cents.' }];
    const plainNotes = statedLearnings(plain);
    assert.deepEqual(plainNotes.map((s) => [s.kind, s.anchors.every((a) => a.startsWith('w:'))]), [['note', true]]);
    assert.deepEqual(ruleLikePrompts(plain, plainNotes), [1]);
    // A short plain line, a question, thanks, or a task told without how the code is to work is no note (the task
    // read two modules: a note at them would be pushed when a later session opens them).
    assert.deepEqual(statedLearnings([{ sequence: 1, kind: 'prompt', text: 'the ledger export looks fine now, thanks' }, { sequence: 2, kind: 'prompt', text: 'Why does the ledger export round the totals row before summing?' }]), []);
    assert.deepEqual(statedLearnings([{ sequence: 1, kind: 'prompt', text: 'Tidy the import order in the two modules I point you at (f-3fc31a662d).' }, { sequence: 2, kind: 'tool', text: '', title: 'Read: payclient/currency.py', toolName: 'Read' }]), []);
  });
});

describe('rules a person states', () => {
  test('stated rules, not requests, questions, symptoms or musings', () => {
    for (const rule of ['We always run the linter before committing.', 'Prices are stored in integer cents — never use floats for money.', 'From now on, migrations go in db/migrations.', 'Amendment after the audit: maintenance only counts when announced 24 h ahead.']) {
      assert.ok(statedRulesOf(rule).rules.length > 0, `a rule: ${rule}`);
    }
    for (const other of ['Sunday bookings appear duplicated in the calendar.', 'Buchungen vom Sonntag stehen doppelt im Kalender.', 'Les réservations du dimanche apparaissent en double dans le calendrier.', 'Admins get signed out every few minutes on Safari.', 'clients are confused when they get 415 vs 400 from POST /imports', 'Kurze Sache: in src/net/wifi.rs sind die Kommentare halb deutsch, halb englisch.', "The admin export has birth dates like [1987,3,14] instead of 1987-03-14. Finance's Excel import chokes on it."]) {
      assert.equal(statedRulesOf(other).rules.length, 0, `a symptom, not a rule: ${other}`);
    }
    for (const other of ['List the test modules in this repo.', 'please make sure this function never logs the token', 'Are we sure we are always unwrapping the function?', 'it never returns when the socket closes', 'Or maybe a more state-machine-like parser…?', 'if we decided to use sqlite, would the migrations still work?', 'thanks']) {
      assert.equal(statedRulesOf(other).rules.length, 0, `not a rule: ${other}`);
    }
  });

  test('a request or "for now" in an aside in parentheses does not make the statement around it the task at hand', () => {
    const amendment = 'hosts in a BIG_HOSTS list (medium.com, substack.com, blogspot.com for now) get 10 per second; everyone else keeps the limit we have.';
    assert.ok(statedRulesOf(amendment).rules.length > 0, amendment);
    // Told in the turn after a task and a symptom, as it was (dev-amend.json m02's amendment).
    const turn = `make it an LRU then. and while you're in there: the throttle is way too slow for medium.com, we follow 900 feeds there and 2 a second means a poll takes 7 minutes. ${amendment}`;
    assert.deepEqual(statedRulesOf(turn).rules.map((r) => r.quote), [amendment]);
    // Outside the parentheses, the same words still make it the task at hand.
    for (const other of ['for now, hosts in the BIG_HOSTS list get 10 per second.', 'Please give hosts in the BIG_HOSTS list 10 per second (medium.com, substack.com).']) {
      assert.equal(statedRulesOf(other).rules.length, 0, `the task at hand: ${other}`);
    }
  });

  test('a prohibition or instruction for good after a lead-in or with a trailing "always"; "off limits"; "under no circumstances"', () => {
    for (const rule of ['Whatever you do, never touch the generated/ folder by hand.', 'Keep the public API backwards compatible, always.', 'The vendor directory is off limits.', 'Under no circumstances push to main directly.']) {
      assert.ok(statedRulesOf(rule).rules.length > 0, `a rule: ${rule}`);
    }
    for (const other of ['Also, fix the typo.', 'Remove the debug logging before you commit.', 'The nightly job always finishes around 3 am.']) {
      assert.equal(statedRulesOf(other).rules.length, 0, `not a rule: ${other}`);
    }
  });

  test('an English "of" is not a Dutch "or": a short reply to a turn that says "of" picks no option; "X of Y?" and "X o Y?" in Dutch and Spanish still offer two', () => {
    for (const [previous, reply] of [['What do you think of the retry loop in sync.py?', 'Retry loop.'], ['I looked at both of the handlers. Want a summary?', 'Handlers first.']] as const) {
      assert.equal(statedRulesOf(reply, previous).rules.length, 0, `not a pick: ${reply} after ${previous}`);
    }
    for (const previous of ['Wil je Postgres of SQLite voor de cache?', '¿Quieres Postgres o SQLite para la caché?', 'Do you want Postgres or SQLite for the cache?']) {
      assert.deepEqual(statedRulesOf('Postgres.', previous).rules.map((r) => r.why), ["one of the agent's options chosen"], previous);
    }
  });

  test('a word of the agent\'s proposal denied by a "no" after it ("Aviso não, erro.") corrects it; a word it did not say does not', () => {
    for (const [previous, reply] of [
      ['O ship.yaml tinha replicas: 1. Posso fazer o `shipctl validate` mostrar um aviso quando env é prod e replicas é 1.', 'Aviso não, erro. Em prod: replicas mínimo 2.'],
      ['Puedo hacer que `validate` muestre un aviso cuando replicas es 1 en prod.', 'Aviso no, error: en prod replicas mínimo 2.'],
      ['Ich kann `validate` eine Warnung ausgeben lassen, wenn replicas 1 ist.', 'Warnung nicht, Fehler: in prod mindestens 2 replicas.'],
    ] as const) {
      assert.deepEqual(statedRulesOf(reply, previous).rules.map((r) => r.why), ["the agent's proposal corrected"], reply);
    }
    assert.equal(statedRulesOf('Lunch no, later.', 'I can make validate print a warning when replicas is 1 in prod.').rules.length, 0);
  });

  test("a typo reported is not a convention (one retired a real rule through its 'instead of'); a rule about typos is kept", () => {
    for (const report of ["Typo in `shipctl logs --help`: 'folow' instead of 'follow'.", "There's a misspelling on the login page: 'Pasword'.", "Tippfehler in der Fehlermeldung: 'fehlgeschlagn' statt 'fehlgeschlagen'.", "Опечатка в подсказке: 'сохранитъ' вместо 'сохранить'."]) {
      assert.equal(statedRulesOf(report).rules.length, 0, `not a rule: ${report}`);
    }
    for (const rule of ["Typo fixes and docs-only changes don't need a changelog entry; anything that changes behaviour does.", 'We always run the spell checker so typos never reach the docs.']) {
      assert.ok(statedRulesOf(rule).rules.length > 0, `a rule: ${rule}`);
    }
  });

  test('rules with no trigger word, in several languages, and decisions made by answering the agent; not symptoms, stories, evaluations or one-off yeses', () => {
    for (const rule of ['Timestamps in the API are UTC ISO-8601.', 'Tests live next to the code.', '`rates.json` is generated by `make rates` — edit the generator, not the file.', 'Los precios se guardan en céntimos enteros, nunca en float.', 'Alle bedragen staan in centen als integer.', '所有金额都用整数分存储，不用浮点数。', '모든 날짜는 UTC로 저장합니다.', 'TestBucketRefill fails, fix it. Always run go vet before committing.']) {
      assert.ok(statedRulesOf(rule).rules.length > 0, `a rule: ${rule}`);
    }
    for (const [reply, agent] of [['no, 3 retries, not 5', "I'll set the retry count to 5."], ['option B', 'Option A: one queue per tenant. Option B: a shared queue with a tenant column.'], ['yes, make that the default for every service', 'I suggest a 30 s timeout for the HTTP client.']] as const) {
      assert.equal(statedRulesOf(reply, agent).label, 'decision', `a decision: ${reply} (after: ${agent})`);
    }
    for (const other of ['the export always drops the last row', 'Each request takes 2 seconds.', 'We had 3 incidents last week, all in the billing service.', 'Dates are always a pain.', 'Los logs se llenan cada noche.', 'every lambda in `functions/` needs a DLQ, add them to the terraform']) {
      assert.equal(statedRulesOf(other).rules.length, 0, `not a rule: ${other}`);
    }
    for (const [reply, agent] of [['ok, do that', "I'll rerun the failing test with -v."], ['sí, adelante', '¿Quieres que actualice también el changelog?'], ['yes do it', 'I could squash these three commits into one before you push.']] as const) {
      assert.equal(statedRulesOf(reply, agent).rules.length, 0, `not a decision: ${reply} (after: ${agent})`);
    }
    // Two rules in a row, each said to last, are two rules.
    assert.equal(statedRulesOf('Tidy backoff. We never add runtime dependencies to this package. Always export named functions, never default exports.').rules.length, 2);
  });

  test('in conversation: a rule told as one, the scope "here"; background to a question, a task "we need", a retraction are not rules', () => {
    for (const rule of ['that all goes. New rule: no auto-reclose at all. After any residual-current trip the charger stays locked out until a manual reset.', 'Keep commits small; one logical change per commit is how we work here.', 'ok, then we change it: reservations are held 30 minutes now.', 'No worries — from now on we always run the linter before committing.']) {
      assert.ok(statedRulesOf(rule).rules.length > 0, `a rule: ${rule}`);
    }
    for (const other of ['The residual-current monitor trips fine but afterwards the unit just sits in Fault forever. Support gets calls every time it rains. How does src/safety/rcd.rs handle a trip now?', 'We need FX conversion for payouts in ledgerly/fx/convert.py.', 'The bug is here.']) {
      assert.equal(statedRulesOf(other).rules.length, 0, `not a rule: ${other}`);
    }
    assert.equal(statedRulesOf('no, fine, I was just pressing fast. never mind', 'src/ui/button.rs debounces 30 ms; two presses 150 ms apart are two real presses. If you want double-press protection I can raise it to 300 ms.').rules.length, 0);
  });

  test('an option named with a dash is picked without error', () => {
    const v = statedRulesOf('go with date-fns', 'Should we use moment, dayjs or date-fns for dates?');
    assert.equal(v.label, 'decision');
  });

  test('a correction of what the agent proposed is the decision, not the proposal; a yes to a permission is not one', () => {
    const v = statedRulesOf('no, not 5 — exactly 7', "I'd cap retries at 5.");
    assert.equal(v.label, 'decision');
    assert.match(v.rules[0]!.quote, /exactly 7/);
    assert.match(v.rules[0]!.proposal!, /cap retries at 5/);
    assert.equal(statedRulesOf('sure, go ahead', 'Shall I run the tests again to confirm?').rules.length, 0);
  });

  test('a bare yes to a one-off proposal, in any language, is no rule on its own ("Sí, así." once became a convention)', () => {
    const proposal = "Propongo `l(order.created_at, format: :short)` con un formato nuevo en es.yml: '3 sep 2026, 16:22' en la zona horaria de la tienda.";
    for (const yes of ['Sí, así.', 'Sì, così.', 'Genau so.', 'Yes, like that.']) assert.equal(statedRulesOf(yes, proposal).rules.length, 0, yes);
    assert.ok(statedRulesOf('Dates in the admin are always shown in the shop’s time zone.').rules.length > 0);
  });

  test('a rule told as how it should work, or as a change under a label ("Change:", "Update:"), after the agent described the code', () => {
    const described = 'Right now matchserver/session.go drops the slot after the first missed heartbeat (3 s) and BotController takes over.';
    for (const rule of [
      "Here's how it should work: a disconnected player's slot is held for 90 seconds (ReconnectGrace), no bot takes over during the grace.",
      'Change: ReconnectGrace is 45 seconds now, and a bot plays the disconnected slot from the first second, it hands control back when the player reconnects.',
    ]) assert.ok(statedRulesOf(rule, described).rules.length > 0, rule);
    assert.ok(statedRulesOf('then make it official: branches are feature/MED-<ticket>-<short-desc> or fix/MED-<ticket>-<short-desc>, nothing else.', 'There is no written convention; of the last 40 branches, 22 are feature/MED-nnn.').rules.length > 0);
    assert.equal(statedRulesOf('the client reconnects every 30 seconds and drops the match').rules.length, 0);
    assert.equal(statedRulesOf("Here's how it should look, can you fix the CSS?").rules.length, 0);
  });

  test('"ok, just wondering … not a plan" after the agent answered a what-if is no decision; "That\'s a team rule" makes the sentence before it the rule', () => {
    assert.equal(statedRulesOf('ok, just wondering for the investor Q&A. not a plan', 'Accounts would need platform ids linked, and the store needs platform-specific entitlements.').rules.length, 0);
    const v = statedRulesOf("Before you commit: commit messages here follow conventional commits, with the scope in parentheses. That's a team rule, not a preference.");
    assert.equal(v.rules.length, 1);
    assert.match(v.rules[0]!.quote, /conventional commits.*team rule/);
  });

  test('a session\'s stated rules become learnings in the person\'s words, and a model\'s paraphrase of the same prompt gives way', () => {
    const stated = statedLearnings([
      { sequence: 1, kind: 'prompt', text: 'We decided retries are capped at 7 — never change that. Add the changelog entry.' },
      { sequence: 2, kind: 'stop', text: 'Added it.' },
    ]);
    assert.equal(stated.length, 1);
    assert.equal(stated[0]!.origin, 'user');
    // A short prompt is quoted whole (what the rule is about and where it lives come with it); the title is the rule.
    assert.match(stated[0]!.body, /^"We decided retries are capped at 7 — never change that. Add the changelog entry." — the user$/);
    assert.equal(stated[0]!.title, 'We decided retries are capped at 7 — never change that.');
    const merged = withStatedRules([{ kind: 'decision', title: 'Retry cap is 7', body: 'The team capped retries.', confidence: 0.6, sources: [1] }], stated);
    assert.deepEqual(merged.map((m) => m.title), [stated[0]!.title]);
  });
});

describe('a later rule replaces an earlier one on its topic', () => {
  test('an amendment of the same rule replaces it; a neighbouring rule does not', () => {
    const cap = 'We decided retries must be capped at 7 — never change that. So MAX_ATTEMPTS = 7 in ledgerly/webhooks/retry.py.';
    assert.ok(replacesRule("We're raising MAX_ATTEMPTS to 9 after the incident — webhook retries are capped at 9 now.", cap).replaces);
    assert.equal(replacesRule('Backoff between webhook retries starts at 30 seconds and doubles each attempt, with full jitter.', cap).replaces, false);
  });

  test('a change said with a verb of change (relax, tighten, switch, move, goes up to, make that …) replaces the rule it is about; a neighbouring rule does not', () => {
    const project = ['Invoices are numbered per fiscal year, never reset mid-year.', 'All timestamps in the API are UTC ISO-8601 strings.', 'Feature flags live in config/flags.yml, not in the database.'];
    const amends = (later: string, earlier: string) => ruleItAmends({ title: later, body: later }, [...project, earlier].map((t, i) => ({ id: i === project.length ? 'earlier' : `p${i}`, title: t, body: t })))?.id;
    const cases: [string, string][] = [
      ['Uploads are capped at 10 MB per file.', 'Let us loosen the upload limit to 50 MB per file for enterprise plans only; everyone else keeps 10 MB.'],
      ['Webhooks are signed with HMAC-SHA1.', 'Webhook signatures change to HMAC-SHA256; SHA1 stays accepted for 30 days.'],
      ['Search results are paginated 20 per page.', 'Page size for search goes up to 50.'],
      ['Retries are capped at 5 attempts with exponential backoff.', 'Make that 3 retry attempts max, 5 hammered the partner API during the outage.'],
      ['We use Redis for the job queue.', 'We are switching the job queue from Redis to Postgres with SKIP LOCKED.'],
    ];
    for (const [earlier, later] of cases) assert.equal(amends(later, earlier), 'earlier', `${later} amends ${earlier}`);
    assert.equal(amends('Backoff starts at 200 ms and is jittered.', 'Retries are capped at 5 attempts with exponential backoff.'), undefined);
    assert.equal(amends('Uploaded images are re-encoded to WebP before storage.', 'Uploads are capped at 10 MB per file.'), undefined);
    // Said with no change at all, two rules that share only their subject ("trial accounts") are two rules.
    assert.equal(amends('Trial accounts cannot invite more than 3 teammates.', 'Trial accounts last 14 days.'), undefined);
  });

  test('the same statement with another number is its new version, though it says nothing of a change', () => {
    const before = 'MIN_INTERVAL_SECONDS per plan: free plan 30 seconds minimum, paid plans 10 seconds.';
    assert.ok(replacesRule('Free plans go to 60 seconds minimum; paid stays at 10.', before).replaces);
    assert.equal(replacesRule('Free plans may create at most 20 monitors.', before).replaces, false);
  });

  test("words every rule of the project uses are its subject, not a topic: the amendment replaces the rule it is about", () => {
    const project = [
      { id: 'regions', title: 'A minute counts as downtime only when 2 regions fail', body: 'A minute counts as downtime for the SLA only when at least 2 regions fail on 2 consecutive checks.' },
      { id: 'maintenance', title: 'Maintenance windows are excluded from downtime', body: 'Time inside a maintenance window is always excluded from downtime for the SLA, for the monitors the window lists.' },
      { id: 'display', title: 'Uptime is truncated, never rounded', body: 'The SLA report truncates uptime to 2 decimals; downtime minutes are shown as they are.' },
      { id: 'timeouts', title: 'A timeout counts as a failed check', body: 'A check that times out after 10 s is a failure and counts toward downtime in the SLA.' },
    ];
    const amendment = { title: 'Maintenance only counts when announced 24 h ahead', body: 'Amendment after the audit: maintenance only counts when announced 24 h ahead. A window created less than 24 h before its start is ignored for the SLA and the outage counts as normal downtime.' };
    assert.equal(ruleItAmends(amendment, project)?.id, 'maintenance');
  });

  test('a rule read after its amendment (sessions summarized out of order) is that amendment\'s older version; a rule stated later is not', () => {
    const at = (d: string) => new Date(`2026-${d}T10:00:00Z`);
    const project = [
      { id: 'regions', title: 'A minute counts as downtime only when 2 regions fail', body: 'A minute counts as downtime for the SLA only when at least 2 regions fail on 2 consecutive checks.', validFrom: at('06-01') },
      { id: 'amendment', title: 'Maintenance only counts when announced 24 h ahead', body: 'Amendment after the audit: maintenance only counts when announced 24 h ahead. A window created less than 24 h before its start is ignored for the SLA and the outage counts as normal downtime.', validFrom: at('10-01') },
      { id: 'display', title: 'Uptime is truncated, never rounded', body: 'The SLA report truncates uptime to 2 decimals; downtime minutes are shown as they are.', validFrom: at('06-02') },
      { id: 'timeouts', title: 'A timeout counts as a failed check', body: 'A check that times out after 10 s is a failure and counts toward downtime in the SLA.', validFrom: at('06-03') },
    ];
    const original = { title: 'Maintenance windows are excluded from downtime', body: 'Time inside a maintenance window is always excluded from downtime for the SLA, for the monitors the window lists.' };
    assert.equal(ruleAmendedLater(original, at('06-20'), project)?.id, 'amendment');
    // Stated after the amendment: nothing later amends it.
    assert.equal(ruleAmendedLater(original, at('11-01'), project), undefined);
    // Another topic stated earlier is nobody's older version.
    assert.equal(ruleAmendedLater({ title: 'Prices are integer cents', body: 'Prices are stored in integer cents, never floats.' }, at('06-20'), project), undefined);
  });
});

describe('what the push matches on', () => {
  test("a command line's flag is an identifier both sides share", () => {
    const flags = [
      learning('convention', 'stdout is only for the result', '"stdout is only for the result: with --output json stdout must be pure JSON, so spinner, logs and warnings all go to stderr." — the user'),
      ...rules,
    ];
    const built = assemblePush('shipctl', "`shipctl status api --output json | jq .` fails with 'parse error: Invalid numeric literal at line 1'.", flags);
    assert.match(built.context, /pure JSON/);
  });

  test('an option written out on a command line is a flag, as a rule about flags calls it', () => {
    assert.ok(termsOf('I run `deployer push --region eu-west-1` and it ignores it').weights.has('flag'));
    assert.ok(!termsOf('the region is eu-west-1 -- always').weights.has('flag'));
  });

  test('a rule that replaced its old version when it was stated hides no neighbouring rule', () => {
    const raised = learning('decision', "We're raising MAX_ATTEMPTS to 9 after the incident", '"We\'re raising MAX_ATTEMPTS to 9 after the incident, webhook deliveries to a merchant that was down get more tries" — the user', { at: new Date('2026-09-09T10:00:00Z'), replaced_at: new Date('2026-08-03T10:00:00Z') });
    const backoff = learning('decision', 'Backoff for webhook deliveries', '"exponential backoff for webhook deliveries starting at 30 seconds, capped at 1 hour, with full jitter, so a merchant back from an outage is not slammed" — the user');
    const built = assemblePush('ledgerly', "When a merchant's server comes back after an outage we slam it: hundreds of webhook deliveries land in the same second.", [raised, backoff, ...rules]);
    assert.match(built.context, /full jitter/);
  });
});

describe('what a push reads once', () => {
  test('a text is read into terms once, and no reader changes what the next one reads', () => {
    const rule = 'We decided retries are capped at 7 — never change MAX_ATTEMPTS in payclient/retry.py.';
    const first = termsOf(rule);
    assert.equal(termsOf(rule), first, 'the same text gives the same terms, read once');
    const before = [...first.weights];
    // The amendment check weighs topics by the project's rarities and drops concepts and paths: on copies.
    const idf = new Map([['retri', 3], ['cap', 2]]);
    const weighed = replacesRule("We're raising MAX_ATTEMPTS to 9 after the incident: retries are capped at 9 now.", rule, idf);
    assert.deepEqual([...termsOf(rule).weights], before);
    assert.deepEqual(replacesRule("We're raising MAX_ATTEMPTS to 9 after the incident: retries are capped at 9 now.", rule, idf), weighed);
    assert.ok(weighed.replaces);
    // Read with words to ignore (the project's name), the same text has terms of its own.
    assert.ok(!termsOf(rule, new Set(['payclient'])).weights.has('payclient'));
    assert.ok(first.weights.has('payclient'));
  });
});
