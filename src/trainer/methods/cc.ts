import * as tf from '@tensorflow/tfjs-core';
import { ccAugment } from '../data/augment.js';
import { toFloatBatch } from '../data/dataset.js';
import { marginalNegEntropy } from '../losses/entropy.js';
import { ntXent } from '../losses/contrastive.js';
import { anchorLoss } from '../losses/anchors.js';
import { buildBackbone } from '../models/backbones.js';
import { mlpHead } from '../models/heads.js';
import { ParamSet } from '../models/layers.js';
import { Rng } from '../util/rng.js';
import { CC_SPEC } from '../../common/methods/cc.js';
import { learningRateAt, setLearningRate } from './schedule.js';
import { anchorBatch, ANCHORS_PER_STEP } from './anchors.js';
import {
  batches,
  stepCount,
  cancelPoint,
  minimizeTerms,
  predictFromProbs,
  settingsOf,
  TermAverager,
  type Method,
  type MethodInit,
} from './method.js';

/** The official code's 128-d instance space (config.yaml); its other settings are CC_SPEC's. */
const INSTANCE_DIM = 128;

/**
 * Contrastive Clustering (Li et al., AAAI 2021).
 *
 * For every minibatch x:
 *   x_a, x_b        = two random augmentations of x                  (pair construction backbone)
 *   h_a, h_b        = f(x_a), f(x_b)                                 (shared backbone)
 *   z_a, z_b        = normalize(g_I(h_a)), normalize(g_I(h_b))       (instance-level head)
 *   y_a, y_b        = softmax(g_C(h_a)), softmax(g_C(h_b))           (cluster-level head)
 *   L = NT-Xent rows(z_a, z_b; tau_I) + NT-Xent columns(y_a, y_b; tau_C) - H(Y)
 * Predict: argmax of g_C on the un-augmented image.
 * A retrain with corrections adds, every step, the anchor terms (losses/anchors.ts) of g_C on one
 * augmented view of up to ANCHORS_PER_STEP moved images: must-link to their new cluster,
 * cannot-link to their old one (our addition, README: departures).
 */
export function createCC({ config, ds, retrain }: MethodInit): Method {
  const anchors = retrain?.anchors.rows.length ? retrain.anchors : undefined;
  const s = settingsOf(CC_SPEC, config);
  const params = new ParamSet(Rng.derive(config.seed, 'init'));
  const f = buildBackbone(config.backbone, params, ds.channels, ds.size);
  const instanceHead = mlpHead(params, 'instance_head', f.featureDim, f.featureDim, INSTANCE_DIM);
  const clusterHead = mlpHead(params, 'cluster_head', f.featureDim, f.featureDim, config.clusters);
  const optimizer = tf.train.adam(config.learningRate);
  // Crop scale floor and blur probability are tunable; the defaults are the official CIFAR recipe's (no blur).
  const augment = { cropScale: [s.cropMin, 1] as [number, number], blurProb: s.blur };
  // The cluster head on un-augmented images: predict() runs it over the dataset, assign over new images.
  const probs = (x: tf.Tensor4D) =>
    tf.softmax(clusterHead.apply(f.net.apply(x, false), false) as tf.Tensor2D);

  return {
    name: 'cc',
    params,
    optimizer,

    async trainEpoch(epoch, rng, onStep, signal) {
      setLearningRate(optimizer, learningRateAt(s.schedule, config.learningRate, epoch, config.epochs));
      const order = rng.permutation(ds.n);
      const steps = stepCount(ds.n, config.batchSize);
      const avg = new TermAverager();
      let step = 0;
      for (const idx of batches(order, config.batchSize)) {
        await cancelPoint(signal);
        const views = tf.tidy(() => {
          const x = toFloatBatch(ds, idx);
          return [ccAugment(x, rng, augment), ccAugment(x, rng, augment)];
        });
        const a = anchors && anchorBatch(anchors, rng, ANCHORS_PER_STEP);
        const anchorView = a && tf.tidy(() => ccAugment(toFloatBatch(ds, a.rows), rng, augment));
        // ntXent normalizes its rows, which is the ICH's L2 normalisation and the CCH's cosine similarity.
        const r = await minimizeTerms(optimizer, [...params.trainable.values()], () => {
          // Each view through the network on its own, as the official forward(x_i, x_j): batch norm
          // sees one view at a time. A retrain's anchors ride along with the first view, as images
          // of its batch: alone, a few anchors would set batch norm's statistics themselves.
          const n = idx.length;
          const first = f.net.apply(anchorView ? tf.concat([views[0]!, anchorView]) : views[0]!, true);
          const ha = (anchorView ? tf.slice(first, [0, 0], [n, -1]) : first) as tf.Tensor2D;
          const hAnchor = anchorView && (tf.slice(first, [n, 0], [-1, -1]) as tf.Tensor2D);
          const hb = f.net.apply(views[1]!, true) as tf.Tensor2D;
          const [za, zb] = [ha, hb].map((h) => instanceHead.apply(h, true) as tf.Tensor2D) as [
            tf.Tensor2D,
            tf.Tensor2D,
          ];
          const [ya, yb] = [ha, hb].map((h) => tf.softmax(clusterHead.apply(h, true) as tf.Tensor2D)) as [
            tf.Tensor2D,
            tf.Tensor2D,
          ];
          return {
            instance: ntXent(za, zb, s.instanceTemperature),
            cluster: ntXent(tf.transpose(ya), tf.transpose(yb), s.clusterTemperature),
            entropy: tf.add(marginalNegEntropy(ya), marginalNegEntropy(yb)),
            ...(a && hAnchor
              ? anchorLoss(clusterHead.apply(hAnchor, true) as tf.Tensor2D, a.to, a.from)
              : {}),
          };
        });
        tf.dispose([...views, ...(anchorView ? [anchorView] : [])]);
        avg.add(r.loss, r.terms);
        onStep({ step: ++step, steps, loss: r.loss, images: idx.length });
      }
      return avg.result('train');
    },

    probs,
    features: (x) => f.net.apply(x, false) as tf.Tensor2D,

    predict() {
      return predictFromProbs(ds.n, 256, (idx) => probs(toFloatBatch(ds, idx)));
    },
  };
}
