/**
 * Redaction (docs/redaction.md): one case per secret kind, ordinary code and prose that must survive
 * unchanged, nested JSON payloads, `<private>` spans, and properties: an embedded secret never
 * survives, and redacting twice equals redacting once. (Linear time on adversarial input is a
 * measurement, not a unit test: `npm run bench:redact-scaling`.)
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_REDACT_DEPTH, redactText, redactValue } from '../../common/rules/redact.js';
import { REDACTION_KINDS, type RedactionKind } from '../../common/rules/redaction-markers.js';
import { isSecretKeyName } from '../../common/rules/secret-key-names.js';
import { POSITIVES } from '../fixtures/redaction-corpus.js';

const marker = (kind: RedactionKind): string => `[redacted:${kind}]`;

/** Asserts `secret` is gone, `kind`'s marker is present, and `expected` (when given) is the exact result. */
function assertRedacted(input: string, secret: string, kind: RedactionKind, expected?: string): void {
  const r = redactText(input);
  assert.ok(!r.text.includes(secret), `secret survived in ${JSON.stringify(r.text)}`);
  assert.ok(r.text.includes(marker(kind)), `no ${kind} marker in ${JSON.stringify(r.text)}`);
  assert.ok(r.count >= 1);
  if (expected !== undefined) assert.equal(r.text, expected);
}

// Realistic-looking but fake values.
const ANTHROPIC = 'sk-ant-api03-Xq9vR2mT8kLp4WzN7yB1cD5fG6hJ0aQsE3uI-_oPlKjHgFdSaZxCvBnM12345678abcdEFGH-AA';
const OPENAI = 'sk-proj-4fGh7JkL9mN2pQ5rS8tV1wX3yZ6aB0cD-eFgHiJkLmNoPqRsT';
const OPENAI_LEGACY = 'sk-Zx81Qw72Er63Ty54Ui45Op36As27Df18Gh09JkLmNoPq';
const AWS_ID = 'AKIAIOSFODNN7EXAMPLE';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const GITHUB = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';
const GITHUB_PAT = 'github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef';
const SLACK = 'xoxb-2951234567-4567891234567-AbCdEfGhIjKlMnOpQrStUvWx';
const GOOGLE = 'AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI';
const STRIPE = 'sk_live_51H8xYzAbCdEfGhIjKlMnOpQr';
const STRIPE_RESTRICTED = 'rk_live_51H8xYzAbCdEfGhIjKlMnOpQr';
const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const MEMFLOW = 'mf_live_7Hx2Kq9Lm4Np8Rs3Tv6Wy1Za5Bc0De';
const PEM = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun',
  'VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK',
  '-----END RSA PRIVATE KEY-----',
].join('\n');

