/**
 * The hook's input: the agent's JSON on stdin, read within a size and time limit and accepted only
 * as a JSON object. Anything else is a reason to drop the event (said on stderr by the caller).
 */
const MAX_STDIN_BYTES = 16 * 1024 * 1024;

type StdinResult = { ok: true; text: string } | { ok: false; reason: string };

function readStdin(maxBytes: number, waitMs: number): Promise<StdinResult> {
  const stdin = process.stdin;
  if (stdin.isTTY) return Promise.resolve({ ok: false, reason: 'no hook JSON on stdin (it is a terminal)' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (r: StdinResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stdin.removeAllListeners('data');
      stdin.pause();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `stdin did not end within ${waitMs} ms` }), waitMs);
    stdin.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish({ ok: false, reason: `the hook JSON is larger than ${maxBytes} bytes` });
      else chunks.push(chunk);
    });
    stdin.once('end', () => finish({ ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    stdin.once('error', (err) => finish({ ok: false, reason: `cannot read stdin (${err.message})` }));
  });
}

export type HookJson = { ok: true; body: Record<string, unknown> } | { ok: false; reason: string };

/** Stdin as a JSON object, or why not. */
export async function readHookJson(waitMs: number, maxBytes = MAX_STDIN_BYTES): Promise<HookJson> {
  const input = await readStdin(maxBytes, waitMs);
  if (!input.ok) return input;
  let body: unknown;
  try {
    body = JSON.parse(input.text);
  } catch {
    return { ok: false, reason: 'stdin is not valid JSON' };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: false, reason: 'stdin is not a JSON object' };
  return { ok: true, body: body as Record<string, unknown> };
}
