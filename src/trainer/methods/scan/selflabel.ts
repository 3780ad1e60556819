import * as tf from '@tensorflow/tfjs-core';
import { toFloatBatch } from '../../data/dataset.js';
import { strongAugment } from '../../data/strongAugment.js';
import { selfLabelTargets, weightedCrossEntropy } from '../../losses/scan.js';
import { anchorLoss } from '../../losses/anchors.js';
import { anchorBatch, ANCHORS_PER_STEP, fixedClusters } from '../anchors.js';
import { weightDecay } from '../../losses/weightDecay.js';
import { batches, cancelPoint, minimizeTerms, stepCount, TermAverager } from '../method.js';
import type { ScanModel, ScanStageTrainer } from './model.js';

/**
 * SCAN's self-labeling stage, on the kept head only: Phi(weak X) > threshold gives a pseudo-label;
 * minimise the class-balanced cross-entropy of Phi(strong X) (RandAugment-like ops plus Cutout),
 * over the backbone and that head. Adam at the run's --lr.
 * A retrain with corrections (our addition, README: departures): an anchored image's pseudo-label
 * is the cluster the user moved it to, confident or not, and every step adds the anchor terms
 * (must-link, cannot-link; losses/anchors.ts) on the strong views of up to ANCHORS_PER_STEP anchors.
 */
export function selflabelStage(m: ScanModel): ScanStageTrainer {
  const { config, ds, settings, k } = m;
  const anchors = m.anchors?.rows.length ? m.anchors : undefined;
  const fixed = anchors && fixedClusters(anchors, ds.n);
  const strong = { ops: settings.strongOps, fill: m.fill };
  return {
    lr: config.learningRate,
    async train(_epoch, optimizer, rng, onStep, signal) {
      const best = m.keptHead();
      const batchSize = settings.selflabelBatch;
      const steps = stepCount(ds.n, batchSize);
      const avg = new TermAverager();
      const vars = m.varsOf(['backbone.', `cluster_head.${best}.`]);
      let step = 0;
      let lastLoss = 0;
      let confident = 0;
      let seen = 0;
      for (const idx of batches(rng.permutation(ds.n), batchSize)) {
        await cancelPoint(signal);
        const x = toFloatBatch(ds, idx);
        const weak = tf.tidy(() => m.headProbs(best, x, true));
        const t = selfLabelTargets(
          (await weak.data()) as Float32Array,
          k,
          settings.threshold,
          fixed && Int32Array.from(idx, (i) => fixed[i]!),
        );
        weak.dispose();
        seen += idx.length;
        confident += t.confident;
        // Draw the strong view whether or not the batch trains, so the stream does not depend on it.
        const xs = strongAugment(x, rng, strong);
        x.dispose();
        const a = anchors && anchorBatch(anchors, rng, ANCHORS_PER_STEP);
        const anchorView = a && strongAugment(toFloatBatch(ds, a.rows), rng, strong);
        if (t.confident > 0 || a) {
          const r = await minimizeTerms(optimizer, vars, () => {
            // A retrain's anchors ride along with the batch's strong views, as images of the
            // batch: alone, a few anchors would set batch norm's statistics themselves.
            const n = idx.length;
            const logits = m.heads[best]!.apply(
              m.f.net.apply(anchorView ? tf.concat([xs, anchorView]) : xs, true),
              true,
            ) as tf.Tensor2D;
            return {
              crossEntropy: weightedCrossEntropy(
                anchorView ? tf.slice(logits, [0, 0], [n, -1]) : logits,
                t.targets,
                t.weights,
              ),
              weightDecay: weightDecay(vars, settings.weightDecay),
              ...(a && anchorView ? anchorLoss(tf.slice(logits, [n, 0], [-1, -1]), a.to, a.from) : {}),
            };
          });
          avg.add(r.loss, r.terms);
          lastLoss = r.loss;
          onStep({ step: ++step, steps, loss: r.loss, images: 2 * idx.length });
        } else onStep({ step: ++step, steps, loss: lastLoss, images: idx.length });
        xs.dispose();
        anchorView?.dispose();
      }
      return {
        ...avg.result('selflabel'),
        extra: {
          confidentFraction: confident / Math.max(seen, 1),
          keptHead: best,
          keptEpoch: m.state.kept.dataSync()[0]!,
        },
      };
    },
  };
}