describe('redactText: one case per secret kind', () => {
  test('Anthropic API key', () => {
    assertRedacted(`export ANTHROPIC_API_KEY=${ANTHROPIC}`, ANTHROPIC, 'anthropic-key', `export ANTHROPIC_API_KEY=${marker('anthropic-key')}`);
    assertRedacted(`key is ${ANTHROPIC}.`, ANTHROPIC, 'anthropic-key', `key is ${marker('anthropic-key')}.`);
  });

  test('OpenAI-style keys (sk-proj- and legacy sk-)', () => {
    assertRedacted(`client = OpenAI(api_key="${OPENAI}")`, OPENAI, 'openai-key');
    assertRedacted(`OPENAI_API_KEY: ${OPENAI_LEGACY}`, OPENAI_LEGACY, 'openai-key', `OPENAI_API_KEY: ${marker('openai-key')}`);
  });

  test('AWS access key id', () => {
    assertRedacted(`aws_access_key_id=${AWS_ID}`, AWS_ID, 'aws-access-key-id', `aws_access_key_id=${marker('aws-access-key-id')}`);
    assertRedacted(`"AccessKeyId": "ASIAY34FZKBOKMUTVV7A"`, 'ASIAY34FZKBOKMUTVV7A', 'aws-access-key-id');
  });

  test('AWS secret access key when assigned', () => {
    assertRedacted(
      `aws_secret_access_key = ${AWS_SECRET}`,
      AWS_SECRET,
      'aws-secret-key',
      `aws_secret_access_key = ${marker('aws-secret-key')}`,
    );
    assertRedacted(`"SecretAccessKey": "${AWS_SECRET}",`, AWS_SECRET, 'aws-secret-key', `"SecretAccessKey": "${marker('aws-secret-key')}",`);
    assertRedacted(`AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`, AWS_SECRET, 'aws-secret-key');
  });

  test('GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)', () => {
    for (const prefix of ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_']) {
      const token = `${prefix}${GITHUB.slice(4)}`;
      assertRedacted(`git push https://${token}@github.com/org/repo`, token, 'github-token');
    }
    assertRedacted(`GH_TOKEN=${GITHUB_PAT} gh pr list`, GITHUB_PAT, 'github-token', `GH_TOKEN=${marker('github-token')} gh pr list`);
  });

  test('Slack tokens', () => {
    for (const prefix of ['xoxa-', 'xoxb-', 'xoxp-', 'xoxr-', 'xoxs-']) {
      const token = `${prefix}${SLACK.slice(5)}`;
      assertRedacted(`SLACK=${token}`, token, 'slack-token');
    }
  });

  test('Google API key', () => {
    assertRedacted(`https://maps.googleapis.com/maps/api/js?key=${GOOGLE}&v=3`, GOOGLE, 'google-api-key');
  });

  test('Stripe live keys', () => {
    assertRedacted(`stripe.api_key = "${STRIPE}"`, STRIPE, 'stripe-key');
    assertRedacted(`STRIPE_RESTRICTED=${STRIPE_RESTRICTED}`, STRIPE_RESTRICTED, 'stripe-key');
  });

  test('JWT', () => {
    assertRedacted(`token ${JWT} expires`, JWT, 'jwt', `token ${marker('jwt')} expires`);
  });

  test('Authorization: Bearer, bare Bearer and Basic', () => {
    assertRedacted(
      'Authorization: Bearer 9f8e7d6c5b4a39281706fedcba',
      '9f8e7d6c5b4a39281706fedcba',
      'bearer-token',
      `Authorization: Bearer ${marker('bearer-token')}`,
    );
    assertRedacted('fetch(url, { headers: { Authorization: "Bearer Abc123Def456Ghi" } })', 'Abc123Def456Ghi', 'bearer-token');
    assertRedacted('Authorization: Basic dXNlcjpwYXNzd29yZA==', 'dXNlcjpwYXNzd29yZA==', 'basic-auth', `Authorization: Basic ${marker('basic-auth')}`);
    assertRedacted('curl -u admin:S3cretPass https://x', 'S3cretPass', 'basic-auth', `curl -u admin:${marker('basic-auth')} https://x`);
    // A JWT in a Bearer header is caught as a JWT; the scheme stays readable.
    assert.equal(redactText(`Authorization: Bearer ${JWT}`).text, `Authorization: Bearer ${marker('jwt')}`);
  });

  test('passwords in URLs keep the user and the host', () => {
    assertRedacted(
      'DATABASE_URL=postgres://app:Sup3rS3cret@db.internal:5432/app',
      'Sup3rS3cret',
      'url-password',
      `DATABASE_URL=postgres://app:${marker('url-password')}@db.internal:5432/app`,
    );
    assertRedacted('redis://:hunter2@cache:6379/0', 'hunter2', 'url-password', `redis://:${marker('url-password')}@cache:6379/0`);
    assertRedacted('https://me:p@ss@host.example/x', 'p@ss', 'url-password', `https://me:${marker('url-password')}@host.example/x`);
  });

  test('secret-looking assignments: env, export, YAML, JSON, code, flags, query strings', () => {
    const cases: [string, string, string][] = [
      ['DB_PASSWORD=hunter2', 'hunter2', `DB_PASSWORD=${marker('secret-assignment')}`],
      ['export FOO_TOKEN=abc', 'abc', `export FOO_TOKEN=${marker('secret-assignment')}`],
      ['export FOO_TOKEN="a b c"', 'a b c', `export FOO_TOKEN="${marker('secret-assignment')}"`],
      ['PGPASSWORD=pw psql -h db', 'pw psql', `PGPASSWORD=${marker('secret-assignment')} psql -h db`],
      ['password: hunter2isgreat', 'hunter2isgreat', `password: ${marker('secret-assignment')}`],
      ['  client_secret: my long pass phrase', 'pass phrase', `  client_secret: ${marker('secret-assignment')}`],
      ['{"password":"p@ss","user":"bob"}', 'p@ss', `{"password":"${marker('secret-assignment')}","user":"bob"}`],
      ["{'api_key': 'zzz'}", 'zzz', `{'api_key': '${marker('secret-assignment')}'}`],
      ['const apiKey = "abcd";', 'abcd', `const apiKey = "${marker('secret-assignment')}";`],
      ['session_key = "deadbeef"', 'deadbeef', `session_key = "${marker('secret-assignment')}"`],
      ['x-api-key: 12345678abcd', '12345678abcd', `x-api-key: ${marker('secret-assignment')}`],
      ['Authorization: Token abc123', 'abc123', `Authorization: Token ${marker('secret-assignment')}`],
      ['spring.datasource.password=tiger', 'tiger', `spring.datasource.password=${marker('secret-assignment')}`],
      ['//registry.npmjs.org/:_authToken=abcdef123456', 'abcdef123456', `//registry.npmjs.org/:_authToken=${marker('secret-assignment')}`],
      ['--password hunter2 --token-file /tmp/t', 'hunter2', `--password ${marker('secret-assignment')} --token-file /tmp/t`],
      ['mysql --password=hunter2 db', 'hunter2', `mysql --password=${marker('secret-assignment')} db`],
      ['GET /cb?access_token=ya29.a0AfH6SMBx&state=1', 'ya29', `GET /cb?access_token=${marker('secret-assignment')}&state=1`],
      ['{\\"password\\":\\"abc\\"}', 'abc', `{\\"password\\":\\"${marker('secret-assignment')}\\"}`],
    ];
    for (const [input, secret, expected] of cases) assertRedacted(input, secret, 'secret-assignment', expected);
  });

  test('PEM private key blocks, closed or not', () => {
    assertRedacted(`key:\n${PEM}\nafter`, 'MIIEowIBAAKCAQEA', 'private-key', `key:\n${marker('private-key')}\nafter`);
    const openssh = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----';
    assertRedacted(openssh, 'b3BlbnNzaC1rZXktdjEAAAAA', 'private-key', marker('private-key'));
    assertRedacted('-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY\n(truncated)', 'MHcCAQEE', 'private-key', marker('private-key'));
    // Public material is not a secret.
    const pub = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----';
    assert.equal(redactText(pub).text, pub);
  });

  test('npm tokens', () => {
    const npm = 'npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
    assertRedacted(`echo ${npm} | npm login`, npm, 'npm-token', `echo ${marker('npm-token')} | npm login`);
  });

  test("memflow's own API keys", () => {
    assertRedacted(`X-Api-Key ${MEMFLOW}`, MEMFLOW, 'memflow-key', `X-Api-Key ${marker('memflow-key')}`);
    assertRedacted('MEMFLOW_API_KEY=mf_Q2x8Zp4Lr7Tn1Vb5Yc9Kd3', 'mf_Q2x8Zp4Lr7Tn1Vb5Yc9Kd3', 'memflow-key');
  });

  test('every text kind is exercised above', () => {
    // tenant-rule comes from a tenant's own rules (tests/unit/redact-tenant-rules.test.ts).
    const textKinds = REDACTION_KINDS.filter((k) => k !== 'too-deep' && k !== 'circular' && k !== 'private' && k !== 'tenant-rule');
    const sample = [
      ANTHROPIC, OPENAI, AWS_ID, `aws_secret_access_key=${AWS_SECRET}`, GITHUB, SLACK, GOOGLE, STRIPE, JWT,
      'Bearer 9f8e7d6c5b4a3928', 'Basic dXNlcjpwYXNzd29yZA==', 'https://u:pw@h', 'password=x', PEM, MEMFLOW,
      'npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8',
      ...POSITIVES.map((p) => p.text),
    ].join('\n');
    const out = redactText(sample).text;
    for (const kind of textKinds) assert.ok(out.includes(marker(kind)), `${kind} not produced`);
  });
});

