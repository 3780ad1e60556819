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
import { ConfigError } from '../run/config.js';
import { preprocessingFor, sidecarPathOf, type Preprocessing } from './sidecar.js';

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

/**
 * The run's embeddings from its feature model, and the record that identifies them. `recorded`, a
 * resumed run's record: any other model (or preprocessing) is refused before an image is embedded.
 */
export async function modelEmbeddings(
  config: TrainConfig,
  ds: Dataset,
  cacheDir: string,
  hooks: EmbedHooks,
  recorded?: FeatureModelRecord,
): Promise<{ embeddings: Embeddings; record: FeatureModelRecord }> {
  if (!config.features) throw new Error('modelEmbeddings: the run names no feature model');
  const embedder = await Embedder.open(config.features, hooks.log);
  try {
    if (recorded) assertRecordedModel(recorded, embedder);
    const { embeddings } = await embedder.embed(ds.entries, cacheDir, hooks);
    return { embeddings, record: embedder.record(embeddings.dim) };
  } finally {
    await embedder.dispose();
  }
}

/** Refuses a model other than the recorded one: its embeddings would not be the ones the run clustered. */
export function assertRecordedModel(recorded: FeatureModelRecord, embedder: Embedder): void {
  const file = embedder.file;
  if (recorded.sha256 !== embedder.sha256) {
    throw new ConfigError(
      `--features ${file}: the model file changed since the run was trained (sha256 ${embedder.sha256.slice(0, 12)}, the run's ${recorded.sha256.slice(0, 12)}); put the run's model back, or train a new run`,
    );
  }
  const changed = (Object.keys(recorded.preprocessing) as (keyof Preprocessing)[]).filter(
    (f) => JSON.stringify(recorded.preprocessing[f]) !== JSON.stringify(embedder.prep[f]),
  );
  if (changed.length > 0) {
    const f = changed[0]!;
    throw new ConfigError(
      `${sidecarPathOf(file)}: ${f} is ${JSON.stringify(embedder.prep[f])}, the run was trained with ${JSON.stringify(recorded.preprocessing[f])}; restore it, or train a new run`,
    );
  }
}

