/**
 * Assigning images to the clusters of a trained run: the method is rebuilt from run.json, its
 * checkpoint loaded, and the files decoded exactly as training decoded its dataset (same size,
 * channels and decoder), so an image of the training set lands where training put it. A run that
 * clustered a feature model's embeddings embeds the files through that model (the very file it
 * recorded, through the embedding cache) and assigns the embeddings with its centroids or head.
 */
import * as tf from '@tensorflow/tfjs-core';
import { stat } from 'node:fs/promises';
import { stampsKey } from '../../common/fileStamp.js';
import { isEmbeddingMethod } from '../../common/methods/index.js';
import type { BackendName, RunJson } from '../../protocol/run.js';
import type { AssignResult } from '../../protocol/server.js';
import { decodeMany, type DecodeResult } from '../data/decode.js';
import { toFloatBatch, type Dataset } from '../data/dataset.js';
import type { CachedImage } from '../features/embeddingCache.js';
import { assertRecordedModel, Embedder, type OpenCache } from '../features/modelEmbeddings.js';
import { sidecarPathOf } from '../features/sidecar.js';
import { isEmbeddingMethodInstance, predictionsOfProbs } from '../methods/embeddingMethod.js';
import { createMethod } from '../methods/index.js';
import { predictFromProbs, type Method } from '../methods/method.js';
import { ConfigError, cacheDirOf } from './config.js';
import { checkpointEpoch, loadCheckpoint } from './checkpoint.js';
import { RunFolder } from './runFolder.js';

interface Loaded {
  dir: string;
  epoch: number;
  backend: string;
  run: RunJson;
  method: Method;
  /**
   * A feature-model run's model, held open between calls; `state` tells when its files change;
   * `cache`, its embedding cache while a caller holds it open (assignFolder, over its batches).
   */
  embedder?: { model: Embedder; state: string; cache?: OpenCache };
}

/** Keeps the last run's model loaded: the host sends new files of one run in many small batches. */
export class Assigner {
  private loaded: Loaded | undefined;

  /**
   * useBackend makes tfjs ready for a run that trained on `backend` (the caller knows whether it may
   * switch); cacheDir is the embedding cache a feature-model run's images are embedded through.
   */
  constructor(
    private readonly useBackend: (backend: BackendName) => Promise<void>,
    private readonly cacheDir = cacheDirOf(),
  ) {}

  /**
   * `files` are absolute paths; results keep them as given. `holdCache`: a feature-model run's
   * embedding cache stays open (and locked) after the call, for the next batch, until closeCache().
   */
  async assign(runDir: string, files: string[], opts: { holdCache?: boolean } = {}): Promise<AssignResult> {
    const loaded = await this.model(runDir);
    if (loaded.embedder) {
      const held = loaded.embedder;
      held.cache ??= await held.model.openCache(this.cacheDir);
      try {
        return await this.assignEmbedded(loaded, held.model, held.cache, files);
      } finally {
        if (!opts.holdCache) await this.closeCache();
      }
    }
    const { run, method } = loaded;
    const size = run.config.imageSize;
    const channels = run.config.channels;
    const per = size * size * channels;
    const pixels = new Uint8Array(files.length * per);
    const ok: number[] = [];
    const skipped: AssignResult['skipped'] = [];
    const results = new Array<DecodeResult>(files.length);
    await decodeMany(
      files.map((abs) => ({ abs })),
      { size, channels },
      (i, r) => (results[i] = r),
    );
    results.forEach((r, i) => {
      if (r.ok && r.pixels.length === per) {
        pixels.set(r.pixels, ok.length * per);
        ok.push(i);
      } else
        skipped.push({
          path: files[i]!,
          reason: r.ok ? `decoded to ${r.pixels.length} bytes, expected ${per}` : r.reason,
        });
    });
    if (ok.length === 0) return { assignments: [], skipped };
    const images = datasetShape(run, ok.length, pixels.subarray(0, ok.length * per));
    const preds = await predictFromProbs(images.n, 256, (idx) => method.probs(toFloatBatch(images, idx)));
    const assignments = ok.map((fileIndex, j) => ({
      path: files[fileIndex]!,
      cluster: preds.cluster[j]!,
      confidence: preds.confidence[j]!,
    }));
    return { assignments, skipped };
  }

