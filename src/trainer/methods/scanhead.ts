import * as tf from '@tensorflow/tfjs-core';
import { fusedMatMul } from '../backend/fast/ops.js';
import { SCANHEAD_SPEC } from '../../common/methods/scanhead.js';
import type { TrainConfig } from '../../protocol/run.js';
import { l2Normalize } from '../losses/contrastive.js';
import {
  scanEvaluate,
  scanLossOfStacked,
  selfLabelTargets,
  weightedCrossEntropy,
  type ScanEvaluation,
} from '../losses/scan.js';
import { weightDecay } from '../losses/weightDecay.js';
import { dense, ParamSet, type Layer } from '../models/layers.js';
import { ConfigError } from '../run/config.js';
import { Rng } from '../util/rng.js';
import { embeddingInput, embeddingSide, unitInput, type EmbeddingMethod } from './embeddingMethod.js';
import {
  batches,
  CancelledError,
  minimizeTerms,
  settingsOf,
  stepCount,
  TermAverager,
  type EpochResult,
  type MethodInit,
  type StepInfo,
} from './method.js';
import { NeighbourTable } from './neighbourTable.js';

/** The mined neighbours, besides the image itself, each head is scored against after an epoch (the official 5). */
const EVAL_NEIGHBOURS = 5;

/**
 * SCAN's clustering and self-labeling steps on frozen embeddings (the ImageNet configs train heads
 * only), each embedding L2-normalised:
 *   mining:    N_X = the K nearest neighbours of every X by cosine similarity of the embeddings
 *   heads:     epochs 1 .. E - selflabelEpochs; for each linear head h:
 *              L_h = -mean log <Phi_h(X), Phi_h(k)> + lambda (log C - H(mean Phi_h(X))), k a random
 *              member of N_X or X itself; minimise sum_h L_h (Adam, --lr); after each epoch every
 *              head is scored on all images against X and its 5 nearest (scanEvaluate); the lowest
 *              score over heads and epochs picks the head and the weights the stage ends with
 *   selflabel: the last selflabelEpochs: Phi(X) > threshold gives a pseudo-label; class-balanced
 *              cross-entropy of Phi(X + noise) (renormalised), the kept head only (Adam, selflabelLr)
 * Predict: argmax of the kept head (during the SCAN stage: this epoch's best head).
 */
