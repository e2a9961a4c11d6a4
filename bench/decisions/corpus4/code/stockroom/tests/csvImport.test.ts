import { describe, expect, it } from 'vitest';

import { importCsv } from '../src/import/csvImport.js';

const file = (rows: string[]) => Buffer.from(['sku;name;price;stock', ...rows].join('\n'), 'utf8');

describe('importCsv', () => {
  it('imports a clean price list', () => {
    const r = importCsv(file(['A-1;Tape;2,49;10', 'A-2;Glue;1,99;4']));
    expect(r.imported).toHaveLength(2);
    expect(r.errors).toEqual([]);
  });

  it('imports nothing when one row is broken', () => {
    const r = importCsv(file(['A-1;Tape;2,49;10', 'A-2;Glue;1.999;4', 'A-3;Box;0,89;100']));
    expect(r.imported).toEqual([]);
    expect(r.errors).toEqual([{ line: 3, message: expect.stringContaining('1.999') }]);
  });
});
