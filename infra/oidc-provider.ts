/**
 * A real OpenID provider on this machine (infra/oidc-provider/main.go: zitadel/oidc's provider), for
 * the sign-in tests and for trying single sign-on without a site provider. Built once per machine
 * from the Go module proxy (infra/go-binary.ts), started on a port of its own with the people and
 * clients given here, stopped by `stop()`.
 *
 *   node infra/bootstrap.mjs infra/oidc-provider.ts   starts one on 127.0.0.1:5556 with one person
 *   (alice / alice-password) until Ctrl-C, and prints the MEMFLOW_OIDC_* settings for the API.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureGoBinary } from './go-binary.js';
import { OIDC_PROVIDER } from './versions.js';
import { tailFile, waitUntil } from './wait-until.js';

export interface OidcPerson {
  /** The provider's subject for them. */
  id: string;
  username: string;
  password: string;
  firstName: string;
  lastName: string;
  email: string;
}

export interface OidcProviderOptions {
  port: number;
  people: OidcPerson[];
  viewerClientId: string;
  /** The viewer's callback(s); loopback ones match any port. */
  redirectUris: string[];
  deviceClientId: string;
  deviceClientSecret: string;
}

export interface OidcProvider {
  issuer: string;
  stop(): Promise<void>;
}

export async function startOidcProvider(opts: OidcProviderOptions, progress: (line: string) => void = () => {}): Promise<OidcProvider> {
  const binary = await ensureGoBinary(OIDC_PROVIDER, progress);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-oidc-'));
  const usersFile = path.join(dir, 'users.json');
  const users = Object.fromEntries(
    opts.people.map((p) => [p.id, { ID: p.id, Username: p.username, Password: p.password, FirstName: p.firstName, LastName: p.lastName, Email: p.email, EmailVerified: true, PreferredLanguage: 'en' }]),
  );
  fs.writeFileSync(usersFile, JSON.stringify(users), { mode: 0o600 });
  const issuer = `http://127.0.0.1:${opts.port}/`;
  const logFile = path.join(dir, 'provider.log');
  const log = fs.openSync(logFile, 'w');
  const child = spawn(binary, [], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      OIDC_PORT: String(opts.port),
      OIDC_ISSUER: issuer,
      OIDC_USERS_FILE: usersFile,
      OIDC_VIEWER_CLIENT_ID: opts.viewerClientId,
      OIDC_VIEWER_REDIRECT_URIS: opts.redirectUris.join(','),
      OIDC_DEVICE_CLIENT_ID: opts.deviceClientId,
      OIDC_DEVICE_CLIENT_SECRET: opts.deviceClientSecret,
    },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`the OpenID provider exited (${child.exitCode}):\n${tailFile(logFile, 20)}`);
        const res = await fetch(`${issuer}.well-known/openid-configuration`).catch(() => undefined);
        return res?.status === 200;
      },
      { what: 'the OpenID provider', timeoutMs: 30_000, intervalMs: 100 },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { issuer, stop };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(process.env.OIDC_PORT ?? 5556);
  const provider = await startOidcProvider(
    {
      port,
      people: [{ id: 'alice', username: 'alice', password: 'alice-password', firstName: 'Alice', lastName: 'Example', email: 'alice@example.test' }],
      viewerClientId: 'memflow-viewer',
      redirectUris: ['http://127.0.0.1/ui/oidc/callback', 'http://localhost/ui/oidc/callback'],
      deviceClientId: 'memflow-cli',
      deviceClientSecret: 'memflow-cli-secret',
    },
    (line) => console.log(`[oidc] ${line}`),
  );
  console.log(`[oidc] provider at ${provider.issuer}; for the API:`);
  console.log(`MEMFLOW_OIDC_ISSUER=${provider.issuer} MEMFLOW_OIDC_CLIENT_ID=memflow-viewer MEMFLOW_OIDC_DEVICE_CLIENT_ID=memflow-cli MEMFLOW_OIDC_DEVICE_CLIENT_SECRET=memflow-cli-secret`);
  process.on('SIGINT', () => void provider.stop().then(() => process.exit(0)));
}