describe('redactText: ordinary code and prose stay unchanged', () => {
  const unchanged = [
    'the token is valid until it expires',
    'The password must be at least 8 characters; tokens expire after an hour.',
    'password: string;',
    'function login(password: string, token?: Token): Promise<Session>',
    'const apiKey = process.env.API_KEY;',
    'const apiKey = process.env.ANTHROPIC_API_KEY ?? "";',
    "api_key=os.environ['OPENAI_API_KEY']",
    'interface Creds {\n  password: string;\n  apiKey?: string;\n  token: AccessToken;\n  secret: Uint8Array;\n}',
    'const secret = getSecret(); return { token: tokenFromHeader, password: password };',
    'conn = connect(\n    password=password,\n    token=self.token,\n)',
    'this.token = token;',
    'password_hash = bcrypt.hash(password, 10)',
    'const isPasswordValid = password.length >= 8;',
    'if password == other_password:',
    'token: z.string().min(1),',
    'headers: { Authorization: `Bearer ${token}` }',
    'TOKEN=$(cat token.txt)',
    'password: ${{ secrets.DB_PASSWORD }}',
    '{"tokens": 1234, "input_tokens": 12, "max_tokens": 4096, "token_type": "Bearer"}',
    'export const TOKEN_LIMIT = 1500;',
    'secretName: my-secret-name',
    '<input type="password" name="password" autocomplete="current-password" />',
    'Use Bearer authentication. Basic authentication is weak.',
    'A token: 3 characters long',
    'import { createToken } from "./auth.js";',
    'the auth flow uses OAuth2; see docs/authentication.md',
    'commit 3f786850e387550fdab836ed7e6dc881de23001b',
    'git@github.com:org/repo.git https://github.com/org/repo http://localhost:8080/p?a=b@c',
    'mf_compute_embedding_vectors_for_all()',
    'task-queue-name-for-the-memflow-workers and sk-learn',
    'PWD=/home/me/project OLDPWD=/tmp',
    'author: Jane Doe <jane@example.com>',
    'a stray </private> closing tag',
  ];
  for (const text of unchanged) {
    test(JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text), () => {
      const r = redactText(text);
      assert.equal(r.text, text);
      assert.equal(r.count, 0);
    });
  }
});

