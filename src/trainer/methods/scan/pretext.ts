import * as tf from '@tensorflow/tfjs-core';
import { ccAugment, type AugmentConfig } from '../../data/augment.js';
import { toFloatBatch } from '../../data/dataset.js';
import { ntXent } from '../../losses/contrastive.js';
import { weightDecay } from '../../losses/weightDecay.js';
import { batches, cancelPoint, minimizeTerms, stepCount, TermAverager } from '../method.js';
import { learningRateAt, setLearningRate } from '../schedule.js';
import { SCAN_CONSTANTS, type ScanModel, type ScanStageTrainer } from './model.js';
import { scanStageOf } from './stages.js';

/**
 * SimCLR's view augmentation as the SCAN repo runs it (crops of 20-100 % of the image, no blur), with
 * colour jitter of strength s (brightness, contrast, saturation 0.8s, hue 0.2s; at most 2.5).
 */
function simclrAugment(s: number): Partial<AugmentConfig> {
  return {
    cropScale: [0.2, 1],
    blurProb: 0,
    brightness: 0.8 * s,
    contrast: 0.8 * s,
    saturation: 0.8 * s,
    hue: 0.2 * s,
  };
}

/**
 * SCAN's pretext stage, SimCLR: NT-Xent(g(f(x_a)), g(f(x_b)); tau 0.1, x_a the anchors) on two
 * augmented views of each image, over the backbone and the contrastive head, with weight decay. Its
 * learning rate follows the `schedule` setting over the stage.
 */
export function pretextStage(m: ScanModel): ScanStageTrainer {
  const { config, ds, settings } = m;
  const augment = simclrAugment(settings.jitter);
  const lr = settings.pretextLr;
  return {
    lr,
    async train(epoch, optimizer, rng, onStep, signal) {
      const { index, length } = scanStageOf(config, epoch);
      setLearningRate(optimizer, learningRateAt(settings.schedule, lr, index, length));
      const avg = new TermAverager();
      const steps = stepCount(ds.n, config.batchSize);
      let step = 0;
      const vars = m.varsOf(['backbone.', 'contrastive_head.']);
      for (const idx of batches(rng.permutation(ds.n), config.batchSize)) {
        await cancelPoint(signal);
        const views = tf.tidy(() => {
          const x = toFloatBatch(ds, idx);
          return tf.concat([ccAugment(x, rng, augment), ccAugment(x, rng, augment)], 0);
        });
        const r = await minimizeTerms(optimizer, vars, () => {
          const [za, zb] = tf.split(m.project(views, true), 2, 0) as [tf.Tensor2D, tf.Tensor2D];
          // The SCAN repo's SimCLRLoss: the first view's rows are the anchors; weight decay as its SGD's.
          return {
            instance: ntXent(za, zb, SCAN_CONSTANTS.temperature, 'first'),
            weightDecay: weightDecay(vars, settings.weightDecay),
          };
        });
        views.dispose();
        avg.add(r.loss, r.terms);
        onStep({ step: ++step, steps, loss: r.loss, images: idx.length });
      }
      return avg.result('pretext');
    },
  };
}
