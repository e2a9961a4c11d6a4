/** Weaviate connection settings shared by the API and the workers. */
import type { Config } from '../config.js';

export interface WeaviateEndpoint {
  url: string;
  grpcPort: number;
  apiKey: string | undefined;
}

export function weaviateEndpoint(config: Config): WeaviateEndpoint {
  return { url: config.WEAVIATE_URL.replace(/\/+$/, ''), grpcPort: config.WEAVIATE_GRPC_PORT, apiKey: config.WEAVIATE_API_KEY };
}

/** Authenticated call to /v1/meta: proves the server is up and our key is accepted. */
export async function weaviateMeta(endpoint: WeaviateEndpoint, timeoutMs = 1500): Promise<{ version: string }> {
  const res = await fetch(`${endpoint.url}/v1/meta`, {
    headers: endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {},
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`Weaviate answered ${res.status} to /v1/meta`);
  const body = (await res.json()) as { version?: string };
  return { version: body.version ?? 'unknown' };
}
