import * as tf from '@tensorflow/tfjs-core';
import { TEMI_SPEC } from '../../common/methods/temi.js';
import { pairWeights, temiLoss } from '../losses/temi.js';
import { weightDecay } from '../losses/weightDecay.js';
import { fusedMatMul } from '../backend/fast/ops.js';
import { normalInit, ParamSet, zeros } from '../models/layers.js';
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
  type MethodInit,
} from './method.js';
import { NeighbourTable } from './neighbourTable.js';

/** One side (student or teacher) of the head ensemble, every head's variables stacked on a first axis of H. */
interface Heads {
  /** Every head's first layer side by side: [dim, H * hidden] and its bias (one matmul for all heads). */
  w1: tf.Variable;
  b1: tf.Variable;
  /** [H, hidden, bottleneck] and [H, 1, bottleneck]. */
  w2: tf.Variable;
  b2: tf.Variable;
  /** The weight-normalised last layer: directions [H, bottleneck, k] and gains [H, 1, k]. */
  v: tf.Variable;
  g: tf.Variable;
}

/**
 * TEMI (Adaloglou et al., BMVC 2023) on frozen, L2-normalised embeddings:
 *   mining:  N_X = the K nearest neighbours of every X by cosine similarity
 *   heads:   H heads, each z -> ReLU(W1 z + b1) -> W2 . + b2 -> L2-normalise -> g * (V/|V|) . : k logits
 *            (the official DINO head with 2 layers, weight-normalised last layer without bias)
 *   step:    pairs (x, x'), x' a random member of N_x; per head h, teacher q_t = softmax(T_h / tau),
 *            student log q_s = log softmax(S_h / tau); p_h = EMA (probsMomentum) of the teacher's
 *            batch mean over both views; w = the teacher's agreement of x and x', mean over heads;
 *            L_h = (temiLoss(S_h(x'), T_h(x)) + temiLoss(S_h(x), T_h(x'))) / 2, minimise mean_h L_h
 *            over the student (Adam, --lr); then T <- m T + (1 - m) S (teacherMomentum)
 *   select:  after each epoch the head with the lowest mean training loss predicts (the official set_losses)
 * Predict: argmax of the teacher's selected head.
 */