/** Opens a feature model and resolves its preprocessing, telling the user what was inferred. */
export async function openWithPreprocessing(
  file: string,
  log: (line: string) => void,
): Promise<{ model: FeatureModel; prep: Preprocessing }> {
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
export async function embedImages(
  file: string,
  images: readonly CachedImage[],
  cacheDir: string,
  hooks: EmbedHooks,
): Promise<EmbedResult> {
  const embedder = await Embedder.open(file, hooks.log);
  try {
    return await embedder.embed(images, cacheDir, hooks);
  } finally {
    await embedder.dispose();
  }
}

/** An opened embedding cache; `writable` false when another process holds it. */
export type OpenCache = Awaited<ReturnType<typeof EmbeddingCache.open>>;

export interface EmbedResult {
  embeddings: Embeddings;
  stats: EmbedStats;
  /** With `skipUndecodable`: the images that did not decode (their rows stay zero), by index. */
  undecodable: Map<number, string>;
}

/** What identifies a feature model's embeddings: a run records it, so assign and resume can tell when the model changed. */
export interface FeatureModelRecord {
  file: string;
  sha256: string;
  preprocessing: Preprocessing;
  dim: number;
}

/**
 * An opened feature model with its preprocessing and content hash: held open by `assign`, which
 * embeds a folder in many batches (opening and hashing a 100 MB model per batch would dominate).
 */
export class Embedder {
  private constructor(
    readonly file: string,
    readonly model: FeatureModel,
    readonly prep: Preprocessing,
    readonly sha256: string,
  ) {}

  static async open(file: string, log: (line: string) => void): Promise<Embedder> {
    const { model, prep } = await openWithPreprocessing(file, log);
    try {
      return new Embedder(file, model, prep, await modelHash(model.files));
    } catch (e) {
      await model.dispose();
      throw e;
    }
  }

  get source(): string {
    return `model:${basename(this.file)}@${this.sha256.slice(0, 12)}`;
  }

  record(dim: number): FeatureModelRecord {
    return { file: this.file, sha256: this.sha256, preprocessing: this.prep, dim };
  }

  /** This model's embedding cache under cacheDir, opened (and locked) until its `cache.close()`. */
  openCache(cacheDir: string): Promise<OpenCache> {
    return EmbeddingCache.open(cacheDir, this.file, this.sha256, this.prep);
  }

  /**
   * `cacheDir`: the cache is opened for this call and closed after it; an `openCache()` result is
   * used as it is and left open (assign's batches of one folder share one). `skipUndecodable`: an
   * image that does not decode is reported in `undecodable` instead of failing the call.
   */
  async embed(
    images: readonly CachedImage[],
    cacheDir: string | OpenCache,
    hooks: EmbedHooks,
    skipUndecodable = false,
  ): Promise<EmbedResult> {
    const { file, model, prep } = this;
    const t0 = performance.now();
    const undecodable = new Map<number, string>();
    const { cache, writable } = typeof cacheDir === 'string' ? await this.openCache(cacheDir) : cacheDir;
    try {
      if (!writable)
        hooks.log(`embedding cache ${cache.dir} is in use by another trainer: computing without saving`);
      const rows = cache.lookup(images);
      const todo = [...rows.keys()].filter((i) => rows[i]! < 0);
      const cached = images.length - todo.length;
      hooks.log(
        `feature model ${basename(file)} (${model.kind}, ${model.device}, ${prep.size} px): ${cached} of ${images.length} images cached, ${todo.length} to embed`,
      );
      let dim = cache.dim;
      let data = new Float32Array(images.length * (dim ?? 0));
      await cache.read(rows, data);
      let done = cached;
      const report = () => hooks.onEmbed?.(done, images.length);
      report();
      const decodeOne = (i: number) =>
        decodeForModel(images[i]!.abs, prep).catch((e: Error) => {
          if (!skipUndecodable) return Promise.reject(new Error(`${images[i]!.abs}: ${e.message}`));
          undecodable.set(i, e.message.split('\n')[0]!);
          return undefined;
        });
      const decodeBatch = (at: number) => Promise.all(todo.slice(at, at + BATCH).map(decodeOne));
      let next = todo.length > 0 ? decodeBatch(0) : undefined;
      const started = performance.now();
      let lastLog = started;
      for (let at = 0; at < todo.length; at += BATCH) {
        if (hooks.signal?.aborted) throw new CancelledError();
        const decoded = await next!;
        // Decoding the next batch overlaps this batch's forward pass.
        next = at + BATCH < todo.length ? decodeBatch(at + BATCH) : undefined;
        next?.catch(() => undefined);
        const idx = todo.slice(at, at + BATCH).filter((_, k) => decoded[k] !== undefined);
        const pixels = decoded.filter((px) => px !== undefined);
        done += decoded.length - idx.length;
        if (idx.length === 0) continue;
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
        if (writable)
          await cache.append(
            idx.map((i) => images[i]!),
            pooled.rows,
            dim,
          );
        done += idx.length;
        report();
        const now = performance.now();
        if (now - lastLog > 10_000) {
          lastLog = now;
          hooks.log(
            `embedded ${done - cached} of ${todo.length} images (${((done - cached) / ((now - started) / 1000)).toFixed(1)} img/s)`,
          );
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      if (todo.length > 0)
        hooks.log(
          `embedded ${todo.length} images in ${seconds.toFixed(1)} s (${(todo.length / ((performance.now() - started) / 1000)).toFixed(1)} img/s), ${dim} dims`,
        );
      return {
        embeddings: { n: images.length, dim: dim ?? 0, data, source: this.source },
        stats: { cached, computed: todo.length, seconds },
        undecodable,
      };
    } finally {
      if (typeof cacheDir === 'string') await cache.close();
    }
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }
}
