/** Temporal connection settings shared by the API (client) and the workers. */
import fs from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { Config } from './config.js';

type TemporalSettings = Pick<
  Config,
  | 'TEMPORAL_ADDRESS'
  | 'TEMPORAL_TLS'
  | 'TEMPORAL_API_KEY'
  | 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'
  | 'TEMPORAL_TLS_CLIENT_CERT_PATH'
  | 'TEMPORAL_TLS_CLIENT_KEY_PATH'
  | 'TEMPORAL_TLS_SERVER_NAME'
>;

export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

/**
 * The address, TLS and API key of the configured Temporal, for the client's Connection and the
 * worker's NativeConnection alike. TLS is on when TEMPORAL_TLS=true, when an API key or a client
 * certificate is configured, or when a CA is named, and off with TEMPORAL_TLS=false; the files are
 * read here, so a missing one fails the connection with its path.
 */
export function temporalConnectionOptions(config: TemporalSettings): TemporalConnectionOptions {
  const wantsTls =
    config.TEMPORAL_TLS === 'true' ||
    (config.TEMPORAL_TLS !== 'false' && Boolean(config.TEMPORAL_API_KEY || config.TEMPORAL_TLS_CLIENT_CERT_PATH || config.TEMPORAL_TLS_SERVER_CA_CERT_PATH));
  const read = (name: string, file: string): Buffer => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new Error(`${name}=${file} cannot be read: ${(err as Error).message}`);
    }
  };
  const tls: TLSConfig | undefined = wantsTls
    ? {
        ...(config.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME } : {}),
        ...(config.TEMPORAL_TLS_SERVER_CA_CERT_PATH ? { serverRootCACertificate: read('TEMPORAL_TLS_SERVER_CA_CERT_PATH', config.TEMPORAL_TLS_SERVER_CA_CERT_PATH) } : {}),
        ...(config.TEMPORAL_TLS_CLIENT_CERT_PATH && config.TEMPORAL_TLS_CLIENT_KEY_PATH
          ? { clientCertPair: { crt: read('TEMPORAL_TLS_CLIENT_CERT_PATH', config.TEMPORAL_TLS_CLIENT_CERT_PATH), key: read('TEMPORAL_TLS_CLIENT_KEY_PATH', config.TEMPORAL_TLS_CLIENT_KEY_PATH) } }
          : {}),
      }
    : undefined;
  return {
    address: config.TEMPORAL_ADDRESS,
    ...(tls ? { tls } : {}),
    ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY } : {}),
  };
}

/**
 * A lazy connection: the API must start (and answer /health, and /ready with "temporal: down") even
 * when Temporal is not up yet; calls connect on first use and reconnect after outages.
 */
export function createTemporalClient(config: Config): { connection: Connection; client: Client } {
  const connection = Connection.lazy(temporalConnectionOptions(config));
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  return { connection, client };
}
