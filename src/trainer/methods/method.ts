import * as tf from '@tensorflow/tfjs-core';
import { parseSettings, type MethodSpec, type SettingsOf } from '../../common/methods/index.js';
import type { KeptEpoch, MethodName, TrainConfig } from '../../protocol/run.js';
import { toFloatBatch, type Dataset } from '../data/dataset.js';
import type { Embeddings } from '../embeddings/embeddings.js';
import { ConfigError } from '../run/config.js';
import { yieldToLoop } from '../util/cancel.js';
import { Rng } from '../util/rng.js';
import type { ParamSet } from '../models/layers.js';
import type { Retrain } from './anchors.js';

/** What every clustering method gives the run loop; the loop owns epochs, checkpoints and files. */
export interface Method {
  readonly name: MethodName;
  /** All model variables: checkpointed and restored by the run loop. */
  readonly params: ParamSet;
  /** The optimizer the next epoch trains with (methods with stages switch it in enterEpoch). */
  readonly optimizer: tf.Optimizer;
  /**
   * Called with epoch e before e is trained, before the checkpoint ahead of it is loaded, and before
   * the one after e - 1 is written: a method whose optimizer changes between stages swaps it here,
   * so a checkpoint always holds the state the next epoch continues from.
   */
  enterEpoch?(epoch: number): void;
  /**
   * Train one epoch (1-based); the method decides its phase (a SCAN stage, say) from the number.
   * `rng` is the epoch's own stream (epochRng), so a resumed run draws what an unbroken one would.
   */
  trainEpoch(
    epoch: number,
    rng: Rng,
    onStep: (step: StepInfo) => void,
    signal: AbortSignal,
  ): Promise<EpochResult>;
  /**
   * Called after the last epoch (and again when a finished run is resumed with nothing left to
   * train) by a method that reports one of its epochs rather than the last: it restores that
   * epoch's state, so predict(), probs() and the checkpoint written next are the kept epoch's.
   */
  finish?(): KeptEpoch;
  /** Cluster of every image of the dataset with its confidence, from un-augmented inputs. */
  predict(): Promise<Predictions>;
  /**
   * Cluster probabilities [b, k] of un-augmented images x [b, size, size, channels] in [0, 1], in
   * inference mode: how the trained model assigns images it was not trained on. Their argmax for an
   * image of the training set is predict()'s cluster for it, once predict() has run.
   */
  probs(x: tf.Tensor4D): tf.Tensor2D;
  /**
   * The backbone's features [b, d] of un-augmented images x, in inference mode: what the clusters
   * were made from. The run saves them (L2-normalised) for label-free scores and the map.
   */
  features(x: tf.Tensor4D): tf.Tensor2D;
}

export interface MethodInit {
  config: TrainConfig;
  ds: Dataset;
  /**
   * For an embedding method (kmeans, scanhead, temi): the training set's embeddings from a feature
   * model (their dim alone when assigning, data may be empty). Absent: the pixels of ds.
   */
  embeddings?: Embeddings;
  /** A retrain continuing a finished run, with the user's corrections as anchors (cc, scan, deepcluster). */
  retrain?: Retrain;
}

export interface StepInfo {
  step: number;
  steps: number;
  loss: number;
  /** Images consumed by this step. */
  images: number;
}

export interface EpochResult {
  phase: string;
  loss: number;
  terms: Record<string, number>;
  /** Further per-epoch diagnostics for metrics.jsonl. */
  extra?: Record<string, number>;
}

export interface Predictions {
  cluster: Int32Array;
  confidence: Float32Array;
}

export { CancelledError, cancelPoint } from '../util/cancel.js';

/** Steps an epoch of n images takes at this batch size (whole batches only, see batches()). */
export function stepCount(n: number, batchSize: number): number {
  return Math.floor(n / Math.min(batchSize, n));
}

/** Index batches of a permutation; the last partial batch is dropped, as the official loaders do. */
export function* batches(order: Int32Array, batchSize: number): Generator<Int32Array> {
  const size = Math.min(batchSize, order.length);
  for (let start = 0; start + size <= order.length; start += size) yield order.subarray(start, start + size);
}