describe('redactText: <private> spans', () => {
  test('a span across lines, case-insensitive tags, several spans', () => {
    const r = redactText('keep <private>my\nhome\naddress</private> and <PRIVATE>x</Private> end');
    assert.equal(r.text, 'keep [private] and [private] end');
    assert.equal(r.count, 2);
  });

  test('an unclosed span redacts to the end', () => {
    assert.equal(redactText('before <private>secret stuff\nmore').text, 'before [private]');
  });

  test('nested spans are removed as one', () => {
    assert.equal(redactText('a <private>b <private>c</private> d</private> e').text, 'a [private] e');
  });

  test('secrets inside a span are gone with it and not counted twice', () => {
    const r = redactText(`<private>${ANTHROPIC}</private>`);
    assert.equal(r.text, '[private]');
    assert.equal(r.count, 1);
  });

  test('tags with whitespace before the bracket', () => {
    assert.equal(redactText('<private >x</private\n>').text, '[private]');
  });
});

describe('redactValue', () => {
  test('a Claude Code PostToolUse payload', () => {
    const payload = {
      session_id: 'a1b2c3d4-0000-4000-8000-123456789abc',
      transcript_path: '/home/me/.claude/projects/-home-me-acme/a1b2c3d4.jsonl',
      cwd: '/home/me/acme',
      permission_mode: 'default',
      hook_event_name: 'PostToolUse',
      tool_name: 'Bash',
      tool_input: {
        command: 'curl -H "Authorization: Bearer abc123def456ghi789" https://deploy:pw0rd@api.example.com/v1/run',
        description: 'Trigger the deploy',
      },
      tool_response: {
        stdout: `deployed; using key ${ANTHROPIC}\nok`,
        stderr: '',
        interrupted: false,
      },
      tool_use_id: 'toolu_01ABCDEF',
    };
    const r = redactValue(payload);
    assert.deepEqual(r.value, {
      ...payload,
      tool_input: {
        command: `curl -H "Authorization: Bearer ${marker('bearer-token')}" https://deploy:${marker('url-password')}@api.example.com/v1/run`,
        description: 'Trigger the deploy',
      },
      tool_response: { stdout: `deployed; using key ${marker('anthropic-key')}\nok`, stderr: '', interrupted: false },
    });
    assert.equal(r.count, 3);
    const json = JSON.stringify(r.value);
    for (const leaked of ['abc123def456ghi789', 'pw0rd', ANTHROPIC]) assert.ok(!json.includes(leaked));
  });

  test('a string under a secret-looking key is replaced whatever its content', () => {
    // Numbers, non-secret names that contain a secret word, and empty values stay as they are.
    const kept = { pin: 1234, password_count: 3, token_type: 'Bearer', max_tokens: 4096, session_id: 'keep-me', emptyPassword: '' };
    const r = redactValue({
      password: 'x',
      apiKey: 'short',
      token: 'not-even-random',
      client_secret: 'abc',
      headers: { authorization: 'Bearer abc', Cookie: 'sid=1', 'x-api-key': 'k' },
      nested: [{ deeper: { credentials: ['user', 'pass'] } }],
      ...kept,
    });
    assert.deepEqual(r.value, {
      password: '[redacted:password]',
      apiKey: '[redacted:apiKey]',
      token: '[redacted:token]',
      client_secret: '[redacted:client_secret]',
      headers: { authorization: '[redacted:authorization]', Cookie: '[redacted:Cookie]', 'x-api-key': '[redacted:x-api-key]' },
      nested: [{ deeper: { credentials: ['[redacted:credentials]', '[redacted:credentials]'] } }],
      ...kept,
    });
    assert.equal(r.count, 9);
  });

  test('numbers under secret keys are replaced too', () => {
    assert.deepEqual(redactValue({ password: 12345678 }).value, { password: '[redacted:password]' });
  });

  test('secrets deep inside nested arrays and objects', () => {
    const input = { a: [{ b: { c: [[{ d: `see ${GITHUB} and <private>home</private>` }]] } }] };
    const r = redactValue(input);
    assert.deepEqual(r.value, { a: [{ b: { c: [[{ d: `see ${marker('github-token')} and [private]` }]] } }] });
    assert.equal(r.count, 2);
  });

  test('never mutates its input', () => {
    const input = { password: 'x', list: [`k ${OPENAI}`], inner: { token: 'y', text: 'plain' } };
    const copy = structuredClone(input);
    const deepFreeze = (o: object): void => {
      Object.freeze(o);
      for (const v of Object.values(o)) if (v !== null && typeof v === 'object') deepFreeze(v as object);
    };
    deepFreeze(input);
    const r = redactValue(input);
    assert.deepEqual(input, copy);
    assert.notEqual(r.value, input);
    assert.notEqual(r.value.inner, input.inner);
  });

  test('primitives, null and non-plain objects pass through', () => {
    assert.deepEqual(redactValue(null), { value: null, count: 0 });
    assert.deepEqual(redactValue(42), { value: 42, count: 0 });
    assert.deepEqual(redactValue(true), { value: true, count: 0 });
    assert.deepEqual(redactValue(`x ${JWT}`), { value: `x ${marker('jwt')}`, count: 1 });
    const d = new Date(0);
    assert.equal(redactValue({ d }).value.d, d);
  });

  test('content deeper than the cap becomes too-deep, without a stack overflow', () => {
    const build = (depth: number): unknown => {
      let v: unknown = { secret: 'x', text: 'leaf' };
      for (let i = 0; i < depth; i++) v = i % 2 === 0 ? { child: v } : [v];
      return v;
    };
    const shallow = redactValue(build(MAX_REDACT_DEPTH - 1));
    assert.ok(!JSON.stringify(shallow.value).includes('too-deep'));
    const deep = redactValue(build(MAX_REDACT_DEPTH + 10));
    assert.ok(JSON.stringify(deep.value).includes(marker('too-deep')));
    assert.ok(!JSON.stringify(deep.value).includes('leaf'));
    // Far deeper than any call stack would allow a naive walk to go.
    const veryDeep = redactValue(build(200_000));
    assert.ok(JSON.stringify(veryDeep.value).includes(marker('too-deep')));
  });

  test('cycles do not loop', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    const r = redactValue(a);
    assert.deepEqual(r.value, { name: 'a', self: marker('circular') });
  });

  test('a __proto__ key stays a plain own property', () => {
    const input = JSON.parse('{"__proto__": {"password": "x"}, "ok": 1}') as Record<string, unknown>;
    const r = redactValue(input);
    assert.equal(Object.getPrototypeOf(r.value), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(r.value, '__proto__')?.value, { password: '[redacted:password]' });
  });

  test('is idempotent', () => {
    const input = { password: 'x', text: `a ${JWT} <private>p</private> password=hunter2`, list: [OPENAI] };
    const once = redactValue(input);
    const twice = redactValue(once.value);
    assert.deepEqual(twice.value, once.value);
    assert.equal(twice.count, 0);
  });
});

