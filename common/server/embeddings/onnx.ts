/**
 * A real sentence-embedding model run in-process by ONNX Runtime through `@huggingface/transformers`
 * (an optionalDependency: the default install stays small). MEMFLOW_EMBEDDINGS_MODEL is either
 * - a model directory (absolute path, or starting with ./ or ../) in Transformers.js layout:
 *   config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx — for offline sites; or
 * - a hub model id (default Xenova/all-MiniLM-L6-v2), downloaded and cached on first use.
 * Texts are mean-pooled over their tokens and L2-normalised (sentence-transformers' recipe). The
 * dimension is read from the model directory's config.json (hidden_size), known for the default
 * models, or taken from MEMFLOW_EMBEDDINGS_DIMENSION; a model answering another length fails loudly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EmbeddingError } from './embedding-error.js';
import { inBatches } from './remote-provider.js';
import type { EmbeddingInput, EmbeddingProvider } from './types.js';

export const ONNX_DEFAULT_MODEL = 'Xenova/all-MiniLM-L6-v2';
const KNOWN_DIMENSIONS: Record<string, number> = { 'Xenova/all-MiniLM-L6-v2': 384, 'Xenova/bge-small-en-v1.5': 384, 'Xenova/all-mpnet-base-v2': 768 };

export interface OnnxProviderOptions {
  /** A model directory or a hub model id. */
  model?: string;
  dimension?: number;
  maxBatch?: number;
  /** Where downloaded models are cached (hub ids only). */
  cacheDir?: string;
}

const isPath = (m: string) => path.isAbsolute(m) || m.startsWith('./') || m.startsWith('../');

/**
 * What memflow uses of @huggingface/transformers, typed here so that the code compiles where the
 * optional dependency is not installed (the import specifier is a variable for the same reason).
 */
interface TransformersLib {
  env: { localModelPath: string; allowLocalModels: boolean; allowRemoteModels: boolean; cacheDir: string | null };
  pipeline(task: 'feature-extraction', model: string, opts: { dtype: 'fp32'; device: 'cpu' }): Promise<unknown>;
}
const TRANSFORMERS = '@huggingface/transformers';

type Extractor = (texts: string[], opts: { pooling: 'mean'; normalize: boolean }) => Promise<{ dims: number[]; tolist(): number[][] }>;

function fail(message: string): never {
  throw new EmbeddingError(`onnx embeddings: ${message}`, 'onnx', false);
}

/** hidden_size of a model directory's config.json, when there is one. */
function configuredDimension(dir: string): number | undefined {
  try {
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { hidden_size?: unknown; dim?: unknown };
    const n = Number(cfg.hidden_size ?? cfg.dim);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

async function loadExtractor(model: string, cacheDir: string | undefined): Promise<Extractor> {
  let lib: TransformersLib;
  try {
    lib = (await import(TRANSFORMERS)) as TransformersLib;
  } catch (err) {
    fail(`@huggingface/transformers is not installed (${(err as Error).message.split('\n')[0]}); install it with ONNXRUNTIME_NODE_INSTALL=skip npm install, or choose another MEMFLOW_EMBEDDINGS`);
  }
  const { env, pipeline } = lib;
  let id = model;
  if (isPath(model)) {
    const dir = path.resolve(model);
    if (!fs.existsSync(path.join(dir, 'onnx', 'model.onnx'))) fail(`${dir} is not a model directory (no onnx/model.onnx)`);
    // Transformers.js resolves local models as <localModelPath>/<id>/...; nothing is fetched.
    env.localModelPath = path.dirname(dir);
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    id = path.basename(dir);
  } else if (cacheDir) {
    env.cacheDir = cacheDir;
  }
  try {
    const extractor = await pipeline('feature-extraction', id, { dtype: 'fp32', device: 'cpu' });
    return extractor as unknown as Extractor;
  } catch (err) {
    // A model that cannot be found or loaded will not load on a retry either.
    fail(`cannot load model '${model}': ${(err as Error).message.split('\n')[0]}`);
  }
}

export function createOnnxProvider(opts: OnnxProviderOptions = {}): EmbeddingProvider {
  const model = opts.model ?? ONNX_DEFAULT_MODEL;
  const dimension = opts.dimension ?? (isPath(model) ? configuredDimension(path.resolve(model)) : KNOWN_DIMENSIONS[model]);
  if (!dimension) fail(`the dimension of model '${model}' is unknown (no hidden_size in its config.json); set MEMFLOW_EMBEDDINGS_DIMENSION`);
  const maxBatch = opts.maxBatch ?? 32;
  let loading: Promise<Extractor> | undefined;
  const extractor = () => {
    loading ??= loadExtractor(model, opts.cacheDir);
    loading.catch(() => (loading = undefined));
    return loading;
  };
  const embedBatch = async (batch: string[]): Promise<number[][]> => {
    const run = await extractor();
    const out = await run(
      batch.map((t) => (t.trim() === '' ? ' ' : t)),
      { pooling: 'mean', normalize: true },
    );
    const vectors = out.tolist();
    if (vectors.length !== batch.length || vectors.some((v) => v.length !== dimension)) {
      fail(`model '${model}' answered vectors of ${vectors[0]?.length ?? 0} dimensions for ${batch.length} texts, configured ${dimension} (set MEMFLOW_EMBEDDINGS_DIMENSION)`);
    }
    return vectors;
  };
  return {
    name: 'onnx',
    model,
    dimension,
    maxBatch,
    // Queries and documents are embedded alike (symmetric sentence-transformers models).
    embed: (texts: string[], _input: EmbeddingInput) => inBatches(texts, maxBatch, embedBatch),
  };
}
