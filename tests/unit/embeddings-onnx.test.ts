/**
 * The `onnx` provider end to end on a model this test writes itself (tests/helpers/onnx-model.ts):
 * configuration picks it, @huggingface/transformers loads the tokenizer and the ONNX graph from the
 * directory with no network, ONNX Runtime runs it, vectors come back mean-pooled and normalised, in
 * order, batch after batch. A directory that is not a model fails without retries. (Weaviate is
 * left out on purpose: its collections hold one embedding space, and switching the shared test
 * stack to this model would re-create them under the other test files running beside this one.)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../common/server/config.js';
import { EmbeddingError, createEmbeddingProvider, createOnnxProvider, embeddingSpace } from '../../common/server/embeddings/providers.js';
import { writeTinyModel } from '../helpers/onnx-model.js';

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

let root: string;
let model: { dir: string; dimension: number };

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-onnx-'));
  model = writeTinyModel(root);
});

after(() => fs.rmSync(root, { recursive: true, force: true }));

describe('onnx provider on a self-built model', () => {
  test('is chosen by MEMFLOW_EMBEDDINGS=onnx with a model directory; the dimension comes from its config.json', () => {
    const p = createEmbeddingProvider(parseConfig({ DATABASE_URL: 'postgresql://x/y', MEMFLOW_EMBEDDINGS: 'onnx', MEMFLOW_EMBEDDINGS_MODEL: model.dir }));
    assert.deepEqual([p.name, p.model, p.dimension], ['onnx', model.dir, model.dimension]);
    assert.equal(embeddingSpace(p), `onnx/${model.dir}/${model.dimension}`);
  });

  test('runs real inference: normalised vectors, in order, related words closer than unrelated ones', async () => {
    const p = createOnnxProvider({ model: model.dir, maxBatch: 2 });
    const texts = ['the test timed out', 'latency on the page is slow', 'css layout overlaps the sidebar', 'postgres query', ''];
    const vectors = await p.embed(texts, 'document');
    assert.equal(vectors.length, texts.length);
    for (const v of vectors) {
      assert.equal(v.length, model.dimension);
      assert.ok(Math.abs(Math.sqrt(dot(v, v)) - 1) < 1e-4, 'L2-normalised');
    }
    const [timeout, slow, css, postgres] = vectors as [number[], number[], number[], number[]];
    assert.ok(dot(timeout, slow) > dot(timeout, css) + 0.3, `timeout~slow ${dot(timeout, slow)} vs timeout~css ${dot(timeout, css)}`);
    assert.ok(dot(css, slow) < dot(postgres, postgres));
    // The same text in another batch and as a query gives the same vector (batching does not leak).
    const [again] = await p.embed(['latency on the page is slow'], 'query');
    assert.ok(again!.every((x, i) => Math.abs(x - slow[i]!) < 1e-5));
  });

  test('a directory that is not a model fails without retries, naming the path', async () => {
    const empty = path.join(root, 'not-a-model');
    fs.mkdirSync(empty);
    const p = createOnnxProvider({ model: empty, dimension: 8 });
    await assert.rejects(p.embed(['x'], 'document'), (err: unknown) => err instanceof EmbeddingError && !err.retryable && err.message.includes(empty));
    assert.throws(() => createOnnxProvider({ model: empty }), /dimension .* unknown/);
  });
});
