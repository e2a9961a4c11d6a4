/**
 * Writes a tiny but real sentence-embedding model in Transformers.js layout, so the `onnx` provider
 * is tested with real loading and inference (tokenizer, ONNX Runtime session, pooling) and no
 * weights from anywhere: a BERT WordPiece tokenizer over a small vocabulary and an ONNX graph whose
 * one node looks each token up in an embedding table (Gather: input_ids [batch, seq] ->
 * last_hidden_state [batch, seq, dim]). The table is chosen so that words of one concept share a
 * direction: "timeout" and "slow" land close, "css" far from both.
 *
 * The ONNX file is the protobuf of onnx.ModelProto, encoded here by hand (field numbers from onnx.proto).
 */
import fs from 'node:fs';
import path from 'node:path';

// --- a minimal protobuf writer: varints, length-delimited fields ---------------------------------
function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}
const intField = (field: number, n: number) => [...varint(field << 3), ...varint(n)];
const bytesField = (field: number, bytes: ArrayLike<number>) => [...varint((field << 3) | 2), ...varint(bytes.length), ...Array.from(bytes)];
const strField = (field: number, s: string) => bytesField(field, Buffer.from(s, 'utf8'));
const msg = (field: number, parts: number[][]) => bytesField(field, parts.flat());

const INT64 = 7;
const FLOAT = 1;

/** ValueInfoProto of a tensor whose dims are named (symbolic) or fixed. */
function valueInfo(field: number, name: string, elemType: number, dims: (string | number)[]): number[] {
  const shape = dims.map((d) => msg(1, [typeof d === 'number' ? intField(1, d) : strField(2, d)]));
  const tensorType = msg(1, [intField(1, elemType), msg(2, shape)]);
  return msg(field, [strField(1, name), msg(2, [tensorType])]);
}

function gatherModel(table: number[][]): Buffer {
  const dim = table[0]!.length;
  const raw = Buffer.alloc(table.length * dim * 4);
  table.flat().forEach((x, i) => raw.writeFloatLE(x, i * 4));
  const initializer = msg(5, [intField(1, table.length), intField(1, dim), intField(2, FLOAT), strField(8, 'embeddings'), bytesField(9, raw)]);
  const node = msg(1, [strField(1, 'embeddings'), strField(1, 'input_ids'), strField(2, 'last_hidden_state'), strField(3, 'lookup'), strField(4, 'Gather'), msg(5, [strField(1, 'axis'), intField(3, 0), intField(20, 2)])]);
  const graph = msg(7, [node, strField(2, 'tiny-embedder'), initializer, valueInfo(11, 'input_ids', INT64, ['batch', 'sequence']), valueInfo(12, 'last_hidden_state', FLOAT, ['batch', 'sequence', dim])]);
  return Buffer.from([...intField(1, 8), ...strField(2, 'memflow-tests'), ...graph, ...msg(8, [strField(1, ''), intField(2, 13)])]);
}

const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'];

/** Concept -> words; each concept gets its own axis of the table (plus a small per-word part). */
export const TINY_CONCEPTS: Record<string, string[]> = {
  slowness: ['timeout', 'timed', 'slow', 'latency', 'hangs'],
  styling: ['css', 'layout', 'sidebar', 'overlaps'],
  database: ['postgres', 'database', 'query', 'index'],
};
const FILLER = ['the', 'a', 'is', 'was', 'on', 'in', 'test', 'page', 'out'];

/** Writes the model directory under `root` and returns its path; `dim` = concepts + words. */
export function writeTinyModel(root: string, name = 'tiny-embedder'): { dir: string; dimension: number } {
  const words = [...Object.values(TINY_CONCEPTS).flat(), ...FILLER];
  const vocab = [...SPECIAL, ...words];
  const concepts = Object.keys(TINY_CONCEPTS);
  const dimension = concepts.length + 4;
  const table = vocab.map((token, id) => {
    const v = new Array<number>(dimension).fill(0);
    const c = concepts.findIndex((k) => TINY_CONCEPTS[k]!.includes(token));
    if (c >= 0) v[c] = 1;
    // Every token a small signature of its own (fillers and specials only that): not all identical.
    v[concepts.length + (id % 4)] = c >= 0 ? 0.15 : 0.3;
    return v;
  });
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'onnx', 'model.onnx'), gatherModel(table));
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({ model_type: 'bert', architectures: ['BertModel'], hidden_size: dimension, vocab_size: vocab.length, num_attention_heads: 1, num_hidden_layers: 1, max_position_embeddings: 128 }),
  );
  const special = (content: string) => ({ id: vocab.indexOf(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const tok = (t: string) => ({ id: t, ids: [vocab.indexOf(t)], tokens: [t] });
  fs.writeFileSync(
    path.join(dir, 'tokenizer.json'),
    JSON.stringify({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: SPECIAL.map(special),
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
        pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
        special_tokens: { '[CLS]': tok('[CLS]'), '[SEP]': tok('[SEP]') },
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(vocab.map((t, i) => [t, i])) },
    }),
  );
  fs.writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({ tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: 128, pad_token: '[PAD]', unk_token: '[UNK]', cls_token: '[CLS]', sep_token: '[SEP]' }),
  );
  return { dir, dimension };
}
