/**
 * The tests' HTTP helper, on the API client (clients/): `callApi` sends one authenticated request and
 * returns the answer whatever its status (tests look at 4xx and 5xx too), `apiClient` is the typed
 * client for tests that read what a real client reads.
 */
import { createApiClient, fetchTransport, type ApiClient } from '../../clients/api.js';
import { jsonOrUndefined, type Method } from '../../clients/core.js';

export interface ApiAnswer {
  status: number;
  /** The body parsed when it is JSON (undefined for NDJSON or an empty body). */
  body: any;
  text: string;
  headers: Headers;
}

export async function callApi(baseUrl: string, key: string, method: string, url: string, body?: unknown): Promise<ApiAnswer> {
  const res = await fetchTransport(baseUrl)({
    method: method as Method,
    path: url,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: jsonOrUndefined(res.text), text: res.text, headers: res.headers as Headers };
}

/** The typed client of a test API with `key`. */
export const apiClient = (baseUrl: string, key: string): ApiClient => createApiClient({ transport: fetchTransport(baseUrl), key, describe: baseUrl });
