import * as tf from '@tensorflow/tfjs-core';
import { DEEPCLUSTER_SPEC } from '../../common/methods/deepcluster.js';
import { kmeans, KMEANS_STREAM, type KMeansResult } from '../cluster/kmeans.js';
import { applyPca, fitPca } from '../cluster/pca.js';
import { ccAugment, type AugmentConfig } from '../data/augment.js';
import { toFloatBatch } from '../data/dataset.js';
import { nmi } from '../../common/eval/metrics.js';
import { l2Normalize } from '../losses/contrastive.js';
import { weightedCrossEntropy } from '../losses/scan.js';
import { weightDecay } from '../losses/weightDecay.js';
import { buildBackbone } from '../models/backbones.js';
import { dense, normalInit, ParamSet, zeros } from '../models/layers.js';
import { sobel, SOBEL_CHANNELS } from '../models/sobel.js';
import { Rng } from '../util/rng.js';
import { labelFreeRow, scoreLabelFree } from '../run/labelFreeScores.js';
import { centroidProbs } from './featureClusters.js';
import { fixedClusters } from './anchors.js';
import { DC_PICK_RULES, pickBetter, pickFrom, pickScore } from '../../common/methods/deepclusterPick.js';
import {
  batches,
  stepCount,
  cancelPoint,
  featuresOf,
  settingsOf,
  TermAverager,
  type Method,
  type MethodInit,
  type Predictions,
} from './method.js';

/**
 * The official settings (facebookresearch/deepcluster main.py) are DEEPCLUSTER_SPEC's: SGD lr 0.05,
 * momentum 0.9, weight decay 1e-5 for the network; the classifier (top layer) drawn from N(0, 0.01)
 * with zero bias every epoch and trained by plain SGD (no momentum) with the same decay; PCA with
 * whitening (to 256 dims there), then L2 normalisation, of the features before the last ReLU
 * (compute_features runs the classifier without it); uniform sampling over pseudo-labels. Sobel
 * input is optional here (the paper uses it on ImageNet).
 */
const MAX_PCA_DIM = 256;

/**
 * PCA keeps min(256, d / 8) dims by default: the paper's 256 of AlexNet's 4,096 is a sixteenth. Whitening
 * all 256 dims of the small backbone gives its noise directions the weight of the signal ones, and
 * k-means then follows the noise (ACC .37 against .54 with 32 dims on the sample).
 */
function defaultPcaDim(featureDim: number): number {
  return Math.min(MAX_PCA_DIM, Math.max(1, Math.floor(featureDim / 8)));
}

/** The training view: a random resized crop (8-100 %) and a flip, as the official loader (no colour ops). */
const DC_AUGMENT: Partial<AugmentConfig> = {
  cropScale: [0.08, 1],
  jitterProb: 0,
  grayscaleProb: 0,
  blurProb: 0,
};

/**
 * DeepCluster's UnifLabelSampler: n draws with every non-empty cluster equally represented
 * (floor(n / non-empty) + 1 each, with replacement when a cluster is smaller), shuffled, cut to n.
 */
export function uniformOverLabels(assign: Int32Array, k: number, rng: Rng): Int32Array {
  const members: number[][] = Array.from({ length: k }, () => []);
  assign.forEach((c, i) => members[c]!.push(i));
  const nonEmpty = members.filter((m) => m.length > 0);
  const per = Math.floor(assign.length / nonEmpty.length) + 1;
  const out: number[] = [];
  for (const m of nonEmpty) {
    if (m.length >= per) {
      const p = rng.permutation(m.length);
      for (let j = 0; j < per; j++) out.push(m[p[j]!]!);
    } else for (let j = 0; j < per; j++) out.push(m[rng.int(m.length)]!);
  }
  const p = rng.permutation(out.length);
  return Int32Array.from({ length: assign.length }, (_, j) => out[p[j]!]!);
}

