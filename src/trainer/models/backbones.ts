import * as tf from '@tensorflow/tfjs-core';
import type { BackboneName } from '../../protocol/run.js';
import {
  batchNorm,
  conv2d,
  dense,
  flatten,
  globalAvgPool,
  maxPool,
  relu,
  sequential,
  type Layer,
  type ParamSet,
} from './layers.js';

/** A feature extractor f: image batch [N, S, S, C] -> features [N, featureDim]. */
export interface Backbone {
  net: Layer;
  /** The features before the net's last ReLU (the net itself when it ends without one: a ResNet's pooling). */
  preActivation: Layer;
  featureDim: number;
}

/**
 * Small CNN for images of 64 px or less, sized to train at hundreds of img/s on two CPU cores:
 * three conv-BN-relu-pool stages (32, 64, 128 channels) and a 256-d dense-BN-relu layer. Batch
 * norm keeps the features at unit scale, as a ResNet's are; without it they shrink layer by layer
 * and a linear clustering head on top starts (and stays) near uniform.
 */
function smallCnn(p: ParamSet, channels: number, imageSize: number): Backbone {
  let s = imageSize;
  for (let i = 0; i < 3; i++) s = Math.floor(s / 2);
  if (s < 1) throw new Error(`image size ${imageSize} is too small for the small backbone (need at least 8)`);
  const featureDim = 256;
  const stage = (name: string, inC: number, outC: number) =>
    sequential(
      conv2d(p, `backbone.${name}`, inC, outC, 3, { bias: false }),
      batchNorm(p, `backbone.${name}_bn`, outC),
      relu,
      maxPool(2),
    );
  const preActivation = sequential(
    stage('conv1', channels, 32),
    stage('conv2', 32, 64),
    stage('conv3', 64, 128),
    flatten,
    dense(p, 'backbone.fc', s * s * 128, featureDim),
    batchNorm(p, 'backbone.fc_bn', featureDim),
  );
  return { net: sequential(preActivation, relu), preActivation, featureDim };
}

/** ResNet BasicBlock: two 3x3 conv-BN, identity or 1x1-conv-BN shortcut. */
function basicBlock(p: ParamSet, name: string, inC: number, outC: number, stride: number): Layer {
  const body = sequential(
    conv2d(p, `${name}.conv1`, inC, outC, 3, { stride, bias: false }),
    batchNorm(p, `${name}.bn1`, outC),
    relu,
    conv2d(p, `${name}.conv2`, outC, outC, 3, { bias: false }),
    batchNorm(p, `${name}.bn2`, outC),
  );
  const shortcut =
    stride !== 1 || inC !== outC
      ? sequential(
          conv2d(p, `${name}.shortcut`, inC, outC, 1, { stride, bias: false }),
          batchNorm(p, `${name}.shortcut_bn`, outC),
        )
      : undefined;
  return {
    apply: (x, training) => {
      const y = body.apply(x, training);
      return tf.relu(tf.add(y, shortcut ? shortcut.apply(x, training) : x));
    },
  };
}

/** CIFAR-style ResNet (3x3 stem, no max-pool), as the CC and SCAN code use for 32-96 px images. */
function resnet(p: ParamSet, channels: number, blocks: number[]): Backbone {
  const widths = [64, 128, 256, 512];
  const layers: Layer[] = [
    conv2d(p, 'backbone.stem', channels, 64, 3, { bias: false }),
    batchNorm(p, 'backbone.stem_bn', 64),
    relu,
  ];
  let inC = 64;
  widths.forEach((w, stage) => {
    for (let b = 0; b < blocks[stage]!; b++) {
      layers.push(basicBlock(p, `backbone.layer${stage + 1}.${b}`, inC, w, b === 0 && stage > 0 ? 2 : 1));
      inC = w;
    }
  });
  layers.push(globalAvgPool);
  const net = sequential(...layers);
  return { net, preActivation: net, featureDim: 512 };
}

export function buildBackbone(
  kind: BackboneName,
  p: ParamSet,
  channels: number,
  imageSize: number,
): Backbone {
  switch (kind) {
    case 'small':
      return smallCnn(p, channels, imageSize);
    case 'resnet18':
      return resnet(p, channels, [2, 2, 2, 2]);
    case 'resnet34':
      return resnet(p, channels, [3, 4, 6, 3]);
  }
}