/** Sequential batches over the whole dataset (nothing dropped), for prediction and features. */
export function* allBatches(n: number, batchSize: number): Generator<Int32Array> {
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    yield Int32Array.from({ length: end - start }, (_, i) => start + i);
  }
}

/** Argmax and max of per-image probabilities computed batch by batch. */
export async function predictFromProbs(
  n: number,
  batchSize: number,
  probs: (idx: Int32Array) => tf.Tensor2D,
): Promise<Predictions> {
  const cluster = new Int32Array(n);
  const confidence = new Float32Array(n);
  for (const idx of allBatches(n, batchSize)) {
    const [arg, max] = tf.tidy(() => {
      const p = probs(idx);
      return [tf.argMax(p, 1), tf.max(p, 1)];
    });
    cluster.set(await arg!.data(), idx[0]);
    confidence.set(await max!.data(), idx[0]);
    tf.dispose([arg!, max!]);
    // A turn for the event loop between batches: a cancel (SIGINT) is heard while 100,000 images are predicted.
    await yieldToLoop();
  }
  return { cluster, confidence };
}

/**
 * One optimizer step on the sum of named loss terms, over `vars`. Every term is kept through the
 * gradient tape's tidy, read, and freed here.
 */
export async function minimizeTerms(
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
  terms: () => Record<string, tf.Scalar>,
): Promise<{ loss: number; terms: Record<string, number> }> {
  let named: Record<string, tf.Scalar> = {};
  const loss = optimizer.minimize(
    () => {
      named = terms();
      for (const t of Object.values(named)) tf.keep(t);
      return tf.addN(Object.values(named)) as tf.Scalar;
    },
    true,
    vars,
  )!;
  const values: Record<string, number> = {};
  for (const [k, t] of Object.entries(named)) values[k] = (await t.data())[0]!;
  const total = (await loss.data())[0]!;
  tf.dispose([loss, ...Object.values(named)]);
  return { loss: total, terms: values };
}

/** Mean of each term over an epoch's steps. */
export class TermAverager {
  private sums: Record<string, number> = {};
  private total = 0;
  private count = 0;

  add(loss: number, terms: Record<string, number>): void {
    this.total += loss;
    this.count++;
    for (const [k, v] of Object.entries(terms)) this.sums[k] = (this.sums[k] ?? 0) + v;
  }

  result(phase: string): EpochResult {
    const c = Math.max(this.count, 1);
    return {
      phase,
      loss: this.total / c,
      terms: Object.fromEntries(Object.entries(this.sums).map(([k, v]) => [k, v / c])),
    };
  }
}

/** Every image's features from `net` in inference mode, un-augmented, as one [n, d] tensor. */
export function featuresOf(ds: Dataset, net: (x: tf.Tensor4D) => tf.Tensor2D, batchSize = 256): tf.Tensor2D {
  const parts: tf.Tensor2D[] = [];
  for (const idx of allBatches(ds.n, batchSize)) parts.push(tf.tidy(() => net(toFloatBatch(ds, idx))));
  const all = tf.concat(parts, 0);
  tf.dispose(parts);
  return all;
}

/**
 * A method's settings, typed, with the defaults filled in. They were checked before the run started
 * (validateConfig), so an error here means a run.json edited since: refused the same way.
 */
export function settingsOf<M extends MethodSpec>(spec: M, config: TrainConfig): SettingsOf<M> {
  const { settings, errors } = parseSettings(spec, config.params);
  if (errors[0]) throw new ConfigError(errors[0].error);
  return settings as SettingsOf<M>;
}

/** How the run loop makes a method: its trainer, and what it fixes in the config before run.json is written. */
export interface MethodTrainer {
  create(init: MethodInit): Method;
  /** Settings derived from others (SCAN's stage lengths), fixed so a resumed run keeps them. */
  resolve?(config: TrainConfig): TrainConfig;
  /**
   * A method with stages (its spec's `stages`): each stage's phase and epochs in a resolved config,
   * in training order. Epochs past the last stage's end stay in the last stage.
   */
  stages?(config: TrainConfig): { phase: string; epochs: number }[];
}

/** The random stream of a run's epoch: a function of the seed, method and epoch alone. */
export function epochRng(config: Pick<TrainConfig, 'seed' | 'method'>, epoch: number): Rng {
  return Rng.derive(config.seed, config.method, epoch);
}