/**
 * DeepCluster (Caron et al., ECCV 2018). Every epoch:
 *   features  = f(x) for every image, un-augmented
 *   z         = normalize(PCA_whiten(features, 256))
 *   y         = k-means(z, k)               (empty clusters re-seeded by splitting a non-empty one)
 *   re-initialise the classifier W; train f and W on (augment(x), y) with cross-entropy,
 *   sampling uniformly over the pseudo-labels (or weighting the loss by inverse cluster size)
 * Predict: the same clustering of the current features; the PCA and centroids are kept as state
 * so new images can be placed without clustering again.
 * A retrain with corrections (our addition, README: departures) runs k-means with every moved image
 * fixed to the cluster the user put it in (so never in the one it left), that cluster's centroid
 * seeded at their mean; the pick rule weighs only the retrain's own epochs.
 */
export function createDeepCluster({ config, ds, retrain }: MethodInit): Method {
  const k = config.clusters;
  const s = settingsOf(DEEPCLUSTER_SPEC, config);
  const useSobel = s.sobel;
  const balance = s.balance;
  const wd = s.weightDecay;
  const momentum = s.momentum;
  const fixed = retrain?.anchors.rows.length ? fixedClusters(retrain.anchors, ds.n) : undefined;
  // A retrain's pick is among its own epochs: those before it had no corrections.
  const firstPickable = (epochs: number) => Math.max(pickFrom(epochs), (retrain?.fromEpoch ?? 0) + 1);

  const params = new ParamSet(Rng.derive(config.seed, 'init'));
  const f = buildBackbone(config.backbone, params, useSobel ? SOBEL_CHANNELS : ds.channels, ds.size);
  const classifier = dense(params, 'classifier', f.featureDim, k, 'linear', {
    weight: normalInit(0.01),
    bias: zeros,
  });
  const m = Math.min(s.pcaDim ?? defaultPcaDim(f.featureDim), f.featureDim, ds.n);
  // The clustering that predicts new images.
  const pcaMean = params.add('dc.pca_mean', [f.featureDim], zeros, false);
  const pcaComponents = params.add('dc.pca_components', [f.featureDim, m], zeros, false);
  const pcaScale = params.add('dc.pca_scale', [m], zeros, false);
  const centroids = params.add('dc.centroids', [k, m], zeros, false);
  const trained = params.add('dc.trained_epochs', [1], zeros, false);
  // The rule's kept epoch (added last: it copies every variable above).
  const keep = s.pick === 'last' ? undefined : keptState(params, ds.n);

  const input = (x: tf.Tensor4D) => (useSobel ? sobel(x) : x);
  const bodyVars = [...params.trainable].filter(([n]) => n.startsWith('backbone.')).map(([, v]) => v);
  const headVars = [...params.trainable].filter(([n]) => n.startsWith('classifier.')).map(([, v]) => v);
  // The body's momentum persists across epochs; the classifier is new every epoch, with a plain SGD of its own.
  const optimizer = tf.train.momentum(config.learningRate, momentum);
  const setState = (v: tf.Variable, t: tf.Tensor | ArrayLike<number>) =>
    tf.tidy(() =>
      v.assign(t instanceof tf.Tensor ? t.reshape(v.shape) : tf.tensor(Float32Array.from(t), v.shape)),
    );

  /** The pick rule's value of a clustering (its row's quantities), computing the label-free scores only for the rules that read them. */
  async function scoreOf(
    c: NonNullable<typeof cached>,
    row: Record<string, number>,
    epoch: number,
  ): Promise<number> {
    const key = (DC_PICK_RULES[s.pick] as { key?: string }).key;
    if (key === 'confidence' || key === 'knnConsistency' || key === 'silhouette') {
      // The evaluation's scores of the same clustering in the same features (evaluate() in train.ts).
      const h = featuresOf(ds, (x) => l2Normalize(f.net.apply(input(x), false) as tf.Tensor2D));
      const features = (await h.data()) as Float32Array;
      h.dispose();
      const lf = await scoreLabelFree(
        { rows: ds.n, dims: f.featureDim, clusters: k, features, probs: new Float32Array(0) },
        c.preds,
        k,
        config.seed,
      );
      Object.assign(row, labelFreeRow(lf.scores));
    }
    return pickScore(s.pick, { ...row, epoch });
  }

  /**
   * Keeps the epoch's model and clusters when its score beats every earlier epoch's of the run's
   * second half; returns the row's kept epoch.
   */
  async function consider(
    epoch: number,
    c: NonNullable<typeof cached>,
    row: Record<string, number>,
  ): Promise<Record<string, number>> {
    if (!keep || epoch < firstPickable(config.epochs)) return {};
    const score = await scoreOf(c, row, epoch);
    const [keptEpoch, keptScore] = keep.at.dataSync();
    if (pickBetter(score, keptEpoch! < firstPickable(config.epochs) ? undefined : keptScore)) {
      setState(keep.at, [epoch, score, score]);
      setState(keep.cluster, c.preds.cluster);
      setState(keep.confidence, c.preds.confidence);
      for (const { live, copy } of keep.weights) copy.assign(live);
    } else setState(keep.at, [keptEpoch!, keptScore!, score]);
    return { keptEpoch: keep.at.dataSync()[0]! };
  }

  /** What predict() reports once finish() restored the kept epoch. */
  let reported: Predictions | undefined;

  /**
   * Clusters the current features; keeps PCA and centroids in the state. Cached per model epoch.
   * The same pass gives the classifier's mean top softmax probability on un-augmented images: how
   * well the epoch's network fits the pseudo-labels it trained on, a label-free diagnostic.
   */
  let cached:
    { epoch: number; km: KMeansResult; preds: Predictions; classifierConfidence: number } | undefined;
  async function clustering(modelEpoch: number): Promise<NonNullable<typeof cached>> {
    if (cached?.epoch === modelEpoch) return cached;
    // The net is its pre-activation followed by a ReLU, or the pre-activation itself (see Backbone).
    const post = (h: tf.Tensor2D) => (f.net === f.preActivation ? h : tf.relu(h));
    const both = featuresOf(ds, (x) => {
      const h = f.preActivation.apply(input(x), false) as tf.Tensor2D;
      const top = tf.max(tf.softmax(classifier.apply(post(h), false) as tf.Tensor2D), 1, true);
      return tf.concat([h, top], 1) as tf.Tensor2D;
    });
    const [feats, top] = tf.split(both, [f.featureDim, 1], 1) as [tf.Tensor2D, tf.Tensor2D];
    const classifierConfidence = (await tf.mean(top).data())[0]!;
    tf.dispose([both, top]);
    const pca = await fitPca(feats, m, { whiten: true });
    const z = tf.tidy(() => l2Normalize(applyPca(pca, feats)));
    feats.dispose();
    const km = await kmeans(z, {
      k,
      rng: Rng.derive(config.seed, 'deepcluster', KMEANS_STREAM, modelEpoch),
      restarts: s.restarts,
      iters: s.kmeansIters,
      ...(fixed ? { fixed } : {}),
    });
    setState(pcaMean, pca.mean);
    setState(pcaComponents, pca.components);
    setState(pcaScale, pca.scale);
    setState(centroids, km.centroids);
    pca.dispose();
    const probs = centroidProbs(z, km.centroids);
    const p = (await probs.data()) as Float32Array;
    tf.dispose([z, probs]);
    km.centroids.dispose();
    const preds = { cluster: km.assign, confidence: Float32Array.from(km.assign, (c, i) => p[i * k + c]!) };
    cached = { epoch: modelEpoch, km, preds, classifierConfidence };
    return cached;
  }

  return {
    name: 'deepcluster',
    params,
    optimizer,

    async trainEpoch(epoch, rng, onStep, signal) {
      const y = (await clustering(epoch - 1)).preds.cluster;

      params.reinitialize('classifier.', rng);
      const headOptimizer = tf.train.sgd(config.learningRate);
      const sizes = new Int32Array(k);
      for (const c of y) sizes[c]!++;
      const order = balance === 'uniform' ? uniformOverLabels(y, k, rng) : rng.permutation(ds.n);
      const steps = stepCount(ds.n, config.batchSize);
      const avg = new TermAverager();
      let step = 0;
      try {
        for (const idx of batches(order, config.batchSize)) {
          await cancelPoint(signal);
          const x = tf.tidy(() => input(ccAugment(toFloatBatch(ds, idx), rng, DC_AUGMENT)));
          const targets = Int32Array.from(idx, (i) => y[i]!);
          const weights = Float32Array.from(targets, (c) =>
            balance === 'weighted' ? ds.n / (k * sizes[c]!) : 1,
          );
          const terms: Record<string, number> = {};
          const { value, grads } = tf.variableGrads(() => {
            const ce = weightedCrossEntropy(
              classifier.apply(f.net.apply(x, true), true) as tf.Tensor2D,
              targets,
              weights,
            );
            const decay = weightDecay([...bodyVars, ...headVars], wd);
            terms.crossEntropy = ce.dataSync()[0]!;
            terms.weightDecay = decay.dataSync()[0]!;
            return tf.add(ce, decay) as tf.Scalar;
          }, [...bodyVars, ...headVars]);
          const pick = (vars: tf.Variable[]) => vars.map((v) => ({ name: v.name, tensor: grads[v.name]! }));
          optimizer.applyGradients(pick(bodyVars));
          headOptimizer.applyGradients(pick(headVars));
          const loss = (await value.data())[0]!;
          tf.dispose([value, x, ...Object.values(grads)]);
          avg.add(loss, terms);
          onStep({ step: ++step, steps, loss, images: idx.length });
        }
      } finally {
        headOptimizer.dispose();
      }
      setState(trained, [epoch]);
      // The epoch's own clustering (the next epoch's pseudo-labels, and what predict() reports now):
      // its diagnostics go in this epoch's row, beside the ACC of the same clustering.
      const next = await clustering(epoch);
      const extra: Record<string, number> = {
        reseeded: next.km.reseeded,
        kmeansInertia: next.km.inertia,
        nmiPrevious: nmi(y, next.preds.cluster),
        classifierConfidence: next.classifierConfidence,
      };
      const kept = await consider(epoch, next, { ...extra });
      return { ...avg.result('train'), extra: { ...extra, ...kept } };
    },

    finish() {
      const last = trained.dataSync()[0]!;
      const rule = DC_PICK_RULES[s.pick];
      if (!keep) return { epoch: last, rule: s.pick, why: rule.doc };
      const [epoch, score, lastScore] = keep.at.dataSync();
      if (epoch === 0) return { epoch: last, rule: s.pick, why: 'no epoch of the second half was trained' };
      for (const { live, copy } of keep.weights) live.assign(copy);
      reported = {
        cluster: Int32Array.from(keep.cluster.dataSync()),
        confidence: Float32Array.from(keep.confidence.dataSync()),
      };
      // The rule's quantity as the row shows it (the score is its negative for a lowest-wins rule).
      const sign = (rule as { sign?: number }).sign ?? 1;
      const value = (x: number) => (sign * x).toPrecision(4);
      const why =
        epoch === last
          ? `${rule.doc} (${value(score!)}, the last epoch's own)`
          : `${rule.doc} (${value(score!)}; the last epoch's ${value(lastScore!)})`;
      return { epoch: epoch!, rule: s.pick, why };
    },

    // The clustering kept in the state: the final checkpoint's, made by predict() at the last epoch.
    probs: (x) =>
      tf.tidy(() => {
        const z = l2Normalize(
          applyPca(
            {
              mean: pcaMean as tf.Tensor1D,
              components: pcaComponents as tf.Tensor2D,
              scale: pcaScale as tf.Tensor1D,
            },
            f.preActivation.apply(input(x), false) as tf.Tensor2D,
          ),
        );
        return centroidProbs(z, centroids as tf.Tensor2D);
      }),

    features: (x) => f.net.apply(input(x), false) as tf.Tensor2D,

    async predict() {
      return reported ?? (await clustering(trained.dataSync()[0]!)).preds;
    },
  };
}

/**
 * The kept epoch's state: (epoch, its score, the latest epoch's score), its clusters and
 * confidences, and a copy of every variable made before (backbone, classifier, PCA, centroids).
 */
function keptState(params: ParamSet, n: number) {
  const variables = [...params.all()];
  const at = params.add('dc.kept', [3], zeros, false);
  const cluster = params.add('dc.kept_cluster', [n], zeros, false);
  const confidence = params.add('dc.kept_confidence', [n], zeros, false);
  const weights = variables.map(([name, live]) => ({
    live,
    copy: params.add(`dc.kept.${name}`, live.shape, zeros, false),
  }));
  return { at, cluster, confidence, weights };
}
