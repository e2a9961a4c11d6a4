/** Temporal connection settings shared by the API (client) and the workers. */
import { Client, Connection } from '@temporalio/client';
import type { Config } from './config.js';

/**
 * A lazy connection: the API must start (and answer /health, and /ready with "temporal: down") even
 * when Temporal is not up yet; calls connect on first use and reconnect after outages.
 */
export function createTemporalClient(config: Config): { connection: Connection; client: Client } {
  const connection = Connection.lazy({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  return { connection, client };
}
