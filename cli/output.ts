/** How the non-hook commands fail: one line on stderr, a non-zero exit, never a stack trace. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

// `memflow sessions | head`: the reader went away; that ends the command, quietly, not with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

export const stdoutLine = (line: string) => {
  process.stdout.write(`${line}\n`);
};

export const stderrLine = (line: string) => {
  process.stderr.write(`${line}\n`);
};

/** An ISO timestamp as `2026-11-22 17:00:19Z`; `-` when absent. */
export const shortTime = (iso: string | null | undefined) => (iso ? iso.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z') : '-');

/** Left-aligned columns, two spaces apart; the last column is not padded. */
export function printTable(header: string[], rows: string[][], out: (line: string) => void): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  out(fmt(header));
  for (const r of rows) out(fmt(r));
}

/** 1536 -> `1.5 KiB`. */
export function byteSize(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}
