import * as tf from '@tensorflow/tfjs-core';
import { SCAN_SPEC } from '../../common/methods/scan.js';
import { KMEANS_STREAM } from '../cluster/kmeans.js';
import { knnCosine } from '../cluster/knn.js';
import { ccAugment, type AugmentConfig } from '../data/augment.js';
import { channelMeans, toFloatBatch } from '../data/dataset.js';
import { strongAugment } from '../data/strongAugment.js';
import { l2Normalize, ntXent } from '../losses/contrastive.js';
import { scanEvaluate, scanLoss, selfLabelTargets, weightedCrossEntropy, type ScanEvaluation } from '../losses/scan.js';
import { weightDecay } from '../losses/weightDecay.js';
import { buildBackbone } from '../models/backbones.js';
import { mlpHead } from '../models/heads.js';
import { dense, ParamSet, type Layer } from '../models/layers.js';
import { ConfigError } from '../run/config.js';
import { Rng } from '../util/rng.js';
import { argmaxRows, centroidProbs, clusterFeatures } from './featureClusters.js';
import { neighbourAgreement } from './neighbourTable.js';
import { scanStageOf, type ScanStage } from './scanStages.js';
import { learningRateAt, setLearningRate } from './schedule.js';
import { batches, stepCount, cancelPoint, featuresOf, minimizeTerms, settingsOf, TermAverager, type EpochResult, type Method, type MethodInit, type StepInfo } from './method.js';

/**
 * The official CIFAR configs (simclr_cifar10, scan_cifar10, selflabel_cifar10) where they fit a
 * CPU: SimCLR temperature 0.1 with a 128-d MLP head; 20 neighbours; entropy weight 5; weight decay
 * 1e-4; self-labeling with Adam 1e-4 (the run's --lr), threshold 0.99 and class balancing; 4 strong
 * ops plus Cutout; the SCAN stage trains the whole network, as the CIFAR configs do
 * (update_cluster_head_only: False; headOnly=true is the ImageNet configs' choice). Departures, for
 * a CPU budget of minutes instead of GPU-days: 10 heads where the CIFAR configs train 1 (the
 * ImageNet configs' 10; on the dev split 1 head's ACC swings by seed, 10 keep it higher and
 * steadier); the pretext uses Adam 3e-4
 * at a constant rate (SGD 0.4 with a cosine schedule needs the official 500 epochs; schedule=cosine
 * decays it) and jitters brightness and contrast at SimCLR's ImageNet strength (jitter=1: 0.8)
 * where simclr_cifar10 uses 0.4, since Fashion-MNIST's garments come in every grey level and the
 * wrong clusters split them by it (top-20 agreement .755 against .745, ACC .705 against .695
 * after the whole default run); the SCAN stage uses Adam 1e-3, since 1e-4 leaves the heads near
 * uniform after the few hundred steps we can afford; self-labeling batches are 256 instead of 1,000; neighbours are
 * mined on the backbone's features, as the paper says, not the projection (ACC .646 against .612
 * after the same pretext and SCAN epochs); the SCAN stage augments with a flip and Cutout alone
 * (scanOps=0) where the official code also applies the 4 strong ops: on 28 px grey images those
 * ops leave an anchor and its neighbour too little in common (ACC .684 against .646 after the same
 * pretext and 10 SCAN epochs; 2 ops: .657). The README's departures list has the measurements.
 * The settings live in SCAN_SPEC; these are fixed (evalNeighbours: the mined neighbours, besides
 * the image itself, each head is scored against after a SCAN epoch, the official 5).
 */
const SCAN_CONSTANTS = { temperature: 0.1, projectionDim: 128, evalNeighbours: 5 };

/**
 * SimCLR's view augmentation as the SCAN repo runs it (crops of 20-100 % of the image, no blur), with
 * colour jitter of strength s (brightness, contrast, saturation 0.8s, hue 0.2s; at most 2.5).
 */
