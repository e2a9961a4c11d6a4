import { describe, expect, it } from 'vitest';

import { BadPageRequest, parsePage } from '../src/pagination.js';

describe('parsePage', () => {
  it('gives the scanner app the 200 items it asks for', () => {
    expect(parsePage({ limit: '200' }).limit).toBe(200);
  });

  it('refuses a limit it cannot serve instead of returning less', () => {
    expect(() => parsePage({ limit: '5000' })).toThrow(BadPageRequest);
  });

  it('defaults to 25', () => {
    expect(parsePage({})).toEqual({ limit: 25, offset: 0, cursor: undefined });
  });
});
