/**
 * Tokens are counted with gpt-tokenizer (plain JavaScript, about ten times faster than tiktoken's
 * WebAssembly), on the capture path and for budgets and prompts alike. Both are the cl100k_base
 * encoding: the counts must be tiktoken's, text for text.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { get_encoding } from 'tiktoken';
import { countTokens } from '../../common/rules/tokens.js';
import { repoRoot } from '../../infra/profile.js';

function corpus(): string[] {
  const texts: string[] = [];
  for (const dir of ['api', 'common', 'workflows', 'activities']) {
    for (const f of fs.readdirSync(path.join(repoRoot, dir), { recursive: true }) as string[]) {
      if (!f.endsWith('.ts')) continue;
      const src = fs.readFileSync(path.join(repoRoot, dir, f), 'utf8');
      // A slice of every file, one in three of each file's 1,500-character steps: the tier's time stays
      // bounded as the code grows, and every file's kind of text is still compared.
      for (let i = 0; i < src.length; i += 4500) texts.push(src.slice(i, i + 1700));
    }
  }
  texts.push(
    'hello <|endoftext|> world <|fim_prefix|><|im_start|> special tokens are text here',
    'ünïcödé, 日本語のテキスト, emoji 😀👍🏽, RTL שלום, combining é',
    'x'.repeat(20_000),
    '    indented\n\n\n\ttabs\r\nwindows lines   trailing   ',
    'FAIL tests/login.test.ts\n  ● login › refreshes the token\n    expected 200, got 401\n      at Object.<anonymous> (src/auth/login.ts:42:17)',
    '',
  );
  return texts;
}

test('capture, budget and prompt token counts equal tiktoken cl100k_base counts', () => {
  const texts = corpus();
  assert.ok(texts.length > 200, `${texts.length} texts`);
  const tiktoken = get_encoding('cl100k_base');
  try {
    const differing = texts.filter((t) => {
      const expected = tiktoken.encode_ordinary(t).length;
      return countTokens(t) !== expected;
    });
    assert.deepEqual(differing.map((t) => t.slice(0, 60)), []);
  } finally {
    tiktoken.free();
  }
});