function simclrAugment(s: number): Partial<AugmentConfig> {
  return { cropScale: [0.2, 1], blurProb: 0, brightness: 0.8 * s, contrast: 0.8 * s, saturation: 0.8 * s, hue: 0.2 * s };
}

/**
 * SCAN (Van Gansbeke et al., ECCV 2020), one stage per range of epochs:
 *   pretext:   SimCLR — NT-Xent(g(f(x_a)), g(f(x_b)); tau 0.1, x_a the anchors) on two views of each image
 *   mining:    N_X = the K nearest neighbours of every X by cosine similarity of f(X)
 *   scan:      for each head h: L_h = -mean log <Phi_h(X), Phi_h(k)> + lambda (log C - H(mean Phi_h(X))),
 *              k a random member of N_X or X itself, both flipped and cut out; minimise sum_h L_h;
 *              after each epoch every head is scored in inference mode on un-augmented images
 *              (scanEvaluate); the lowest score over heads and epochs picks the head and the epoch
 *              whose weights the stage ends with (the official scan_evaluate and scan_model)
 *   selflabel: Phi(weak X) > 0.99 gives a pseudo-label; class-balanced cross-entropy of Phi(strong X)
 * Predict: argmax of the kept head (after the pretext alone: k-means on g(f(X))).
 */
