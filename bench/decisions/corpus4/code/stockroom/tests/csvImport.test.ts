import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { importCsv } from '../src/import/csvImport.js';

const file = (rows: string[]) => Buffer.from(['sku;name;price;stock', ...rows].join('\n'), 'utf8');

describe('importCsv', () => {
  it('imports a clean price list', () => {
    const r = importCsv(file(['A-1;Tape;2,49;10', 'A-2;Glue;1,99;4']));
    assert.equal(r.imported.length, 2);
    assert.deepEqual(r.errors, []);
  });

  it('imports nothing when one row is broken', () => {
    const r = importCsv(file(['A-1;Tape;2,49;10', 'A-2;Glue;1.999;4', 'A-3;Box;0,89;100']));
    assert.deepEqual(r.imported, []);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]?.line, 3);
    assert.match(r.errors[0]?.message ?? '', /1\.999/);
  });
});
