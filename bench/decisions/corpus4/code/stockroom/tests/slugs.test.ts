import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { slugify, uniqueSlug } from '../src/catalog/slugs.js';

describe('slugify', () => {
  it('spells umlauts and sharp s out the German way', () => {
    assert.equal(slugify('Süßholz-Tee'), 'suessholz-tee');
    assert.equal(slugify('Grüner Tee, Größe L'), 'gruener-tee-groesse-l');
  });

  it('spells capital umlauts out too', () => {
    assert.equal(slugify('ÖKO Ärmel'), 'oeko-aermel');
  });

  it('numbers a taken slug', () => {
    assert.equal(uniqueSlug('Mug', new Set(['mug'])), 'mug-2');
  });
});