describe('isSecretKeyName', () => {
  test('secret-looking keys', () => {
    for (const k of [
      'password', 'passwd', 'pwd', 'DB_PASSWORD', 'PGPASSWORD', 'MYSQL_PWD', 'secret', 'client_secret', 'token', 'authToken',
      'access_token', 'GITHUB_TOKEN', 'api_key', 'apiKey', 'APIKey', 'x-api-key', 'OPENAI_API_KEY', 'access_key', 'private_key',
      'privateKey', 'auth', 'Authorization', 'proxy-authorization', 'credentials', 'session_key', 'SecretAccessKey', 'cookie',
      'passphrase', 'spring.datasource.password',
    ]) {
      assert.ok(isSecretKeyName(k), k);
    }
  });

  test('ordinary keys, and metadata about secrets', () => {
    for (const k of [
      'session_id', 'transcript_path', 'cwd', 'PWD', 'OLDPWD', 'tool_use_id', 'author', 'authored', 'tokenizer', 'max_tokens',
      'input_tokens', 'token_type', 'token_count', 'password_file', 'secret_name', 'auth_url', 'public_key', 'primary_key',
      'key', 'description', 'command', 'secretary', 'passthrough',
    ]) {
      assert.ok(!isSecretKeyName(k), k);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const B64URL = `${ALNUM}-_`;
const B64 = `${ALNUM}+/`;

/** Random characters, with a digit and mixed case forced in so that the value looks random. */
function chars(alphabet: string, min: number, max: number): fc.Arbitrary<string> {
  return fc
    .array(fc.constantFrom(...alphabet), { minLength: min, maxLength: max })
    .map((a) => a.join(''))
    .map((s) => {
      const seed = [...'7Qx'].filter((ch) => alphabet.includes(ch)).join('');
      return seed + s.slice(seed.length);
    });
}

interface Planted {
  /** The text to embed. */
  text: string;
  /** The part that must not survive. */
  secret: string;
}

const plant = (secret: fc.Arbitrary<string>, wrap: (s: string) => string): fc.Arbitrary<Planted> =>
  secret.map((s) => ({ text: wrap(s), secret: s }));

const plantedSecret: fc.Arbitrary<Planted> = fc.oneof(
  plant(chars(B64URL, 80, 95), (s) => `sk-ant-api03-${s}`),
  plant(chars(B64URL, 40, 60), (s) => `sk-proj-${s}`),
  plant(chars(UPPER_ALNUM, 16, 16), (s) => `AKIA${s}`),
  plant(chars(B64, 40, 40), (s) => `aws_secret_access_key = ${s}`),
  plant(chars(ALNUM, 36, 36), (s) => `ghp_${s}`),
  plant(chars(`${ALNUM}_`, 82, 82), (s) => `github_pat_${s}`),
  plant(chars(ALNUM, 24, 24), (s) => `xoxb-1234567890-${s}`),
  plant(chars(B64URL, 35, 35), (s) => `AIza${s}`),
  plant(chars(ALNUM, 24, 30), (s) => `sk_live_${s}`),
  plant(
    fc.tuple(chars(B64URL, 10, 30), chars(B64URL, 10, 60), chars(B64URL, 20, 43)).map(([a, b, c]) => `eyJ${a}.eyJ${b}.${c}`),
    (s) => s,
  ),
  plant(chars(`${ALNUM}-._~+/`, 16, 40), (s) => `Authorization: Bearer ${s}`),
  plant(chars(`${ALNUM}!$%*_-`, 8, 24), (s) => `postgres://app:${s}@db.internal:5432/app`),
  plant(chars(`${ALNUM}!%*_-.,:@/`, 8, 40), (s) => `export SERVICE_API_TOKEN=${s}`),
  plant(chars(`${ALNUM} !#%*_-.,:@/`, 8, 40), (s) => `"password": "${s}"`),
  plant(chars(B64, 40, 64), (s) => `-----BEGIN RSA PRIVATE KEY-----\n${s}\n${s}\n-----END RSA PRIVATE KEY-----`),
  plant(chars(B64URL, 24, 40), (s) => `mf_${s}`),
  plant(fc.string({ minLength: 8 }).map((s) => `7Qx${s}`), (s) => `<private>${s.replace(/<\/private/gi, '')}</private>`).map(
    (p) => ({ text: p.text, secret: p.secret.replace(/<\/private/gi, '') }),
  ),
);

/** Random text, sometimes with control characters and lone surrogates. */
const noise = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }));
const separator = fc.constantFrom(' ', '\n', '\t', ' (', ', ', '; ', '\r\n', ' "', "' ");

/** Whether any 10-character window of `secret` survives in `out`, ignoring windows present in the noise. */
function survives(secret: string, out: string, noiseText: string): boolean {
  const width = Math.min(10, secret.length);
  for (let i = 0; i + width <= secret.length; i++) {
    const w = secret.slice(i, i + width);
    if (out.includes(w) && !noiseText.includes(w)) return true;
  }
  return false;
}

describe('redaction properties', () => {
  test('a random secret embedded in random text never survives', () => {
    fc.assert(
      fc.property(noise, separator, plantedSecret, separator, noise, (before, sep1, planted, sep2, after) => {
        const input = `${before}${sep1}${planted.text}${sep2}${after}`;
        const out = redactText(input).text;
        assert.ok(!survives(planted.secret, out, before + after), `survived in ${JSON.stringify(out)}`);
      }),
      { numRuns: Number(process.env.RUNS ?? 1500) },
    );
  });

  test('a random secret under a secret key or inside JSON strings never survives redactValue', () => {
    fc.assert(
      fc.property(noise, plantedSecret, fc.constantFrom('password', 'apiKey', 'note', 'stdout'), (n, planted, key) => {
        const input = { tool_input: { [key]: `${n} ${planted.text}` }, list: [[planted.text]] };
        const out = JSON.stringify(redactValue(input).value);
        assert.ok(!survives(planted.secret, out, JSON.stringify(n)), `survived in ${out}`);
      }),
      { numRuns: 500 },
    );
  });

  const fragment = fc.oneof(
    fc.constantFrom(
      'password=', 'password: ', '"token": "', '"', "'", '`', '\\"', '<private>', '</private>', '<PRIVATE>', 'Bearer ', 'Basic ',
      'Authorization: ', 'Token ', 'https://u:', '@h/', '://', '\n', '\r\n', ': ', '=', ' = ', 'export ', '--password ',
      '-u a:', '[redacted:jwt]', '[private]', '-----BEGIN RSA PRIVATE KEY-----', '-----END RSA PRIVATE KEY-----', 'eyJ', 'sk-',
      'sk-ant-', 'mf_', 'AKIA', 'aws_secret_access_key=', '$', '${X}', ',', ';', '(', ')', '[', ']', '.', ' ', '  - ',
      'process.env.X', 'hunter2', 'abcdefgh1', 'ghp_', 'xoxb-', '?token=', '&', 'api_key', 'secret', ' ', 'a',
    ),
    fc.string({ maxLength: 12 }),
    plantedSecret.map((p) => p.text),
  );
  const adversarialText = fc.array(fragment, { maxLength: 30 }).map((parts) => parts.join(''));

  test('redacting twice equals redacting once', () => {
    fc.assert(
      fc.property(fc.oneof(adversarialText, noise), (input) => {
        const once = redactText(input);
        const twice = redactText(once.text);
        assert.equal(twice.text, once.text);
        assert.equal(twice.count, 0);
      }),
      { numRuns: Number(process.env.RUNS ?? 3000) },
    );
  });

  test('text without anything secret-looking is returned as is', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z ,.!?\n]{0,200}$/), (prose) => {
        assert.deepEqual(redactText(prose), { text: prose, count: 0 });
      }),
      { numRuns: 300 },
    );
  });
});