  /** The files' embeddings through the run's feature model, assigned from them; files that do not decode are skipped. */
  private async assignEmbedded(
    l: Loaded,
    embedder: Embedder,
    cache: OpenCache,
    files: string[],
  ): Promise<AssignResult> {
    const { method } = l;
    if (!isEmbeddingMethodInstance(method))
      throw new Error(`internal: ${l.run.method} clusters no embeddings`);
    const skipped: AssignResult['skipped'] = [];
    const images: CachedImage[] = [];
    for (const abs of files) {
      const s = await stat(abs).catch((e: Error) => e);
      if (s instanceof Error) skipped.push({ path: abs, reason: `cannot be read: ${s.message}` });
      else images.push({ abs, size: s.size, mtimeMs: s.mtimeMs });
    }
    const { embeddings: e, undecodable } = await embedder.embed(images, cache, { log: () => {} }, true);
    const ok = images.map((_, i) => i).filter((i) => !undecodable.has(i));
    for (const [i, reason] of undecodable) skipped.push({ path: images[i]!.abs, reason });
    if (ok.length === 0) return { assignments: [], skipped };
    const data = new Float32Array(ok.length * e.dim);
    ok.forEach((i, j) => data.set(e.data.subarray(i * e.dim, (i + 1) * e.dim), j * e.dim));
    const preds = predictionsOfProbs(method.probsFromEmbeddings(data, ok.length), ok.length);
    const assignments = ok.map((i, j) => ({
      path: images[i]!.abs,
      cluster: preds.cluster[j]!,
      confidence: preds.confidence[j]!,
    }));
    return { assignments, skipped };
  }

  /** Closes (and unlocks) the embedding cache an assign with holdCache left open. */
  async closeCache(): Promise<void> {
    const held = this.loaded?.embedder;
    const cache = held?.cache;
    if (!cache) return;
    held.cache = undefined;
    await cache.cache.close();
  }

  /** Frees the loaded model (before a run switches the backend, and on shutdown). */
  release(): void {
    if (!this.loaded) return;
    this.loaded.method.params.dispose();
    this.loaded.method.optimizer.dispose();
    void this.loaded.embedder?.cache?.cache.close();
    void this.loaded.embedder?.model.dispose();
    this.loaded = undefined;
  }

  private async model(runDir: string): Promise<Loaded> {
    const folder = new RunFolder(runDir);
    const run = await folder.readRun();
    // A finished run's last checkpoint holds the clustering of its assignments (k-means centroids,
    // the kept head); an unfinished one's may be an epoch behind its weights.
    if (run.status !== 'done')
      throw new Error(`${runDir} is ${run.status}, not finished: only a finished run assigns new images`);
    const epoch = await checkpointEpoch(folder.checkpointDir);
    await this.useBackend(run.backend.name);
    const backend = tf.getBackend();
    const features = isEmbeddingMethod(run.method) ? run.config.features : undefined;
    // The model files' sizes and times: a model replaced while the server holds it open is opened (and checked) again.
    const state = features ? await stampsKey([features, sidecarPathOf(features)]) : '';
    const l = this.loaded;
    if (
      l &&
      l.dir === runDir &&
      l.epoch === epoch &&
      l.backend === backend &&
      (l.embedder?.state ?? '') === state
    )
      return l;
    this.release();
    if (epoch === 0) throw new Error(`${runDir} has no checkpoint yet: the run has not finished an epoch`);
    const embedder = features ? await recordedModel(folder, features) : undefined;
    // Method state (SCAN's neighbour table, DeepCluster's previous labels) is sized by the training
    // set, so the model is built over a dataset of that size; its pixels (embeddings) are never read.
    const ds = datasetShape(run, run.dataset.images, new Uint8Array(0));
    const shape = embedder
      ? {
          embeddings: {
            n: ds.n,
            dim: embedder.dim,
            data: new Float32Array(0),
            source: embedder.model.source,
          },
        }
      : {};
    const method = createMethod({ config: run.config, ds, ...shape });
    try {
      await loadCheckpoint(folder.checkpointDir, run.method, method.params, method.optimizer);
    } catch (e) {
      method.params.dispose();
      method.optimizer.dispose();
      await embedder?.model.dispose();
      throw e;
    }
    this.loaded = {
      dir: runDir,
      epoch,
      backend,
      run,
      method,
      ...(embedder ? { embedder: { model: embedder.model, state } } : {}),
    };
    return this.loaded;
  }
}

/** Opens the feature model the run recorded; a missing or changed file (or sidecar) is refused with one line. */
async function recordedModel(folder: RunFolder, file: string): Promise<{ model: Embedder; dim: number }> {
  const recorded = await folder.readFeatureModel();
  if (!recorded)
    throw new ConfigError(
      `${folder.dir} was trained before runs recorded their feature model, so assign cannot tell whether ${file} is the model it clustered; train the run again to assign with it`,
    );
  const reword = (e: unknown) =>
    e instanceof ConfigError
      ? new ConfigError(e.message.replace(/^--features /, "the run's feature model "))
      : e;
  const model = await Embedder.open(file, () => {}).catch((e: unknown) => Promise.reject(reword(e)));
  try {
    assertRecordedModel(recorded, model);
  } catch (e) {
    await model.dispose();
    throw reword(e);
  }
  return { model, dim: recorded.dim };
}

/** A Dataset of n unlabelled images at the run's size and channels. */
function datasetShape(run: RunJson, n: number, pixels: Uint8Array): Dataset {
  return {
    root: run.dataset.root,
    entries: [],
    n,
    size: run.config.imageSize,
    channels: run.config.channels,
    pixels,
    labels: new Int32Array(n).fill(-1),
    superLabels: new Int32Array(n).fill(-1),
    classes: run.dataset.classes,
    superClasses: run.dataset.superClasses,
    skipped: [],
  };
}
