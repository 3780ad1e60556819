import * as tf from '@tensorflow/tfjs-core';
import { SCAN_SPEC } from '../../../common/methods/scan.js';
import type { TrainConfig } from '../../../protocol/run.js';
import { channelMeans, type Dataset } from '../../data/dataset.js';
import { l2Normalize } from '../../losses/contrastive.js';
import { buildBackbone, type Backbone } from '../../models/backbones.js';
import { mlpHead } from '../../models/heads.js';
import { dense, ParamSet, type Layer } from '../../models/layers.js';
import { ConfigError } from '../../run/config.js';
import { Rng } from '../../util/rng.js';
import { settingsOf, type EpochResult, type StepInfo } from '../method.js';
import type { Anchors } from '../anchors.js';

/**
 * Fixed, where the settings live in SCAN_SPEC: SimCLR's temperature 0.1 with a 128-d MLP head, and
 * the mined neighbours, besides the image itself, each head is scored against after a SCAN epoch
 * (evalNeighbours: the official 5).
 */
export const SCAN_CONSTANTS = { temperature: 0.1, projectionDim: 128, evalNeighbours: 5 };

/**
 * What SCAN's stages share: the backbone f, the contrastive head g, the clustering heads, and the
 * state a resumed run must keep (mined neighbours, the kept head and epoch, the epochs trained).
 */
export function scanModel(config: TrainConfig, ds: Dataset, anchors?: Anchors) {
  const k = config.clusters;
  const settings = settingsOf(SCAN_SPEC, config);
  const nNeighbours = Math.min(settings.neighbours, ds.n - 1);
  if (nNeighbours < 1) throw new ConfigError('SCAN needs at least 2 images to mine neighbours');
  const nHeads = settings.heads;

  const params = new ParamSet(Rng.derive(config.seed, 'init'));
  const f: Backbone = buildBackbone(config.backbone, params, ds.channels, ds.size);
  const g = mlpHead(params, 'contrastive_head', f.featureDim, f.featureDim, SCAN_CONSTANTS.projectionDim);
  const heads: Layer[] = Array.from({ length: nHeads }, (_, h) =>
    dense(params, `cluster_head.${h}`, f.featureDim, k),
  );
  const zeros = (n: number) => new Float32Array(n);
  // Mining and head choice are part of the model's state, so a resumed run keeps them.
  const state = {
    neighbours: params.add('scan.neighbours', [ds.n, nNeighbours], zeros, false),
    mined: params.add('scan.mined', [1], zeros, false),
    // Every head's evaluation score after the last SCAN epoch, and the kept (epoch, head, score).
    headLoss: params.add('scan.head_loss', [nHeads], zeros, false),
    kept: params.add('scan.kept', [3], zeros, false),
    trained: params.add('scan.trained_epochs', [1], zeros, false),
  };
  // The kept epoch's backbone and heads (batch-norm statistics too): the SCAN stage ends with them.
  const keptWeights = [...params.all()]
    .filter(([n]) => n.startsWith('backbone.') || n.startsWith('cluster_head.'))
    .map(([n, live]) => ({ live, copy: params.add(`scan.kept.${n}`, live.shape, zeros, false) }));
  // After the pretext alone the clusters are k-means': its centroids place new images.
  const pretextCentroids = params.add(
    'scan.pretext_centroids',
    [k, SCAN_CONSTANTS.projectionDim],
    zeros,
    false,
  );

  return {
    config,
    ds,
    /** A retrain's corrections, which self-labeling takes as labels. */
    anchors,
    k,
    settings,
    nNeighbours,
    params,
    f,
    heads,
    state,
    keptWeights,
    pretextCentroids,
    // Cutout fills with the dataset's mean colour: the official one zeroes the normalized image.
    fill: channelMeans(ds),
    /** Trainable variables whose names start with one of `prefixes`. */
    varsOf: (prefixes: string[]) =>
      [...params.trainable].filter(([n]) => prefixes.some((p) => n.startsWith(p))).map(([, v]) => v),
    /** g(f(x)), L2-normalised. */
    project: (x: tf.Tensor4D, training: boolean) =>
      l2Normalize(g.apply(f.net.apply(x, training), training) as tf.Tensor2D),
    /** Phi_h(x): head h's cluster probabilities. */
    headProbs: (h: number, x: tf.Tensor4D, training: boolean) =>
      tf.softmax(heads[h]!.apply(f.net.apply(x, training), training) as tf.Tensor2D) as tf.Tensor2D,
    keptHead: () => state.kept.dataSync()[1]!,
  };
}

export type ScanModel = ReturnType<typeof scanModel>;

/** One SCAN stage: the learning rate its fresh Adam starts at, and one epoch of its training. */
export interface ScanStageTrainer {
  lr: number;
  train(
    epoch: number,
    optimizer: tf.Optimizer,
    rng: Rng,
    onStep: (s: StepInfo) => void,
    signal: AbortSignal,
  ): Promise<EpochResult>;
}

export function setState(v: tf.Variable, values: ArrayLike<number>): void {
  tf.tidy(() => v.assign(tf.tensor(Float32Array.from(values), v.shape)));
}
