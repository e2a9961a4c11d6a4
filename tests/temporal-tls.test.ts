/**
 * memflow against a Temporal that requires mutual TLS, as a managed or self-hosted production
 * Temporal does: the test stack's real Temporal behind a TLS endpoint on 127.0.0.1 that asks for a
 * client certificate signed by its own CA (the pinned dev server has no TLS settings of its own, so
 * TLS is terminated in front of it, as an ingress would). Certificates are made here with openssl.
 * The API, the worker and the client connect with the TEMPORAL_TLS_* settings (common/server/temporal-connection.ts)
 * and a session goes through end to end; without the client certificate, or without TLS, or with a
 * CA that did not sign the server, the connection is refused.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, test } from 'node:test';
import { NativeConnection } from '@temporalio/worker';
import { parseConfig } from '../common/server/config.js';
import { temporalConnectionOptions } from '../common/server/temporal-connection.js';
import { buildSession } from './fixtures/claude-sessions.js';
import { newTenant, testConfig } from './helpers/env.js';
import { assertStoredOnce, replay, sessionResult } from './helpers/sessions.js';
import { withTestStack } from './helpers/stack.js';

const SERVER_NAME = 'temporal.memflow.test';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-temporal-tls-'));
const file = (name: string) => path.join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

/** A CA, a server certificate for SERVER_NAME and a client certificate, all signed by the CA. */
function makeCertificates(prefix: string): void {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${prefix} test CA`, '-keyout', `${prefix}-ca.key`, '-out', `${prefix}-ca.pem`);
  for (const [name, ext] of [['server', `subjectAltName=DNS:${SERVER_NAME}\nextendedKeyUsage=serverAuth`], ['client', 'extendedKeyUsage=clientAuth']] as const) {
    fs.writeFileSync(file(`${prefix}-${name}.ext`), `${ext}\n`);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=memflow ${name}`, '-keyout', `${prefix}-${name}.key`, '-out', `${prefix}-${name}.csr`);
    openssl('x509', '-req', '-in', `${prefix}-${name}.csr`, '-CA', `${prefix}-ca.pem`, '-CAkey', `${prefix}-ca.key`, '-CAcreateserial', '-days', '1', '-extfile', `${prefix}-${name}.ext`, '-out', `${prefix}-${name}.pem`);
  }
}
makeCertificates('good');
makeCertificates('other'); // a second CA: its client certificate and its CA must both be refused

