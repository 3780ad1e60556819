// Embeddings of a run's images from the feature model the user named (config.features): read from
// the embedding cache where it has them, computed (in batches, with progress and cancel) where not.
import { basename } from 'node:path';
import { fromHalf, toHalf } from '../../common/features.js';
import type { TrainConfig } from '../../protocol/run.js';
import type { Dataset } from '../data/dataset.js';
import type { Embeddings } from '../embeddings/embeddings.js';
import { CancelledError } from '../methods/method.js';
import { EmbeddingCache, type CachedImage } from './embeddingCache.js';
import { modelHash, openFeatureModel, type FeatureModel } from './featureModel.js';
import { decodeForModel, poolOutput, toModelInput } from './preprocess.js';
import { preprocessingFor, type Preprocessing } from './sidecar.js';

export interface EmbedHooks {
  log(line: string): void;
  signal?: AbortSignal;
  /** Images done (cached ones included) out of all: at the start and after each batch. */
  onEmbed?(done: number, total: number): void;
}

export interface EmbedStats {
  cached: number;
  computed: number;
  seconds: number;
}

const BATCH = 16;

export async function modelEmbeddings(config: TrainConfig, ds: Dataset, cacheDir: string, hooks: EmbedHooks): Promise<Embeddings> {
  if (!config.features) throw new Error('modelEmbeddings: the run names no feature model');
  return (await embedImages(config.features, ds.entries, cacheDir, hooks)).embeddings;
}

/** Opens a feature model and resolves its preprocessing, telling the user what was inferred. */
export async function openWithPreprocessing(file: string, log: (line: string) => void): Promise<{ model: FeatureModel; prep: Preprocessing }> {
  const model = await openFeatureModel(file, log);
  try {
    const { prep, note } = await preprocessingFor(file, model.signature);
    if (note) log(`feature model: ${note}`);
    return { model, prep };
  } catch (e) {
    await model.dispose();
    throw e;
  }
}

/** Opens the model and resolves its preprocessing, then lets go: a ConfigError when either will not do. */
export async function checkFeatureModel(file: string): Promise<void> {
  const { model } = await openWithPreprocessing(file, () => {});
  await model.dispose();
}

/** Embeddings of `images` (any files: a run's, or new ones to assign) through the cache. */
export async function embedImages(file: string, images: readonly CachedImage[], cacheDir: string, hooks: EmbedHooks): Promise<{ embeddings: Embeddings; stats: EmbedStats }> {
  const t0 = performance.now();
  const { model, prep } = await openWithPreprocessing(file, hooks.log);
  try {
    const sha = await modelHash(model.files);
    const { cache, writable } = await EmbeddingCache.open(cacheDir, file, sha, prep);
    try {
      if (!writable) hooks.log(`embedding cache ${cache.dir} is in use by another trainer: computing without saving`);
      const rows = cache.lookup(images);
      const todo = [...rows.keys()].filter((i) => rows[i]! < 0);
      const cached = images.length - todo.length;
      const source = `model:${basename(file)}@${sha.slice(0, 12)}`;
      hooks.log(`feature model ${basename(file)} (${model.kind}, ${model.device}, ${prep.size} px): ${cached} of ${images.length} images cached, ${todo.length} to embed`);
      let dim = cache.dim;
      let data = new Float32Array(images.length * (dim ?? 0));
      await cache.read(rows, data);
      let done = cached;
      const report = () => hooks.onEmbed?.(done, images.length);
      report();
      const decodeBatch = (at: number) => {
        const idx = todo.slice(at, at + BATCH);
        return Promise.all(idx.map((i) => decodeForModel(images[i]!.abs, prep).catch((e: Error) => Promise.reject(new Error(`${images[i]!.abs}: ${e.message}`)))));
      };
      let next = todo.length > 0 ? decodeBatch(0) : undefined;
      const started = performance.now();
      let lastLog = started;
      for (let at = 0; at < todo.length; at += BATCH) {
        if (hooks.signal?.aborted) throw new CancelledError();
        const idx = todo.slice(at, at + BATCH);
        const pixels = await next!;
        // Decoding the next batch overlaps this batch's forward pass.
        next = at + BATCH < todo.length ? decodeBatch(at + BATCH) : undefined;
        next?.catch(() => undefined);
        const input = new Float32Array(idx.length * prep.size * prep.size * 3);
        pixels.forEach((px, k) => toModelInput(px, prep, input, k));
        const out = await model.run(input, idx.length, prep);
        const pooled = poolOutput(out.data, out.shape, prep);
        if (dim === undefined) {
          dim = pooled.dim;
          data = new Float32Array(images.length * dim);
        }
        for (let k = 0; k < idx.length; k++) {
          // Rounded as the cache stores them, so a run from the cache sees the very same values.
          for (let j = 0; j < dim; j++) data[idx[k]! * dim + j] = fromHalf(toHalf(pooled.rows[k * dim + j]!));
        }
        if (writable) await cache.append(idx.map((i) => images[i]!), pooled.rows, dim);
        done += idx.length;
        report();
        const now = performance.now();
        if (now - lastLog > 10_000) {
          lastLog = now;
          hooks.log(`embedded ${done - cached} of ${todo.length} images (${((done - cached) / ((now - started) / 1000)).toFixed(1)} img/s)`);
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      if (todo.length > 0) hooks.log(`embedded ${todo.length} images in ${seconds.toFixed(1)} s (${(todo.length / ((performance.now() - started) / 1000)).toFixed(1)} img/s), ${dim} dims`);
      return { embeddings: { n: images.length, dim: dim ?? 0, data, source }, stats: { cached, computed: todo.length, seconds } };
    } finally {
      await cache.close();
    }
  } finally {
    await model.dispose();
  }
}
