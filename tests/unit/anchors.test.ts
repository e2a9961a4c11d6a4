/**
 * The code a person's words are about (common/rules/anchors.ts), what is stored of their statements
 * (activities/summarize/stated-learnings.ts: decisions only when they settle something, notes when in
 * doubt, nothing for questions and thanks) and how the push at the code orders what is anchored to a
 * file's names (api/context/file-push.ts). Pure parts, no servers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { anchorPhrasesIn, anchorsOf, anchorWordsIn, codeNamesIn, looksLikeCode, quotedPhrasesIn } from '../../common/rules/anchors.js';
import { ruleLikePrompts, statedLearnings, wholeQuote, withLeadInsApart, type TurnLine } from '../../activities/summarize/stated-learnings.js';
import { replacesRule, sameCodeVersionLater, sameCodeVersions } from '../../common/rules/rule-scope.js';
import { anchorKeysOf, assembleFilePush, rankFileCandidates, type FileCandidate } from '../../api/context/file-push.js';
import { learning } from '../helpers/push-candidate.js';

describe('code names in prose', () => {
  test('snake, constant, camel and Pascal case, calls, backticks and the members of dotted names; not file names or plain words', () => {
    const names = codeNamesIn('Keep MAX_ATTEMPTS at 7 in retry_policy; chunked_iter and parseTimedelta, the SpooledBytesIO class, `spool`, `window`, `products` and pluralize() — see strutils.slugify, not retry.py or pay/rounding.py.');
    for (const n of ['max_attempts', 'retry_policy', 'chunked_iter', 'parsetimedelta', 'spooledbytesio', 'spool', 'pluralize', 'slugify']) assert.ok(names.includes(n), n);
    // Written as code but an everyday word: in every other module, so no anchor.
    for (const n of ['keep', 'retry', 'py', 'rounding', 'strutils', 'class', 'see', 'window', 'products']) assert.ok(!names.includes(n), n);
  });

  test('keys written with hyphens (a header in capitals, a quoted kebab-case key) when a part is rare; flags as written; not compounds of prose, paths or dates', () => {
    const names = codeNamesIn('sign it, send X-Feedhop-Signature: t=<ts>,v1=<hex>; keep Content-Type, set `max-inflight` to 4, no follow-up, the trailing-slash twin, see src/feed-hop/x.py, run --dry-run on 2026-06-01.');
    for (const n of ['x-feedhop-signature', 'max-inflight', '--dry-run']) assert.ok(names.includes(n), n);
    for (const n of ['content-type', 'follow-up', 'trailing-slash', 'feed-hop', 'feedhop', 'signature']) assert.ok(!names.includes(n), n);
  });

  test('what looks like code', () => {
    assert.ok(looksLikeCode('MAX_ATTEMPTS') && looksLikeCode('chunked_iter') && looksLikeCode('OrderedMultiDict') && looksLikeCode('TIMEOUT'));
    assert.ok(!looksLikeCode('Retries') && !looksLikeCode('UTC') && !looksLikeCode('x'));
  });

  test('plain words that may name a function are long and rare in spoken English', () => {
    const words = anchorWordsIn('The pluralize helper must keep the count, always.');
    assert.ok(words.includes('pluralize'));
    for (const w of ['count', 'always', 'keep', 'must']) assert.ok(!words.includes(w), w);
  });

  test('two plain words that may name code, as a phrase; not across function words or fillers', () => {
    const phrases = anchorPhrasesIn("The cut-off is 14:00 in the warehouse's own time zone, and the days we count are business days.");
    for (const p of ['time_zone', 'business_day']) assert.ok(phrases.includes(p), p);
    for (const p of ['the_cut', 'count_are', 'days_we']) assert.ok(!phrases.includes(p), p);
    assert.deepEqual(anchorPhrasesIn('make it so'), []);
    // A word with an accent is one word, and no part of a code name: "réception" gives no "ception".
    assert.ok(!anchorPhrasesIn("l'année de réception, sauf si").some((p) => p.includes('ception') || p.startsWith('ann')));
    const anchors = anchorsOf(['the business days of the warehouse'], ['the holiday table the agent read']);
    assert.ok(anchors.includes('w:business_day'));
    assert.ok(!anchors.includes('w:holiday_table'), 'a phrase of the talk around it is no anchor');
  });

  test('what a statement quotes as text is written, as a file would spell it; not apostrophes, sentences, single words or long quotes', () => {
    assert.deepEqual(quotedPhrasesIn("A line that starts with whitespace, 'Caused by:' or '...' belongs to the event before it."), ['caused.by']);
    assert.deepEqual(quotedPhrasesIn('the collector says “label value exceeds limit” and «valeur trop longue»'), ['label.value.exceeds.limit', 'valeur.trop.longue']);
    assert.deepEqual(quotedPhrasesIn("don't touch it, it's fine: the user's 'ok' and 'a b' stay"), [], 'apostrophes, one word, no word of four letters');
    assert.deepEqual(quotedPhrasesIn('he said "Right, leave it at 7." and moved on'), [], 'a quoted sentence is speech');
    assert.deepEqual(quotedPhrasesIn(`"${'word '.repeat(7)}"`), [], 'more than six words');
    const anchors = anchorsOf(["lines starting with 'Caused by:' continue the event"], ['the agent said "stack trace lines"']);
    assert.ok(anchors.includes('w:caused.by'));
    assert.ok(!anchors.includes('w:stack.trace.lines'), 'a quote of the talk around it is no anchor');
  });

  test("a learning's anchors: identifiers of its words and of the talk around it, words of its own statement only", () => {
    const anchors = anchorsOf(['Right, leave it at 7.', 'MAX_ATTEMPTS stays at 7, measured to the rate-limit window'], ['In payclient the backoff_schedule is exponential; maybe pluralize it']);
    assert.ok(anchors.includes('id:max_attempts') && anchors.includes('id:backoff_schedule'));
    assert.ok(!anchors.includes('w:pluralize'), 'a word of the talk around it is no anchor');
  });
});

const turns = (...t: [string, string][]): TurnLine[] => t.map(([kind, text], i) => ({ sequence: i + 1, kind, text }));

describe("what is kept of a person's words", () => {
  test('an assent is kept with what it agrees to, and anchored to the code of the proposal', () => {
    const stated = statedLearnings(
      turns(
        ['prompt', 'The retry client gives up too early on the payment gateway.'],
        ['stop', 'MAX_ATTEMPTS in payclient/retry.py is 7, measured to the rate-limit window. Should I raise it to 10?'],
        ['prompt', 'No, leave it at 7.'],
      ),
    );
    const rule = stated.find((s) => s.body.includes('leave it at 7'));
    assert.ok(rule, JSON.stringify(stated));
    assert.match(rule.body, /MAX_ATTEMPTS/);
    assert.ok(rule.anchors.includes('id:max_attempts'), rule.anchors.join(' '));
  });

  test('a yes after the person asked about the proposal agrees to the proposal, not to the answer', () => {
    const proposal: [string, string] = ['stop', 'Proposal: stream the CSV from export_orders with a cursor of 500 rows instead of loading every order, so the response starts at once.'];
    const stated = statedLearnings(
      turns(
        ['prompt', 'The orders export times out for shops with 40k orders.'],
        proposal,
        ['prompt', 'does that still work behind the CDN?'],
        ['stop', 'Yes: the CDN passes chunked responses through, and rows go out every few milliseconds, well inside its idle timeout.'],
        ['prompt', 'ok, go with that.'],
      ),
    );
    const rule = stated.find((s) => s.kind === 'decision');
    assert.ok(rule, JSON.stringify(stated));
    assert.match(rule.body, /cursor of 500 rows/);
    assert.ok(rule.anchors.includes('id:export_orders'), rule.anchors.join(' '));
    // The person's turn between asked nothing: the yes is to what the agent said last, not to the proposal before it.
    const told = statedLearnings(turns(['prompt', 'The orders export times out for shops with 40k orders.'], proposal, ['prompt', 'first fix the typo in the README.'], ['stop', 'Fixed the typo.'], ['prompt', 'ok, go with that.']));
    assert.ok(!told.some((s) => s.kind === 'decision' && /cursor of 500 rows/.test(s.body)), JSON.stringify(told));
  });

  test('a short prompt is quoted whole from its first sentence that asks nothing: the request before the rule is left out', () => {
    const prompt = "remove the duplicate subscription by hand please. and as a rule: we never poll a feed more often than every 15 minutes. more often isn't worth anyone's bandwidth.";
    assert.equal(wholeQuote(prompt, 'we never poll a feed more often than every 15 minutes.'), "and as a rule: we never poll a feed more often than every 15 minutes. more often isn't worth anyone's bandwidth.");
    const where = 'In internal/config/config.go unknown keys are a hard error at startup. Can you add a test for it?';
    assert.equal(wholeQuote(where, 'unknown keys are a hard error at startup.'), where, 'what comes before the rule and asks nothing, and what follows it, stay');
    assert.equal(wholeQuote('why did we strip in the first place? ok then: clean_title decodes entities.', 'clean_title decodes entities.'), 'ok then: clean_title decodes entities.');
  });

  test('a question and thanks are not kept as rules', () => {
    const stated = statedLearnings(
      turns(
        ['prompt', 'Hey, just hit a DeprecationWarning in parse_timedelta. How should we best fix this?'],
        ['stop', 'I fixed parse_timedelta to use the new API.'],
        ['prompt', 'Perfect, that reconciles. Thanks.'],
      ),
    );
    assert.deepEqual(stated.filter((s) => s.kind === 'decision' || s.kind === 'convention'), []);
  });

  test('a bug report, a measurement or a plan that names code is a note at most, never a rule; a rule by its form is one', () => {
    const stated = statedLearnings(
      turns(
        ['prompt', 'Using zapcore.Level(-2) with sampling enabled causes a panic in zapcore.(*counters).get, called from sampler.Check.'],
        ['stop', 'The sampler indexes its counters by level minus DebugLevel; a level below -1 gives a negative index.'],
        ['prompt', 'Timed migrate from an empty database: about 33 seconds with `squash_migrations`, 17 without.'],
        ['stop', 'Noted.'],
        ['prompt', 'Plan then: pass context through the streaming calls first, then try the timeout_conn wrapper.'],
        ['stop', 'Ok.'],
        ['prompt', 'Change the rule then: for file inputs the spool applies backpressure — when MaxSpoolBytes is reached, Append refuses with ErrSpoolFull.'],
      ),
    );
    const rules = stated.filter((s) => s.kind === 'decision' || s.kind === 'convention');
    assert.equal(rules.length, 1, JSON.stringify(stated.map((s) => [s.kind, s.title])));
    assert.match(rules[0]!.body, /applies backpressure/);
    assert.ok(stated.filter((s) => s.kind === 'note').some((s) => s.anchors.includes('id:squash_migrations')), 'the measurement is a note at its code');
  });

  test('a lead-in before a colon ("change the rule then: open the breaker when …") leads into the rule, as before a full stop', () => {
    for (const said of ['change the rule then: open the breaker when more than half of the last 20 pushes failed. the 30 s before a probe stays.', 'change the rule then. open the breaker when more than half of the last 20 pushes failed. the 30 s before a probe stays.']) {
      const stated = statedLearnings(
        turns(
          ['prompt', "the breaker never opened during Friday's incident: the collector failed about every other request, so the consecutive count kept resetting."],
          ['stop', 'Right, any success resets the count. A failure-rate window would catch it.'],
          ['prompt', said],
        ),
      );
      const rules = stated.filter((s) => s.kind === 'decision' || s.kind === 'convention');
      assert.equal(rules.length, 1, `${said}: ${JSON.stringify(stated.map((s) => [s.kind, s.title]))}`);
      assert.match(rules[0]!.body, /more than half of the last 20 pushes failed\. the 30 s before a probe stays/);
    }
    // A head that is no lead-in keeps its colon: "returns: RETURN_WINDOW_DAYS = 14, …" is one statement.
    assert.equal(withLeadInsApart('returns: RETURN_WINDOW_DAYS = 14, counted from the delivery date.'), 'returns: RETURN_WINDOW_DAYS = 14, counted from the delivery date.');
    assert.equal(withLeadInsApart('Ok. New rule: tests never call Stripe.'), 'Ok. New rule. tests never call Stripe.');
  });

  test('a bare "yes" to what the agent said it will do is a note quoting those words, anchored to their code', () => {
    const stated = statedLearnings(
      turns(
        ['prompt', 'The invoice PDF shows a different total than the order page.'],
        ['stop', 'The PDF template recomputes the total from the net sum; I will make it print summary.totalTax from `computeTax`.'],
        ['prompt', 'yes'],
      ),
    );
    const note = stated.find((s) => s.kind === 'note');
    assert.ok(note, JSON.stringify(stated));
    assert.match(note.body, /^"yes" — the user, after the agent said: ".*computeTax/);
    assert.ok(note.anchors.includes('id:computetax'), note.anchors.join(' '));
    assert.deepEqual(stated.filter((s) => s.kind === 'decision' || s.kind === 'convention'), []);
  });

  test("the agent's turn right after a statement anchors it to the code that carries it out, and leaves its words quotable", () => {
    const stated = statedLearnings(
      turns(
        ['prompt', 'memory on worker-1 keeps creeping up to 2 GB over a week, any idea?'],
        ['stop', 'The parsed-entry cache in parse.py is unbounded.'],
        ['prompt', 'the throttle is way too slow for medium.com: hosts in a BIG_HOSTS list get 10 per second; everyone else keeps the limit we have.'],
        ['stop', 'OK: BIG_HOSTS in politeness.py, matched on the registrable domain. HostBucket gets its rate from the list.'],
        ['prompt', 'good. ship both'],
      ),
    );
    const said = stated.find((s) => s.body.includes('BIG_HOSTS list'));
    assert.ok(said, JSON.stringify(stated));
    assert.ok(said.anchors.includes('id:hostbucket'), said.anchors.join(' '));
    assert.deepEqual(said.nextOnly, ['id:hostbucket']);
    assert.deepEqual(said.spoken, ['big_hosts']);
    // A note whose only identifiers are the agent's next turn's stays quotable with a prompt (its words named no code).
    // (corpus4's decoy turn that had the probe "/readyz hangs … 2 s timeout" pushed "timeout" rules when it stopped being quotable.)
    const plain = turns(
      ['prompt', 'We see "read: connection reset by peer" when reusing an idle connection to the MOT API. The default Go client idle timeout is 90 seconds and their server doesn\'t keep connections longer than 60.'],
      ['stop', 'Confirmed with openssl s_client: the server drops idle connections at 60 s. I set IdleConnTimeout to 50 s on the checkmot transport and MaxConnsPerHost to 3.'],
    );
    const notes = statedLearnings(plain);
    assert.ok(notes.some((n) => n.anchors.includes('id:idleconntimeout') && n.nextOnly.includes('id:idleconntimeout')), JSON.stringify(notes));
    assert.deepEqual(ruleLikePrompts(plain, notes), [1]);
  });

  test("a bare yes to the agent's proposal names the code of the proposal as its own", () => {
    const stated = statedLearnings(
      turns(
        ['prompt', 'marketing wants the christmas returns thing this year. can you do it?'],
        ['stop', 'Do you want it in isReturnable like this: orders delivered between November 15 and December 24 can be returned until January 31 of the next year?'],
        ['prompt', 'yes, exactly that.'],
      ),
    );
    const yes = stated.find((s) => s.body.includes('exactly that'));
    assert.ok(yes, JSON.stringify(stated));
    assert.deepEqual(yes.spoken, ['isreturnable']);
  });

  test('a later statement about the same code that sets another number or says it changes replaces the earlier, in any language', () => {
    const english = { id: 'a', title: 'thumbnails are 320 px wide, JPEG quality 80, and never enlarge small images.', body: '"thumbnails are 320 px wide, JPEG quality 80" — the user', anchors: ['id:jpeg', 'id:thumb_width', 'id:scaled_size'] };
    const other = { id: 'b', title: 'retention_days stays 90.', body: '"retention_days stays 90." — the user', anchors: ['id:retention_days'] };
    const french = { title: "On passe THUMB_WIDTH à 480 px ; la qualité JPEG reste à 80.", body: '"On passe THUMB_WIDTH à 480 px ; la qualité JPEG reste à 80." — the user' };
    assert.deepEqual(sameCodeVersions(french, ['thumb_width', 'jpeg'], [english, other]).map((r) => r.id), ['a']);
    // The same code, nothing changed (no new number, no cue): two statements about it, both kept.
    const same = { title: 'THUMB_WIDTH is read by the digest template too.', body: '"THUMB_WIDTH is read by the digest template too." — the user' };
    assert.deepEqual(sameCodeVersions(same, ['thumb_width'], [english]), []);
    // Another number about other code: nothing replaced.
    assert.deepEqual(sameCodeVersions({ title: 'MAX_ATTEMPTS is 9 now.', body: '' }, ['max_attempts'], [english, other]), []);
    assert.deepEqual(sameCodeVersions(french, [], [english]), []);
    // A unit written as code ("1 KiB") is no code two statements share.
    const sink = { id: 'c', title: 'HTTPSink gzips bodies over 1 KiB.', body: '', anchors: ['id:kib', 'id:httpsink'] };
    assert.deepEqual(sameCodeVersions({ title: 'Dann stellen wir auf zstd um, Level 3. MinCompressBytes bleibt 1 KiB.', body: '' }, ['mincompressbytes', 'kib'], [sink]), []);
    // A name many of the project's statements are anchored to (JSON, written as a constant) names no one piece of code.
    const jsonRules = ['level comes only from a structured field, in JSON or logfmt', 'MaxBatchBytes stays 1 MiB of JSON', 'the sink sends JSON lines', 'labels are read from JSON keys'].map((title, i) => ({ id: `j${i}`, title, body: '', anchors: ['id:json', `id:other${i}`] }));
    const flatten = { title: 'on fait pareil : FlattenDepth = 3, au-delà la valeur reste une seule chaîne JSON.', body: '' };
    assert.deepEqual(sameCodeVersions(flatten, ['flattendepth', 'json'], jsonRules), []);
    assert.deepEqual(sameCodeVersions(flatten, ['flattendepth', 'json'], jsonRules.slice(0, 1)).map((r) => r.id), ['j0'], 'one statement of JSON: still its code');
  });

  test('"now" says a rule changes, but not "as now", "for now", "right now" or "as it is now"', () => {
    const earlier = 'the spool keeps the oldest segment.';
    for (const later of ['the spool now keeps the newest segment', 'from now on the spool keeps the newest segment', 'the rule is now: the spool keeps the newest segment']) assert.equal(replacesRule(later, earlier).cued, true, later);
    for (const later of ['whitespace collapsed as now, the spool keeps the oldest segment', 'as it is now the spool keeps the oldest segment', 'for now the spool keeps the oldest segment', 'right now the spool keeps the oldest segment']) assert.equal(replacesRule(later, earlier).cued, false, later);
  });

  test('a later statement that calls the code by its words and says it changes replaces the earlier; a new number alone does not', () => {
    const said = "gift cards expire 12 months after purchase, GIFT_CARD_VALIDITY_MONTHS = 12, and an expired card's balance is forfeited, no grace period.";
    const expiry = { id: 'a', title: said, body: `"${said}" — the user`, anchors: ['id:gift_card_validity_months', 'w:grace_period'] };
    const tax = { id: 'b', title: 'VAT on gift cards is charged at redemption, not at sale.', body: '', anchors: ['id:vat_at_redemption'] };
    const legal = 'legal came back on the gift card question: a voucher stays valid three years from the end of the year it was bought in, until Dec 31, 2029. no more 12-month expiry.';
    assert.deepEqual(sameCodeVersions({ title: legal, body: '' }, [], [expiry, tax]).map((r) => r.id), ['a']);
    // Another number about gift cards, no change said: a rule of its own.
    assert.deepEqual(sameCodeVersions({ title: 'gift card balances under 5 EUR are paid out in cash at the till.', body: '' }, [], [expiry]), []);
    // "no more than" sets a limit, it changes nothing.
    assert.deepEqual(sameCodeVersions({ title: 'a gift card order holds no more than 20 cards.', body: '' }, [], [expiry]), []);
    // A phrase that the code of more than three earlier statements holds names none of them.
    const many = [1, 2, 3, 4].map((i) => ({ id: `m${i}`, title: `GIFT_CARD_RULE_${i} is ${i}.`, body: '', anchors: [`id:gift_card_rule_${i}`] }));
    assert.deepEqual(sameCodeVersions({ title: legal, body: '' }, [], many), []);
  });

  test('a statement read after its later version about the same code is that version\'s older one (summaries out of order)', () => {
    const said = "gift cards expire 12 months after purchase, GIFT_CARD_VALIDITY_MONTHS = 12, and an expired card's balance is forfeited, no grace period.";
    const expiry = { id: '', title: said, body: `"${said}" — the user`, anchors: ['id:gift_card_validity_months'] };
    const at = (d: string) => new Date(`2026-${d}T10:00:00Z`);
    const legal = { id: 'later', title: 'legal came back on the gift card question: vouchers stay valid three years, until Dec 31, 2029. no more 12-month expiry.', body: '', anchors: ['w:gift_card'], validFrom: at('10-06') };
    const cash = { id: 'cash', title: 'gift card balances under 5 EUR are paid out in cash at the till.', body: '', anchors: ['w:gift_card'], validFrom: at('09-01') };
    const older = { id: 'older', title: 'GIFT_CARD_VALIDITY_MONTHS is 24 for corporate cards.', body: '', anchors: ['id:gift_card_validity_months'], validFrom: at('05-01') };
    assert.equal(sameCodeVersionLater(expiry, at('07-02'), [older, cash, legal])?.id, 'later');
    // Stated after the change: not its older version.
    assert.equal(sameCodeVersionLater(expiry, at('11-01'), [older, cash, legal]), undefined);
    // A later statement that names the constant and sets another number is one too, and the earliest comes first.
    const nine = { id: 'nine', title: 'GIFT_CARD_VALIDITY_MONTHS = 18 from August.', body: '', anchors: ['id:gift_card_validity_months'], validFrom: at('08-01') };
    assert.equal(sameCodeVersionLater(expiry, at('07-02'), [legal, nine])?.id, 'nine');
  });

  test('files the session read around a statement are part of its scope', () => {
    const stated = statedLearnings([
      { sequence: 1, kind: 'prompt', text: 'Look at the rounding in refunds.' },
      { sequence: 2, kind: 'tool', text: '{}', title: 'Read: pay/rounding.py', toolName: 'Read' },
      { sequence: 3, kind: 'stop', text: 'round_half_even is applied twice in pay/rounding.py.' },
      { sequence: 4, kind: 'prompt', text: 'We always round with ROUND_HALF_EVEN exactly once, at the end of the calculation — never per line.' },
    ]);
    const rule = stated.find((s) => s.kind === 'convention' || s.kind === 'decision');
    assert.ok(rule, JSON.stringify(stated));
    assert.ok(rule.scope.includes('pay/rounding.py'), rule.scope.join(' '));
    assert.ok(rule.anchors.includes('id:round_half_even'));
  });
});

describe('the push at the code', () => {
  const at = (c: ReturnType<typeof learning>, matched: string[], path_hit = false): FileCandidate => ({ ...c, matched, path_hit });
  test('the anchors asked: each name as an identifier and as a word, lower-cased', () => {
    assert.deepEqual(anchorKeysOf(['Chunked_Iter']), ['id:chunked_iter', 'w:chunked_iter']);
  });

  test('what the session met first, then rules before notes, then identifiers before words', () => {
    const note = at(learning('note', 'chunked_iter returns lists', '"chunked_iter returns lists" — the user'), ['id:chunked_iter']);
    const rule = at(learning('decision', 'windowed_iter never pads', '"windowed_iter never pads" — the user'), ['id:windowed_iter']);
    const wordRule = at(learning('decision', 'pluralize keeps the count', '"the pluralize helper keeps the count" — the user'), ['w:pluralize']);
    assert.deepEqual(rankFileCandidates([wordRule, note, rule]).map((c) => c.id), [rule.id, wordRule.id, note.id]);
    assert.deepEqual(rankFileCandidates([wordRule, note, rule], ['chunked_iter']).map((c) => c.id), [note.id, rule.id, wordRule.id]);
  });

  test('a note is labelled for what it is, with the code it is about', () => {
    const note = at(learning('note', 'chunked_iter returns lists', '"chunked_iter returns lists, callers rely on it" — the user'), ['id:chunked_iter']);
    const built = assembleFilePush('toolbelt', 'toolbelt/iterutils.py', [note]);
    assert.match(built.context, /\[note: a person's words, not a settled rule, 2026-08-03, said by a person; about chunked_iter\] "chunked_iter returns lists/);
    assert.match(built.served[0]!.reason, /anchored to chunked_iter, which toolbelt\/iterutils\.py defines or imports/);
  });
});