export function createTemi(init: MethodInit): EmbeddingMethod {
  const { config, ds } = init;
  const k = config.clusters;
  const s = settingsOf(TEMI_SPEC, config);
  const input = embeddingInput(init);
  const dim = input.dim;
  const H = s.heads;
  if (ds.n < 2) throw new ConfigError('temi needs at least 2 images to mine neighbours');
  const params = new ParamSet(Rng.derive(config.seed, 'init'));
  // The official trunc_normal(std .02) with zero biases, and gains of 1.
  const small = normalInit(0.02);
  const ones = (n: number) => new Float32Array(n).fill(1);
  const side = (who: 'student' | 'teacher'): Heads => {
    const at = (name: string, shape: number[], init: (n: number, rng: Rng) => Float32Array) =>
      params.add(`${who}.${name}`, shape, init, who === 'student');
    return {
      w1: at('fc1.weight', [dim, H * s.hidden], small),
      b1: at('fc1.bias', [H * s.hidden], zeros),
      w2: at('fc2.weight', [H, s.hidden, s.bottleneck], small),
      b2: at('fc2.bias', [H, 1, s.bottleneck], zeros),
      v: at('last.direction', [H, s.bottleneck, k], small),
      g: at('last.gain', [H, 1, k], ones),
    };
  };
  const student = side('student');
  const teacher = side('teacher');
  const names = ['w1', 'b1', 'w2', 'b2', 'v', 'g'] as const;
  const studentVars = names.map((n) => student[n]);
  // Teacher and student start equal, as the official TeacherStudentCombo.
  for (const n of names) teacher[n].assign(student[n]);
  const nb = new NeighbourTable(params, ds.n, Math.min(s.neighbours, ds.n - 1));
  const marginals = params.add('temi.marginals', [H, k], (n) => new Float32Array(n).fill(1 / k), false);
  const selected = params.add('temi.selected_head', [1], (n) => new Float32Array(n), false);
  const optimizer = tf.train.adam(config.learningRate);

  /** Every head's logits / tau [H, b, k] for unit rows z [b, dim]. */
  const logits = (heads: Heads, z: tf.Tensor2D): tf.Tensor3D =>
    tf.tidy(() => {
      const b = z.shape[0];
      const hidden = fusedMatMul({
        a: z,
        b: heads.w1 as tf.Tensor2D,
        bias: heads.b1 as tf.Tensor1D,
        activation: 'relu',
      });
      const perHead = tf.transpose(tf.reshape(hidden, [b, H, s.hidden]), [1, 0, 2]);
      const u = tf.add(tf.matMul(perHead, heads.w2 as tf.Tensor3D), heads.b2);
      const unitU = tf.div(u, tf.sqrt(tf.add(tf.sum(tf.square(u), 2, true), 1e-12)));
      const direction = tf.div(heads.v, tf.norm(heads.v, 'euclidean', 1, true));
      return tf.div(
        tf.mul(tf.matMul(unitU, direction as tf.Tensor3D), heads.g),
        s.temperature,
      ) as tf.Tensor3D;
    });
  const headProbs = (heads: Heads, z: tf.Tensor2D, h: number) =>
    tf.tidy(
      () => tf.softmax(tf.squeeze(tf.slice(logits(heads, z), [h, 0, 0], [1, -1, -1]), [0])) as tf.Tensor2D,
    );

  const { units, batchOf } = unitInput(input);

  const embedding = embeddingSide(input, (z) => headProbs(teacher, z, selected.dataSync()[0]!));
  return {
    name: 'temi',
    params,
    optimizer,
    async trainEpoch(_epoch, rng, onStep, signal) {
      const extra = await nb.ensure(units(), dim, ds.labels);
      const steps = stepCount(ds.n, config.batchSize);
      const avg = new TermAverager();
      const headSums = new Float64Array(H);
      let step = 0;
      for (const idx of batches(rng.permutation(ds.n), config.batchSize)) {
        if (signal.aborted) throw new CancelledError();
        const x = tf.tidy(() => tf.concat([batchOf(idx), batchOf(nb.partners(idx, rng, false))], 0));
        // The teacher's side of the step: its probabilities, the marginals they move, the pair weights.
        const [qa, qb, w] = tf.tidy(() => {
          const q = tf.softmax(logits(teacher, x));
          marginals.assign(
            tf.add(tf.mul(marginals, s.probsMomentum), tf.mul(tf.mean(q, 1), 1 - s.probsMomentum)),
          );
          const [a, bb] = tf.split(q, 2, 1) as [tf.Tensor3D, tf.Tensor3D];
          return [a, bb, pairWeights(a, bb)] as const;
        });
        let perHead: tf.Tensor1D | undefined;
        const r = await minimizeTerms(optimizer, studentVars, () => {
          const [la, lb] = tf.split(tf.logSoftmax(logits(student, x)), 2, 1) as [tf.Tensor3D, tf.Tensor3D];
          const p = marginals as tf.Tensor2D;
          const losses = tf.div(
            tf.add(temiLoss(lb, qa, p, w, s.beta), temiLoss(la, qb, p, w, s.beta)),
            2,
          ) as tf.Tensor1D;
          perHead = tf.keep(losses);
          return { pmi: tf.mean(losses) as tf.Scalar, weightDecay: weightDecay(studentVars, s.weightDecay) };
        });
        const lossOfHead = (await perHead!.data()) as Float32Array;
        lossOfHead.forEach((v, h) => (headSums[h] += v));
        tf.dispose([x, qa, qb, w, perHead!]);
        tf.tidy(() => {
          for (const n of names)
            teacher[n].assign(
              tf.add(tf.mul(teacher[n], s.teacherMomentum), tf.mul(student[n], 1 - s.teacherMomentum)),
            );
        });
        avg.add(r.loss, r.terms);
        onStep({ step: ++step, steps, loss: r.loss, images: 2 * idx.length });
      }
      const means = Array.from(headSums, (v) => v / Math.max(step, 1));
      const best = means.indexOf(Math.min(...means));
      tf.tidy(() => selected.assign(tf.tensor1d([best])));
      return { ...avg.result('temi'), extra: { ...extra, selectedHead: best, selectedLoss: means[best]! } };
    },
    predict: embedding.predictFromEmbeddings,
    probs: embedding.probs,
    features: embedding.features,
    embeddings: embedding.embeddings,
    probsFromEmbeddings: embedding.probsFromEmbeddings,
  };
}
