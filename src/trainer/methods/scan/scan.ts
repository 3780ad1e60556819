import * as tf from '@tensorflow/tfjs-core';
import { knnCosine } from '../../cluster/knn.js';
import { toFloatBatch } from '../../data/dataset.js';
import { strongAugment } from '../../data/strongAugment.js';
import { scanEvaluate, scanLossOverHeads, type ScanEvaluation } from '../../losses/scan.js';
import { weightDecay } from '../../losses/weightDecay.js';
import { batches, cancelPoint, featuresOf, minimizeTerms, stepCount, TermAverager } from '../method.js';
import { neighbourAgreement } from '../neighbourTable.js';
import { SCAN_CONSTANTS, setState, type ScanModel, type ScanStageTrainer } from './model.js';
import { scanStageOf } from './stages.js';

/**
 * SCAN's clustering stage:
 *   mining: N_X = the K nearest neighbours of every X by cosine similarity of f(X) (or g(f(X)))
 *   train:  for each head h: L_h = -mean log <Phi_h(X), Phi_h(k)> + lambda (log C - H(mean Phi_h(X))),
 *           k a random member of N_X or X itself, both flipped and cut out; minimise sum_h L_h, over
 *           the backbone and the heads (the heads alone with headOnly)
 *   keep:   after each epoch every head is scored in inference mode on un-augmented images
 *           (scanEvaluate); the lowest score over heads and epochs picks the head and the epoch
 *           whose weights the stage ends with (the official scan_evaluate and scan_model)
 */
export function scanStage(m: ScanModel): ScanStageTrainer {
  const { config, ds, settings, heads, k, nNeighbours, state } = m;
  const augment = { ops: settings.scanOps, fill: m.fill };

  /** Mines the neighbours from the pretext features; returns their label agreement when labelled. */
  async function mine(): Promise<{ neighbourAgreement?: number }> {
    const z = featuresOf(ds, (x) =>
      settings.mineOn === 'projection' ? m.project(x, false) : (m.f.net.apply(x, false) as tf.Tensor2D),
    );
    const { indices } = await knnCosine(z, nNeighbours);
    z.dispose();
    setState(state.neighbours, Float32Array.from(indices));
    setState(state.mined, [1]);
    return neighbourAgreement(indices, nNeighbours, ds.labels);
  }

  /** Every head's scanEvaluate on the un-augmented images against the image and its nearest mined neighbours. */
  function evaluateHeads(nb: ArrayLike<number>): ScanEvaluation[] {
    const all = featuresOf(ds, (x) =>
      tf.tidy(() => {
        const h = m.f.net.apply(x, false);
        return tf.concat(
          heads.map((head) => tf.softmax(head.apply(h, false) as tf.Tensor2D)),
          1,
        ) as tf.Tensor2D;
      }),
    );
    const p = all.dataSync() as Float32Array;
    all.dispose();
    const nHeads = heads.length;
    const evalNeighbours = Math.min(SCAN_CONSTANTS.evalNeighbours, nNeighbours);
    return heads.map((_, h) => {
      const probs = new Float32Array(ds.n * k);
      for (let i = 0; i < ds.n; i++)
        probs.set(p.subarray(i * nHeads * k + h * k, i * nHeads * k + (h + 1) * k), i * k);
      return scanEvaluate(probs, k, nb, nNeighbours, evalNeighbours);
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
    setState(state.headLoss, totals);
    const [keptEpoch, , keptLoss] = state.kept.dataSync();
    if (keptEpoch === 0 || best.total < keptLoss!) {
      setState(state.kept, [epoch, head, best.total]);
      for (const { live, copy } of m.keptWeights) copy.assign(live);
    }
    const { index, length } = scanStageOf(config, epoch);
    if (index === length) for (const { live, copy } of m.keptWeights) live.assign(copy);
    const [e, h, l] = state.kept.dataSync();
    return {
      evalHead: head,
      evalLoss: best.total,
      evalConsistency: best.consistency,
      evalEntropy: best.entropy,
      keptEpoch: e!,
      keptHead: h!,
      keptLoss: l!,
    };
  }

  return {
    lr: settings.scanLr,
    async train(epoch, optimizer, rng, onStep, signal) {
      const extra = state.mined.dataSync()[0]! === 0 ? await mine() : {};
      const nb = state.neighbours.dataSync();
      const batchSize = settings.scanBatch;
      const steps = stepCount(ds.n, batchSize);
      const avg = new TermAverager();
      let step = 0;
      // The official update_cluster_head_only option keeps the pretext backbone fixed here.
      const vars = m.varsOf(settings.headOnly ? ['cluster_head.'] : ['backbone.', 'cluster_head.']);
      for (const idx of batches(rng.permutation(ds.n), batchSize)) {
        await cancelPoint(signal);
        // Drawn from the image and its K neighbours, as the official top-(K+1) list holds the image itself.
        const partner = Int32Array.from(idx, (i) => {
          const j = rng.int(nNeighbours + 1);
          return j === 0 ? i : nb[i * nNeighbours + j - 1]!;
        });
        const x = tf.tidy(() =>
          tf.concat(
            [
              strongAugment(toFloatBatch(ds, idx), rng, augment),
              strongAugment(toFloatBatch(ds, partner), rng, augment),
            ],
            0,
          ),
        );
        const r = await minimizeTerms(optimizer, vars, () => {
          const h = m.f.net.apply(x, true);
          const logits = heads.map((head) => head.apply(h, true) as tf.Tensor2D);
          return {
            ...scanLossOverHeads(logits, settings.entropyWeight),
            weightDecay: weightDecay(vars, settings.weightDecay),
          };
        });
        x.dispose();
        avg.add(r.loss, r.terms);
        onStep({ step: ++step, steps, loss: r.loss, images: 2 * idx.length });
      }
      return { ...avg.result('scan'), extra: { ...extra, ...keepBest(epoch, evaluateHeads(nb)) } };
    },
  };
}
