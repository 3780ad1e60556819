/**
 * Assigning images to the clusters of a trained run: the method is rebuilt from run.json, its
 * checkpoint loaded, and the files decoded exactly as training decoded its dataset (same size,
 * channels and decoder), so an image of the training set lands where training put it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName, RunJson } from '../../protocol/run.js';
import type { AssignResult } from '../../protocol/server.js';
import { decodeMany, type DecodeResult } from '../data/decode.js';
import { toFloatBatch, type Dataset } from '../data/dataset.js';
import { createMethod } from '../methods/index.js';
import { predictFromProbs, type Method } from '../methods/method.js';
import { checkpointEpoch, loadCheckpoint } from './checkpoint.js';
import { RunFolder } from './runFolder.js';

interface Loaded {
  dir: string;
  epoch: number;
  backend: string;
  run: RunJson;
  method: Method;
}

/** Keeps the last run's model loaded: the host sends new files of one run in many small batches. */
export class Assigner {
  private loaded: Loaded | undefined;

  /** useBackend makes tfjs ready for a run that trained on `backend` (the caller knows whether it may switch). */
  constructor(private readonly useBackend: (backend: BackendName) => Promise<void>) {}

  /** `files` are absolute paths; results keep them as given. */
  async assign(runDir: string, files: string[]): Promise<AssignResult> {
    const { run, method } = await this.model(runDir);
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
      } else skipped.push({ path: files[i]!, reason: r.ok ? `decoded to ${r.pixels.length} bytes, expected ${per}` : r.reason });
    });
    if (ok.length === 0) return { assignments: [], skipped };
    const images = datasetShape(run, ok.length, pixels.subarray(0, ok.length * per));
    const preds = await predictFromProbs(images.n, 256, (idx) => method.probs(toFloatBatch(images, idx)));
    const assignments = ok.map((fileIndex, j) => ({ path: files[fileIndex]!, cluster: preds.cluster[j]!, confidence: preds.confidence[j]! }));
    return { assignments, skipped };
  }

  /** Frees the loaded model (before a run switches the backend, and on shutdown). */
  release(): void {
    if (!this.loaded) return;
    this.loaded.method.params.dispose();
    this.loaded.method.optimizer.dispose();
    this.loaded = undefined;
  }

  private async model(runDir: string): Promise<Loaded> {
    const folder = new RunFolder(runDir);
    const run = await folder.readRun();
    // A finished run's last checkpoint holds the clustering of its assignments (k-means centroids,
    // the kept head); an unfinished one's may be an epoch behind its weights.
    if (run.status !== 'done') throw new Error(`${runDir} is ${run.status}, not finished: only a finished run assigns new images`);
    const epoch = await checkpointEpoch(folder.checkpointDir);
    await this.useBackend(run.backend.name);
    const backend = tf.getBackend();
    const l = this.loaded;
    if (l && l.dir === runDir && l.epoch === epoch && l.backend === backend) return l;
    this.release();
    if (epoch === 0) throw new Error(`${runDir} has no checkpoint yet: the run has not finished an epoch`);
    // Method state (SCAN's neighbour table, DeepCluster's previous labels) is sized by the training
    // set, so the model is built over a dataset of that size; its pixels are never read.
    const method = createMethod({ config: run.config, ds: datasetShape(run, run.dataset.images, new Uint8Array(0)) });
    try {
      await loadCheckpoint(folder.checkpointDir, run.method, method.params, method.optimizer);
    } catch (e) {
      method.params.dispose();
      method.optimizer.dispose();
      throw e;
    }
    this.loaded = { dir: runDir, epoch, backend, run, method };
    return this.loaded;
  }
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
