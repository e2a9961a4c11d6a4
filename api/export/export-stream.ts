/**
 * The NDJSON lines of a project's export, produced page by page with keyset pagination on one
 * connection (inside the caller's read-only snapshot), so memory stays bounded by one page and one
 * output chunk whatever the project's size. Pages adapt to the rows' size: about PAGE_BYTES each,
 * at most MAX_PAGE_ROWS rows, so a table of large tool outputs does not load thousands at once.
 */
import type pg from 'pg';
import { EXPORT_TABLES, iso, type ExportTable, type ExportType } from './export-tables.js';

const MAX_PAGE_ROWS = 1000;
/** The first page of a table is small: its rows' size is not known yet (a stored event may hold 256 KiB). */
const FIRST_PAGE_ROWS = 16;
const PAGE_BYTES = 512 * 1024;
/** Lines are handed to the stream in chunks of about this many characters (fewer, larger socket writes). */
export const CHUNK_BYTES = 64 * 1024;

type Row = Record<string, unknown>;

/** One line: `{"type":...,<fields in select order>}`; fields named in rawJson are JSON text already. */
export function exportLine(type: ExportType, row: Row, rawJson: readonly string[] = []): string {
  let line = `{"type":${JSON.stringify(type)}`;
  for (const [key, value] of Object.entries(row)) {
    if (key === 'k_at' || key === 'k_id') continue;
    const json = value !== null && rawJson.includes(key) ? String(value) : JSON.stringify(value);
    line += `,${JSON.stringify(key)}:${json}`;
  }
  return `${line}}\n`;
}

/** One page after the keyset position `after` ($2, $3), if any; $1 is the project id. */
function pageSql(table: ExportTable, after: boolean, limit: number): string {
  const keyset = after ? ` AND (${table.orderAt}, t.id) > ($2::timestamptz, $3::uuid)` : '';
  return `SELECT ${table.columns}, ${iso(table.orderAt)} AS k_at, t.id AS k_id
            FROM ${table.from}${keyset}
           ORDER BY ${table.orderAt}, t.id
           LIMIT ${limit}`;
}

/** Every line of one table, page by page. */
async function* tableLines(db: pg.ClientBase, table: ExportTable, projectId: string, counts: Record<string, number>): AsyncGenerator<string> {
  let after: { at: string; id: string } | undefined;
  let limit = FIRST_PAGE_ROWS;
  for (;;) {
    const { rows } = await db.query<Row>(pageSql(table, !!after, limit), after ? [projectId, after.at, after.id] : [projectId]);
    let bytes = 0;
    for (const row of rows) {
      const line = exportLine(table.type, row, table.rawJson);
      bytes += line.length;
      counts[table.type] = (counts[table.type] ?? 0) + 1;
      yield line;
    }
    if (rows.length < limit) return;
    const last = rows.at(-1)!;
    after = { at: String(last.k_at), id: String(last.k_id) };
    limit = Math.max(1, Math.min(MAX_PAGE_ROWS, Math.floor(PAGE_BYTES / Math.max(1, bytes / rows.length))));
  }
}

/**
 * The export's NDJSON in chunks of about CHUNK_BYTES: the project line, then each table in
 * dependency order. `counts` is filled in as lines are produced (for logs).
 */
export async function* exportChunks(db: pg.ClientBase, project: Row & { id: string }, counts: Record<string, number> = {}): AsyncGenerator<string> {
  let chunk = exportLine('project', project);
  counts.project = 1;
  for (const table of EXPORT_TABLES) {
    for await (const line of tableLines(db, table, project.id, counts)) {
      chunk += line;
      if (chunk.length >= CHUNK_BYTES) {
        yield chunk;
        chunk = '';
      }
    }
  }
  if (chunk) yield chunk;
}
