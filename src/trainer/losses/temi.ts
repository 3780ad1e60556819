import * as tf from '@tensorflow/tfjs-core';

/**
 * TEMI's loss for every head at once, one direction (teacher on one image of each pair, student
 * on the other): the official beta_mi weighted as its TEMI class, per head h
 *   L_h = -mean_i w_i log sum_c (q_s(c|x_i) q_t(c|x'_i))^beta / p_h(c)
 * in log space, so (q_s q_t)^beta has a finite gradient where q_s underflows:
 *   log sum_c exp(beta (log q_s + log q_t) - log p_h(c)).
 * studentLogProbs [H, b, k] carry the gradient; the teacher's probabilities [H, b, k], the
 * marginals p [H, k] (an EMA of the teacher's) and the pair weights w [b] are constants.
 * Returns the H losses.
 */
export function temiLoss(
  studentLogProbs: tf.Tensor3D,
  teacherProbs: tf.Tensor3D,
  marginals: tf.Tensor2D,
  weights: tf.Tensor1D,
  beta: number,
): tf.Tensor1D {
  return tf.tidy(() => {
    const logTeacher = tf.log(tf.maximum(teacherProbs, 1e-30));
    const logP = tf.expandDims(tf.log(marginals), 1);
    const pmi = tf.logSumExp(tf.sub(tf.mul(tf.add(studentLogProbs, logTeacher), beta), logP), 2);
    return tf.neg(tf.mean(tf.mul(pmi, weights), 1)) as tf.Tensor1D;
  });
}

/**
 * TEMI's per-pair weight [b]: the teacher's agreement sum_c q_t(c|x) q_t(c|x') between an image
 * and its neighbour, averaged over the heads (the ensemble), so pairs the teacher heads place in
 * different clusters (likely false neighbours) count less. a, b: [H, b, k].
 */
export function pairWeights(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => tf.mean(tf.sum(tf.mul(a, b), 2), 0) as tf.Tensor1D);
}
