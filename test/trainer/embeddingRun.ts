// Drives an embedding method over given embeddings as the run loop does (enterEpoch, trainEpoch,
// predict), for tests and benches that have embeddings but no image folder.
import { score } from '../../src/common/eval/metrics.js';
import type { Scores, TrainConfig } from '../../src/protocol/run.js';
import type { Dataset } from '../../src/trainer/data/dataset.js';
import type { Embeddings } from '../../src/trainer/embeddings/embeddings.js';
import { createMethod, resolveConfig } from '../../src/trainer/methods/index.js';
import { epochRng, type EpochResult } from '../../src/trainer/methods/method.js';
import { defaultConfig } from '../../src/trainer/run/config.js';
import { Rng } from '../../src/trainer/util/rng.js';

/** A dataset of n labelled items without pixels: what an embedding method reads besides its embeddings. */
export function labelledShape(labels: Int32Array, classes: number): Dataset {
  const n = labels.length;
  return {
    root: '/synthetic',
    entries: [],
    n,
    size: 1,
    channels: 1,
    pixels: new Uint8Array(0),
    labels,
    superLabels: new Int32Array(n).fill(-1),
    classes: Array.from({ length: classes }, (_, c) => `c${c}`),
    superClasses: [],
    skipped: [],
  };
}

/**
 * Gaussian mixture embeddings: `classes` centres drawn from N(0, 1) in `dim` dims, each row its
 * class's centre plus N(0, noise^2) per coordinate, rows in random order.
 */
export function gaussianMixture(
  n: number,
  dim: number,
  classes: number,
  noise: number,
  seed: number,
): { embeddings: Embeddings; labels: Int32Array } {
  const rng = new Rng(seed);
  const centres = Float32Array.from({ length: classes * dim }, () => rng.normal());
  const labels = Int32Array.from({ length: n }, () => rng.int(classes));
  const data = new Float32Array(n * dim);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < dim; j++) data[i * dim + j] = centres[labels[i]! * dim + j]! + noise * rng.normal();
  return { embeddings: { n, dim, data, source: 'synthetic' }, labels };
}

export interface EmbeddingRun {
  scores: Scores;
  /** Every item's cluster. */
  cluster: Int32Array;
  rows: EpochResult[];
  seconds: number;
}

/** Trains `method` on the embeddings for its epochs, then scores its predictions against the labels. */
export async function runOnEmbeddings(
  method: TrainConfig['method'],
  embeddings: Embeddings,
  labels: Int32Array,
  classes: number,
  overrides: Partial<TrainConfig> = {},
): Promise<EmbeddingRun> {
  const config = resolveConfig({ ...defaultConfig(method, '/synthetic'), clusters: classes, ...overrides });
  const m = createMethod({ config, ds: labelledShape(labels, classes), embeddings });
  const t0 = performance.now();
  const rows: EpochResult[] = [];
  try {
    const signal = new AbortController().signal;
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      m.enterEpoch?.(epoch);
      rows.push(await m.trainEpoch(epoch, epochRng(config, epoch), () => {}, signal));
    }
    const preds = await m.predict();
    return {
      scores: score(preds.cluster, labels, classes, classes),
      cluster: preds.cluster,
      rows,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    m.params.dispose();
    m.optimizer.dispose();
  }
}