export function createSCAN({ config, ds }: MethodInit): Method {
  const k = config.clusters;
  const settings = settingsOf(SCAN_SPEC, config);
  const nHeads = settings.heads;
  const nNeighbours = Math.min(settings.neighbours, ds.n - 1);
  const entropyWeight = settings.entropyWeight;
  const wd = settings.weightDecay;
  const pretextAugment = simclrAugment(settings.jitter);
  // Cutout fills with the dataset's mean colour: the official one zeroes the normalized image.
  const fill = channelMeans(ds);
  const strong = { ops: settings.strongOps, fill };
  const scanAugment = { ops: settings.scanOps, fill };
  const headOnly = settings.headOnly;
  const pretextSchedule = settings.schedule;
  const stageLr: Record<ScanStage, number> = {
    pretext: settings.pretextLr,
    scan: settings.scanLr,
    selflabel: config.learningRate,
  };
  const mineOn = settings.mineOn;
  if (nNeighbours < 1) throw new ConfigError('SCAN needs at least 2 images to mine neighbours');

  const params = new ParamSet(Rng.derive(config.seed, 'init'));
  const f = buildBackbone(config.backbone, params, ds.channels, ds.size);
  const g = mlpHead(params, 'contrastive_head', f.featureDim, f.featureDim, SCAN_CONSTANTS.projectionDim);
  const heads: Layer[] = Array.from({ length: nHeads }, (_, h) => dense(params, `cluster_head.${h}`, f.featureDim, k));
  const zeros = (n: number) => new Float32Array(n);
  // Mining and head choice are part of the model's state, so a resumed run keeps them.
  const neighbours = params.add('scan.neighbours', [ds.n, nNeighbours], zeros, false);
  const mined = params.add('scan.mined', [1], zeros, false);
  // Every head's evaluation score after the last SCAN epoch, and the kept (epoch, head, score).
  const headLoss = params.add('scan.head_loss', [nHeads], zeros, false);
  const kept = params.add('scan.kept', [3], zeros, false);
  const trained = params.add('scan.trained_epochs', [1], zeros, false);
  // The kept epoch's backbone and heads (batch-norm statistics too): the SCAN stage ends with them.
  const keptWeights = [...params.all()]
    .filter(([n]) => n.startsWith('backbone.') || n.startsWith('cluster_head.'))
    .map(([n, live]) => ({ live, copy: params.add(`scan.kept.${n}`, live.shape, zeros, false) }));
  // After the pretext alone the clusters are k-means': its centroids place new images.
  const pretextCentroids = params.add('scan.pretext_centroids', [k, SCAN_CONSTANTS.projectionDim], zeros, false);

  const varsOf = (prefixes: string[]) => [...params.trainable].filter(([n]) => prefixes.some((p) => n.startsWith(p))).map(([, v]) => v);
  const stageVars: Record<ScanStage, () => tf.Variable[]> = {
    pretext: () => varsOf(['backbone.', 'contrastive_head.']),
    // The official update_cluster_head_only option keeps the pretext backbone fixed here.
    scan: () => varsOf(headOnly ? ['cluster_head.'] : ['backbone.', 'cluster_head.']),
    selflabel: () => varsOf(['backbone.', `cluster_head.${keptHead()}.`]),
  };
  const project = (x: tf.Tensor4D, training: boolean) => l2Normalize(g.apply(f.net.apply(x, training), training) as tf.Tensor2D);
  const headProbs = (h: number, x: tf.Tensor4D, training: boolean) => tf.softmax(heads[h]!.apply(f.net.apply(x, training), training) as tf.Tensor2D);
  const scalar = (v: tf.Variable) => v.dataSync()[0]!;
  const setState = (v: tf.Variable, values: ArrayLike<number>) => tf.tidy(() => v.assign(tf.tensor(Float32Array.from(values), v.shape)));
  const headsTrained = () => {
    const done = scalar(trained);
    return done > 0 && scanStageOf(config, done).stage !== 'pretext';
  };
  const keptHead = () => kept.dataSync()[1]!;
  /** The SCAN stage has ended (its last epoch restored the kept weights). */
  const scanDone = () => {
    const s = scanStageOf(config, scalar(trained));
    return s.stage === 'selflabel' || (s.stage === 'scan' && s.index === s.length);
  };
  /** During the SCAN stage the head that scored best this epoch, as the official code reports; then the kept one. */
  const predictHead = () => {
    if (scanDone()) return keptHead();
    const l = headLoss.dataSync();
    return l.indexOf(Math.min(...l));
  };

  let stage: ScanStage | undefined;
  let optimizer!: tf.Optimizer;
  const enterEpoch = (epoch: number) => {
    const next = scanStageOf(config, epoch).stage;
    if (next === stage) return;
    // A fresh optimizer per stage, as the official scripts start each stage anew.
    optimizer?.dispose();
    optimizer = tf.train.adam(stageLr[next]);
    stage = next;
  };
  enterEpoch(1);

  async function pretextEpoch(_epoch: number, rng: Rng, onStep: (s: StepInfo) => void, signal: AbortSignal): Promise<EpochResult> {
    const avg = new TermAverager();
    const steps = stepCount(ds.n, config.batchSize);
    let step = 0;
    const vars = stageVars.pretext();
    for (const idx of batches(rng.permutation(ds.n), config.batchSize)) {
      await cancelPoint(signal);
      const views = tf.tidy(() => {
        const x = toFloatBatch(ds, idx);
        return tf.concat([ccAugment(x, rng, pretextAugment), ccAugment(x, rng, pretextAugment)], 0);
      });
      const r = await minimizeTerms(optimizer, vars, () => {
        const [za, zb] = tf.split(project(views, true), 2, 0) as [tf.Tensor2D, tf.Tensor2D];
        // The SCAN repo's SimCLRLoss: the first view's rows are the anchors; weight decay as its SGD's.
        return { instance: ntXent(za, zb, SCAN_CONSTANTS.temperature, 'first'), weightDecay: weightDecay(vars, wd) };
      });
      views.dispose();
      avg.add(r.loss, r.terms);
      onStep({ step: ++step, steps, loss: r.loss, images: idx.length });
    }
    return avg.result('pretext');
  }

  /** Mines the neighbours from the pretext features; returns their label agreement when labelled. */
  async function mine(): Promise<{ neighbourAgreement?: number }> {
    const z = featuresOf(ds, (x) => (mineOn === 'projection' ? project(x, false) : (f.net.apply(x, false) as tf.Tensor2D)));
    const { indices } = await knnCosine(z, nNeighbours);
    z.dispose();
    setState(neighbours, Float32Array.from(indices));
    setState(mined, [1]);
    return neighbourAgreement(indices, nNeighbours, ds.labels);
  }

  async function scanEpoch(epoch: number, rng: Rng, onStep: (s: StepInfo) => void, signal: AbortSignal): Promise<EpochResult> {
    const extra = scalar(mined) === 0 ? await mine() : {};
    const nb = neighbours.dataSync();
    const batchSize = settings.scanBatch;
    const steps = stepCount(ds.n, batchSize);
    const avg = new TermAverager();
    let step = 0;
    const vars = stageVars.scan();
    for (const idx of batches(rng.permutation(ds.n), batchSize)) {
      await cancelPoint(signal);
      // Drawn from the image and its K neighbours, as the official top-(K+1) list holds the image itself.
      const partner = Int32Array.from(idx, (i) => {
        const j = rng.int(nNeighbours + 1);
        return j === 0 ? i : nb[i * nNeighbours + j - 1]!;
      });
      const x = tf.tidy(() => tf.concat([strongAugment(toFloatBatch(ds, idx), rng, scanAugment), strongAugment(toFloatBatch(ds, partner), rng, scanAugment)], 0));
      const r = await minimizeTerms(optimizer, vars, () => {
        const h = f.net.apply(x, true);
        const consistency: tf.Scalar[] = [];
        const entropy: tf.Scalar[] = [];
        for (const head of heads) {
          const [pa, pn] = tf.split(tf.softmax(head.apply(h, true) as tf.Tensor2D), 2, 0) as [tf.Tensor2D, tf.Tensor2D];
          const t = scanLoss(pa, pn, entropyWeight);
          consistency.push(t.consistency);
          entropy.push(t.entropy);
        }
        return { consistency: tf.addN(consistency), entropy: tf.addN(entropy), weightDecay: weightDecay(vars, wd) };
      });
      x.dispose();
      avg.add(r.loss, r.terms);
      onStep({ step: ++step, steps, loss: r.loss, images: 2 * idx.length });
    }
    return { ...avg.result('scan'), extra: { ...extra, ...keepBest(epoch, evaluateHeads(nb)) } };
  }

  /** Every head's scanEvaluate on the un-augmented images against the image and its nearest mined neighbours. */
  function evaluateHeads(nb: ArrayLike<number>): ScanEvaluation[] {
    const all = featuresOf(ds, (x) =>
      tf.tidy(() => {
        const h = f.net.apply(x, false);
        return tf.concat(heads.map((head) => tf.softmax(head.apply(h, false) as tf.Tensor2D)), 1) as tf.Tensor2D;
      }),
    );
    const p = all.dataSync() as Float32Array;
    all.dispose();
    const m = Math.min(SCAN_CONSTANTS.evalNeighbours, nNeighbours);
    return heads.map((_, h) => {
      const probs = new Float32Array(ds.n * k);
      for (let i = 0; i < ds.n; i++) probs.set(p.subarray(i * nHeads * k + h * k, i * nHeads * k + (h + 1) * k), i * k);
      return scanEvaluate(probs, k, nb, nNeighbours, m);
    });
  }

  /**
   * Keeps the epoch's best head and weights if they score below every earlier epoch's; the stage's
   * last epoch ends with the kept weights, so self-labeling (and a run stopped here) starts from them.
   */
  function keepBest(epoch: number, scores: ScanEvaluation[]): Record<string, number> {
    const totals = scores.map((s) => s.total);
    const head = totals.indexOf(Math.min(...totals));
    const best = scores[head]!;
    setState(headLoss, totals);
    const [keptEpoch, , keptLoss] = kept.dataSync();
    if (keptEpoch === 0 || best.total < keptLoss!) {
      setState(kept, [epoch, head, best.total]);
      for (const { live, copy } of keptWeights) copy.assign(live);
    }
    const { index, length } = scanStageOf(config, epoch);
    if (index === length) for (const { live, copy } of keptWeights) live.assign(copy);
    const [e, h, l] = kept.dataSync();
    return { evalHead: head, evalLoss: best.total, evalConsistency: best.consistency, evalEntropy: best.entropy, keptEpoch: e!, keptHead: h!, keptLoss: l! };
  }

  async function selflabelEpoch(_epoch: number, rng: Rng, onStep: (s: StepInfo) => void, signal: AbortSignal): Promise<EpochResult> {
    const best = keptHead();
    const batchSize = settings.selflabelBatch;
    const steps = stepCount(ds.n, batchSize);
    const avg = new TermAverager();
    const vars = stageVars.selflabel();
    let step = 0;
    let lastLoss = 0;
    let confident = 0;
    let seen = 0;
    for (const idx of batches(rng.permutation(ds.n), batchSize)) {
      await cancelPoint(signal);
      const x = toFloatBatch(ds, idx);
      const weak = tf.tidy(() => headProbs(best, x, true));
      const t = selfLabelTargets((await weak.data()) as Float32Array, k, settings.threshold);
      weak.dispose();
      seen += idx.length;
      confident += t.confident;
      // Draw the strong view whether or not the batch trains, so the stream does not depend on it.
      const xs = strongAugment(x, rng, strong);
      x.dispose();
      if (t.confident > 0) {
        const r = await minimizeTerms(optimizer, vars, () => ({
          crossEntropy: weightedCrossEntropy(heads[best]!.apply(f.net.apply(xs, true), true) as tf.Tensor2D, t.targets, t.weights),
          weightDecay: weightDecay(vars, wd),
        }));
        avg.add(r.loss, r.terms);
        lastLoss = r.loss;
        onStep({ step: ++step, steps, loss: r.loss, images: 2 * idx.length });
      } else onStep({ step: ++step, steps, loss: lastLoss, images: idx.length });
      xs.dispose();
    }
    return { ...avg.result('selflabel'), extra: { confidentFraction: confident / Math.max(seen, 1), keptHead: best, keptEpoch: kept.dataSync()[0]! } };
  }

  return {
    name: 'scan',
    params,
    get optimizer() {
      return optimizer;
    },
    enterEpoch,

    async trainEpoch(epoch, onStep, signal) {
      const rng = Rng.derive(config.seed, 'scan', epoch);
      const { stage: now, index, length } = scanStageOf(config, epoch);
      // The pretext's rate follows its schedule over the stage; SCAN and self-labeling keep theirs.
      if (now === 'pretext') setLearningRate(optimizer, learningRateAt(pretextSchedule, stageLr.pretext, index, length));
      const run = { pretext: pretextEpoch, scan: scanEpoch, selflabel: selflabelEpoch }[now];
      const result = await run(epoch, rng, onStep, signal);
      setState(trained, [epoch]);
      return result;
    },

    probs: (x) =>
      tf.tidy(() => (headsTrained() ? headProbs(predictHead(), x, false) : centroidProbs(l2Normalize(project(x, false)), pretextCentroids as tf.Tensor2D))),

    features: (x) => f.net.apply(x, false) as tf.Tensor2D,

    async predict() {
      const done = scalar(trained);
      if (!headsTrained()) {
        // Before any head is trained the clusters are k-means on the pretext features: SCAN's baseline.
        const z = featuresOf(ds, (x) => project(x, false));
        const { centroids, ...preds } = await clusterFeatures(z, k, Rng.derive(config.seed, 'scan', KMEANS_STREAM, done));
        pretextCentroids.assign(centroids);
        tf.dispose([z, centroids]);
        return preds;
      }
      const best = predictHead();
      const probs = featuresOf(ds, (x) => headProbs(best, x, false));
      const preds = await argmaxRows(probs);
      probs.dispose();
      return preds;
    },
  };
}
