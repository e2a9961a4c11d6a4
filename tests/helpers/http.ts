/** One authenticated request to a test API, with the body parsed when it is JSON (kept as text too). */
export interface ApiAnswer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

export async function callApi(baseUrl: string, key: string, method: string, url: string, body?: unknown): Promise<ApiAnswer> {
  const res = await fetch(`${baseUrl}${url}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // NDJSON or empty
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}