export function createScanHead(init: MethodInit): EmbeddingMethod {
  const { config, ds } = init;
  const k = config.clusters;
  const s = settingsOf(SCANHEAD_SPEC, config);
  const scanEpochs = config.epochs - s.selflabelEpochs;
  const input = embeddingInput(init);
  const dim = input.dim;
  const nHeads = s.heads;
  if (ds.n < 2) throw new ConfigError('scanhead needs at least 2 images to mine neighbours');
  const params = new ParamSet(Rng.derive(config.seed, 'init'));
  const heads: Layer[] = Array.from({ length: nHeads }, (_, h) => dense(params, `cluster_head.${h}`, dim, k));
  const nb = new NeighbourTable(params, ds.n, Math.min(s.neighbours, ds.n - 1));
  const zeros = (n: number) => new Float32Array(n);
  const headLoss = params.add('scanhead.head_loss', [nHeads], zeros, false);
  // (epoch, head, score) of the kept head, and a copy of the heads' weights of that epoch.
  const kept = params.add('scanhead.kept', [3], zeros, false);
  const trained = params.add('scanhead.trained_epochs', [1], zeros, false);
  const keptWeights = [...params.trainable].map(([name, live]) => ({
    live,
    copy: params.add(`scanhead.kept.${name}`, live.shape, zeros, false),
  }));
  const setState = (v: tf.Variable, values: ArrayLike<number>) =>
    tf.tidy(() => v.assign(tf.tensor(Float32Array.from(values), v.shape)));
  const scanDone = () => trained.dataSync()[0]! >= scanEpochs;
  const keptHead = () => kept.dataSync()[1]!;
  const predictHead = () => {
    if (scanDone()) return keptHead();
    const l = headLoss.dataSync();
    return l.indexOf(Math.min(...l));
  };
  const headVars = (h: number) =>
    [...params.trainable].filter(([n]) => n.startsWith(`cluster_head.${h}.`)).map(([, v]) => v);
  // Unit rows scaled to unit RMS per coordinate: logits of order 1 at PyTorch's initialisation, as
  // the unnormalised backbone features the official heads read (unit rows leave them near 0 for
  // thousands of steps).
  const scale = Math.sqrt(dim);
  const logits = (h: number, z: tf.Tensor2D, training: boolean) =>
    heads[h]!.apply(tf.mul(z, scale), training) as tf.Tensor2D;
  const headProbs = (h: number, z: tf.Tensor2D) =>
    tf.tidy(() => tf.softmax(logits(h, z, false)) as tf.Tensor2D);
  // All heads side by side as one [dim, H k] matmul: the same logits as each head's own, in a few
  // ops per step instead of a few per head (per-op overhead dominated the steps of 10 small heads).
  const headParts = (part: 'weight' | 'bias') =>
    heads.map((_, h) => params.trainable.get(`cluster_head.${h}.${part}`)!);
  const stacked = () => [tf.concat(headParts('weight'), 1), tf.concat(headParts('bias'))] as const;
  const allLogits = (z: tf.Tensor2D, [w, b] = stacked()): tf.Tensor3D =>
    tf.tidy(() =>
      tf.reshape(fusedMatMul({ a: tf.mul(z, scale), b: w as tf.Tensor2D, bias: b as tf.Tensor1D }), [
        z.shape[0],
        nHeads,
        k,
      ]),
    );

  const { units, batchOf } = unitInput(input);

  let stage: 'heads' | 'selflabel' | undefined;
  let optimizer!: tf.Optimizer;
  const enterEpoch = (epoch: number) => {
    const next = epoch <= scanEpochs ? 'heads' : 'selflabel';
    if (next === stage) return;
    optimizer?.dispose();
    optimizer = tf.train.adam(next === 'heads' ? config.learningRate : s.selflabelLr);
    stage = next;
  };
  enterEpoch(1);

  async function scanEpoch(
    epoch: number,
    rng: Rng,
    onStep: (s: StepInfo) => void,
    signal: AbortSignal,
  ): Promise<EpochResult> {
    const extra = await nb.ensure(units(), dim, ds.labels);
    const steps = stepCount(ds.n, config.batchSize);
    const avg = new TermAverager();
    const vars = [...params.trainable.values()];
    let step = 0;
    for (const idx of batches(rng.permutation(ds.n), config.batchSize)) {
      if (signal.aborted) throw new CancelledError();
      const x = tf.tidy(() => tf.concat([batchOf(idx), batchOf(nb.partners(idx, rng, true))], 0));
      const r = await minimizeTerms(optimizer, vars, () => {
        // The heads' weights, stacked once: the logits and the decay (the same sum of squares) read them.
        const all = stacked();
        return {
          ...scanLossOfStacked(allLogits(x, all), s.entropyWeight),
          weightDecay: weightDecay(all, s.weightDecay),
        };
      });
      x.dispose();
      avg.add(r.loss, r.terms);
      onStep({ step: ++step, steps, loss: r.loss, images: 2 * idx.length });
    }
    return { ...avg.result('heads'), extra: { ...extra, ...keepBest(epoch, evaluateHeads()) } };
  }

  /** Every head's scanEvaluate on all images against themselves and their nearest mined neighbours. */
  function evaluateHeads(): ScanEvaluation[] {
    const e = input.get();
    // [H, n, k]: head h's probabilities are one contiguous n x k block.
    const p = tf.tidy(() => tf.transpose(tf.softmax(allLogits(tf.tensor2d(units(), [e.n, dim]))), [1, 0, 2]));
    const probs = p.dataSync() as Float32Array;
    p.dispose();
    return heads.map((_, h) =>
      scanEvaluate(
        probs.subarray(h * e.n * k, (h + 1) * e.n * k),
        k,
        nb.rows(),
        nb.K,
        Math.min(EVAL_NEIGHBOURS, nb.K),
      ),
    );
  }

  /** SCAN's keep-best: the epoch's best head and the weights of all heads, if below every earlier epoch's; the stage ends with them. */
  function keepBest(epoch: number, scores: ScanEvaluation[]): Record<string, number> {
    const totals = scores.map((e) => e.total);
    const head = totals.indexOf(Math.min(...totals));
    setState(headLoss, totals);
    const [keptEpoch, , keptLoss] = kept.dataSync();
    if (keptEpoch === 0 || totals[head]! < keptLoss!) {
      setState(kept, [epoch, head, totals[head]!]);
      for (const { live, copy } of keptWeights) copy.assign(live);
    }
    if (epoch === scanEpochs) for (const { live, copy } of keptWeights) live.assign(copy);
    const [ke, kh, kl] = kept.dataSync();
    const best = scores[head]!;
    return {
      evalHead: head,
      evalLoss: best.total,
      evalConsistency: best.consistency,
      evalEntropy: best.entropy,
      keptEpoch: ke!,
      keptHead: kh!,
      keptLoss: kl!,
    };
  }

  async function selflabelEpoch(
    rng: Rng,
    onStep: (s: StepInfo) => void,
    signal: AbortSignal,
  ): Promise<EpochResult> {
    const best = keptHead();
    const vars = headVars(best);
    const steps = stepCount(ds.n, config.batchSize);
    const avg = new TermAverager();
    let step = 0;
    let confident = 0;
    let seen = 0;
    for (const idx of batches(rng.permutation(ds.n), config.batchSize)) {
      if (signal.aborted) throw new CancelledError();
      const z = batchOf(idx);
      const weak = headProbs(best, z);
      const t = selfLabelTargets((await weak.data()) as Float32Array, k, s.threshold);
      weak.dispose();
      seen += idx.length;
      confident += t.confident;
      // The strong view of an embedding: noise of length `noise` (in expectation), back on the sphere.
      const noisy = tf.tidy(() =>
        l2Normalize(
          tf.add(
            z,
            tf.mul(tf.randomNormal(z.shape, 0, 1, 'float32', rng.int(2 ** 31)), s.noise / Math.sqrt(dim)),
          ),
        ),
      );
      z.dispose();
      if (t.confident > 0) {
        const r = await minimizeTerms(optimizer, vars, () => ({
          crossEntropy: weightedCrossEntropy(logits(best, noisy, true), t.targets, t.weights),
          weightDecay: weightDecay(vars, s.weightDecay),
        }));
        avg.add(r.loss, r.terms);
      }
      noisy.dispose();
      onStep({ step: ++step, steps, loss: avg.result('selflabel').loss, images: idx.length });
    }
    return {
      ...avg.result('selflabel'),
      extra: { confidentFraction: confident / Math.max(seen, 1), keptHead: best },
    };
  }

  const side = embeddingSide(input, (z) => headProbs(predictHead(), z));
  return {
    name: 'scanhead',
    params,
    get optimizer() {
      return optimizer;
    },
    enterEpoch,
    async trainEpoch(epoch, rng, onStep, signal) {
      const result =
        epoch <= scanEpochs
          ? await scanEpoch(epoch, rng, onStep, signal)
          : await selflabelEpoch(rng, onStep, signal);
      setState(trained, [epoch]);
      return result;
    },
    predict: side.predictFromEmbeddings,
    probs: side.probs,
    features: side.features,
    embeddings: side.embeddings,
    probsFromEmbeddings: side.probsFromEmbeddings,
  };
}

/** Refuses a run whose self-labeling epochs leave the SCAN stage none. */
export function resolveScanHeadConfig(config: TrainConfig): TrainConfig {
  const { selflabelEpochs } = settingsOf(SCANHEAD_SPEC, config);
  if (selflabelEpochs >= config.epochs) {
    throw new ConfigError(
      `scanhead: --epochs ${config.epochs} leaves no SCAN epochs before the ${selflabelEpochs} self-labeling ones (setting selflabelEpochs): give more epochs or a smaller selflabelEpochs`,
    );
  }
  return config;
}