/** The TLS endpoint: mutual TLS (HTTP/2 by ALPN, as gRPC needs), each connection piped to Temporal. */
const plain = testConfig().TEMPORAL_ADDRESS;
const [plainHost, plainPort] = [plain.slice(0, plain.lastIndexOf(':')), Number(plain.slice(plain.lastIndexOf(':') + 1))];
const handshakes = { accepted: 0, refused: 0 };
const endpoint = tls.createServer(
  { key: fs.readFileSync(file('good-server.key')), cert: fs.readFileSync(file('good-server.pem')), ca: fs.readFileSync(file('good-ca.pem')), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
  (socket) => {
    handshakes.accepted++;
    const upstream = net.connect(plainPort, plainHost);
    socket.pipe(upstream).pipe(socket);
    const close = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', close);
    upstream.on('error', close);
  },
);
endpoint.on('tlsClientError', () => handshakes.refused++);
await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
const tlsAddress = `127.0.0.1:${(endpoint.address() as net.AddressInfo).port}`;

const tlsEnv = {
  TEMPORAL_ADDRESS: tlsAddress,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('good-ca.pem'),
  TEMPORAL_TLS_CLIENT_CERT_PATH: file('good-client.pem'),
  TEMPORAL_TLS_CLIENT_KEY_PATH: file('good-client.key'),
  TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
};
const stack = withTestStack('temporal-tls', { env: tlsEnv });

after(async () => {
  await new Promise<void>((resolve) => endpoint.close(() => resolve()));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('API, worker and client reach Temporal over mutual TLS: a session is captured and completed', { timeout: 120_000 }, async () => {
  await stack.ready;
  const tenant = await newTenant(stack.prisma);
  const s = buildSession(crypto.randomUUID(), '/work/storefront', 3);
  await replay(stack.api.url, tenant.key, s.deliveries);
  const result = await sessionResult(stack.temporal, stack.prisma, tenant.tenantId, s.sessionId, 90_000);
  assert.equal(result.status, 'completed');
  await assertStoredOnce(stack.prisma, tenant.tenantId, s);
  assert.ok(handshakes.accepted >= 3, `API, worker and client each connected through TLS (${handshakes.accepted} connections)`);
  const ready = (await (await fetch(`${stack.api.url}/ready`)).json()) as { dependencies: { temporal: { status: string } } };
  assert.equal(ready.dependencies.temporal.status, 'up', '/ready reaches Temporal over TLS');
});

/** A connection attempt with `overrides` on top of the working TLS settings; the error it fails with. */
async function refusal(overrides: Record<string, string>): Promise<Error> {
  const config = parseConfig({ DATABASE_URL: 'postgresql://unused/db', ...tlsEnv, ...overrides });
  const connecting = NativeConnection.connect(temporalConnectionOptions(config));
  const outcome = await connecting.then(
    async (connection) => {
      await connection.close();
      return undefined;
    },
    (err: Error) => err,
  );
  assert.ok(outcome, `connecting with ${JSON.stringify(overrides)} was refused`);
  return outcome;
}

test('without the client certificate, with a client certificate of another CA, or without TLS, Temporal is not reached', { timeout: 60_000 }, async () => {
  const refusedBefore = handshakes.refused;
  await refusal({ TEMPORAL_TLS_CLIENT_CERT_PATH: '', TEMPORAL_TLS_CLIENT_KEY_PATH: '', TEMPORAL_TLS: 'true' });
  await refusal({ TEMPORAL_TLS_CLIENT_CERT_PATH: file('other-client.pem'), TEMPORAL_TLS_CLIENT_KEY_PATH: file('other-client.key') });
  await refusal({ TEMPORAL_TLS: 'false' });
  assert.ok(handshakes.refused > refusedBefore, 'the endpoint refused the handshakes without a good client certificate');
});

test('a server certificate that the configured CA did not sign is refused by memflow', { timeout: 60_000 }, async () => {
  const err = await refusal({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('other-ca.pem') });
  assert.match(err.message, /certificate|tls|transport|connect/i);
});

test('the TLS settings: both halves of the client pair, files named when missing, TLS implied by an API key', () => {
  const base = { DATABASE_URL: 'postgresql://unused/db' };
  assert.throws(() => parseConfig({ ...base, TEMPORAL_TLS_CLIENT_CERT_PATH: file('good-client.pem') }), /^ConfigError: TEMPORAL_TLS_CLIENT_KEY_PATH is required but not set$/);
  assert.throws(() => parseConfig({ ...base, TEMPORAL_TLS: 'yes' }), /^ConfigError: TEMPORAL_TLS is invalid/);
  assert.throws(() => temporalConnectionOptions(parseConfig({ ...base, TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('missing.pem') })), /TEMPORAL_TLS_SERVER_CA_CERT_PATH=.*missing\.pem cannot be read/);
  assert.deepEqual(temporalConnectionOptions(parseConfig(base)), { address: '127.0.0.1:7233' }, 'plain by default');
  const cloud = temporalConnectionOptions(parseConfig({ ...base, TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'key-1' }));
  assert.deepEqual(cloud, { address: 'ns.acct.tmprl.cloud:7233', tls: {}, apiKey: 'key-1' }, 'an API key turns TLS on');
  assert.equal(temporalConnectionOptions(parseConfig({ ...base, TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' })).tls, undefined, 'TEMPORAL_TLS=false keeps it off');
});
